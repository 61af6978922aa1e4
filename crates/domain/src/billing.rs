//! Billing (seed 000 §3, domain.md "Billing"): one patient, one calendar month, one program.
//! Two rule sets: `seed` reproduces the seed's table exactly; `cms` follows Medicare's rules.

use std::fmt;

use crate::enrollment::{EnrollmentRecords, QualifyingConditions};
use crate::patient::{CareProgram, Program};
use crate::practice_time::YearMonth;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleSet {
    Seed,
    Cms,
}

impl RuleSet {
    pub const ALL: [RuleSet; 2] = [RuleSet::Seed, RuleSet::Cms];

    pub fn key(self) -> &'static str {
        match self {
            RuleSet::Seed => "seed",
            RuleSet::Cms => "cms",
        }
    }

    pub fn parse(text: &str) -> Result<RuleSet, crate::RuleViolation> {
        match text.trim().to_ascii_lowercase().as_str() {
            "seed" => Ok(RuleSet::Seed),
            "cms" => Ok(RuleSet::Cms),
            other => Err(crate::RuleViolation::new(
                "rule set",
                format!("\"{other}\" is not a rule set; use seed or cms"),
            )),
        }
    }
}

impl fmt::Display for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Whether a billing month is still open to entries or closed as the billed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MonthStatus {
    Open,
    Closed,
}

impl MonthStatus {
    pub const ALL: [MonthStatus; 2] = [MonthStatus::Open, MonthStatus::Closed];

    pub fn key(self) -> &'static str {
        match self {
            MonthStatus::Open => "open",
            MonthStatus::Closed => "closed",
        }
    }
}

/// The program a patient-month is billed under: never both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Billed {
    Ccm,
    Pcm,
}

impl Billed {
    pub const ALL: [Billed; 2] = [Billed::Ccm, Billed::Pcm];

    pub fn key(self) -> &'static str {
        match self {
            Billed::Ccm => "CCM",
            Billed::Pcm => "PCM",
        }
    }

    /// The program whose consent the month needs.
    pub fn program(self) -> CareProgram {
        match self {
            Billed::Ccm => CareProgram::Ccm,
            Billed::Pcm => CareProgram::Pcm,
        }
    }
}

/// What an administrator's amendment did to an entry of a closed month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AmendmentAction {
    /// Its minutes, notes, patient, task type or date corrected.
    Changed,
    /// Removed as a duplicate (the values kept in the amendment).
    Removed,
}

impl AmendmentAction {
    pub const ALL: [AmendmentAction; 2] = [AmendmentAction::Changed, AmendmentAction::Removed];

    pub fn key(self) -> &'static str {
        match self {
            AmendmentAction::Changed => "changed",
            AmendmentAction::Removed => "removed",
        }
    }
}

/// Under the `seed` rule set, minutes past this count as this.
pub const SEED_MINUTES_CAP: i64 = 600;
/// Under `cms`, non-complex CCM takes at most this many 99439 add-ons.
pub const CMS_99439_LIMIT: u32 = 2;

/// A code and how many units of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodeLine {
    pub code: &'static str,
    pub units: u32,
}

/// The codes for a patient-month, e.g. `99487+99489x2`; empty when nothing is billable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Codes(pub Vec<CodeLine>);

