//! A month's billing as JSON, one shape for the API and the command line: money in integer cents,
//! codes only on billable lines (the codes the minutes reached on a line that is not billable are in
//! `codes_if_billable`), a closed month's record marked as such and amended lines marked.

use carelog_domain::billing::{Billed, RuleSet};
use carelog_domain::billing_summary::{MonthSummary, SummaryLine};
use carelog_domain::ids::{PatientId, UserId};
use carelog_store::ClosedMonth;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct BillingSummary {
    /// YYYY-MM.
    pub month: String,
    pub rule_set: RuleSet,
    pub target_minutes: i64,
    /// Set when the month is closed: the lines are then its billed record.
    pub closed: Option<Closed>,
    pub totals: BillingTotals,
    pub lines: Vec<BillingLine>,
}

#[derive(Serialize, ToSchema)]
pub struct Closed {
    pub closed_at: DateTime<Utc>,
    pub closed_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BillingTotals {
    pub patient_months: i64,
    pub billable: i64,
    pub minutes: i64,
    /// Integer cents: the known part (lines whose codes all have a fee).
    pub estimated_reimbursement_cents: i64,
    /// Billable lines left out of the amount for a code without a fee.
    pub lines_without_fee: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BillingLine {
    pub patient_id: PatientId,
    pub chart_code: String,
    pub name: String,
    pub coordinator_id: Option<UserId>,
    pub program: Billed,
    pub minutes: i64,
    /// The codes billed; null on a line that is not billable.
    pub codes: Option<String>,
    /// On a line that is not billable: the codes its minutes reached.
    pub codes_if_billable: Option<String>,
    pub billable: bool,
    pub reason: String,
    pub review: Vec<String>,
    /// Integer cents; null when not billable or a code has no fee.
    pub estimated_reimbursement_cents: Option<i64>,
    pub amended: Option<Amended>,
}

#[derive(Serialize, ToSchema)]
pub struct Amended {
    pub version: i32,
    pub reason: String,
    pub amended_by: Option<UserId>,
    pub amended_at: DateTime<Utc>,
}

fn line(l: &SummaryLine) -> BillingLine {
    BillingLine {
        patient_id: l.patient_id,
        chart_code: l.chart_code.clone(),
        name: l.name.clone(),
        coordinator_id: l.coordinator_id,
        program: l.billed,
        minutes: l.minutes,
        codes: l.billed_codes().map(ToString::to_string),
        codes_if_billable: (!l.billable && !l.codes.is_empty()).then(|| l.codes.to_string()),
        billable: l.billable,
        reason: l.reason.clone(),
        review: l.flags.clone(),
        estimated_reimbursement_cents: if l.billable { l.reimbursement.map(|c| c.0) } else { None },
        amended: l.amendment.as_ref().map(|a| Amended {
            version: a.version,
            reason: a.reason.clone(),
            amended_by: a.by,
            amended_at: a.at,
        }),
    }
}

pub fn summary(s: &MonthSummary, closed: Option<&ClosedMonth>) -> BillingSummary {
    BillingSummary {
        month: s.month.to_string(),
        rule_set: s.rule_set,
        target_minutes: s.target_minutes,
        closed: closed.map(|c| Closed { closed_at: c.closed_at, closed_by: c.closed_by.clone() }),
        totals: BillingTotals {
            patient_months: s.totals.patients,
            billable: s.totals.billable,
            minutes: s.totals.minutes,
            estimated_reimbursement_cents: s.totals.reimbursement.0,
            lines_without_fee: s.totals.lines_without_fee,
        },
        lines: s.lines.iter().map(line).collect(),
    }
}
