//! Enrollment records as the billing gates read them (domain.md "Enrollment"): whether a consent holds
//! in a month, which diagnoses qualify in it, whether a care plan was active in it, and the checks a
//! record must pass before it is stored (the four disclosures, an NPI's check digit, an ICD-10-CM code's
//! shape). The records themselves, their pages and the gates' use of these come with issue 18's later
//! slices.

use chrono::NaiveDate;

use crate::RuleViolation;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagnosisSpan {
    pub chronic: bool,
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

/// Qualifying conditions in a month: chronic diagnoses active in it.
pub fn qualifying_conditions(diagnoses: &[DiagnosisSpan], month: YearMonth) -> usize {
    diagnoses.iter().filter(|d| d.chronic && d.active_in(month)).count()
}

/// The billing line's words for a month's qualifying conditions.
pub fn conditions_in_words(count: usize, month: YearMonth) -> String {
    match count {
        1 => format!("1 chronic diagnosis active in {month}"),
        n => format!("{n} chronic diagnoses active in {month}"),
    }
}

/// One care plan version's time in force: from activation to the day it was superseded or made
/// inactive (that day included: it was in force for part of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CarePlanVersionSpan {
    pub activated_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
}

/// A care plan is active in a month when some version was active on any day of it.
pub fn care_plan_active_in(versions: &[CarePlanVersionSpan], month: YearMonth) -> bool {
    versions.iter().any(|v| {
        v.activated_on <= month.last_day() && v.ended_on.is_none_or(|end| end >= month.first_day())
    })
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
        let chronic = |onset, resolved| DiagnosisSpan { chronic: true, onset, resolved };
        let diagnoses = [
            chronic(None, None),
            chronic(Some(day(2026, 10, 31)), None),
            chronic(Some(day(2026, 11, 1)), None),
            chronic(Some(day(2025, 1, 1)), Some(day(2026, 10, 1))),
            chronic(Some(day(2025, 1, 1)), Some(day(2026, 9, 30))),
            DiagnosisSpan { chronic: false, onset: None, resolved: None },
        ];
        assert_eq!(qualifying_conditions(&diagnoses, OCT), 3);
        assert_eq!(qualifying_conditions(&diagnoses, NOV), 3);
        assert_eq!(qualifying_conditions(&[], OCT), 0);
        assert_eq!(conditions_in_words(1, OCT), "1 chronic diagnosis active in 2026-10");
        assert_eq!(conditions_in_words(0, OCT), "0 chronic diagnoses active in 2026-10");
    }

    #[test]
    fn a_care_plan_counts_in_a_month_when_a_version_was_in_force_on_any_day_of_it() {
        let version = |activated_on, ended_on| CarePlanVersionSpan { activated_on, ended_on };
        assert!(care_plan_active_in(&[version(day(2026, 10, 31), None)], OCT));
        assert!(!care_plan_active_in(&[version(day(2026, 11, 1), None)], OCT));
        assert!(care_plan_active_in(&[version(day(2026, 9, 1), Some(day(2026, 10, 1)))], OCT));
        assert!(!care_plan_active_in(&[version(day(2026, 9, 1), Some(day(2026, 9, 30)))], OCT));
        let superseded =
            [version(day(2026, 9, 1), Some(day(2026, 11, 3))), version(day(2026, 11, 3), None)];
        assert!(care_plan_active_in(&superseded, OCT) && care_plan_active_in(&superseded, NOV));
        assert!(!care_plan_active_in(&[], OCT));
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
}