impl Codes {
    fn of(lines: &[(&'static str, u32)]) -> Codes {
        Codes(
            lines
                .iter()
                .filter(|(_, u)| *u > 0)
                .map(|(code, units)| CodeLine { code, units: *units })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn units_of(&self, code: &str) -> u32 {
        self.0.iter().filter(|l| l.code == code).map(|l| l.units).sum()
    }

    /// The care time the codes stand for (e.g. 99490+99439 covers 40 minutes). It never decreases as
    /// minutes grow, under either rule set: the invariant the property tests hold.
    pub fn covered_minutes(&self) -> i64 {
        let u = |c| i64::from(self.units_of(c));
        let ccm = if u("99487") > 0 {
            60 + 30 * u("99489")
        } else if u("99490") > 0 {
            20 + 20 * u("99439")
        } else {
            0
        };
        let pcm = if u("99426") > 0 { 30 + 30 * u("99427") } else { 0 };
        ccm.max(pcm)
    }
}

impl fmt::Display for Codes {
    /// `99490+99439`, `99487+99489x2`, or empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> =
            self.0
                .iter()
                .map(|l| {
                    if l.units == 1 { l.code.to_owned() } else { format!("{}x{}", l.code, l.units) }
                })
                .collect();
        f.write_str(&parts.join("+"))
    }
}

fn units(minutes_over: i64, block: i64) -> u32 {
    u32::try_from((minutes_over.max(0)) / block).unwrap_or(u32::MAX)
}

/// The seed's table (seed 000 §3.1): under 20 nothing; 20–39 99490; 40–59 +99439; 60 +99439×2;
/// 61–89 99487; then one 99489 per full 30 minutes beyond 60. Minutes past 600 count as 600.
pub fn seed_ccm_codes(minutes: i64) -> Codes {
    let m = minutes.min(SEED_MINUTES_CAP);
    match m {
        ..20 => Codes::default(),
        20..=39 => Codes::of(&[("99490", 1)]),
        40..=59 => Codes::of(&[("99490", 1), ("99439", 1)]),
        60 => Codes::of(&[("99490", 1), ("99439", 2)]),
        61..=89 => Codes::of(&[("99487", 1)]),
        _ => Codes::of(&[("99487", 1), ("99489", units(m - 60, 30))]),
    }
}

/// Medicare's CCM: non-complex 99490 at 20 minutes plus one 99439 per further full 20 (at most 2);
/// complex 99487 at 60 plus one 99489 per further full 30. A complex patient with 20–59 minutes
/// bills as non-complex, as Medicare allows.
pub fn cms_ccm_codes(minutes: i64, complex: bool) -> Codes {
    if complex && minutes >= 60 {
        return Codes::of(&[("99487", 1), ("99489", units(minutes - 60, 30))]);
    }
    if minutes < 20 {
        return Codes::default();
    }
    Codes::of(&[("99490", 1), ("99439", units(minutes - 20, 20).min(CMS_99439_LIMIT))])
}

/// Medicare's PCM (both rule sets; the seed names no PCM codes): 99426 at 30 minutes plus one 99427
/// per further full 30.
pub fn pcm_codes(minutes: i64) -> Codes {
    if minutes < 30 {
        return Codes::default();
    }
    Codes::of(&[("99426", 1), ("99427", units(minutes - 30, 30))])
}

pub fn codes(rule_set: RuleSet, billed: Billed, minutes: i64, complex: bool) -> Codes {
    match (billed, rule_set) {
        (Billed::Pcm, _) => pcm_codes(minutes),
        (Billed::Ccm, RuleSet::Seed) => seed_ccm_codes(minutes),
        (Billed::Ccm, RuleSet::Cms) => cms_ccm_codes(minutes, complex),
    }
}

/// Which program a patient-month bills under. A patient eligible for both bills CCM when they have the
/// two conditions CCM needs, otherwise PCM: never both in one month.
pub fn billed_program(program: Program, qualifying_conditions: usize) -> Billed {
    match program {
        Program::Ccm => Billed::Ccm,
        Program::Pcm => Billed::Pcm,
        Program::Both if qualifying_conditions >= 2 => Billed::Ccm,
        Program::Both => Billed::Pcm,
    }
}

/// What the compliance gates read of a patient-month, from the enrollment records for that month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compliance {
    pub month: YearMonth,
    /// Why the patient was not enrolled in the month; None when they were.
    pub enrollment_gap: Option<String>,
    /// Why no consent for the billed program holds in the month; None when one does.
    pub consent_gap: Option<String>,
    pub conditions: QualifyingConditions,
    /// Why no care plan version was active in the month; None when one was.
    pub care_plan_gap: Option<String>,
}

impl Compliance {
    /// The gates as the records say for `billed` in `month`.
    pub fn of(records: &EnrollmentRecords, billed: Billed, month: YearMonth) -> Compliance {
        Compliance {
            month,
            enrollment_gap: records.enrollment_gap(month),
            consent_gap: records.consent_gap(billed.program(), month),
            conditions: records.conditions_in(month),
            care_plan_gap: records.care_plan_gap(month),
        }
    }
}

/// Why a patient-month is not billable, naming the record, in words billing staff act on.
pub fn failed_gates(billed: Billed, c: &Compliance) -> Vec<String> {
    let mut reasons: Vec<String> = c.enrollment_gap.iter().cloned().collect();
    if let Some(gap) = &c.consent_gap {
        reasons.push(gap.clone());
    }
    let (needed, program) = match billed {
        Billed::Ccm => (2, "CCM"),
        Billed::Pcm => (1, "PCM"),
    };
    if c.conditions.count < needed {
        reasons.push(format!("{program} needs {needed}; {}", c.conditions.in_words(c.month)));
    }
    if let Some(gap) = &c.care_plan_gap {
        reasons.push(gap.clone());
    }
    reasons
}

/// Items to review though billable: under `seed`, a 99487 for a patient not flagged complex.
pub fn review_flags(rule_set: RuleSet, codes: &Codes, complex: bool) -> Vec<String> {
    if rule_set == RuleSet::Seed && codes.units_of("99487") > 0 && !complex {
        vec![
            "99487 (complex CCM) for a patient not flagged complex: review before billing"
                .to_owned(),
        ]
    } else {
        Vec::new()
    }
}

/// One code's fee for one year: what Medicare is expected to allow, and the practice's charge on a
/// claim (its own figure, often above the allowed amount).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fee {
    pub code: String,
    pub year: i32,
    pub allowed: Cents,
    pub charge: Cents,
}

/// The codes the rule sets bill, in the order pages list them.
pub const KNOWN_CODES: [&str; 6] = ["99490", "99439", "99487", "99489", "99426", "99427"];

/// The code's fee for exactly this year: fees are per year, and a year without one says so.
pub fn fee_for<'a>(fees: &'a [Fee], code: &str, year: i32) -> Option<&'a Fee> {
    fees.iter().find(|f| f.code == code && f.year == year)
}

