//! The monthly billing summary (seed 000 §3.3): per patient-month first, as Medicare bills; the
//! per-coordinator and practice figures are reports built from those lines. A closed month's summary
//! is its billed record read back ([`MonthSummary::of_lines`]), never a recomputation.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::billing::{
    Billed, Cents, Codes, Compliance, Fee, RuleSet, billed_program, codes, failed_gates,
    reimbursement, review_flags,
};
use crate::enrollment::EnrollmentRecords;
use crate::ids::{PatientId, UserId};
use crate::patient::{Program, Sex};
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
    /// Who the patient is to a payer.
    pub claim: PatientClaimFacts,
    /// Billable minutes by practice-local day, in day order: read only when the date-of-service
    /// rule is the day the threshold was met.
    pub minutes_by_day: Vec<(NaiveDate, i64)>,
}

/// The practitioner who bills a patient's care management.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Practitioner {
    pub id: i64,
    pub name: String,
    pub npi: Option<String>,
}

/// What a claim says of the patient.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientClaimFacts {
    pub birth_date: NaiveDate,
    pub sex: Option<Sex>,
    pub member_id: Option<String>,
    pub payer: Option<String>,
    pub practitioner: Option<Practitioner>,
}

/// A patient-month's claim facts as billed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineClaim {
    pub patient: PatientClaimFacts,
    /// Up to four ICD-10-CM codes of chronic diagnoses active in the month.
    pub diagnoses: Vec<String>,
    pub date_of_service: NaiveDate,
    pub place_of_service: String,
}

/// An administrator's amendment of a closed month's line: its version (2 on), why, who, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineAmendment {
    pub version: i32,
    pub reason: String,
    pub by: Option<UserId>,
    pub at: DateTime<Utc>,
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
    /// The codes the minutes reach; only a billable line bills them.
    pub codes: Codes,
    pub billable: bool,
    pub consent_on_file: bool,
    /// Why not billable (empty when billable).
    pub reason: String,
    pub flags: Vec<String>,
    /// Expected (allowed amounts); None when a code has no fee; zero when not billable.
    pub reimbursement: Option<Cents>,
    pub claim: LineClaim,
    /// Set on a closed month's line that an administrator amended.
    pub amendment: Option<LineAmendment>,
}

impl SummaryLine {
    /// The codes billed: none on a line that is not billable.
    pub fn billed_codes(&self) -> Option<&Codes> {
        self.billable.then_some(&self.codes)
    }

    /// The review flags in one sentence, as the page and the CSV show them.
    pub fn review(&self) -> String {
        self.flags.join("; ")
    }
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
    /// The known part: billable lines whose every code has a fee.
    pub reimbursement: Cents,
    pub lines_without_fee: i64,
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
            reimbursement: Cents::ZERO,
            lines_without_fee: 0,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub patients: i64,
    pub billable: i64,
    pub minutes: i64,
    /// The known part: billable lines whose every code has a fee.
    pub reimbursement: Cents,
    /// Billable lines left out of `reimbursement` for a code without a fee.
    pub lines_without_fee: i64,
    pub with_consent: i64,
    pub at_target: i64,
    pub flagged: i64,
}

impl Totals {
    pub fn fee_missing(&self) -> bool {
        self.lines_without_fee > 0
    }
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

/// Which day a claim's service date is (CMS allows either).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOfService {
    /// The month's last day.
    #[default]
    LastDay,
    /// The day the month's billable minutes reached the program's threshold.
    ThresholdMet,
}

impl DateOfService {
    pub const ALL: [DateOfService; 2] = [DateOfService::LastDay, DateOfService::ThresholdMet];

    pub fn key(self) -> &'static str {
        match self {
            DateOfService::LastDay => "last-day",
            DateOfService::ThresholdMet => "threshold-met",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DateOfService::LastDay => "The month's last day",
            DateOfService::ThresholdMet => "The day the time threshold was met",
        }
    }

    pub fn parse(text: &str) -> Option<DateOfService> {
        Self::ALL.into_iter().find(|d| d.key() == text.trim())
    }
}

/// The minutes a program's first code needs.
pub fn threshold_minutes(billed: Billed) -> i64 {
    match billed {
        Billed::Ccm => 20,
        Billed::Pcm => 30,
    }
}

/// The first day the running total of `minutes_by_day` (in day order) reaches `threshold`.
pub fn threshold_day(minutes_by_day: &[(NaiveDate, i64)], threshold: i64) -> Option<NaiveDate> {
    let mut total = 0;
    minutes_by_day.iter().find_map(|(day, minutes)| {
        total += minutes;
        (total >= threshold).then_some(*day)
    })
}

/// What a month is billed under.
#[derive(Debug, Clone, Copy)]
pub struct BillingRules<'a> {
    pub rule_set: RuleSet,
    pub target_minutes: i64,
    pub fees: &'a [Fee],
    pub date_of_service: DateOfService,
    pub place_of_service: &'a str,
}

impl MonthSummary {
    /// Share of a count among the patient-months, as a whole percent.
    pub fn percent(&self, count: i64) -> i64 {
        if self.totals.patients == 0 { 0 } else { count * 100 / self.totals.patients }
    }

