//! Enrollment records as the billing gates read them (domain.md "Enrollment"): whether a consent holds
//! in a month, which diagnoses qualify in it, whether a care plan was active in it, whether the patient
//! was flagged complex in it, and the checks a record must pass before it is stored (the four
//! disclosures, an NPI's check digit, an ICD-10-CM code's shape).

use chrono::{Datelike, NaiveDate};

use crate::RuleViolation;
use crate::patient::{CareProgram, InitiatingKind};
use crate::practice_time::YearMonth;

/// A consent as recorded for one program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentSpan {
    pub obtained_on: NaiveDate,
    pub withdrawn_on: Option<NaiveDate>,
}

impl ConsentSpan {
    /// Valid for a month when obtained on or before its last day and not withdrawn before its first
    /// day: a withdrawal takes effect after the month it falls in.
    pub fn valid_in(&self, month: YearMonth) -> bool {
        self.obtained_on <= month.last_day()
            && self.withdrawn_on.is_none_or(|withdrawn| withdrawn >= month.first_day())
    }

    /// Why it does not hold in the month, in words for the billing line; None when it holds.
    pub fn gap_in(&self, month: YearMonth) -> Option<String> {
        if self.valid_in(month) {
            return None;
        }
        Some(match self.withdrawn_on {
            Some(withdrawn) if withdrawn < month.first_day() => {
                format!("consent withdrawn {withdrawn}")
            }
            _ => format!("consent obtained {}, after {month}", self.obtained_on),
        })
    }
}

/// The four things a patient is told before consenting (CMS); each must be confirmed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Disclosures {
    pub service_available: bool,
    pub cost_sharing: bool,
    pub one_practitioner_a_month: bool,
    pub may_stop_any_time: bool,
}

impl Disclosures {
    /// Every disclosure confirmed, or the ones missing named.
    pub fn check(&self) -> Result<(), RuleViolation> {
        let missing: Vec<&str> = [
            (self.service_available, "that the service is available"),
            (self.cost_sharing, "that cost-sharing applies"),
            (self.one_practitioner_a_month, "that only one practitioner can bill it in a month"),
            (self.may_stop_any_time, "that the patient may stop at any time"),
        ]
        .into_iter()
        .filter(|(confirmed, _)| !confirmed)
        .map(|(_, what)| what)
        .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(RuleViolation::new(
                "disclosures",
                format!(
                    "consent needs every disclosure confirmed; not yet: {}",
                    missing.join("; ")
                ),
            ))
        }
    }
}

/// A diagnosis as the gates read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosisSpan {
    /// The ICD-10-CM code when coded (a claim names it), else the SNOMED CT one.
    pub code: String,
    pub chronic: bool,
    /// Has its ICD-10-CM code (one kept in SNOMED CT only does not qualify until coded).
    pub coded: bool,
    /// Unknown onset counts as before any month.
    pub onset: Option<NaiveDate>,
    pub resolved: Option<NaiveDate>,
}

impl DiagnosisSpan {
    /// Active on some day of the month: begun by its last day, not resolved before its first.
    pub fn active_in(&self, month: YearMonth) -> bool {
        self.onset.is_none_or(|onset| onset <= month.last_day())
            && self.resolved.is_none_or(|resolved| resolved >= month.first_day())
    }
}

/// Qualifying conditions in a month: chronic diagnoses with their ICD-10-CM code active in it.
pub fn qualifying_conditions(diagnoses: &[DiagnosisSpan], month: YearMonth) -> usize {
    diagnoses.iter().filter(|d| d.coded && d.chronic && d.active_in(month)).count()
}

/// The billing line's words for a month's qualifying conditions.
pub fn conditions_in_words(count: usize, month: YearMonth) -> String {
    match count {
        1 => format!("1 chronic diagnosis active in {month}"),
        n => format!("{n} chronic diagnoses active in {month}"),
    }
}

/// One care plan version's time in force: from activation to the day it was superseded or made
/// inactive (that day included: it was in force for part of it). An imported active plan whose
/// activation date the sheet did not give has none: in force since before carelog's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CarePlanVersionSpan {
    pub activated_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
}

impl CarePlanVersionSpan {
    fn in_force_in(&self, month: YearMonth) -> bool {
        self.activated_on.is_none_or(|start| start <= month.last_day())
            && self.ended_on.is_none_or(|end| end >= month.first_day())
    }
}

/// A care plan is active in a month when some version was active on any day of it.
pub fn care_plan_active_in(versions: &[CarePlanVersionSpan], month: YearMonth) -> bool {
    versions.iter().any(|v| v.in_force_in(month))
}

/// A change of the complex-CCM flag, effective from a day, with the value it replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComplexityChange {
    pub effective_on: NaiveDate,
    pub complex: bool,
    pub previous: bool,
}

/// A claim names at most this many diagnoses (the CSV's column; the 837P's first pointers).
pub const CLAIM_DIAGNOSES: usize = 4;

