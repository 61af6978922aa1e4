//! "Changes since close": what a closed month's billing would be now against its billed record,
//! patient-month by patient-month. Shown apart from the record; never changes it.

use std::collections::HashMap;

use crate::billing::Cents;
use crate::billing_summary::{MonthSummary, SummaryLine};
use crate::ids::PatientId;

/// One patient-month that would differ now, with each difference in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChange {
    pub patient_id: PatientId,
    pub name: String,
    pub changes: Vec<String>,
}

/// Every difference, and the practice totals billed and as they would be now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangesSinceClose {
    pub lines: Vec<LineChange>,
    pub billable: (i64, i64),
    pub reimbursement: (Cents, Cents),
}

impl ChangesSinceClose {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

fn state(l: &SummaryLine) -> String {
    if l.billable { "billable".to_owned() } else { format!("not billable ({})", l.reason) }
}

fn amount(cents: Option<Cents>) -> String {
    cents.map_or_else(|| "fee not set".to_owned(), |c| c.to_string())
}

fn differences(billed: &SummaryLine, now: &SummaryLine) -> Vec<String> {
    let mut changes = Vec::new();
    if billed.minutes != now.minutes {
        changes.push(format!("minutes {} → {}", billed.minutes, now.minutes));
    }
    if billed.billable != now.billable || billed.reason != now.reason {
        changes.push(format!("{} → {}", state(billed), state(now)));
    }
    let codes = |l: &SummaryLine| l.billed_codes().map_or_else(String::new, |c| c.to_string());
    if codes(billed) != codes(now) {
        let shown = |c: String| if c.is_empty() { "no codes".to_owned() } else { c };
        changes.push(format!("codes {} → {}", shown(codes(billed)), shown(codes(now))));
    }
    if billed.billable && now.billable && billed.reimbursement != now.reimbursement {
        changes.push(format!(
            "amount {} → {}",
            amount(billed.reimbursement),
            amount(now.reimbursement)
        ));
    }
    if billed.flags != now.flags {
        changes.push(format!("review: \"{}\" → \"{}\"", billed.review(), now.review()));
    }
    changes
}

pub fn changes_since_close(record: &MonthSummary, now: &MonthSummary) -> ChangesSinceClose {
    let current: HashMap<PatientId, &SummaryLine> =
        now.lines.iter().map(|l| (l.patient_id, l)).collect();
    let mut lines = Vec::new();
    for billed in &record.lines {
        let changes = match current.get(&billed.patient_id) {
            Some(line) => differences(billed, line),
            None => vec!["no longer a patient-month of this month".to_owned()],
        };
        if !changes.is_empty() {
            lines.push(LineChange {
                patient_id: billed.patient_id,
                name: billed.name.clone(),
                changes,
            });
        }
    }
    let billed: HashMap<PatientId, ()> = record.lines.iter().map(|l| (l.patient_id, ())).collect();
    for line in now.lines.iter().filter(|l| !billed.contains_key(&l.patient_id)) {
        lines.push(LineChange {
            patient_id: line.patient_id,
            name: line.name.clone(),
            changes: vec![format!(
                "a patient-month now, not in the record: {} minutes, {}",
                line.minutes,
                state(line)
            )],
        });
    }
    ChangesSinceClose {
        lines,
        billable: (record.totals.billable, now.totals.billable),
        reimbursement: (record.totals.reimbursement, now.totals.reimbursement),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::Billed;
    use crate::billing::{Codes, RuleSet, seed_ccm_codes};
    use crate::billing_summary::LineClaim;
    use crate::practice_time::YearMonth;

    const NOV: YearMonth = YearMonth { year: 2026, month: 11 };

    fn line(id: i64, minutes: i64, billable: bool) -> SummaryLine {
        SummaryLine {
            patient_id: PatientId(id),
            chart_code: format!("ZM{id}"),
            name: format!("P{id}"),
            coordinator_id: None,
            billed: Billed::Ccm,
            minutes,
            entries: 1,
            codes: seed_ccm_codes(minutes),
            billable,
            consent_on_file: billable,
            reason: if billable { String::new() } else { "no consent".into() },
            flags: Vec::new(),
            reimbursement: Some(Cents(if billable { 6049 } else { 0 })),
            claim: LineClaim::default(),
            amendment: None,
        }
    }

    fn month(lines: Vec<SummaryLine>) -> MonthSummary {
        MonthSummary::of_lines(NOV, RuleSet::Seed, 20, lines)
    }

    #[test]
    fn an_unchanged_month_has_no_changes() {
        let record = month(vec![line(1, 25, true), line(2, 5, false)]);
        assert!(changes_since_close(&record, &record.clone()).is_empty());
    }

    #[test]
    fn each_difference_is_named_per_patient_month() {
        let record = month(vec![line(1, 25, true), line(2, 45, true), line(3, 30, true)]);
        let mut later = line(2, 45, false);
        later.codes = Codes::default();
        let now = month(vec![line(1, 47, true), later, line(4, 22, true)]);
        let changes = changes_since_close(&record, &now);
        let of = |id| changes.lines.iter().find(|l| l.patient_id == PatientId(id)).unwrap();
        assert_eq!(of(1).changes, ["minutes 25 → 47", "codes 99490 → 99490+99439"]);
        assert_eq!(
            of(2).changes,
            ["billable → not billable (no consent)", "codes 99490+99439 → no codes"]
        );
        assert_eq!(of(3).changes, ["no longer a patient-month of this month"]);
        assert!(of(4).changes[0].starts_with("a patient-month now, not in the record: 22 minutes"));
        assert_eq!(changes.billable, (3, 2));
    }
}
