//! Claims from a month's billing (domain.md "Billing"): one claim per billable patient-month, one
//! line per CPT code with its units and the practice's charge. Not-billable lines never yield one.
//! What the practice must set before claims can be written is [`ClaimSettings`].

use std::collections::HashMap;

use crate::RuleViolation;
use crate::billing::{Cents, Fee, fee_for};
use crate::billing_summary::{MonthSummary, SummaryLine};
use crate::enrollment::Npi;

/// The practice's claim settings, as the settings table keeps them (`claims.<key>`).
pub const SETTING_KEYS: [(&str, &str); 12] = [
    ("practice_name", "Practice name"),
    ("address", "Street address"),
    ("city", "City"),
    ("state", "State"),
    ("zip", "ZIP+4"),
    ("billing_npi", "Billing NPI"),
    ("tax_id", "Tax ID (EIN)"),
    ("contact_name", "Billing contact"),
    ("contact_phone", "Contact phone"),
    ("submitter_id", "X12 submitter ID"),
    ("receiver_id", "X12 receiver ID"),
    ("receiver_name", "Receiver (clearinghouse or payer) name"),
];

/// The payer ID that claims name for every patient (the practice's Medicare contractor).
pub const PAYER_ID_KEY: &str = "payer_id";

/// What an 837P needs of the practice, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimSettings {
    pub practice_name: String,
    pub address: String,
    pub city: String,
    pub state: String,
    /// Nine digits.
    pub zip: String,
    pub billing_npi: String,
    /// Nine digits.
    pub tax_id: String,
    pub contact_name: String,
    /// Ten digits.
    pub contact_phone: String,
    pub submitter_id: String,
    pub receiver_id: String,
    pub receiver_name: String,
    pub payer_id: String,
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// An X12 identifier: 2 to 15 letters and digits (it fills ISA06/ISA08 as well as NM109).
fn x12_id(label: &'static str, text: &str) -> Result<String, RuleViolation> {
    let id = text.trim();
    if (2..=15).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(id.to_owned())
    } else {
        Err(RuleViolation::new(
            label,
            format!(
                "2 to 15 letters and digits, as your clearinghouse assigned it; \"{id}\" is not"
            ),
        ))
    }
}

fn text_of(label: &'static str, text: &str, max: usize) -> Result<String, RuleViolation> {
    let t = text.trim();
    if t.is_empty() {
        return Err(RuleViolation::new(label, "is required"));
    }
    if t.chars().count() > max {
        return Err(RuleViolation::new(label, format!("at most {max} characters")));
    }
    if t.contains(['*', '~', ':', '^']) {
        return Err(RuleViolation::new(label, "may not contain * ~ : or ^ (X12 separators)"));
    }
    Ok(t.to_owned())
}

impl ClaimSettings {
    /// The settings from their stored values, or every rule they break.
    pub fn parse(values: &HashMap<String, String>) -> Result<ClaimSettings, Vec<RuleViolation>> {
        let get = |key: &str| values.get(key).map_or("", String::as_str);
        let mut errors = Vec::new();
        let mut keep =
            |r: Result<String, RuleViolation>| r.map_err(|e| errors.push(e)).unwrap_or_default();
        let practice_name = keep(text_of("Practice name", get("practice_name"), 60));
        let address = keep(text_of("Street address", get("address"), 55));
        let city = keep(text_of("City", get("city"), 30));
        let state = keep({
            let s = get("state").trim().to_ascii_uppercase();
            if s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase()) {
                Ok(s)
            } else {
                Err(RuleViolation::new("State", format!("two letters such as OR; \"{s}\" is not")))
            }
        });
        let zip = keep({
            let d = digits(get("zip"));
            if d.len() == 9 && !get("zip").chars().any(|c| c.is_ascii_alphabetic()) {
                Ok(d)
            } else {
                Err(RuleViolation::new(
                    "ZIP+4",
                    format!(
                        "nine digits such as 97201-1234 (claims need ZIP+4); \"{}\" is not",
                        get("zip").trim()
                    ),
                ))
            }
        });
        let billing_npi = keep(
            Npi::parse(get("billing_npi"))
                .map(|n| n.as_str().to_owned())
                .map_err(|e| RuleViolation::new("Billing NPI", e.message)),
        );
        let tax_id = keep({
            let raw = get("tax_id").trim();
            let d = digits(raw);
            if d.len() == 9 && raw.chars().all(|c| c.is_ascii_digit() || c == '-') {
                Ok(d)
            } else {
                Err(RuleViolation::new(
                    "Tax ID (EIN)",
                    format!("nine digits such as 12-3456789; \"{raw}\" is not"),
                ))
            }
        });
        let contact_name = keep(text_of("Billing contact", get("contact_name"), 60));
        let contact_phone = keep({
            let d = digits(get("contact_phone"));
            if d.len() == 10 {
                Ok(d)
            } else {
                Err(RuleViolation::new(
                    "Contact phone",
                    format!(
                        "ten digits such as 503-555-0100; \"{}\" is not",
                        get("contact_phone").trim()
                    ),
                ))
            }
        });
        let submitter_id = keep(x12_id("X12 submitter ID", get("submitter_id")));
        let receiver_id = keep(x12_id("X12 receiver ID", get("receiver_id")));
        let receiver_name = keep(text_of("Receiver name", get("receiver_name"), 60));
        let payer_id = keep(x12_id("Payer ID", get(PAYER_ID_KEY)));
        if errors.is_empty() {
            Ok(ClaimSettings {
                practice_name,
                address,
                city,
                state,
                zip,
                billing_npi,
                tax_id,
                contact_name,
                contact_phone,
                submitter_id,
                receiver_id,
                receiver_name,
                payer_id,
            })
        } else {
            Err(errors)
        }
    }
}

