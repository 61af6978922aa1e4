//! Who is acting: the signed-in person (or token) a service records in the audit log.

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::role::Role;
use carelog_store::NewAuditEvent;

#[derive(Debug, Clone)]
pub struct Actor {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The client address the request came from, for the audit log.
    pub address: String,
}

impl Actor {
    /// An administrator at the server's command line: no user account, audited as "cli".
    pub fn command_line() -> Actor {
        Actor {
            id: UserId(0),
            username: "cli".to_owned(),
            display_name: "the command line".to_owned(),
            role: Role::Admin,
            address: "command line".to_owned(),
        }
    }

    /// The acting user's account; None at the command line.
    pub fn user_id(&self) -> Option<UserId> {
        (self.id.get() > 0).then_some(self.id)
    }
}

/// The audit event for what `actor` did: who, from where, the action, the patient, the detail.
pub(crate) fn audit_event<'a>(
    actor: &'a Actor,
    action: &'a str,
    patient_id: Option<PatientId>,
    detail: String,
) -> NewAuditEvent<'a> {
    NewAuditEvent {
        user_id: actor.user_id(),
        username: &actor.username,
        action,
        patient_id,
        detail,
        address: &actor.address,
        patients: Vec::new(),
    }
}
