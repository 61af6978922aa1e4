//! The monthly billing summary (seed 000 §3.3): per patient-month first, as Medicare bills; the
//! per-coordinator and practice figures are reports built from those lines.

use std::collections::BTreeMap;

use crate::billing::{
    Billed, Codes, Compliance, RuleSet, billed_program, codes, failed_gates, reimbursement,
    review_flags,
};
use crate::enrollment::EnrollmentRecords;
use crate::ids::{PatientId, UserId};
use crate::patient::Program;
use crate::practice_time::YearMonth;

/// What billing needs to know about one patient in one month.
#[derive(Debug, Clone)]
pub struct PatientMonth {
    pub patient_id: PatientId,
    pub chart_code: String,
    pub name: String,
    pub program: Program,
    /// Consent, diagnoses, care plan versions and complexity, read for the month in question.
    pub records: EnrollmentRecords,
    pub current_coordinator: Option<UserId>,
    /// Billable minutes and entries this month, by the coordinator who logged them.
    pub by_coordinator: Vec<(UserId, i64, i64)>,
}

#[derive(Debug, Clone)]
pub struct SummaryLine {
    pub patient_id: PatientId,
    pub chart_code: String,
    pub name: String,
    /// Credited with the patient-month: who logged the most of its minutes.
    pub coordinator_id: Option<UserId>,
    pub billed: Billed,
    pub minutes: i64,
    pub entries: i64,
    pub codes: Codes,
    pub billable: bool,
    pub consent_on_file: bool,
    /// Why not billable (empty when billable).
    pub reason: String,
    pub flags: Vec<String>,
    /// Cents; None when a code has no fee.
    pub reimbursement: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct CoordinatorTotal {
    pub coordinator_id: UserId,
    pub minutes: i64,
    pub tasks: i64,
    pub patients: i64,
    pub billable_patients: i64,
    /// Units per code over the coordinator's billable patient-months.
    pub codes: BTreeMap<&'static str, u32>,
    pub reimbursement: i64,
    pub fee_missing: bool,
}

impl CoordinatorTotal {
    fn new(coordinator_id: UserId) -> CoordinatorTotal {
        CoordinatorTotal {
            coordinator_id,
            minutes: 0,
            tasks: 0,
            patients: 0,
            billable_patients: 0,
            codes: BTreeMap::new(),
            reimbursement: 0,
            fee_missing: false,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub patients: i64,
    pub billable: i64,
    pub minutes: i64,
    pub reimbursement: i64,
    pub fee_missing: bool,
    pub with_consent: i64,
    pub at_target: i64,
    pub flagged: i64,
}

#[derive(Debug, Clone)]
pub struct MonthSummary {
    pub month: YearMonth,
    pub rule_set: RuleSet,
    pub target_minutes: i64,
    pub lines: Vec<SummaryLine>,
    pub coordinators: Vec<CoordinatorTotal>,
    pub totals: Totals,
}

impl MonthSummary {
    /// Share of a count among the patient-months, as a whole percent.
    pub fn percent(&self, count: i64) -> i64 {
        if self.totals.patients == 0 { 0 } else { count * 100 / self.totals.patients }
    }
}

/// Codes written as in the CSV: `99490+99439` or `99487+99489x2`.
pub fn codes_text(codes: &BTreeMap<&'static str, u32>) -> String {
    codes
        .iter()
        .map(|(c, u)| if *u == 1 { (*c).to_owned() } else { format!("{c}x{u}") })
        .collect::<Vec<_>>()
        .join("+")
}

pub fn summarize(
    month: YearMonth,
    rule_set: RuleSet,
    target_minutes: i64,
    patients: Vec<PatientMonth>,
    fees: &[(String, i32, i64)],
) -> MonthSummary {
    let mut lines = Vec::with_capacity(patients.len());
    for p in patients {
        let minutes: i64 = p.by_coordinator.iter().map(|(_, m, _)| m).sum();
        let entries: i64 = p.by_coordinator.iter().map(|(_, _, e)| e).sum();
        let credited = p
            .by_coordinator
            .iter()
            .max_by_key(|(c, m, _)| (*m, Some(*c) == p.current_coordinator, std::cmp::Reverse(*c)))
            .map(|(c, _, _)| *c)
            .or(p.current_coordinator);
        let billed = billed_program(p.program, p.records.conditions_in(month).count);
        let complex = p.records.complex_in(month);
        let codes = codes(rule_set, billed, minutes, complex);
        let compliance = Compliance::of(&p.records, billed, month);
        let mut reasons = failed_gates(billed, &compliance);
        if codes.is_empty() {
            let threshold = if billed == Billed::Pcm { 30 } else { 20 };
            reasons.insert(0, format!("{minutes} minutes: under the {threshold}-minute threshold"));
        }
        let flags = if reasons.is_empty() {
            let mut flags = review_flags(rule_set, &codes, complex);
            flags.extend(p.records.initiating_visit_flag());
            flags
        } else {
            Vec::new()
        };
        let year = month.year;
        lines.push(SummaryLine {
            patient_id: p.patient_id,
            chart_code: p.chart_code,
            name: p.name,
            coordinator_id: credited,
            billed,
            minutes,
            entries,
            reimbursement: if reasons.is_empty() {
                reimbursement(&codes, fees, year)
            } else {
                Some(0)
            },
            billable: reasons.is_empty(),
            consent_on_file: compliance.consent_gap.is_none(),
            reason: reasons.join("; "),
            flags,
            codes,
        });
    }
    let mut by_coordinator: BTreeMap<UserId, CoordinatorTotal> = BTreeMap::new();
    let mut totals = Totals::default();
    for line in &lines {
        totals.patients += 1;
        totals.minutes += line.minutes;
        totals.flagged += i64::from(!line.flags.is_empty());
        totals.at_target += i64::from(line.minutes >= target_minutes);
        totals.with_consent += i64::from(line.consent_on_file);
        if let Some(c) = line.coordinator_id {
            let t = by_coordinator.entry(c).or_insert_with(|| CoordinatorTotal::new(c));
            t.minutes += line.minutes;
            t.tasks += line.entries;
            t.patients += i64::from(line.minutes > 0);
            if line.billable {
                t.billable_patients += 1;
                for code in &line.codes.0 {
                    *t.codes.entry(code.code).or_insert(0) += code.units;
                }
                match line.reimbursement {
                    Some(cents) => t.reimbursement += cents,
                    None => t.fee_missing = true,
                }
            }
        }
        if line.billable {
            totals.billable += 1;
            match line.reimbursement {
                Some(cents) => totals.reimbursement += cents,
                None => totals.fee_missing = true,
            }
        }
    }
    MonthSummary {
        month,
        rule_set,
        target_minutes,
        lines,
        coordinators: by_coordinator.into_values().collect(),
        totals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrollment::{CarePlanVersionSpan, ConsentSpan};
    use crate::patient::CareProgram;
    use chrono::NaiveDate;

    fn fees() -> Vec<(String, i32, i64)> {
        vec![
            ("99490".into(), 2025, 6049),
            ("99439".into(), 2025, 4593),
            ("99487".into(), 2025, 13165),
            ("99489".into(), 2025, 7052),
        ]
    }

    fn consent_on(y: i32, m: u32, d: u32) -> ConsentSpan {
        ConsentSpan { obtained_on: NaiveDate::from_ymd_opt(y, m, d).unwrap(), withdrawn_on: None }
    }

    fn patient(id: i64, minutes: &[(i64, i64)]) -> PatientMonth {
        PatientMonth {
            patient_id: PatientId(id),
            chart_code: format!("ZM{id}"),
            name: format!("P{id}"),
            program: Program::Ccm,
            records: EnrollmentRecords {
                consents: vec![(CareProgram::Ccm, consent_on(2026, 1, 5))],
                legacy_conditions: 3,
                care_plan: vec![CarePlanVersionSpan { activated_on: None, ended_on: None }],
                initiating_visits: NaiveDate::from_ymd_opt(2025, 12, 1).into_iter().collect(),
                ..EnrollmentRecords::default()
            },
            current_coordinator: Some(UserId(1)),
            by_coordinator: minutes.iter().map(|(c, m)| (UserId(*c), *m, 2)).collect(),
        }
    }

    const NOV: YearMonth = YearMonth { year: 2026, month: 11 };

    #[test]
    fn a_patient_month_becomes_billable_at_twenty_minutes() {
        let s = summarize(NOV, RuleSet::Seed, 20, vec![patient(1, &[(1, 19)])], &fees());
        assert!(!s.lines[0].billable);
        assert_eq!(s.lines[0].reason, "19 minutes: under the 20-minute threshold");
        let s = summarize(NOV, RuleSet::Seed, 20, vec![patient(1, &[(1, 12), (2, 8)])], &fees());
        assert!(s.lines[0].billable);
        assert_eq!(s.lines[0].codes.to_string(), "99490");
        assert_eq!(s.lines[0].reimbursement, Some(6049));
        assert_eq!(s.totals.reimbursement, 6049);
    }

    #[test]
    fn gates_make_a_patient_month_not_billable_with_the_reason_never_dropped() {
        let mut p = patient(1, &[(1, 45)]);
        p.records.consents = vec![(CareProgram::Ccm, consent_on(2026, 12, 2))];
        p.records.legacy_conditions = 1;
        let s = summarize(NOV, RuleSet::Cms, 20, vec![p], &fees());
        assert_eq!(s.lines.len(), 1);
        assert!(!s.lines[0].billable);
        assert_eq!(
            s.lines[0].reason,
            "consent obtained 2026-12-02, after 2026-11; CCM needs 2; 1 chronic conditions \
             imported as a count, no diagnoses recorded"
        );
        assert_eq!(s.totals.billable, 0);
        assert_eq!(s.totals.with_consent, 0);
    }

    #[test]
    fn a_month_without_an_initiating_visit_bills_but_is_flagged_for_review() {
        let mut p = patient(1, &[(1, 25)]);
        p.records.initiating_visits.clear();
        let s = summarize(NOV, RuleSet::Cms, 20, vec![p], &fees());
        assert!(s.lines[0].billable);
        assert_eq!(s.lines[0].flags.len(), 1);
        assert!(s.lines[0].flags[0].starts_with("no initiating visit"));
        assert_eq!(s.totals.flagged, 1);
    }

    #[test]
    fn the_coordinator_who_logged_most_is_credited() {
        let s = summarize(
            NOV,
            RuleSet::Seed,
            20,
            vec![patient(1, &[(1, 10), (2, 30)]), patient(2, &[(1, 25)])],
            &fees(),
        );
        assert_eq!(s.lines[0].coordinator_id, Some(UserId(2)));
        let one = s.coordinators.iter().find(|c| c.coordinator_id == UserId(1)).unwrap();
        assert_eq!(
            (one.minutes, one.billable_patients, codes_text(&one.codes)),
            (25, 1, "99490".to_owned())
        );
        let two = s.coordinators.iter().find(|c| c.coordinator_id == UserId(2)).unwrap();
        assert_eq!((two.minutes, two.patients), (40, 1));
        assert_eq!(codes_text(&two.codes), "99439+99490");
    }

    #[test]
    fn seed_flags_99487_without_the_complex_flag_and_missing_fees_are_not_zero() {
        let s = summarize(NOV, RuleSet::Seed, 20, vec![patient(1, &[(1, 70)])], &fees());
        assert_eq!(s.lines[0].flags.len(), 1);
        assert_eq!(s.totals.flagged, 1);
        let mut pcm = patient(2, &[(1, 45)]);
        pcm.program = Program::Pcm;
        pcm.records.consents = vec![(CareProgram::Pcm, consent_on(2026, 1, 5))];
        let s = summarize(NOV, RuleSet::Seed, 20, vec![pcm], &fees());
        assert_eq!(s.lines[0].codes.to_string(), "99426");
        assert_eq!(s.lines[0].reimbursement, None);
        assert!(s.totals.fee_missing);
    }
}