/// Everything the billing gates read about one patient, whatever the month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrollmentRecords {
    pub consents: Vec<(CareProgram, ConsentSpan)>,
    pub diagnoses: Vec<DiagnosisSpan>,
    /// A chronic-condition count from an import; it stands only until diagnoses are recorded.
    pub legacy_conditions: i32,
    /// Versions that were ever active, in any order.
    pub care_plan: Vec<CarePlanVersionSpan>,
    /// A version is being drafted.
    pub care_plan_drafted: bool,
    /// The flag today, and its changes in any order.
    pub complex_now: bool,
    pub complexity_changes: Vec<ComplexityChange>,
    pub enrolled_on: Option<NaiveDate>,
    pub enrollment_ended_on: Option<NaiveDate>,
    /// Days of initiating visits (E/M, AWV, IPPE) by the billing practitioner.
    pub initiating_visits: Vec<NaiveDate>,
}

/// A month's qualifying conditions and where the count came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QualifyingConditions {
    pub count: usize,
    /// Counted from recorded diagnoses (false: an imported count, no diagnoses recorded yet).
    pub recorded: bool,
    /// Chronic diagnoses active in the month that wait for their ICD-10-CM code.
    pub uncoded: usize,
}

impl QualifyingConditions {
    /// "1 chronic diagnosis active in 2026-10", or the imported count said as such.
    pub fn in_words(&self, month: YearMonth) -> String {
        if self.recorded && self.uncoded > 0 {
            format!(
                "{} ({} more need an ICD-10-CM code)",
                conditions_in_words(self.count, month),
                self.uncoded
            )
        } else if self.recorded {
            conditions_in_words(self.count, month)
        } else if self.count == 0 {
            "no chronic diagnoses recorded".to_owned()
        } else {
            format!("{} chronic conditions imported as a count, no diagnoses recorded", self.count)
        }
    }
}

impl EnrollmentRecords {
    pub fn conditions_in(&self, month: YearMonth) -> QualifyingConditions {
        if self.diagnoses.is_empty() {
            let count = usize::try_from(self.legacy_conditions).unwrap_or(0);
            QualifyingConditions { count, recorded: false, uncoded: 0 }
        } else {
            QualifyingConditions {
                count: qualifying_conditions(&self.diagnoses, month),
                recorded: true,
                uncoded: self
                    .diagnoses
                    .iter()
                    .filter(|d| !d.coded && d.chronic && d.active_in(month))
                    .count(),
            }
        }
    }

    /// Why no consent for the program holds in the month; None when one does.
    pub fn consent_gap(&self, program: CareProgram, month: YearMonth) -> Option<String> {
        let mut spans: Vec<ConsentSpan> =
            self.consents.iter().filter(|(p, _)| *p == program).map(|(_, c)| *c).collect();
        if spans.iter().any(|c| c.valid_in(month)) {
            return None;
        }
        // The reason comes from the consent nearest the month: the last obtained by its end, or else
        // the first obtained after it.
        spans.sort_by_key(|c| c.obtained_on);
        let nearest = spans
            .iter()
            .rev()
            .find(|c| c.obtained_on <= month.last_day())
            .or_else(|| spans.first());
        Some(match nearest {
            Some(consent) => consent.gap_in(month).unwrap_or_default(),
            None => format!("no {program} consent on file"),
        })
    }

    /// Why no care plan was active in the month; None when one was.
    pub fn care_plan_gap(&self, month: YearMonth) -> Option<String> {
        if care_plan_active_in(&self.care_plan, month) {
            return None;
        }
        let first_start = self.care_plan.iter().filter_map(|v| v.activated_on).min();
        let last_end = self.care_plan.iter().filter_map(|v| v.ended_on).max();
        Some(match (first_start, last_end) {
            _ if self.care_plan.is_empty() && self.care_plan_drafted => {
                "care plan is a draft, never activated".to_owned()
            }
            _ if self.care_plan.is_empty() => "no care plan".to_owned(),
            (Some(start), _) if start > month.last_day() => {
                format!("care plan activated {start}, after {month}")
            }
            (_, Some(end)) => format!("care plan inactive since {end}"),
            _ => "no care plan version active in the month".to_owned(),
        })
    }

    /// Why the patient was not enrolled in the month; None when they were (or no dates are known).
    pub fn enrollment_gap(&self, month: YearMonth) -> Option<String> {
        match (self.enrolled_on, self.enrollment_ended_on) {
            (_, Some(ended)) if ended < month.first_day() => {
                Some(format!("enrollment ended {ended}"))
            }
            (Some(enrolled), _) if enrolled > month.last_day() => {
                Some(format!("enrolled {enrolled}, after {month}"))
            }
            _ => None,
        }
    }

