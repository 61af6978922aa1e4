//! Typed ids, so a patient's id cannot be passed where a user's or an entry's is meant. Each is
//! the row's integer key; it prints and parses as that integer (paths, forms, JSON) and, with the
//! `sql` feature (the store's), binds and decodes as one.

use std::fmt;
use std::str::FromStr;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(transparent)]
        #[cfg_attr(feature = "sql", derive(sea_orm::DeriveValueType))]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }

            /// The id a form or a path names: a positive whole number, surrounding blanks
            /// ignored; anything else names nothing.
            pub fn parse(text: &str) -> Option<$name> {
                text.trim().parse::<i64>().ok().filter(|id| *id > 0).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        /// In the API's schema: a positive whole number no larger than JSON carries exactly.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::Integer)
                    .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                        utoipa::openapi::schema::KnownFormat::Int64,
                    )))
                    .minimum(Some(1))
                    .maximum(Some(crate::ids::LARGEST_ID))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map($name)
            }
        }
    )+};
}

/// The largest id the API's schema admits: 2^53 - 1, the largest whole number a JSON reader
/// (JavaScript's included) holds exactly.
pub const LARGEST_ID: i64 = 9_007_199_254_740_991;

typed_id! {
    /// A patient (`patients.id`).
    PatientId;
    /// A person who signs in: coordinator, manager or administrator (`users.id`).
    UserId;
    /// One entry of the CM Log (`coordinator_task_log.id`).
    EntryId;
    /// A task type of the catalogue (`task_types.id`).
    TaskTypeId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_prints_and_parses_as_its_number() {
        assert_eq!(PatientId(42).to_string(), "42");
        assert_eq!("42".parse::<PatientId>(), Ok(PatientId(42)));
        assert!("4x".parse::<UserId>().is_err());
        assert!("".parse::<EntryId>().is_err());
    }

    #[test]
    fn a_form_names_an_id_with_a_positive_number_only() {
        assert_eq!(PatientId::parse(" 42 "), Some(PatientId(42)));
        assert_eq!(PatientId::parse("0"), None);
        assert_eq!(PatientId::parse("-3"), None);
        assert_eq!(PatientId::parse("x"), None);
        assert_eq!(PatientId::parse(""), None);
    }

    #[test]
    fn json_carries_the_bare_number() {
        assert_eq!(serde_json::to_string(&TaskTypeId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<UserId>("7").unwrap(), UserId(7));
        assert!(serde_json::from_str::<UserId>("\"7\"").is_err());
    }
}
