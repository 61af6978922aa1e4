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
vocabulary!(
    /// The program a consent or an enrollment is for (domain.md: consent is per program).
    CareProgram, "program" { Ccm => "CCM", Pcm => "PCM" }
);
vocabulary!(
    /// How consent was obtained; an import that does not say is kept as not recorded.
    ConsentMethod, "consent method" { Verbal => "verbal", Written => "written", NotRecorded => "not recorded" }
);
vocabulary!(
    /// Where an enrollment record came from: entered in carelog, or brought in by an import (or the
    /// upgrade that turned the old typed fields into records), whose details were kept elsewhere.
    RecordSource, "source" { Entered => "entered", Imported => "imported" }
);
vocabulary!(
    /// A care plan version's life: Draft → Active → Superseded by the next, or made Inactive.
    CarePlanState, "care plan state" { Draft => "Draft", Active => "Active", Superseded => "Superseded", Inactive => "Inactive" }
);
vocabulary!(GoalStatus, "goal status" { NotStarted => "Not started", InProgress => "In progress", Met => "Met", NotMet => "Not met" });
vocabulary!(
    /// How the patient was given their copy of the care plan.
    CopyDelivery, "copy given" { InPerson => "in person", Mail => "by mail", Portal => "patient portal", Email => "e-mail" }
);
vocabulary!(
    /// Administrative sex as claims carry it (X12: F, M, U).
    Sex, "sex" { Female => "F", Male => "M", Unknown => "U" }
);
vocabulary!(
    /// A visit that can initiate care management (CMS): a comprehensive E/M visit, an annual
    /// wellness visit or the initial preventive physical exam.
    InitiatingKind, "initiating visit" {
        EvaluationManagement => "E/M visit",
        Awv => "Annual Wellness Visit (AWV)",
        Ippe => "Initial Preventive Physical Exam (IPPE)",
    }
);
vocabulary!(
    /// The code system of a recorded diagnosis: ICD-10-CM, or SNOMED CT for a condition brought in
    /// (from Synthea) that still needs its ICD-10-CM code before it can count or be claimed.
    CodeSystem, "code system" { Icd10Cm => "ICD-10-CM", Snomed => "SNOMED CT" }
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

    /// Where a new patient starts: Assigned when they arrive with a coordinator (an import naming
    /// one), otherwise in the queue.
    pub fn on_arrival(has_coordinator: bool) -> OnboardingStatus {
        if has_coordinator {
            OnboardingStatus::Assigned
        } else {
            OnboardingStatus::ReadyForAssignment
        }
    }
}

/// A step of seed 001 §1.2's onboarding pipeline: the states it moves a patient from, and to.
/// A patient in any other state is left as they are. The store writes each step as one guarded
/// UPDATE (`onboarding_status IN from`), so two servers racing on it move a patient once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnboardingStep {
    pub from: &'static [OnboardingStatus],
    pub to: OnboardingStatus,
}

impl OnboardingStep {
    /// A coordinator takes a waiting patient (Tab 3, the whole-queue plan, an import, a
    /// reassignment): Assigned. An Assigned or Active patient keeps their state.
    pub const ASSIGN: OnboardingStep =
        OnboardingStep { from: &OnboardingStatus::WAITING, to: OnboardingStatus::Assigned };
    /// A senior review is asked for a waiting patient: they wait on it, Assignment Pending.
    pub const REQUEST_REVIEW: OnboardingStep = OnboardingStep {
        from: &OnboardingStatus::WAITING,
        to: OnboardingStatus::AssignmentPending,
    };
    /// The senior review is answered: the patient is back in the queue, Ready for Assignment.
    pub const ANSWER_REVIEW: OnboardingStep = OnboardingStep {
        from: &[OnboardingStatus::AssignmentPending],
        to: OnboardingStatus::ReadyForAssignment,
    };
    /// The first task logged for an assigned patient begins their care: Active.
    pub const FIRST_TASK: OnboardingStep =
        OnboardingStep { from: &[OnboardingStatus::Assigned], to: OnboardingStatus::Active };

    /// The state after this step, or None when the step does not apply to `current`.
    pub fn apply(self, current: OnboardingStatus) -> Option<OnboardingStatus> {
        self.from.contains(&current).then_some(self.to)
    }
}

impl Program {
    pub fn includes_ccm(self) -> bool {
        matches!(self, Program::Ccm | Program::Both)
    }

    pub fn includes_pcm(self) -> bool {
        matches!(self, Program::Pcm | Program::Both)
    }

    /// The programs a patient enrolled in this way needs consent for (consent is per program).
    pub fn consent_programs(self) -> &'static [CareProgram] {
        match self {
            Program::Ccm => &[CareProgram::Ccm],
            Program::Pcm => &[CareProgram::Pcm],
            Program::Both => &[CareProgram::Ccm, CareProgram::Pcm],
        }
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
    fn onboarding_moves_forward_one_step_at_a_time() {
        use OnboardingStatus::*;
        let step = |s: OnboardingStep| -> Vec<_> {
            OnboardingStatus::ALL.iter().map(|c| s.apply(*c)).collect()
        };
        // In the order of ALL: Ready for Assignment, Assignment Pending, Assigned, Active.
        assert_eq!(step(OnboardingStep::ASSIGN), vec![Some(Assigned), Some(Assigned), None, None]);
        assert_eq!(
            step(OnboardingStep::REQUEST_REVIEW),
            vec![Some(AssignmentPending), Some(AssignmentPending), None, None]
        );
        assert_eq!(
            step(OnboardingStep::ANSWER_REVIEW),
            vec![None, Some(ReadyForAssignment), None, None]
        );
        assert_eq!(step(OnboardingStep::FIRST_TASK), vec![None, None, Some(Active), None]);
    }

    #[test]
    fn no_step_leaves_active_care_or_skips_assignment() {
        let steps = [
            OnboardingStep::ASSIGN,
            OnboardingStep::REQUEST_REVIEW,
            OnboardingStep::ANSWER_REVIEW,
            OnboardingStep::FIRST_TASK,
        ];
        for s in steps {
            assert_eq!(s.apply(OnboardingStatus::Active), None, "{s:?}");
            for from in OnboardingStatus::WAITING {
                assert_ne!(s.apply(from), Some(OnboardingStatus::Active), "{s:?}");
            }
        }
    }

    #[test]
    fn a_new_patient_waits_unless_they_arrive_with_a_coordinator() {
        assert_eq!(OnboardingStatus::on_arrival(true), OnboardingStatus::Assigned);
        assert_eq!(OnboardingStatus::on_arrival(false), OnboardingStatus::ReadyForAssignment);
        assert!(OnboardingStatus::on_arrival(false).is_waiting());
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