/// Expected reimbursement (allowed amounts) in cents; None when any code has no fee ("fee not set",
/// never $0).
pub fn reimbursement(codes: &Codes, fees: &[Fee], year: i32) -> Option<Cents> {
    codes.0.iter().try_fold(Cents::ZERO, |total, line| {
        fee_for(fees, line.code, year).map(|fee| total + fee.allowed.times(line.units))
    })
}

/// The known code a stored code names (the record keeps codes as text).
pub fn known_code(text: &str) -> Option<&'static str> {
    KNOWN_CODES.iter().copied().find(|c| *c == text)
}

impl Codes {
    /// Reads `99490+99439x2` back; None for anything else.
    pub fn parse(text: &str) -> Option<Codes> {
        if text.is_empty() {
            return Some(Codes::default());
        }
        text.split('+')
            .map(|part| {
                let (code, units) = match part.split_once('x') {
                    Some((code, units)) => (code, units.parse().ok()?),
                    None => (part, 1),
                };
                Some(CodeLine { code: known_code(code)?, units })
            })
            .collect::<Option<Vec<_>>>()
            .map(Codes)
    }
}

/// Dollars and cents for display: `$1,234.56`.
/// A patient's care time this month against the practice's monthly target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetProgress {
    Met,
    /// Minutes still to log to reach the target.
    Short(i64),
}

impl TargetProgress {
    pub fn of(billable_minutes: i64, target: i64) -> Self {
        if billable_minutes >= target {
            TargetProgress::Met
        } else {
            TargetProgress::Short(target - billable_minutes)
        }
    }
}

