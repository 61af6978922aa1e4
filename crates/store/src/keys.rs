//! Vocabulary keys written into SQL text, each from the domain's value (`Stored`), never spelled
//! by hand; the database's CHECK constraints hold the same keys.
//!
//! Fixed keys are written as literals rather than bound: a bound key makes both engines plan the
//! statement again on every execution (PostgreSQL's custom plans; SQLite, with the value samples
//! ANALYZE keeps, prepares it again, parsing included), which made Tab 3 and the panel 10–30%
//! slower than with the keys in the text. Values that vary (ids, dates, a filter's choice) are
//! still bound.

use carelog_domain::stored::Stored;

/// `value`'s key as an SQL string literal.
pub(crate) fn key<T: Stored>(value: T) -> String {
    format!("'{}'", value.stored().replace('\'', "''"))
}

/// Several keys as an SQL list: `('a', 'b')`.
pub(crate) fn keys<T: Stored>(values: &[T]) -> String {
    let listed: Vec<String> = values.iter().map(|v| key(*v)).collect();
    format!("({})", listed.join(", "))
}

#[cfg(test)]
mod tests {
    use carelog_domain::patient::{OnboardingStatus, PatientStatus};
    use carelog_domain::schedule::TaskStatus;

    use super::*;

    #[test]
    fn a_key_is_a_quoted_literal_of_the_stored_key() {
        assert_eq!(key(PatientStatus::Active), "'Active'");
        assert_eq!(key(TaskStatus::Cancelled), "'cancelled'");
        assert_eq!(
            keys(&OnboardingStatus::WAITING),
            "('Ready for Assignment', 'Assignment Pending')"
        );
    }

    /// Keys are plain words; the quoting in `key` is a guard, and a key that needed it would
    /// need a look at every SQL place that compares it.
    #[test]
    fn no_stored_key_holds_a_quote() {
        fn check<T: Stored>() {
            for v in T::all() {
                assert!(!v.stored().contains('\''), "{}", v.stored());
            }
        }
        check::<PatientStatus>();
        check::<OnboardingStatus>();
        check::<TaskStatus>();
        check::<carelog_domain::patient::CareGapStatus>();
        check::<carelog_domain::role::Role>();
    }
}