    /// Whether the patient was enrolled on some day of the month: care management had begun by its
    /// last day (the enrollment date, or else the first consent) and had not ended before its first.
    pub fn enrolled_in(&self, month: YearMonth) -> bool {
        self.start().is_some_and(|start| start <= month.last_day())
            && self.enrollment_ended_on.is_none_or(|ended| ended >= month.first_day())
    }

    /// What a claim for the month names: up to four ICD-10-CM codes of chronic diagnoses active in it,
    /// the longest-standing first (unknown onset counts as earliest), then by code.
    pub fn claim_diagnoses(&self, month: YearMonth) -> Vec<String> {
        let mut active: Vec<&DiagnosisSpan> =
            self.diagnoses.iter().filter(|d| d.coded && d.chronic && d.active_in(month)).collect();
        active.sort_by(|a, b| a.onset.cmp(&b.onset).then_with(|| a.code.cmp(&b.code)));
        let mut codes: Vec<String> = Vec::with_capacity(4);
        for d in active {
            if !codes.contains(&d.code) && codes.len() < CLAIM_DIAGNOSES {
                codes.push(d.code.clone());
            }
        }
        codes
    }

    /// Where care management began: the enrollment date, or else the first consent.
    pub fn start(&self) -> Option<NaiveDate> {
        self.enrolled_on.or_else(|| self.consents.iter().map(|(_, c)| c.obtained_on).min())
    }

    /// A review flag when no initiating visit falls in the 12 months before the first month of
    /// care management (through its end): flagged for review, never refused (domain.md).
    pub fn initiating_visit_flag(&self) -> Option<String> {
        let first = YearMonth::of(self.start()?);
        let from = first.first_day().checked_sub_months(chrono::Months::new(12))?;
        if self.initiating_visits.iter().any(|v| (from..=first.last_day()).contains(v)) {
            return None;
        }
        Some(format!(
            "no initiating visit (E/M, AWV or IPPE) by the billing practitioner in the 12 months \
             before care management began in {first}: review before billing"
        ))
    }

    /// Whether the patient was flagged complex in the month: the value in force on its last day.
    pub fn complex_in(&self, month: YearMonth) -> bool {
        let mut changes = self.complexity_changes.clone();
        changes.sort_by_key(|c| c.effective_on);
        match changes.iter().rev().find(|c| c.effective_on <= month.last_day()) {
            Some(change) => change.complex,
            None => changes.first().map_or(self.complex_now, |first| first.previous),
        }
    }
}

/// A date typed into an enrollment form: `YYYY-MM-DD`, not in the future, not before 1900.
pub fn record_date(
    field: &'static str,
    text: &str,
    today: NaiveDate,
) -> Result<NaiveDate, RuleViolation> {
    let text = text.trim();
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        RuleViolation::new(field, format!("write the date as YYYY-MM-DD; \"{text}\" is not one"))
    })?;
    if date > today {
        return Err(RuleViolation::new(field, format!("{date} is in the future")));
    }
    if date.year() < 1900 {
        return Err(RuleViolation::new(field, format!("{date} is before 1900")));
    }
    Ok(date)
}

/// What activating a draft needs present, by section.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DraftContents {
    pub problem_list: bool,
    pub expected_outcome: bool,
    pub goals: usize,
    pub interventions: bool,
    pub next_review_on: Option<NaiveDate>,
}

/// A draft may become the plan in force when it names the problems, the expected outcome, at
/// least one measurable goal, the planned interventions and a review date after the activation.
pub fn ready_to_activate(
    draft: &DraftContents,
    activated_on: NaiveDate,
) -> Result<(), RuleViolation> {
    let missing: Vec<&str> = [
        (draft.problem_list, "the problem list"),
        (draft.expected_outcome, "the expected outcome and prognosis"),
        (draft.goals > 0, "a measurable goal"),
        (draft.interventions, "the planned interventions"),
        (draft.next_review_on.is_some(), "the next review date"),
    ]
    .into_iter()
    .filter(|(present, _)| !present)
    .map(|(_, what)| what)
    .collect();
    if !missing.is_empty() {
        return Err(RuleViolation::new(
            "care plan",
            format!("the draft cannot be activated without {}", missing.join(", ")),
        ));
    }
    match draft.next_review_on {
        Some(review) if review <= activated_on => Err(RuleViolation::new(
            "next review",
            format!("the review date {review} must come after the activation on {activated_on}"),
        )),
        _ => Ok(()),
    }
}

/// Which kind of initiating visit a visit type names, if any: an annual wellness visit, the
/// initial preventive exam, or an office or telehealth E/M visit (new, follow-up or comprehensive).
pub fn initiating_kind(visit_type: &str) -> Option<InitiatingKind> {
    let t = visit_type.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["wellness", "awv"]) {
        Some(InitiatingKind::Awv)
    } else if has(&["ippe", "initial preventive", "welcome to medicare"]) {
        Some(InitiatingKind::Ippe)
    } else if has(&["e/m", "office", "tele", "follow", "new patient", "comprehensive"]) {
        Some(InitiatingKind::EvaluationManagement)
    } else {
        None
    }
}

