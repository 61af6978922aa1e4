//! Billing, for admins only: a month's summary (an open month's computed, a closed month's read from
//! its billed record, with what would differ now shown apart), its export, a patient-month's entries,
//! closing a month, and an admin's amendment of an entry. Every read and write is audited.

use std::collections::HashMap;
use std::sync::Arc;

use carelog_domain::billing::RuleSet;
use carelog_domain::billing_changes::{ChangesSinceClose, changes_since_close};
use carelog_domain::billing_summary::{MonthSummary, SummaryLine, Totals};
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_store::{ClosedMonth, CountedEntry, MonthClose, PatientDetail, StoreError};
use chrono::Utc;

use crate::actor::audit_event;
use crate::billing_csv::billing_csv;
use crate::{Actor, App, ServiceError, ServiceResult};

/// How many months the billing page's trend covers, ending with the month shown.
const TREND_MONTHS: usize = 12;
/// Closes retried when an entry of the month changed while it was being summarised.
const CLOSE_ATTEMPTS: usize = 3;

/// A month's billing as the page shows it.
pub struct BillingMonth {
    /// The billed record of a closed month; an open month's billing computed now.
    pub summary: Arc<MonthSummary>,
    /// Every user's display name by id, for the coordinator columns.
    pub names: HashMap<UserId, String>,
    pub closed: Option<ClosedMonth>,
    /// The month and the eleven before it, oldest first: closed months from their records.
    pub trend: Vec<(YearMonth, Totals)>,
    pub fees: FeeYear,
}

/// Whether the month's year has fees, and which earlier year's could be copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeYear {
    pub year: i32,
    pub codes_with_fee: usize,
    /// The latest earlier year with fees, when this one has none.
    pub copy_from: Option<i32>,
}

/// The entries behind one patient-month.
pub struct PatientMonth {
    pub patient: PatientDetail,
    pub entries: Vec<CountedEntry>,
    pub billable_minutes: i64,
    /// A closed month's line, every version, oldest first.
    pub versions: Vec<SummaryLine>,
    /// Display names by user id, for who amended.
    pub names: HashMap<UserId, String>,
}

/// A month's billing for a reader: the record when closed, else computed now.
pub struct MonthBilling {
    pub summary: Arc<MonthSummary>,
    pub closed: Option<ClosedMonth>,
}

impl App {
    /// The month's billing for reading: a closed month's record (whatever `rules` says: the record
    /// is what was billed), an open month's computed under `rules`.
    pub(crate) async fn month_billing(
        &self,
        month: YearMonth,
        rules: Option<RuleSet>,
    ) -> ServiceResult<MonthBilling> {
        if let Some((closed, summary)) = self.figures.record(month).await?.as_ref() {
            return Ok(MonthBilling { summary: Arc::clone(summary), closed: Some(closed.clone()) });
        }
        Ok(MonthBilling {
            summary: self.figures.billing_summary(month, rules).await?,
            closed: None,
        })
    }

    /// The month's billing as the page shows it; audited.
    pub async fn billing_month(
        &self,
        actor: &Actor,
        month: YearMonth,
        rules: Option<RuleSet>,
    ) -> ServiceResult<BillingMonth> {
        self.require_admin(actor)?;
        let MonthBilling { summary, closed } = self.month_billing(month, rules).await?;
        let names = self.store.user_names().await?;
        let detail = format!(
            "{month} under {}{}",
            summary.rule_set.key(),
            if closed.is_some() { " (billed record)" } else { "" }
        );
        let listed = summary.lines.iter().map(|l| l.patient_id).collect();
        self.audit_read(actor, "billing.view", listed, detail).await?;
        let mut months: Vec<YearMonth> =
            std::iter::successors(Some(month), |m| Some(m.previous())).take(TREND_MONTHS).collect();
        months.reverse();
        let totals = self.figures.billing_totals(&months, summary.rule_set).await?;
        let trend = months.into_iter().zip(totals).collect();
        let fees = self.fee_year(month.year).await?;
        Ok(BillingMonth { summary, names, closed, trend, fees })
    }

    /// What a closed month's billing would be now, computed under its rule set, against its
    /// record; None while the month is open. Audited.
    pub async fn changes_since_close(
        &self,
        actor: &Actor,
        month: YearMonth,
    ) -> ServiceResult<Option<(ClosedMonth, ChangesSinceClose)>> {
        self.require_admin(actor)?;
        let Some((closed, record)) = self.figures.record(month).await?.as_ref().clone() else {
            return Ok(None);
        };
        let now = self.figures.billing_summary(month, Some(closed.rule_set)).await?;
        let changes = changes_since_close(&record, &now);
        let detail = format!("{month}: {} patient-months would differ", changes.lines.len());
        self.audit(actor, "billing.changes-since-close", None, detail).await?;
        Ok(Some((closed, changes)))
    }

    async fn fee_year(&self, year: i32) -> ServiceResult<FeeYear> {
        let fees = self.store.fee_schedule().await?;
        let codes_with_fee = fees.iter().filter(|f| f.fee_year == year).count();
        let copy_from = if codes_with_fee == 0 {
            fees.iter().map(|f| f.fee_year).filter(|y| *y < year).max()
        } else {
            None
        };
        Ok(FeeYear { year, codes_with_fee, copy_from })
    }