/// Money, in whole cents: the one type every amount of carelog has. JSON carries it as integer cents,
/// CSV as dollars with two decimals ([`Cents::decimal`]), pages as `$1,234.56` (its `Display`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// Dollars with two decimals, no symbol or grouping: `1234.56`.
    pub fn decimal(self) -> String {
        decimal_amount(self.0)
    }

    /// This many of it.
    pub fn times(self, units: u32) -> Cents {
        Cents(self.0 * i64::from(units))
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&dollars(self.0))
    }
}

impl std::ops::Add for Cents {
    type Output = Cents;
    fn add(self, other: Cents) -> Cents {
        Cents(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Cents {
    fn add_assign(&mut self, other: Cents) {
        self.0 += other.0;
    }
}

impl std::iter::Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        iter.fold(Cents::ZERO, |a, b| a + b)
    }
}

impl serde::Serialize for Cents {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

/// The database keeps money as BIGINT cents.
#[cfg(feature = "sql")]
mod cents_column {
    use super::Cents;

    impl sea_orm::TryGetable for Cents {
        fn try_get_by<I: sea_orm::ColIdx>(
            res: &sea_orm::QueryResult,
            index: I,
        ) -> Result<Self, sea_orm::TryGetError> {
            i64::try_get_by(res, index).map(Cents)
        }
    }

    impl From<Cents> for sea_orm::Value {
        fn from(value: Cents) -> sea_orm::Value {
            value.0.into()
        }
    }

    impl sea_orm::sea_query::Nullable for Cents {
        fn null() -> sea_orm::Value {
            sea_orm::Value::BigInt(None)
        }
    }
}

/// An amount for machines (CSV, JSON): dollars with two decimals, no symbol or grouping.
pub fn decimal_amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// An amount for people: `$1,234.56`.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(c: Codes) -> String {
        c.to_string()
    }

    #[test]
    fn the_seed_table_at_every_boundary() {
        let cases = [
            (0, ""),
            (19, ""),
            (20, "99490"),
            (39, "99490"),
            (40, "99490+99439"),
            (59, "99490+99439"),
            (60, "99490+99439x2"),
            (61, "99487"),
            (89, "99487"),
            (90, "99487+99489"),
            (119, "99487+99489"),
            (120, "99487+99489x2"),
            (149, "99487+99489x2"),
            (150, "99487+99489x3"),
            (179, "99487+99489x3"),
            (180, "99487+99489x4"),
            (599, "99487+99489x17"),
            (600, "99487+99489x18"),
            (601, "99487+99489x18"),
            (10_000, "99487+99489x18"),
        ];
        for (minutes, expected) in cases {
            assert_eq!(text(seed_ccm_codes(minutes)), expected, "{minutes} minutes");
        }
    }

    #[test]
    fn the_seed_table_wins_over_its_sample_code_at_ninety_minutes() {
        // The seed's JS subtracts 61 and adds no 99489 at 90; the table says 99487+99489.
        assert_eq!(text(seed_ccm_codes(90)), "99487+99489");
    }

    #[test]
    fn cms_non_complex_ccm_boundaries_and_the_99439_limit() {
        let cases = [
            (19, ""),
            (20, "99490"),
            (39, "99490"),
            (40, "99490+99439"),
            (59, "99490+99439"),
            (60, "99490+99439x2"),
            (61, "99490+99439x2"),
            (200, "99490+99439x2"),
        ];
        for (minutes, expected) in cases {
            assert_eq!(text(cms_ccm_codes(minutes, false)), expected, "{minutes} minutes");
        }
    }

    #[test]
    fn cms_complex_ccm_boundaries() {
        let cases = [
            (19, ""),
            (20, "99490"),
            (59, "99490+99439"),
            (60, "99487"),
            (89, "99487"),
            (90, "99487+99489"),
            (119, "99487+99489"),
            (120, "99487+99489x2"),
            (150, "99487+99489x3"),
        ];
        for (minutes, expected) in cases {
            assert_eq!(text(cms_ccm_codes(minutes, true)), expected, "{minutes} minutes, complex");
        }
    }

