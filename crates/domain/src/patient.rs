//! The vocabularies a patient record is written in (domain.md "Patients").

/// Declares a closed vocabulary stored as its label, with parsing that names the allowed values.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident => $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(text: &str) -> Result<Self, crate::RuleViolation> {
                let wanted = text.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| {
                        let allowed: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        crate::RuleViolation::new($field, format!("\"{wanted}\" is not one of {}", allowed.join(", ")))
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(PatientStatus, "status" { Active => "Active", Inactive => "Inactive", Deceased => "Deceased" });
vocabulary!(CareGapStatus, "care gap status" { Open => "Open", Pending => "Pending", Closed => "Closed" });
vocabulary!(
    /// The care-management program a patient is enrolled in or eligible for.
    Program, "program" { Ccm => "CCM", Pcm => "PCM", Both => "CCM+PCM" }
);
vocabulary!(Complexity, "complexity" { Low => "Low", Medium => "Medium", High => "High" });
vocabulary!(CarePlanStatus, "care plan status" { NotStarted => "Not Started", Draft => "Draft", Active => "Active", NeedsReview => "Needs Review" });
vocabulary!(
    /// Seed 001 §1.2's pipeline from provider handoff to active care.
    OnboardingStatus, "onboarding status" {
        ReadyForAssignment => "Ready for Assignment",
        AssignmentPending => "Assignment Pending",
        Assigned => "Assigned",
        Active => "Active",
    }
);
vocabulary!(Priority, "priority" { High => "High", Medium => "Medium", Low => "Low" });
vocabulary!(SpecialNeed, "special needs" { MentalHealth => "Mental Health", Dementia => "Dementia", ComplexMedical => "Complex Medical", Language => "Language" });
vocabulary!(
    /// A coordinator's own availability; "At Capacity" is derived from caseload, never set by hand.
    Availability, "availability" { Available => "Available", Limited => "Limited", Unavailable => "Unavailable" }
);

impl OnboardingStatus {
    /// The states of a patient still waiting for a coordinator: the assignment queue.
    pub const WAITING: [OnboardingStatus; 2] =
        [OnboardingStatus::ReadyForAssignment, OnboardingStatus::AssignmentPending];

    pub fn is_waiting(self) -> bool {
        Self::WAITING.contains(&self)
    }
}

impl Program {
    pub fn includes_ccm(self) -> bool {
        matches!(self, Program::Ccm | Program::Both)
    }

    pub fn includes_pcm(self) -> bool {
        matches!(self, Program::Pcm | Program::Both)
    }
}

impl PatientStatus {
    /// Inactive and Deceased patients leave every work queue; their history stays.
    pub fn is_in_care(self) -> bool {
        self == PatientStatus::Active
    }
}

/// A patient's name as carelog shows it everywhere: `LAST, FIRST`.
pub fn display_name(last: &str, first: &str) -> String {
    format!("{}, {}", last.trim().to_uppercase(), first.trim().to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_show_last_comma_first_in_capitals() {
        assert_eq!(display_name(" Smith", "John "), "SMITH, JOHN");
    }

    #[test]
    fn vocabularies_parse_case_insensitively_and_name_the_choices() {
        assert_eq!(Program::parse("ccm+pcm"), Ok(Program::Both));
        assert_eq!(
            OnboardingStatus::parse("ready for assignment"),
            Ok(OnboardingStatus::ReadyForAssignment)
        );
        let err = PatientStatus::parse("Gone").unwrap_err();
        assert_eq!(err.field, "status");
        assert!(err.message.contains("Active, Inactive, Deceased"));
        for p in Program::ALL {
            assert_eq!(Program::parse(p.as_str()), Ok(*p));
        }
    }

    #[test]
    fn only_ready_and_pending_patients_wait_for_a_coordinator() {
        assert!(OnboardingStatus::ReadyForAssignment.is_waiting());
        assert!(OnboardingStatus::AssignmentPending.is_waiting());
        assert!(!OnboardingStatus::Assigned.is_waiting());
        assert!(!OnboardingStatus::Active.is_waiting());
    }

    #[test]
    fn program_membership() {
        assert!(Program::Both.includes_ccm() && Program::Both.includes_pcm());
        assert!(!Program::Ccm.includes_pcm());
        assert!(!Program::Pcm.includes_ccm());
        assert!(PatientStatus::Active.is_in_care());
        assert!(!PatientStatus::Deceased.is_in_care());
    }
}
