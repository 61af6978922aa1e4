//! A month's billing as JSON, one shape for the API and the command line: money in integer cents,
//! codes only on billable lines (the codes the minutes reached on a line that is not billable are in
//! `codes_if_billable`), a closed month's record marked as such and amended lines marked.

use carelog_domain::billing_summary::{MonthSummary, SummaryLine};
use carelog_store::ClosedMonth;
use serde_json::{Value, json};

fn line_json(l: &SummaryLine) -> Value {
    json!({
        "patient_id": l.patient_id,
        "chart_code": l.chart_code,
        "name": l.name,
        "coordinator_id": l.coordinator_id,
        "program": l.billed.key(),
        "minutes": l.minutes,
        "codes": l.billed_codes().map(ToString::to_string),
        "codes_if_billable": if l.billable || l.codes.is_empty() { None } else { Some(l.codes.to_string()) },
        "billable": l.billable,
        "reason": l.reason,
        "review": l.flags,
        "estimated_reimbursement_cents": if l.billable { l.reimbursement } else { None },
        "amended": l.amendment.as_ref().map(|a| json!({
            "version": a.version, "reason": a.reason, "amended_by": a.by, "amended_at": a.at,
        })),
    })
}

pub fn summary_json(s: &MonthSummary, closed: Option<&ClosedMonth>) -> Value {
    json!({
        "month": s.month.to_string(),
        "rule_set": s.rule_set.key(),
        "target_minutes": s.target_minutes,
        "closed": closed.map(|c| json!({ "closed_at": c.closed_at, "closed_by": c.closed_by })),
        "totals": {
            "patient_months": s.totals.patients,
            "billable": s.totals.billable,
            "minutes": s.totals.minutes,
            "estimated_reimbursement_cents": s.totals.reimbursement,
            "lines_without_fee": s.totals.lines_without_fee,
        },
        "lines": s.lines.iter().map(line_json).collect::<Vec<_>>(),
    })
}
