//! Claims for billing staff to hand to their billing system: a claims CSV (one row per CPT code line)
//! and an X12 837P batch, from a closed month's billed record, or, marked DRAFT, from an open month
//! computed now. Admins only; audited.

use std::collections::HashMap;
use std::sync::Arc;

use carelog_domain::billing::Fee;
use carelog_domain::billing_summary::DateOfService;
use carelog_domain::billing_summary::MonthSummary;
use carelog_domain::claims::{
    CSV_HEADER, ClaimSettings, PAYER_ID_KEY, SETTING_KEYS, claim_lines, csv_row,
};
use carelog_domain::enrollment::Npi;
use carelog_domain::practice_time::YearMonth;
use carelog_domain::x12_837p::{Batch, write};
use chrono::Utc;

use crate::csv_out::csv_text;
use crate::{Actor, App, ServiceError, ServiceResult};

/// The settings keys of claims live under this prefix.
pub const CLAIM_SETTINGS_PREFIX: &str = "claims.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimFormat {
    Csv,
    X12,
}

impl ClaimFormat {
    pub fn parse(text: &str) -> Option<ClaimFormat> {
        match text.trim() {
            "csv" => Some(ClaimFormat::Csv),
            "x12" | "837" | "837p" => Some(ClaimFormat::X12),
            _ => None,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ClaimFormat::Csv => "csv",
            ClaimFormat::X12 => "837",
        }
    }
}

/// A claims file ready to download.
#[derive(Debug, Clone)]
pub struct ClaimsFile {
    pub filename: String,
    pub body: String,
    /// From an open month: not the billed record.
    pub draft: bool,
    pub claim_lines: usize,
    /// Billable patient-months left out of the 837P, each with the reason.
    pub left_out: Vec<(String, String)>,
}

/// ISA13: the month and how many amendments its record has had, so a corrected batch is a new
/// interchange and the same record always the same one.
pub fn control_number(month: YearMonth, summary: &MonthSummary) -> u32 {
    let amendments: i64 = summary
        .lines
        .iter()
        .filter_map(|l| l.amendment.as_ref())
        .map(|a| i64::from(a.version) - 1)
        .sum();
    let year = u32::try_from(month.year.rem_euclid(100)).unwrap_or(0);
    year * 10_000_000 + month.month * 100_000 + u32::try_from(amendments.min(99_999)).unwrap_or(0)
}

/// A place of service: CMS's two-digit code (11 office, 12 home, …).
pub fn parse_place_of_service(text: &str) -> Result<String, String> {
    let t = text.trim();
    match t.parse::<u8>() {
        Ok(n) if t.len() == 2 && (1..=99).contains(&n) => Ok(t.to_owned()),
        _ => Err(format!(
            "Place of service: CMS's two-digit code such as 11 (office) or 12 (home); \"{t}\" is not"
        )),
    }
}

