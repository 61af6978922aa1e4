//! Billing, for admins only: a month's summary, its export, a patient-month's entries, closing a
//! month, and an admin's correction of an entry. Every read and write is audited.

use std::collections::HashMap;
use std::sync::Arc;

use carelog_domain::billing::{RuleSet, dollars};
use carelog_domain::billing_summary::{MonthSummary, Totals};
use carelog_domain::catalogue::TimeRule;
use carelog_domain::ids::{EntryId, PatientId, UserId};
use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_domain::time_rules::{check_notes, parse_minutes};
use carelog_store::{
    ClosedMonth, CountedEntry, EntryRow, PatientDetail, StoreError, describe_entry,
};
use chrono::Utc;

use crate::actor::audit_event;
use crate::billing_csv::billing_csv;
use crate::{Actor, App, ServiceError, ServiceResult};

/// How many months the billing page's trend covers, ending with the month shown.
const TREND_MONTHS: usize = 12;

/// A month's billing as the page shows it.
pub struct BillingMonth {
    pub summary: Arc<MonthSummary>,
    /// Every user's display name by id, for the coordinator columns.
    pub names: HashMap<UserId, String>,
    pub closed: Option<ClosedMonth>,
    /// The month and the eleven before it, oldest first, under the same rule set.
    pub trend: Vec<(YearMonth, Totals)>,
}

/// The entries behind one patient-month.
pub struct PatientMonth {
    pub patient: PatientDetail,
    pub entries: Vec<CountedEntry>,
    pub billable_minutes: i64,
}

/// An admin's correction as typed.
pub struct Correction<'a> {
    pub minutes: &'a str,
    pub notes: &'a str,
    pub reason: &'a str,
}

impl App {
    /// The month's billing under `rules` (the admin's chosen set when None); audited.
    pub async fn billing_month(
        &self,
        actor: &Actor,
        month: YearMonth,
        rules: Option<RuleSet>,
    ) -> ServiceResult<BillingMonth> {
        self.require_admin(actor)?;
        let summary = self.figures.billing_summary(month, rules).await?;
        let names = self.store.user_names().await?;
        let detail = format!("{month} under {}", summary.rule_set.key());
        self.audit(actor, "billing.view", None, detail).await?;
        let closed = self.store.closed_month(month).await?;
        let mut months: Vec<YearMonth> =
            std::iter::successors(Some(month), |m| Some(m.previous())).take(TREND_MONTHS).collect();
        months.reverse();
        let totals = self.figures.billing_totals(&months, summary.rule_set).await?;
        let trend = months.into_iter().zip(totals).collect();
        Ok(BillingMonth { summary, names, closed, trend })
    }

    /// The month's summary alone, for the JSON API (which audits its own read).
    pub async fn billing_summary(
        &self,
        actor: &Actor,
        month: YearMonth,
        rules: Option<RuleSet>,
    ) -> ServiceResult<Arc<MonthSummary>> {
        self.require_admin(actor)?;
        Ok(self.figures.billing_summary(month, rules).await?)
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
        let summary = self.figures.billing_summary(month, rules).await?;
        let csv = billing_csv(&summary, &self.store.user_names().await?)
            .map_err(|e| ServiceError::Internal(format!("billing CSV: {e}")))?;
        let detail = format!(
            "{month} under {}, {} patient-months",
            summary.rule_set.key(),
            summary.lines.len()
        );
        self.audit(actor, "billing.export", None, detail).await?;
        Ok((csv, summary.rule_set))
    }

    /// The entries behind one patient-month, billable ones marked; audited.
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
        self.audit(actor, "billing.patient-month", Some(patient_id), month.to_string()).await?;
        Ok(PatientMonth { patient, entries, billable_minutes })
    }

    /// Closes a month that has ended: snapshots it per coordinator and locks its entries.
    /// Returns the rule set it was closed under.
    pub async fn close_month(
        &self,
        actor: &Actor,
        month: YearMonth,
        rules: Option<RuleSet>,
    ) -> ServiceResult<RuleSet> {
        self.require_admin(actor)?;
        if month >= YearMonth::of(local_date(Utc::now(), self.settings.time_zone)) {
            return Err(ServiceError::Refused(format!(
                "{month} has not ended yet; a month can be closed from its last day on."
            )));
        }
        let summary = self.figures.billing_summary(month, rules).await?;
        let detail = format!(
            "{month} under {}: {} billable patient-months, {}",
            summary.rule_set.key(),
            summary.totals.billable,
            dollars(summary.totals.reimbursement)
        );
        let audit = audit_event(actor, "billing.close", None, detail);
        match self.store.close_month(&summary, actor.id, &audit, Utc::now()).await {
            Ok(()) => Ok(summary.rule_set),
            Err(StoreError::AlreadyExists(_)) => {
                Err(ServiceError::Refused(format!("{month} is closed already.")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// An entry an admin may correct (any entry).
    pub async fn entry_for_correction(
        &self,
        actor: &Actor,
        id: EntryId,
    ) -> ServiceResult<EntryRow> {
        self.require_admin(actor)?;
        self.store.entry(id).await?.ok_or(ServiceError::NotFound)
    }

    /// An admin's correction of an entry's minutes and notes, with a reason: the time rules still
    /// hold. `Err` of the outer result is a failure; the inner one lists what to fix.
    pub async fn correct_entry(
        &self,
        actor: &Actor,
        entry: &EntryRow,
        correction: &Correction<'_>,
    ) -> ServiceResult<Result<(), Vec<String>>> {
        self.require_admin(actor)?;
        let types = self.store.task_types().await?;
        let rule = types
            .iter()
            .find(|t| t.id == entry.task_type_id)
            .map_or(TimeRule::Minutes, |t| t.time_rule);
        let mut errors = Vec::new();
        let minutes = parse_minutes(rule, correction.minutes)
            .map_err(|v| errors.push(v.message))
            .ok()
            .flatten();
        let reason = correction.reason.trim();
        if reason.is_empty() {
            errors.push("Reason: say why this entry is corrected; the audit log keeps it.".into());
        } else if reason.chars().count() > 500 {
            errors.push("Reason: at most 500 characters.".into());
        }
        if let Err(v) = check_notes(correction.notes) {
            errors.push(format!("Notes: {}", v.message));
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let notes = correction.notes.trim();
        let e = entry;
        let before =
            describe_entry(&e.task_type, e.minutes, e.stat_value.as_deref(), &e.notes, e.task_at);
        let after =
            describe_entry(&e.task_type, minutes, e.stat_value.as_deref(), notes, e.task_at);
        let detail = format!("reason: {reason}; before: {before}; after: {after}");
        let audit = audit_event(actor, "billing.correct", e.patient_id, detail);
        self.store.correct_entry(e.id, minutes, notes, &audit, Utc::now()).await?;
        Ok(Ok(()))
    }
}
