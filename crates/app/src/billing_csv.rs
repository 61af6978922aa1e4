//! The billing export (issue 5, with issue 19's `review`): one row per patient-month, columns in this
//! order: month, patient_id, chart_code, patient_name, coordinator, program, total_minutes, codes,
//! billable, reason, estimated_reimbursement, review (the review flags, and an amendment's version and
//! reason). A line that is not billable shows no codes and
//! no amount; a missing fee leaves the amount empty.

use std::collections::HashMap;

use carelog_domain::billing_summary::{MonthSummary, SummaryLine};
use carelog_domain::ids::UserId;

use crate::csv_out::csv_text;

pub const HEADER: [&str; 12] = [
    "month",
    "patient_id",
    "chart_code",
    "patient_name",
    "coordinator",
    "program",
    "total_minutes",
    "codes",
    "billable",
    "reason",
    "estimated_reimbursement",
    "review",
];

/// The review column: the flags, and an amended line's version and reason.
fn review(line: &SummaryLine) -> String {
    let mut parts: Vec<String> = line.flags.clone();
    if let Some(a) = &line.amendment {
        parts.push(format!("amended (version {}): {}", a.version, a.reason));
    }
    parts.join("; ")
}

pub fn billing_csv(
    summary: &MonthSummary,
    names: &HashMap<UserId, String>,
) -> Result<String, csv::Error> {
    let rows = summary.lines.iter().map(|line| {
        let coordinator =
            line.coordinator_id.and_then(|c| names.get(&c)).cloned().unwrap_or_default();
        vec![
            summary.month.to_string(),
            line.patient_id.to_string(),
            line.chart_code.clone(),
            line.name.clone(),
            coordinator,
            line.billed.key().to_owned(),
            line.minutes.to_string(),
            line.billed_codes().map(ToString::to_string).unwrap_or_default(),
            if line.billable { "yes" } else { "no" }.to_owned(),
            line.reason.clone(),
            match (line.billable, line.reimbursement) {
                (true, Some(cents)) => cents.decimal(),
                _ => String::new(),
            },
            review(line),
        ]
    });
    csv_text(&HEADER, rows)
}