impl App {
    /// Saves the practice's claim settings, or says every rule they break and changes nothing.
    pub async fn save_claim_settings(
        &self,
        actor: &Actor,
        values: &HashMap<String, String>,
    ) -> ServiceResult<Result<(), Vec<String>>> {
        self.require_admin(actor)?;
        let mut errors: Vec<String> = match ClaimSettings::parse(values) {
            Ok(_) => Vec::new(),
            Err(rules) => rules.iter().map(|e| format!("{}: {}", e.field, e.message)).collect(),
        };
        let get = |k: &str| values.get(k).map_or("", String::as_str);
        if let Err(e) = parse_place_of_service(get("place_of_service")) {
            errors.push(e);
        }
        if DateOfService::parse(get("date_of_service")).is_none() {
            errors.push(
                "Date of service: choose the month's last day or the day the threshold was met"
                    .into(),
            );
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let before = self.store.settings_with_prefix(CLAIM_SETTINGS_PREFIX).await?;
        let now = Utc::now();
        let mut changed = Vec::new();
        let keys = SETTING_KEYS.iter().map(|(k, _)| *k).chain([
            PAYER_ID_KEY,
            "place_of_service",
            "date_of_service",
        ]);
        for key in keys {
            let value = get(key).trim();
            if before.get(key).map(String::as_str) != Some(value) {
                let was = before.get(key).map_or("not set", String::as_str);
                changed.push(format!("{key}: {was} → {value}"));
                self.store
                    .set_setting(&format!("{CLAIM_SETTINGS_PREFIX}{key}"), value, now)
                    .await?;
            }
        }
        let detail = if changed.is_empty() { "no change".to_owned() } else { changed.join("; ") };
        self.audit(actor, "billing.claim-settings", None, detail).await?;
        Ok(Ok(()))
    }

    /// The practice's claim settings as stored (keys without their prefix).
    pub async fn claim_setting_values(
        &self,
        actor: &Actor,
    ) -> ServiceResult<HashMap<String, String>> {
        self.require_admin(actor)?;
        Ok(self.store.settings_with_prefix(CLAIM_SETTINGS_PREFIX).await?)
    }

    /// The claims of a month: a closed month's from its record; an open one's only as a draft.
    pub async fn claims(
        &self,
        actor: &Actor,
        month: YearMonth,
        format: ClaimFormat,
        draft: bool,
    ) -> ServiceResult<ClaimsFile> {
        self.require_admin(actor)?;
        let tz = self.settings.time_zone;
        // The record with each line's claim facts (the pages' kept record leaves them out).
        let record = self.store.billed_record_for_claims(month).await?;
        let (summary, fees, created, is_draft): (Arc<MonthSummary>, Vec<Fee>, _, bool) =
            match record {
                Some((closed, summary)) => (
                    Arc::new(summary),
                    self.store.billed_fees(month).await?,
                    closed.closed_at.with_timezone(&tz).naive_local(),
                    false,
                ),
                None if draft => {
                    let summary = self.figures.billing_summary(month, None).await?;
                    let fees =
                        self.store.fee_schedule().await?.iter().map(|f| f.as_domain()).collect();
                    (summary, fees, Utc::now().with_timezone(&tz).naive_local(), true)
                }
                None => {
                    return Err(ServiceError::Refused(format!(
                        "{month} is not closed: claims come from a closed month's billed record. Close the month first, or ask for a draft."
                    )));
                }
            };
        let values = self.store.settings_with_prefix(CLAIM_SETTINGS_PREFIX).await?;
        let file = match format {
            ClaimFormat::Csv => {
                let npi = values.get("billing_npi").map_or("", String::as_str);
                let npi = Npi::parse(npi).map_err(|_| {
                    ServiceError::Refused(
                        "Claims need the practice's billing NPI: set it under Admin → Billing settings → Claims.".into(),
                    )
                })?;
                let lines = claim_lines(&summary, &fees);
                let body = csv_text(&CSV_HEADER, lines.iter().map(|c| csv_row(c, npi.as_str())))
                    .map_err(|e| ServiceError::Internal(format!("claims CSV: {e}")))?;
                ClaimsFile {
                    filename: String::new(),
                    body,
                    draft: is_draft,
                    claim_lines: lines.len(),
                    left_out: Vec::new(),
                }
            }
            ClaimFormat::X12 => {
                let settings = ClaimSettings::parse(&values).map_err(|errors| {
                    let rules: Vec<String> =
                        errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
                    ServiceError::Refused(format!(
                        "The 837P needs the practice's claim settings (Admin → Billing settings → Claims): {}.",
                        rules.join("; ")
                    ))
                })?;
                let written = write(&Batch {
                    settings: &settings,
                    summary: &summary,
                    fees: &fees,
                    created,
                    control_number: control_number(month, &summary),
                    production: !is_draft,
                });
                if written.claims == 0 {
                    return Err(ServiceError::Refused(format!(
                        "{month} has no billable patient-month ready to claim{}.",
                        if written.left_out.is_empty() {
                            String::new()
                        } else {
                            format!(
                                ": {}",
                                written
                                    .left_out
                                    .iter()
                                    .map(|(c, why)| format!("{c} ({why})"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    )));
                }
                ClaimsFile {
                    filename: String::new(),
                    body: written.x12,
                    draft: is_draft,
                    claim_lines: written.claims,
                    left_out: written.left_out,
                }
            }
        };
        let filename = format!(
            "carelog-claims-{month}{}.{}",
            if file.draft { "-DRAFT" } else { "" },
            format.extension()
        );
        let detail = format!(
            "{month} as {}{}: {} {}{}",
            format.extension(),
            if file.draft { " (DRAFT from the open month)" } else { " from the billed record" },
            file.claim_lines,
            if format == ClaimFormat::Csv { "claim lines" } else { "claims" },
            if file.left_out.is_empty() {
                String::new()
            } else {
                format!(", {} left out", file.left_out.len())
            }
        );
        self.audit(actor, "billing.claims", None, detail).await?;
        Ok(ClaimsFile { filename, ..file })
    }
}