    /// The month's summary alone, for the JSON API (which audits its own read): the record when
    /// closed.
    pub async fn billing_summary(
        &self,
        actor: &Actor,
        month: YearMonth,
        rules: Option<RuleSet>,
    ) -> ServiceResult<MonthBilling> {
        self.require_admin(actor)?;
        self.month_billing(month, rules).await
    }

    /// The month's billing as CSV (one row per patient-month) and the rule set it was computed
    /// under; audited.
    pub async fn billing_export(
        &self,
        actor: &Actor,
        month: YearMonth,
        rules: Option<RuleSet>,
    ) -> ServiceResult<(String, RuleSet)> {
        self.require_admin(actor)?;
        let MonthBilling { summary, closed } = self.month_billing(month, rules).await?;
        let csv = billing_csv(&summary, &self.store.user_names().await?)
            .map_err(|e| ServiceError::Internal(format!("billing CSV: {e}")))?;
        let detail = format!(
            "{month} under {}{}, {} patient-months",
            summary.rule_set.key(),
            if closed.is_some() { " (billed record)" } else { "" },
            summary.lines.len()
        );
        let listed = summary.lines.iter().map(|l| l.patient_id).collect();
        self.audit_read(actor, "billing.export", listed, detail).await?;
        Ok((csv, summary.rule_set))
    }

    /// The entries behind one patient-month, billable ones marked, and a closed month's line
    /// versions; audited.
    pub async fn patient_month(
        &self,
        actor: &Actor,
        patient_id: PatientId,
        month: YearMonth,
    ) -> ServiceResult<PatientMonth> {
        self.require_admin(actor)?;
        let patient = self.store.patient_detail(patient_id).await?.ok_or(ServiceError::NotFound)?;
        let entries = self.store.patient_month_entries(patient_id, month).await?;
        let billable_minutes = self.store.patient_month_minutes(patient_id, month).await?.billable;
        let versions = self.store.billed_line_versions(month, patient_id).await?;
        self.audit(actor, "billing.patient-month", Some(patient_id), month.to_string()).await?;
        let names = self.store.user_names().await?;
        Ok(PatientMonth { patient, entries, billable_minutes, versions, names })
    }

    /// Closes a month that has ended: writes its billed record (every patient-month line, the fees,
    /// the per-coordinator totals) and from then on the database refuses its entries' writes.
    /// Returns the rule set it was closed under.
    pub async fn close_month(
        &self,
        actor: &Actor,
        month: YearMonth,
        rules: Option<RuleSet>,
    ) -> ServiceResult<RuleSet> {
        self.require_admin(actor)?;
        let today = local_date(Utc::now(), self.settings.time_zone);
        if month >= YearMonth::of(today) {
            return Err(ServiceError::Refused(format!(
                "{month} has not ended yet (today is {today}); a month can be closed once its last day is over."
            )));
        }
        for _ in 0..CLOSE_ATTEMPTS {
            let started = std::time::Instant::now();
            let (summary, revision) = self.figures.live_summary(month, rules).await?;
            let computed = started.elapsed();
            let (_, fees, date_of_service, place) = self.store.billing_rules_now().await?;
            let unpriced = summary.totals.lines_without_fee;
            let detail = format!(
                "{month} under {}: {} billable patient-months, {}{}",
                summary.rule_set.key(),
                summary.totals.billable,
                summary.totals.reimbursement,
                if unpriced > 0 {
                    format!(" and {unpriced} lines without a fee")
                } else {
                    String::new()
                }
            );
            let audit = audit_event(actor, "billing.close", None, detail);
            let close = MonthClose {
                summary: &summary,
                fees: &fees,
                date_of_service,
                place_of_service: &place,
                month_revision: revision.month,
                closed_by: actor.user_id(),
            };
            let written = std::time::Instant::now();
            match self.store.close_month(&close, &audit, Utc::now()).await {
                Ok(()) => {
                    tracing::info!(
                        %month,
                        lines = summary.lines.len(),
                        compute_ms = computed.as_millis() as u64,
                        write_ms = written.elapsed().as_millis() as u64,
                        "month closed"
                    );
                    return Ok(summary.rule_set);
                }
                Err(StoreError::AlreadyExists(_)) => {
                    return Err(ServiceError::Refused(format!("{month} is closed already.")));
                }
                Err(StoreError::Stale(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Refused(format!(
            "{month} could not be closed: its entries kept changing while it was being summarised. Nothing was closed; please try again."
        )))
    }

    /// Copies the fees of one year to another that has none (the billing page's offer); audited.
    pub async fn copy_fees(&self, actor: &Actor, from: i32, to: i32) -> ServiceResult<u64> {
        self.require_admin(actor)?;
        if !(2000..=2100).contains(&to) || from >= to {
            return Err(ServiceError::Refused(format!(
                "Fees are copied from an earlier year to a later one; {from} → {to} is not."
            )));
        }
        let detail = format!("fees of {from} copied to {to} where {to} had none");
        let audit = audit_event(actor, "billing.fees-copied", None, detail);
        Ok(self.store.copy_fees(from, to, &audit, Utc::now()).await?)
    }
}