    #[test]
    fn pcm_boundaries_under_both_rule_sets() {
        let cases = [
            (29, ""),
            (30, "99426"),
            (59, "99426"),
            (60, "99426+99427"),
            (89, "99426+99427"),
            (90, "99426+99427x2"),
        ];
        for (minutes, expected) in cases {
            for rule_set in [RuleSet::Seed, RuleSet::Cms] {
                assert_eq!(
                    text(codes(rule_set, Billed::Pcm, minutes, false)),
                    expected,
                    "{minutes} minutes {rule_set:?}"
                );
            }
        }
    }

    /// Every minute count from 0 to 1,200, both rule sets, complex or not, both programs.
    fn every_case() -> impl Iterator<Item = (RuleSet, Billed, bool, i64)> {
        [RuleSet::Seed, RuleSet::Cms].into_iter().flat_map(|r| {
            [Billed::Ccm, Billed::Pcm].into_iter().flat_map(move |b| {
                [false, true].into_iter().flat_map(move |c| (0..=1200).map(move |m| (r, b, c, m)))
            })
        })
    }

    #[test]
    fn covered_time_never_shrinks_as_minutes_grow_and_never_exceeds_them() {
        for (r, b, c, m) in every_case() {
            let now = codes(r, b, m, c);
            assert!(
                now.covered_minutes()
                    <= m.min(if r == RuleSet::Seed && b == Billed::Ccm {
                        SEED_MINUTES_CAP
                    } else {
                        i64::MAX
                    }),
                "{r:?} {b:?} {c} {m}: {now}"
            );
            if m > 0 {
                let before = codes(r, b, m - 1, c);
                assert!(
                    now.covered_minutes() >= before.covered_minutes(),
                    "{r:?} {b:?} complex={c}: {before} at {} > {now} at {m}",
                    m - 1
                );
            }
        }
    }

    #[test]
    fn the_cap_and_the_99439_limit_always_hold() {
        for (r, b, c, m) in every_case() {
            let got = codes(r, b, m, c);
            if r == RuleSet::Cms {
                assert!(got.units_of("99439") <= CMS_99439_LIMIT, "{m}: {got}");
            }
            if r == RuleSet::Seed && b == Billed::Ccm {
                assert_eq!(
                    got,
                    seed_ccm_codes(m.min(SEED_MINUTES_CAP)),
                    "minutes past 600 count as 600"
                );
                assert!(got.units_of("99489") <= 18);
            }
            // Never CCM and PCM codes together.
            let has_ccm =
                ["99490", "99439", "99487", "99489"].iter().any(|code| got.units_of(code) > 0);
            let has_pcm = ["99426", "99427"].iter().any(|code| got.units_of(code) > 0);
            assert!(!(has_ccm && has_pcm));
            // A base code always precedes its add-on.
            assert!(got.units_of("99439") == 0 || got.units_of("99490") == 1);
            assert!(got.units_of("99489") == 0 || got.units_of("99487") == 1);
            assert!(got.units_of("99427") == 0 || got.units_of("99426") == 1);
        }
    }

    #[test]
    fn a_dual_eligible_patient_bills_one_program() {
        assert_eq!(billed_program(Program::Both, 2), Billed::Ccm);
        assert_eq!(billed_program(Program::Both, 1), Billed::Pcm);
        assert_eq!(billed_program(Program::Pcm, 5), Billed::Pcm);
        assert_eq!(billed_program(Program::Ccm, 1), Billed::Ccm);
    }