/// What the enrollment gaps are read from: this month's facts of one patient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GapFacts {
    /// A consent (for a program of the patient's) holds in the month.
    pub consent_in_force: bool,
    /// Chronic diagnoses are recorded (or an imported count stands).
    pub conditions_known: bool,
    /// A care plan version is in force in the month.
    pub plan_in_force: bool,
    pub plan_drafted: bool,
    /// The active version's next review.
    pub review_on: Option<NaiveDate>,
}

/// What a coordinator sees of the records this month: gaps in words, never a code or an amount.
pub fn gap_words(facts: &GapFacts, today: NaiveDate) -> Vec<&'static str> {
    let mut gaps = Vec::new();
    if !facts.consent_in_force {
        gaps.push("no consent");
    }
    if !facts.conditions_known {
        gaps.push("no chronic diagnoses");
    }
    if !facts.plan_in_force {
        gaps.push(if facts.plan_drafted { "care plan draft" } else { "no care plan" });
    } else if facts.review_on.is_some_and(|review| review <= today) {
        gaps.push("review due");
    }
    gaps
}

/// The gaps of one patient's records for the programs they are enrolled in.
pub fn gaps_in_words(
    records: &EnrollmentRecords,
    programs: &[CareProgram],
    next_review: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<&'static str> {
    let month = YearMonth::of(today);
    let facts = GapFacts {
        consent_in_force: programs.iter().any(|p| records.consent_gap(*p, month).is_none()),
        conditions_known: records
            .diagnoses
            .iter()
            .any(|d| d.coded && d.chronic && d.resolved.is_none())
            || (records.diagnoses.is_empty() && records.legacy_conditions > 0),
        plan_in_force: care_plan_active_in(&records.care_plan, month),
        plan_drafted: records.care_plan_drafted,
        review_on: next_review,
    };
    gap_words(&facts, today)
}

/// The part of the enrollment a care plan task leads to once logged from the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarePlanStep {
    /// A new patient's consent, diagnoses and first plan: the record's enrollment section.
    Enrol,
    /// The month's opening or review of the plan: the care plan page.
    Review,
}

/// Which step a task type is ("CCM: Care Plan NEW PATIENT", "PCM: Care Plan Monthly REVIEW/CLOSE").
pub fn care_plan_step(task_type: &str) -> Option<CarePlanStep> {
    if task_type.starts_with("Care Plan: ") {
        return Some(CarePlanStep::Review);
    }
    let (_, rest) = task_type.split_once(": Care Plan ")?;
    if rest.starts_with("NEW PATIENT") {
        Some(CarePlanStep::Enrol)
    } else if rest.starts_with("Monthly") {
        Some(CarePlanStep::Review)
    } else {
        None
    }
}

/// A National Provider Identifier: ten digits whose last is the Luhn check digit of the other nine
/// with the prefix 80840 (the card issuer prefix CMS assigns to NPIs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Npi(String);