    /// The summary of these lines: the per-coordinator and practice totals built from them.
    pub fn of_lines(
        month: YearMonth,
        rule_set: RuleSet,
        target_minutes: i64,
        lines: Vec<SummaryLine>,
    ) -> MonthSummary {
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
                        None => t.lines_without_fee += 1,
                    }
                }
            }
            if line.billable {
                totals.billable += 1;
                match line.reimbursement {
                    Some(cents) => totals.reimbursement += cents,
                    None => totals.lines_without_fee += 1,
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
}

/// Codes written as in the CSV: `99490+99439` or `99487+99489x2`.
pub fn codes_text(codes: &BTreeMap<&'static str, u32>) -> String {
    codes
        .iter()
        .map(|(c, u)| if *u == 1 { (*c).to_owned() } else { format!("{c}x{u}") })
        .collect::<Vec<_>>()
        .join("+")
}

/// One patient-month's line under the rules.
pub fn line_of(month: YearMonth, rules: &BillingRules<'_>, p: PatientMonth) -> SummaryLine {
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
    let codes = codes(rules.rule_set, billed, minutes, complex);
    let compliance = Compliance::of(&p.records, billed, month);
    let mut reasons = failed_gates(billed, &compliance);
    if codes.is_empty() {
        let threshold = threshold_minutes(billed);
        reasons.insert(0, format!("{minutes} minutes: under the {threshold}-minute threshold"));
    }
    let billable = reasons.is_empty();
    let flags = if billable {
        let mut flags = review_flags(rules.rule_set, &codes, complex);
        flags.extend(p.records.initiating_visit_flag());
        flags
    } else {
        Vec::new()
    };
    let date_of_service = match rules.date_of_service {
        DateOfService::LastDay => month.last_day(),
        DateOfService::ThresholdMet => threshold_day(&p.minutes_by_day, threshold_minutes(billed))
            .unwrap_or_else(|| month.last_day()),
    };
    SummaryLine {
        patient_id: p.patient_id,
        chart_code: p.chart_code,
        name: p.name,
        coordinator_id: credited,
        billed,
        minutes,
        entries,
        reimbursement: if billable {
            reimbursement(&codes, rules.fees, month.year)
        } else {
            Some(Cents::ZERO)
        },
        billable,
        consent_on_file: compliance.consent_gap.is_none(),
        reason: reasons.join("; "),
        flags,
        codes,
        claim: LineClaim {
            diagnoses: p.records.claim_diagnoses(month),
            patient: p.claim,
            date_of_service,
            place_of_service: rules.place_of_service.to_owned(),
        },
        amendment: None,
    }
}

pub fn summarize(
    month: YearMonth,
    rules: &BillingRules<'_>,
    patients: Vec<PatientMonth>,
) -> MonthSummary {
    let lines = patients.into_iter().map(|p| line_of(month, rules, p)).collect();
    MonthSummary::of_lines(month, rules.rule_set, rules.target_minutes, lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrollment::{CarePlanVersionSpan, ConsentSpan};
    use crate::patient::CareProgram;
    use chrono::NaiveDate;

    fn fees() -> Vec<Fee> {
        [("99490", 6049), ("99439", 4593), ("99487", 13165), ("99489", 7052)]
            .into_iter()
            .map(|(code, cents)| Fee {
                code: code.into(),
                year: 2026,
                allowed: Cents(cents),
                charge: Cents(cents * 2),
            })
            .collect()
    }

    fn summarize(
        month: YearMonth,
        rule_set: RuleSet,
        target_minutes: i64,
        patients: Vec<PatientMonth>,
        fees: &[Fee],
    ) -> MonthSummary {
        let rules = BillingRules {
            rule_set,
            target_minutes,
            fees,
            date_of_service: DateOfService::LastDay,
            place_of_service: "11",
        };
        super::summarize(month, &rules, patients)
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
            claim: PatientClaimFacts::default(),
            minutes_by_day: [(3, 10), (9, 10), (20, 5)]
                .into_iter()
                .filter_map(|(d, m)| Some((NaiveDate::from_ymd_opt(2026, 11, d)?, m)))
                .collect(),
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
        assert_eq!(s.lines[0].reimbursement, Some(Cents(6049)));
        assert_eq!(s.totals.reimbursement, Cents(6049));
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
        assert_eq!(s.totals.lines_without_fee, 1);
        assert_eq!(s.totals.reimbursement, Cents::ZERO, "a partial sum: the known part");
    }

    #[test]
    fn totals_with_an_unset_fee_keep_the_known_part_and_count_the_rest() {
        let mut pcm = patient(2, &[(1, 45)]);
        pcm.program = Program::Pcm;
        pcm.records.consents = vec![(CareProgram::Pcm, consent_on(2026, 1, 5))];
        let s = summarize(NOV, RuleSet::Cms, 20, vec![patient(1, &[(1, 25)]), pcm], &fees());
        assert_eq!((s.totals.reimbursement, s.totals.lines_without_fee), (Cents(6049), 1));
        let c = &s.coordinators[0];
        assert_eq!(
            (c.reimbursement, c.lines_without_fee, c.billable_patients),
            (Cents(6049), 1, 2)
        );
    }

    #[test]
    fn the_date_of_service_follows_the_practice_rule() {
        let rules = |date_of_service| BillingRules {
            rule_set: RuleSet::Cms,
            target_minutes: 20,
            fees: &[],
            date_of_service,
            place_of_service: "11",
        };
        let line = |d| line_of(NOV, &rules(d), patient(1, &[(1, 25)]));
        assert_eq!(line(DateOfService::LastDay).claim.date_of_service.to_string(), "2026-11-30");
        assert_eq!(
            line(DateOfService::ThresholdMet).claim.date_of_service.to_string(),
            "2026-11-09"
        );
    }

    #[test]
    fn a_summary_read_back_from_its_lines_has_the_same_totals() {
        let s = summarize(
            NOV,
            RuleSet::Seed,
            20,
            vec![patient(1, &[(1, 10), (2, 30)]), patient(2, &[(1, 25)]), patient(3, &[(2, 5)])],
            &fees(),
        );
        let again = MonthSummary::of_lines(NOV, RuleSet::Seed, 20, s.lines.clone());
        assert_eq!(again.totals, s.totals);
        assert_eq!(again.coordinators.len(), s.coordinators.len());
    }
}
