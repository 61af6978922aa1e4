//! The closed vocabularies carelog keeps in the database, each under a fixed key.
//!
//! `Stored` names that key once per value, so a query binds the key instead of spelling it, and the
//! database's constraints (`carelog_store::vocabulary_checks`) list exactly the keys the code can
//! read back. With the `sql`
//! feature (the store's), every one of them binds as text and decodes strictly from a text column.

use crate::billing::{AmendmentAction, Billed, MonthStatus, RuleSet};
use crate::catalogue::{AppliesTo, Frequency, TaskCategory, TimeRule, ValueFormat};
use crate::import::ImportKind;
use crate::notifications::{EmailStatus, Kind};
use crate::patient::{
    Availability, CareGapStatus, CarePlanState, CarePlanStatus, CareProgram, CodeSystem,
    Complexity, ConsentMethod, CopyDelivery, GoalStatus, InitiatingKind, OnboardingStatus,
    PatientStatus, Priority, Program, RecordSource, Sex, SpecialNeed,
};
use crate::role::Role;
use crate::schedule::TaskStatus;

pub trait Stored: Copy + Sized + 'static {
    /// Every value, in the order pages list them.
    fn all() -> &'static [Self];

    /// The key the database holds.
    fn stored(self) -> &'static str;

    /// The value a stored key names; None for anything else (never a guess).
    fn from_stored(key: &str) -> Option<Self> {
        Self::all().iter().copied().find(|v| v.stored() == key)
    }
}

macro_rules! stored_by {
    ($($ty:ty => $key:ident;)+) => {$(
        impl Stored for $ty {
            fn all() -> &'static [Self] {
                &<$ty>::ALL
            }

            fn stored(self) -> &'static str {
                self.$key()
            }
        }
        #[cfg(feature = "sql")]
        sql_text_column!($ty);
    )+};
}

/// JSON (the API, exports) carries a vocabulary value as its stored key, like the database.
macro_rules! serialized_as_stored {
    ($($ty:ty),+ $(,)?) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.stored())
            }
        }

        /// In the API's schema: a string, one of the stored keys.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(<$ty as Stored>::all().iter().map(|v| v.stored())))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $ty {}
    )+};
}

#[cfg(feature = "sql")]
macro_rules! sql_text_column {
    ($ty:ty) => {
        impl sea_orm::TryGetable for $ty {
            fn try_get_by<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                index: I,
            ) -> Result<Self, sea_orm::TryGetError> {
                let key = String::try_get_by(res, index)?;
                <$ty as Stored>::from_stored(&key).ok_or_else(|| {
                    let message = format!("\"{key}\" is not a stored {}", stringify!($ty));
                    sea_orm::TryGetError::DbErr(sea_orm::DbErr::Type(message))
                })
            }
        }

        impl From<$ty> for sea_orm::Value {
            fn from(value: $ty) -> sea_orm::Value {
                value.stored().into()
            }
        }
    };
}

stored_by! {
    PatientStatus => as_str;
    CareGapStatus => as_str;
    Program => as_str;
    Complexity => as_str;
    CarePlanStatus => as_str;
    CareProgram => as_str;
    ConsentMethod => as_str;
    RecordSource => as_str;
    CarePlanState => as_str;
    GoalStatus => as_str;
    CopyDelivery => as_str;
    Sex => as_str;
    InitiatingKind => as_str;
    CodeSystem => as_str;
    OnboardingStatus => as_str;
    Priority => as_str;
    SpecialNeed => as_str;
    Availability => as_str;
    Role => as_str;
    TaskCategory => key;
    TimeRule => key;
    ValueFormat => key;
    Frequency => key;
    AppliesTo => key;
    Kind => key;
    RuleSet => key;
    ImportKind => key;
    TaskStatus => key;
    MonthStatus => key;
    EmailStatus => key;
    Billed => key;
    AmendmentAction => key;
}

// Role has a serde form of its own (sessions, tokens); every other vocabulary is its key.
serialized_as_stored!(
    PatientStatus,
    CareGapStatus,
    Program,
    Complexity,
    CarePlanStatus,
    CareProgram,
    ConsentMethod,
    RecordSource,
    CarePlanState,
    GoalStatus,
    CopyDelivery,
    Sex,
    InitiatingKind,
    CodeSystem,
    OnboardingStatus,
    Priority,
    SpecialNeed,
    Availability,
    TaskCategory,
    TimeRule,
    ValueFormat,
    Frequency,
    AppliesTo,
    Kind,
    RuleSet,
    ImportKind,
    TaskStatus,
    MonthStatus,
    EmailStatus,
    Billed,
    AmendmentAction,
);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: Stored + PartialEq + std::fmt::Debug>() {
        for value in T::all() {
            assert_eq!(T::from_stored(value.stored()), Some(*value));
        }
        let keys: Vec<&str> = T::all().iter().map(|v| v.stored()).collect();
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "two values share a key: {keys:?}");
    }

    #[test]
    fn every_vocabulary_reads_back_what_it_stores() {
        round_trips::<PatientStatus>();
        round_trips::<OnboardingStatus>();
        round_trips::<Program>();
        round_trips::<Role>();
        round_trips::<TaskCategory>();
        round_trips::<TimeRule>();
        round_trips::<AppliesTo>();
        round_trips::<Kind>();
        round_trips::<TaskStatus>();
        round_trips::<MonthStatus>();
        round_trips::<EmailStatus>();
        round_trips::<ImportKind>();
        round_trips::<CareProgram>();
        round_trips::<ConsentMethod>();
        round_trips::<RecordSource>();
        round_trips::<CarePlanState>();
        round_trips::<GoalStatus>();
        round_trips::<CopyDelivery>();
        round_trips::<Sex>();
        round_trips::<InitiatingKind>();
        round_trips::<CodeSystem>();
        round_trips::<Billed>();
        round_trips::<AmendmentAction>();
    }

    #[test]
    fn a_stored_key_is_matched_exactly() {
        assert_eq!(OnboardingStatus::from_stored("assigned"), None);
        assert_eq!(OnboardingStatus::from_stored(" Assigned"), None);
        assert_eq!(Program::from_stored("CCM+PCM"), Some(Program::Both));
        assert_eq!(Program::from_stored("ccm"), None);
        assert_eq!(Role::from_stored("pcc"), None, "aliases are for typed input, not the database");
    }

    #[test]
    fn json_carries_the_stored_key() {
        let json = serde_json::to_string(&[OnboardingStatus::AssignmentPending]).unwrap();
        assert_eq!(json, r#"["Assignment Pending"]"#);
        assert_eq!(serde_json::to_string(&TaskStatus::Pending).unwrap(), r#""pending""#);
    }
}
