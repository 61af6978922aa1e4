//! Roles and what each may see (domain.md "People and what they may see").

use crate::ids::UserId;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    Coordinator,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Coordinator, Role::Manager, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Coordinator => "Care Coordinator",
            Role::Manager => "Care Coordinator Manager",
            Role::Admin => "Administrator",
        }
    }

    pub fn parse(text: &str) -> Result<Role, crate::RuleViolation> {
        match text.trim().to_ascii_lowercase().as_str() {
            "coordinator" | "pcc" => Ok(Role::Coordinator),
            "manager" | "pccm" => Ok(Role::Manager),
            "admin" | "administrator" => Ok(Role::Admin),
            other => Err(crate::RuleViolation::new(
                "role",
                format!("\"{other}\" is not a role; use coordinator, manager or admin"),
            )),
        }
    }

    /// Every patient, not only one's own caseload (managers and admins).
    pub fn sees_all_patients(self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }

    /// Tab 3: the assignment queue, team workload and quality figures.
    pub fn sees_team_oversight(self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }

    /// Carries a caseload, so has a coordinator profile (coordinators and managers, seed 001 §1).
    pub fn carries_caseload(self) -> bool {
        matches!(self, Role::Coordinator | Role::Manager)
    }

    /// Billing codes, fees and amounts: admins only.
    pub fn sees_billing(self) -> bool {
        matches!(self, Role::Admin)
    }

    /// Users, fee schedule, rule sets, automation schedules, audit log, imports.
    pub fn administers(self) -> bool {
        matches!(self, Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may open a patient's record: their coordinator, or anyone whose role sees every patient.
pub fn may_see_patient(role: Role, user_id: UserId, patient_coordinator: Option<UserId>) -> bool {
    role.sees_all_patients() || patient_coordinator == Some(user_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_see_billing() {
        assert!(!Role::Coordinator.sees_billing());
        assert!(!Role::Manager.sees_billing());
        assert!(Role::Admin.sees_billing());
    }

    #[test]
    fn managers_and_admins_see_oversight_but_coordinators_do_not() {
        assert!(!Role::Coordinator.sees_team_oversight());
        assert!(Role::Manager.sees_team_oversight());
        assert!(Role::Admin.sees_team_oversight());
    }

    #[test]
    fn coordinator_sees_only_own_patients() {
        assert!(may_see_patient(Role::Coordinator, UserId(7), Some(UserId(7))));
        assert!(!may_see_patient(Role::Coordinator, UserId(7), Some(UserId(8))));
        assert!(!may_see_patient(Role::Coordinator, UserId(7), None));
        assert!(may_see_patient(Role::Manager, UserId(7), Some(UserId(8))));
        assert!(may_see_patient(Role::Admin, UserId(1), None));
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(Role::parse(" PCCM "), Ok(Role::Manager));
        let err = Role::parse("owner").unwrap_err();
        assert!(err.message.contains("not a role"));
    }
}
