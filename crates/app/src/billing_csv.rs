//! The billing export (issue 5): one row per patient-month, columns in this order:
//! month, patient_id, chart_code, patient_name, coordinator, program, total_minutes, codes, billable,
//! reason, estimated_reimbursement. A missing fee leaves the reimbursement empty.

use std::collections::HashMap;

use carelog_domain::billing::{Billed, decimal_amount};
use carelog_domain::billing_summary::MonthSummary;
use carelog_domain::ids::UserId;

pub const HEADER: [&str; 11] = [
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
];

pub fn billing_csv(
    summary: &MonthSummary,
    names: &HashMap<UserId, String>,
) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER)?;
    for line in &summary.lines {
        let coordinator =
            line.coordinator_id.and_then(|c| names.get(&c)).cloned().unwrap_or_default();
        out.write_record([
            summary.month.to_string(),
            line.patient_id.to_string(),
            line.chart_code.clone(),
            line.name.clone(),
            coordinator,
            match line.billed {
                Billed::Ccm => "CCM".to_owned(),
                Billed::Pcm => "PCM".to_owned(),
            },
            line.minutes.to_string(),
            if line.billable { line.codes.to_string() } else { String::new() },
            if line.billable { "yes" } else { "no" }.to_owned(),
            line.reason.clone(),
            match (line.billable, line.reimbursement) {
                (true, Some(cents)) => decimal_amount(cents),
                _ => String::new(),
            },
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