impl Npi {
    pub fn parse(text: &str) -> Result<Npi, RuleViolation> {
        let digits = text.trim();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RuleViolation::new(
                "npi",
                format!("an NPI is 10 digits; \"{digits}\" is not"),
            ));
        }
        let value = |i: usize| u32::from(digits.as_bytes()[i] - b'0');
        // Luhn over the nine digits, doubling from the rightmost; the prefix 80840 adds 24.
        let sum: u32 = 24
            + (0..9)
                .map(|i| {
                    let d = value(i);
                    if (8 - i) % 2 == 0 {
                        let doubled = d * 2;
                        doubled / 10 + doubled % 10
                    } else {
                        d
                    }
                })
                .sum::<u32>();
        let check = (10 - sum % 10) % 10;
        if check != value(9) {
            return Err(RuleViolation::new(
                "npi",
                format!("\"{digits}\" is not a valid NPI: its check digit should be {check}"),
            ));
        }
        Ok(Npi(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The NPI whose first nine digits are these, with its check digit: for synthetic practitioners.
    pub fn completing(first_nine: u32) -> Npi {
        let base = format!("{:09}", first_nine % 1_000_000_000);
        let check = (0..10)
            .map(|d| format!("{base}{d}"))
            .find(|candidate| Npi::parse(candidate).is_ok())
            .unwrap_or_default();
        Npi(check)
    }
}

/// An ICD-10-CM code in its written form (`E11.9`, `I10`, `Z79.4`): a letter, a digit, a letter or
/// digit, then up to four more after the dot. Only the shape: whether the code exists is the code
/// set's to say.
pub fn icd10_cm_shape(text: &str) -> Result<String, RuleViolation> {
    let compact: String =
        text.trim().chars().filter(|c| *c != '.').map(|c| c.to_ascii_uppercase()).collect();
    let bytes = compact.as_bytes();
    let shaped = (3..=7).contains(&bytes.len())
        && bytes[0].is_ascii_uppercase()
        && bytes[1].is_ascii_digit()
        && bytes.iter().all(u8::is_ascii_alphanumeric);
    if !shaped {
        return Err(RuleViolation::new(
            "diagnosis",
            format!("\"{}\" is not an ICD-10-CM code (for example E11.9 or I10)", text.trim()),
        ));
    }
    Ok(match compact.split_at(3) {
        (category, "") => category.to_owned(),
        (category, rest) => format!("{category}.{rest}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    const OCT: YearMonth = YearMonth { year: 2026, month: 10 };
    const NOV: YearMonth = YearMonth { year: 2026, month: 11 };

    #[test]
    fn a_consent_holds_from_its_month_to_the_month_of_its_withdrawal() {
        let consent = ConsentSpan { obtained_on: day(2026, 10, 31), withdrawn_on: None };
        assert!(consent.valid_in(OCT), "obtained on the last day");
        assert!(!consent.valid_in(YearMonth { year: 2026, month: 9 }));
        let withdrawn = ConsentSpan { withdrawn_on: Some(day(2026, 11, 1)), ..consent };
        assert!(withdrawn.valid_in(NOV), "a withdrawal takes effect after its month");
        assert!(!withdrawn.valid_in(YearMonth { year: 2026, month: 12 }));
        assert_eq!(
            withdrawn.gap_in(YearMonth { year: 2026, month: 12 }).as_deref(),
            Some("consent withdrawn 2026-11-01")
        );
        assert_eq!(
            consent.gap_in(YearMonth { year: 2026, month: 9 }).as_deref(),
            Some("consent obtained 2026-10-31, after 2026-09")
        );
        assert_eq!(consent.gap_in(OCT), None);
    }

    #[test]
    fn every_disclosure_must_be_confirmed_and_the_missing_ones_are_named() {
        let all = Disclosures {
            service_available: true,
            cost_sharing: true,
            one_practitioner_a_month: true,
            may_stop_any_time: true,
        };
        assert_eq!(all.check(), Ok(()));
        let err = Disclosures { cost_sharing: false, may_stop_any_time: false, ..all }
            .check()
            .unwrap_err();
        assert_eq!(err.field, "disclosures");
        assert!(err.message.ends_with(
            "not yet: that cost-sharing applies; that the patient may stop at any time"
        ));
        assert!(Disclosures::default().check().is_err());
    }

    #[test]
    fn chronic_diagnoses_active_on_some_day_of_the_month_qualify() {
        let chronic = |onset, resolved| DiagnosisSpan {
            code: "E11.9".into(),
            chronic: true,
            coded: true,
            onset,
            resolved,
        };
        let diagnoses = [
            chronic(None, None),
            chronic(Some(day(2026, 10, 31)), None),
            chronic(Some(day(2026, 11, 1)), None),
            chronic(Some(day(2025, 1, 1)), Some(day(2026, 10, 1))),
            chronic(Some(day(2025, 1, 1)), Some(day(2026, 9, 30))),
            DiagnosisSpan {
                code: "I10".into(),
                chronic: false,
                coded: true,
                onset: None,
                resolved: None,
            },
            DiagnosisSpan {
                code: "44054006".into(),
                chronic: true,
                coded: false,
                onset: None,
                resolved: None,
            },
        ];
        assert_eq!(qualifying_conditions(&diagnoses, OCT), 3);
        assert_eq!(qualifying_conditions(&diagnoses, NOV), 3);
        assert_eq!(qualifying_conditions(&[], OCT), 0);
        assert_eq!(conditions_in_words(1, OCT), "1 chronic diagnosis active in 2026-10");
        assert_eq!(conditions_in_words(0, OCT), "0 chronic diagnoses active in 2026-10");
    }

    #[test]
    fn a_care_plan_counts_in_a_month_when_a_version_was_in_force_on_any_day_of_it() {
        let version = |activated_on, ended_on| CarePlanVersionSpan {
            activated_on: Some(activated_on),
            ended_on,
        };
        assert!(care_plan_active_in(&[version(day(2026, 10, 31), None)], OCT));
        assert!(!care_plan_active_in(&[version(day(2026, 11, 1), None)], OCT));
        assert!(care_plan_active_in(&[version(day(2026, 9, 1), Some(day(2026, 10, 1)))], OCT));
        assert!(!care_plan_active_in(&[version(day(2026, 9, 1), Some(day(2026, 9, 30)))], OCT));
        let superseded =
            [version(day(2026, 9, 1), Some(day(2026, 11, 3))), version(day(2026, 11, 3), None)];
        assert!(care_plan_active_in(&superseded, OCT) && care_plan_active_in(&superseded, NOV));
        assert!(!care_plan_active_in(&[], OCT));
        let imported = CarePlanVersionSpan { activated_on: None, ended_on: None };
        assert!(care_plan_active_in(&[imported], YearMonth { year: 2001, month: 1 }));
    }

    #[test]
    fn the_gates_say_in_words_which_record_is_missing() {
        let mut records = EnrollmentRecords::default();
        assert_eq!(
            records.consent_gap(CareProgram::Ccm, OCT).as_deref(),
            Some("no CCM consent on file")
        );
        assert_eq!(records.care_plan_gap(OCT).as_deref(), Some("no care plan"));
        records.care_plan_drafted = true;
        assert_eq!(
            records.care_plan_gap(OCT).as_deref(),
            Some("care plan is a draft, never activated")
        );
        records.care_plan.push(CarePlanVersionSpan {
            activated_on: Some(day(2026, 11, 3)),
            ended_on: Some(day(2026, 12, 9)),
        });
        assert_eq!(
            records.care_plan_gap(OCT).as_deref(),
            Some("care plan activated 2026-11-03, after 2026-10")
        );
        assert_eq!(records.care_plan_gap(NOV), None);
        assert_eq!(
            records.care_plan_gap(YearMonth { year: 2027, month: 1 }).as_deref(),
            Some("care plan inactive since 2026-12-09")
        );

        let pcm = ConsentSpan { obtained_on: day(2026, 1, 5), withdrawn_on: None };
        records.consents.push((CareProgram::Pcm, pcm));
        assert_eq!(
            records.consent_gap(CareProgram::Ccm, OCT).as_deref(),
            Some("no CCM consent on file"),
            "a PCM consent does not cover CCM"
        );
        assert_eq!(records.consent_gap(CareProgram::Pcm, OCT), None);
        let withdrawn = ConsentSpan { withdrawn_on: Some(day(2026, 9, 14)), ..pcm };
        let again = ConsentSpan { obtained_on: day(2026, 11, 20), withdrawn_on: None };
        records.consents = vec![(CareProgram::Pcm, again), (CareProgram::Pcm, withdrawn)];
        assert_eq!(
            records.consent_gap(CareProgram::Pcm, OCT).as_deref(),
            Some("consent withdrawn 2026-09-14")
        );
        assert_eq!(records.consent_gap(CareProgram::Pcm, NOV), None, "consented again");
        assert_eq!(
            records.consent_gap(CareProgram::Pcm, YearMonth { year: 2025, month: 12 }).as_deref(),
            Some("consent obtained 2026-01-05, after 2025-12")
        );
    }

    #[test]
    fn an_imported_count_stands_only_until_diagnoses_are_recorded() {
        let mut records =
            EnrollmentRecords { legacy_conditions: 3, ..EnrollmentRecords::default() };
        let counted = records.conditions_in(OCT);
        assert_eq!(counted, QualifyingConditions { count: 3, recorded: false, uncoded: 0 });
        assert_eq!(
            counted.in_words(OCT),
            "3 chronic conditions imported as a count, no diagnoses recorded"
        );
        records.diagnoses.push(DiagnosisSpan {
            code: "E11.9".into(),
            chronic: true,
            coded: true,
            onset: None,
            resolved: None,
        });
        records.diagnoses.push(DiagnosisSpan {
            code: "I10".into(),
            chronic: false,
            coded: true,
            onset: None,
            resolved: None,
        });
        assert_eq!(
            records.conditions_in(OCT),
            QualifyingConditions { count: 1, recorded: true, uncoded: 0 }
        );
        records.diagnoses.push(DiagnosisSpan {
            code: "44054006".into(),
            chronic: true,
            coded: false,
            onset: None,
            resolved: None,
        });
        assert_eq!(
            records.conditions_in(OCT).in_words(OCT),
            "1 chronic diagnosis active in 2026-10 (1 more need an ICD-10-CM code)",
            "a condition kept in SNOMED CT waits for its code"
        );
        records.diagnoses.pop();
        assert_eq!(
            records.conditions_in(OCT).in_words(OCT),
            "1 chronic diagnosis active in 2026-10"
        );
        let nothing = EnrollmentRecords::default().conditions_in(OCT);
        assert_eq!(nothing.in_words(OCT), "no chronic diagnoses recorded");
    }

    #[test]
    fn billing_reads_the_complex_flag_in_force_at_the_end_of_the_month() {
        let mut records = EnrollmentRecords { complex_now: true, ..EnrollmentRecords::default() };
        assert!(records.complex_in(OCT), "no changes recorded: today's flag");
        records.complexity_changes = vec![
            ComplexityChange { effective_on: day(2026, 11, 30), complex: false, previous: true },
            ComplexityChange { effective_on: day(2026, 10, 10), complex: true, previous: false },
        ];
        records.complex_now = false;
        assert!(!records.complex_in(YearMonth { year: 2026, month: 9 }), "before the first change");
        assert!(records.complex_in(OCT));
        assert!(!records.complex_in(NOV), "changed on the month's last day");
    }

    #[test]
    fn enrollment_dates_bound_the_months_and_a_missing_initiating_visit_is_flagged() {
        let mut records = EnrollmentRecords {
            enrolled_on: Some(day(2026, 10, 20)),
            ..EnrollmentRecords::default()
        };
        assert_eq!(records.enrollment_gap(OCT), None);
        assert_eq!(
            records.enrollment_gap(YearMonth { year: 2026, month: 9 }).as_deref(),
            Some("enrolled 2026-10-20, after 2026-09")
        );
        records.enrollment_ended_on = Some(day(2026, 10, 31));
        assert_eq!(records.enrollment_gap(OCT), None, "in care for part of the month");
        assert_eq!(records.enrollment_gap(NOV).as_deref(), Some("enrollment ended 2026-10-31"));

        let flag = records.initiating_visit_flag().unwrap();
        assert!(flag.contains("care management began in 2026-10"), "{flag}");
        records.initiating_visits = vec![day(2025, 10, 1)];
        assert_eq!(records.initiating_visit_flag(), None, "12 months before October's start");
        records.initiating_visits = vec![day(2025, 9, 30)];
        assert!(records.initiating_visit_flag().is_some(), "a day too early");
        records.initiating_visits = vec![day(2026, 10, 31)];
        assert_eq!(records.initiating_visit_flag(), None, "in the first month itself");
        let unknown = EnrollmentRecords::default();
        assert_eq!(unknown.initiating_visit_flag(), None, "no start known: nothing to judge");
    }

    #[test]
    fn visit_types_that_can_initiate_care_management() {
        assert_eq!(initiating_kind("Annual Wellness"), Some(InitiatingKind::Awv));
        assert_eq!(initiating_kind("IPPE"), Some(InitiatingKind::Ippe));
        assert_eq!(initiating_kind("Office Visit"), Some(InitiatingKind::EvaluationManagement));
        assert_eq!(initiating_kind("Tele Visit"), Some(InitiatingKind::EvaluationManagement));
        assert_eq!(initiating_kind("Lab draw"), None);
        for kind in InitiatingKind::ALL {
            assert_eq!(initiating_kind(kind.as_str()), Some(*kind), "{kind}");
        }
    }

    #[test]
    fn care_plan_task_types_lead_to_their_part_of_the_enrollment() {
        assert_eq!(care_plan_step("CCM: Care Plan NEW PATIENT"), Some(CarePlanStep::Enrol));
        assert_eq!(
            care_plan_step("PCM: Care Plan NEW PATIENT/CONSENTS"),
            Some(CarePlanStep::Enrol)
        );
        assert_eq!(
            care_plan_step("CCM: Care Plan Monthly REVIEW/CLOSE"),
            Some(CarePlanStep::Review)
        );
        assert_eq!(care_plan_step("PCM: Care Plan Monthly OPEN"), Some(CarePlanStep::Review));
        assert_eq!(care_plan_step("Communication: Phone"), None);
        for t in crate::catalogue::TASK_TYPES.iter().filter(|t| t.name.contains("Care Plan")) {
            assert!(care_plan_step(t.name).is_some(), "{}", t.name);
        }
    }

    #[test]
    fn a_typed_date_is_a_real_day_not_in_the_future() {
        let today = day(2026, 12, 6);
        assert_eq!(record_date("consent date", " 2026-12-06 ", today), Ok(today));
        let future = record_date("consent date", "2026-12-07", today).unwrap_err();
        assert_eq!(future.message, "2026-12-07 is in the future");
        assert!(record_date("x", "12/06/2026", today).unwrap_err().message.contains("YYYY-MM-DD"));
        assert!(record_date("x", "2026-02-30", today).is_err());
        assert!(record_date("x", "1899-12-31", today).is_err());
    }

    #[test]
    fn a_draft_is_activated_only_with_cms_elements_present_and_a_later_review() {
        let on = day(2026, 12, 6);
        let full = DraftContents {
            problem_list: true,
            expected_outcome: true,
            goals: 1,
            interventions: true,
            next_review_on: Some(day(2027, 6, 1)),
        };
        assert_eq!(ready_to_activate(&full, on), Ok(()));
        let err = ready_to_activate(&DraftContents { goals: 0, interventions: false, ..full }, on)
            .unwrap_err();
        assert_eq!(
            err.message,
            "the draft cannot be activated without a measurable goal, the planned interventions"
        );
        let same_day = DraftContents { next_review_on: Some(on), ..full };
        assert!(ready_to_activate(&same_day, on).unwrap_err().message.contains("must come after"));
    }

    #[test]
    fn coordinators_see_gaps_in_words() {
        let today = day(2026, 11, 20);
        let mut records =
            EnrollmentRecords { legacy_conditions: 2, ..EnrollmentRecords::default() };
        assert_eq!(
            gaps_in_words(&records, &[CareProgram::Ccm], None, today),
            ["no consent", "no care plan"]
        );
        records
            .consents
            .push((CareProgram::Ccm, ConsentSpan { obtained_on: today, withdrawn_on: None }));
        records.care_plan_drafted = true;
        assert_eq!(gaps_in_words(&records, &[CareProgram::Ccm], None, today), ["care plan draft"]);
        records.care_plan.push(CarePlanVersionSpan { activated_on: Some(today), ended_on: None });
        assert!(
            gaps_in_words(&records, &[CareProgram::Ccm], Some(day(2026, 11, 21)), today).is_empty()
        );
        assert_eq!(
            gaps_in_words(&records, &[CareProgram::Ccm], Some(today), today),
            ["review due"]
        );
    }

    #[test]
    fn an_npi_is_ten_digits_with_its_check_digit() {
        // CMS's worked example.
        assert_eq!(
            Npi::parse(" 1234567893 ").map(|n| n.as_str().to_owned()),
            Ok("1234567893".into())
        );
        let wrong = Npi::parse("1234567890").unwrap_err();
        assert!(wrong.message.contains("check digit should be 3"), "{}", wrong.message);
        assert!(Npi::parse("123456789").is_err());
        assert!(Npi::parse("12345678a3").is_err());
        assert!(Npi::parse("").is_err());
        // Every last digit but one is refused.
        let valid = (0..10).filter(|d| Npi::parse(&format!("123456789{d}")).is_ok()).count();
        assert_eq!(valid, 1);
        assert_eq!(Npi::completing(123_456_789).as_str(), "1234567893");
        assert!(Npi::parse(Npi::completing(1).as_str()).is_ok());
    }

    #[test]
    fn icd10_cm_codes_are_shaped_and_written_with_their_dot() {
        assert_eq!(icd10_cm_shape("e119"), Ok("E11.9".into()));
        assert_eq!(icd10_cm_shape(" I10 "), Ok("I10".into()));
        assert_eq!(icd10_cm_shape("Z79.4"), Ok("Z79.4".into()));
        assert_eq!(icd10_cm_shape("S72.001A"), Ok("S72.001A".into()));
        for bad in ["", "E1", "11.9", "EE1.9", "E11.91234", "E11-9", "E11.9;"] {
            assert!(icd10_cm_shape(bad).is_err(), "{bad}");
        }
        let err = icd10_cm_shape("11.9").unwrap_err();
        assert_eq!(err.message, "\"11.9\" is not an ICD-10-CM code (for example E11.9 or I10)");
    }

    #[test]
    fn a_patient_is_enrolled_from_the_start_of_care_management_to_its_end() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d);
        let mut records = EnrollmentRecords::default();
        assert!(!records.enrolled_in(OCT), "no enrollment date and no consent: never enrolled");
        records.enrolled_on = day(10, 31);
        assert!(records.enrolled_in(OCT), "enrolled on the month's last day");
        assert!(!records.enrolled_in(YearMonth { year: 2026, month: 9 }));
        records.enrollment_ended_on = day(11, 1);
        assert!(records.enrolled_in(YearMonth { year: 2026, month: 11 }), "ended on its first day");
        assert!(!records.enrolled_in(YearMonth { year: 2026, month: 12 }));
        let consent_only = EnrollmentRecords {
            consents: vec![(
                CareProgram::Ccm,
                ConsentSpan { obtained_on: day(10, 2).unwrap_or_default(), withdrawn_on: None },
            )],
            ..EnrollmentRecords::default()
        };
        assert!(consent_only.enrolled_in(OCT), "the first consent starts care management");
    }

    #[test]
    fn a_claim_names_four_coded_chronic_diagnoses_active_in_the_month_longest_standing_first() {
        let day = |y, m| NaiveDate::from_ymd_opt(y, m, 1);
        let diagnosis = |code: &str, chronic, coded, onset, resolved| DiagnosisSpan {
            code: code.into(),
            chronic,
            coded,
            onset,
            resolved,
        };
        let records = EnrollmentRecords {
            diagnoses: vec![
                diagnosis("N18.3", true, true, day(2024, 1), None),
                diagnosis("E11.9", true, true, None, None),
                diagnosis("J45.909", false, true, None, None),
                diagnosis("44054006", true, false, None, None),
                diagnosis("I10", true, true, day(2020, 5), None),
                diagnosis("E78.5", true, true, day(2026, 11), None),
                diagnosis("F32.9", true, true, day(2019, 1), day(2026, 9)),
                diagnosis("I50.9", true, true, day(2025, 3), None),
                diagnosis("E11.9", true, true, day(2025, 1), None),
            ],
            ..EnrollmentRecords::default()
        };
        assert_eq!(records.claim_diagnoses(OCT), ["E11.9", "I10", "N18.3", "I50.9"]);
    }
}