    #[test]
    fn gates_name_what_failed() {
        let month = YearMonth { year: 2026, month: 10 };
        let ok = Compliance {
            month,
            enrollment_gap: None,
            consent_gap: None,
            conditions: QualifyingConditions { count: 2, recorded: true, uncoded: 0 },
            care_plan_gap: None,
        };
        assert!(failed_gates(Billed::Ccm, &ok).is_empty());
        let bad = Compliance {
            consent_gap: Some("consent withdrawn 2026-09-14".into()),
            conditions: QualifyingConditions { count: 1, recorded: true, uncoded: 0 },
            care_plan_gap: Some("no care plan".into()),
            ..ok.clone()
        };
        assert_eq!(
            failed_gates(Billed::Ccm, &bad),
            [
                "consent withdrawn 2026-09-14",
                "CCM needs 2; 1 chronic diagnosis active in 2026-10",
                "no care plan"
            ]
        );
        let one = QualifyingConditions { count: 1, recorded: true, uncoded: 0 };
        assert!(
            failed_gates(Billed::Pcm, &Compliance { conditions: one, ..ok.clone() }).is_empty()
        );
        let none = QualifyingConditions { count: 0, recorded: true, uncoded: 0 };
        assert_eq!(failed_gates(Billed::Pcm, &Compliance { conditions: none, ..ok }).len(), 1);
    }

    #[test]
    fn seed_flags_99487_for_patients_not_flagged_complex() {
        assert_eq!(review_flags(RuleSet::Seed, &seed_ccm_codes(70), false).len(), 1);
        assert!(review_flags(RuleSet::Seed, &seed_ccm_codes(70), true).is_empty());
        assert!(review_flags(RuleSet::Cms, &cms_ccm_codes(70, false), false).is_empty());
    }

    fn fee(code: &str, year: i32, allowed: i64) -> Fee {
        Fee { code: code.into(), year, allowed: Cents(allowed), charge: Cents(allowed + 1000) }
    }

    #[test]
    fn fees_are_per_year_and_a_missing_fee_is_not_zero() {
        let schedule =
            vec![fee("99490", 2025, 6049), fee("99439", 2025, 4593), fee("99490", 2027, 6200)];
        assert_eq!(fee_for(&schedule, "99490", 2025).map(|f| f.allowed), Some(Cents(6049)));
        assert_eq!(fee_for(&schedule, "99490", 2027).map(|f| f.allowed), Some(Cents(6200)));
        assert_eq!(fee_for(&schedule, "99490", 2026), None, "2025's fee is not 2026's");
        assert_eq!(
            reimbursement(&seed_ccm_codes(60), &schedule, 2025),
            Some(Cents(6049 + 2 * 4593))
        );
        assert_eq!(reimbursement(&seed_ccm_codes(60), &schedule, 2026), None);
        assert_eq!(
            reimbursement(&pcm_codes(40), &schedule, 2025),
            None,
            "99426 has no fee: fee not set"
        );
        assert_eq!(reimbursement(&Codes::default(), &schedule, 2025), Some(Cents::ZERO));
    }