/// One claim line: a CPT code of a billable patient-month.
#[derive(Debug, Clone)]
pub struct ClaimLine<'a> {
    pub line: &'a SummaryLine,
    pub code: &'static str,
    pub units: u32,
    /// The practice's charge for the units; None when the code has no fee for the year.
    pub charge: Option<Cents>,
}

/// The claim lines of the month's billable patient-months, in the summary's order.
pub fn claim_lines<'a>(summary: &'a MonthSummary, fees: &[Fee]) -> Vec<ClaimLine<'a>> {
    summary
        .lines
        .iter()
        .filter(|l| l.billable)
        .flat_map(|line| {
            line.codes.0.iter().map(move |c| ClaimLine {
                line,
                code: c.code,
                units: c.units,
                charge: fee_for(fees, c.code, summary.month.year).map(|f| f.charge.times(c.units)),
            })
        })
        .collect()
}

/// The claims CSV's columns, exactly.
pub const CSV_HEADER: [&str; 15] = [
    "patient_id",
    "chart_code",
    "patient_name",
    "birth_date",
    "sex",
    "member_id",
    "payer",
    "diagnosis_codes",
    "billing_npi",
    "rendering_npi",
    "place_of_service",
    "date_of_service",
    "cpt_code",
    "units",
    "charge",
];

/// A claim line as a CSV row, in [`CSV_HEADER`]'s order.
pub fn csv_row(c: &ClaimLine<'_>, billing_npi: &str) -> Vec<String> {
    let l = c.line;
    let p = &l.claim.patient;
    vec![
        l.patient_id.to_string(),
        l.chart_code.clone(),
        l.name.clone(),
        p.birth_date.to_string(),
        p.sex.map(|s| crate::stored::Stored::stored(s).to_owned()).unwrap_or_default(),
        p.member_id.clone().unwrap_or_default(),
        p.payer.clone().unwrap_or_default(),
        l.claim.diagnoses.join(";"),
        billing_npi.to_owned(),
        p.practitioner.as_ref().and_then(|pr| pr.npi.clone()).unwrap_or_default(),
        l.claim.place_of_service.clone(),
        l.claim.date_of_service.to_string(),
        c.code.to_owned(),
        c.units.to_string(),
        c.charge.map(Cents::decimal).unwrap_or_default(),
    ]
}

/// Why a billable patient-month cannot become a claim that a payer would accept; empty when it can.
pub fn claim_gaps(l: &SummaryLine) -> Vec<&'static str> {
    let p = &l.claim.patient;
    let mut gaps = Vec::new();
    if p.member_id.is_none() {
        gaps.push("no member ID");
    }
    if p.sex.is_none() {
        gaps.push("no sex recorded");
    }
    if p.practitioner.as_ref().and_then(|pr| pr.npi.as_ref()).is_none() {
        gaps.push("no billing practitioner with an NPI");
    }
    if l.claim.diagnoses.is_empty() {
        gaps.push("no coded chronic diagnosis");
    }
    gaps
}