    #[test]
    fn stored_codes_read_back_exactly() {
        for minutes in [0, 20, 45, 60, 75, 95, 600] {
            let codes = seed_ccm_codes(minutes);
            assert_eq!(Codes::parse(&codes.to_string()), Some(codes));
        }
        assert_eq!(Codes::parse("99426+99427x2"), Some(pcm_codes(90)));
        for bad in ["12345", "99490x", "99490+", "99490xa"] {
            assert_eq!(Codes::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn machine_amounts_have_two_decimals_and_a_plain_sign() {
        assert_eq!(decimal_amount(6049), "60.49");
        assert_eq!(decimal_amount(5), "0.05");
        assert_eq!(decimal_amount(123_456_789), "1234567.89");
        assert_eq!(decimal_amount(-5), "-0.05");
        assert_eq!(decimal_amount(0), "0.00");
    }

    #[test]
    fn money_is_one_type_cents_in_json_dollars_in_csv_and_on_pages() {
        let amount = Cents(123_456);
        assert_eq!(serde_json::to_string(&amount).unwrap(), "123456");
        assert_eq!(amount.decimal(), "1234.56");
        assert_eq!(amount.to_string(), "$1,234.56");
        assert_eq!(Cents(4593).times(2) + Cents(6049), Cents(15_235));
        assert_eq!([Cents(1), Cents(2)].into_iter().sum::<Cents>(), Cents(3));
    }

    #[test]
    fn money_reads_as_dollars() {
        assert_eq!(dollars(6049), "$60.49");
        assert_eq!(dollars(123_456_789), "$1,234,567.89");
        assert_eq!(dollars(5), "$0.05");
        assert_eq!(dollars(-1500), "-$15.00");
    }

    #[test]
    fn rule_sets_parse_by_name() {
        assert_eq!(RuleSet::parse(" CMS "), Ok(RuleSet::Cms));
        assert!(RuleSet::parse("medicaid").unwrap_err().message.contains("seed or cms"));
    }
}

/// Parses a fee typed in dollars (`60.49`, `$1,234.5`, `45`) into cents.
pub fn parse_dollars(text: &str) -> Result<i64, crate::RuleViolation> {
    let bad = || {
        crate::RuleViolation::new(
            "amount",
            format!("\"{}\" is not an amount in dollars such as 60.49", text.trim()),
        )
    };
    let cleaned: String =
        text.trim().trim_start_matches('$').chars().filter(|c| *c != ',').collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty() && fraction.is_empty()
        || fraction.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    if whole > 100_000 {
        return Err(crate::RuleViolation::new("amount", "must be at most $100,000.00"));
    }
    Ok(whole * 100 + cents)
}

/// A code carelog bills (the rule sets' six), with a fee to set.
pub fn parse_code(text: &str) -> Result<String, crate::RuleViolation> {
    let code = text.trim();
    match known_code(code) {
        Some(known) => Ok(known.to_owned()),
        None => Err(crate::RuleViolation::new(
            "code",
            format!(
                "\"{code}\" is not a code carelog bills; use one of {}",
                KNOWN_CODES.join(", ")
            ),
        )),
    }
}

/// A fee or charge typed in dollars: above $0.00.
pub fn parse_fee(text: &str) -> Result<Cents, crate::RuleViolation> {
    let cents = parse_dollars(text)?;
    if cents == 0 {
        return Err(crate::RuleViolation::new(
            "amount",
            "must be above $0.00: a code without a fee is left unset, never $0",
        ));
    }
    Ok(Cents(cents))
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn dollars_parse_to_cents() {
        assert_eq!(parse_dollars("60.49"), Ok(6049));
        assert_eq!(parse_dollars("$1,234.5"), Ok(123_450));
        assert_eq!(parse_dollars("45"), Ok(4500));
        assert_eq!(parse_dollars(".5"), Ok(50));
        for bad in ["", "abc", "1.234", "-5", "12.3.4", "."] {
            assert!(parse_dollars(bad).is_err(), "{bad}");
        }
        assert!(parse_dollars("100001").unwrap_err().message.contains("at most"));
    }

    #[test]
    fn fees_are_for_known_codes_and_above_zero() {
        assert_eq!(parse_code(" 99426 "), Ok("99426".into()));
        assert!(parse_code("9942").is_err());
        assert!(parse_code("99213").unwrap_err().message.contains("99490, 99439"));
        assert_eq!(parse_fee("0.01"), Ok(Cents(1)));
        assert!(parse_fee("0").unwrap_err().message.contains("above $0.00"));
        assert!(parse_fee("$0.00").is_err());
    }

    #[test]
    fn care_time_meets_the_target_at_exactly_the_target() {
        assert_eq!(TargetProgress::of(19, 20), TargetProgress::Short(1));
        assert_eq!(TargetProgress::of(20, 20), TargetProgress::Met);
        assert_eq!(TargetProgress::of(0, 20), TargetProgress::Short(20));
        assert_eq!(TargetProgress::of(45, 20), TargetProgress::Met);
    }
}
