//! Tamper evidence for the audit log: each event's hash covers its contents and the hash of the
//! event sealed before it, so editing, removing or slipping in an event breaks the chain from there
//! on. `carelog audit verify` walks it and names the first event that does not hold.

use sha2::{Digest, Sha256};

/// The "hash before" the first event in the chain.
pub const GENESIS: &str = "carelog audit chain v1";

/// What of an event the hash covers: everything it records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEvent {
    pub id: i64,
    /// Seconds since the epoch (events are stored to the second).
    pub at: i64,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub kind: String,
    pub patient_id: Option<i64>,
    pub detail: String,
    pub address: String,
    /// The patients a bulk read returned, ascending.
    pub patients: Vec<i64>,
}

/// SHA-256 (hex) of the previous hash and the event, each field length-prefixed so no two events
/// share an encoding.
pub fn event_hash(previous: &str, e: &ChainedEvent) -> String {
    let mut h = Sha256::new();
    let mut field = |text: &str| {
        h.update(text.len().to_string().as_bytes());
        h.update(b":");
        h.update(text.as_bytes());
        h.update(b";");
    };
    let optional = |n: Option<i64>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
    field(previous);
    field(&e.id.to_string());
    field(&e.at.to_string());
    field(&optional(e.user_id));
    field(&e.username);
    field(&e.action);
    field(&e.kind);
    field(&optional(e.patient_id));
    field(&e.detail);
    field(&e.address);
    let patients: Vec<String> = e.patients.iter().map(i64::to_string).collect();
    field(&patients.join(","));
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// One link as stored: the event (if it still exists), and the hashes sealed with it.
#[derive(Debug, Clone)]
pub struct StoredLink {
    pub seq: i64,
    pub event_id: i64,
    pub event: Option<ChainedEvent>,
    pub previous: String,
    pub hash: String,
}

/// Where the chain stops holding, in words naming the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The event is gone although it was sealed.
    Removed { event_id: i64 },
    /// The event's contents no longer give its hash: edited after it was written.
    Edited { event_id: i64 },
    /// The link does not follow the one before: links were removed or reordered before it.
    Unlinked { event_id: i64 },
    /// An event that was never sealed: written behind carelog's back.
    Unsealed { event_id: i64 },
    /// The last link is not the one the chain's head names: links were removed from the end.
    Truncated { last_seq: i64, head_seq: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Removed { event_id } => {
                write!(f, "audit event {event_id} was removed after it was sealed")
            }
            ChainBreak::Edited { event_id } => write!(
                f,
                "audit event {event_id} was changed after it was written (its contents no longer match its hash)"
            ),
            ChainBreak::Unlinked { event_id } => write!(
                f,
                "audit event {event_id} does not follow the event sealed before it: events before it were removed or reordered"
            ),
            ChainBreak::Unsealed { event_id } => write!(
                f,
                "audit event {event_id} is not in the chain: it was written behind carelog's back"
            ),
            ChainBreak::Truncated { last_seq, head_seq } => write!(
                f,
                "the chain ends at link {last_seq} but its head names link {head_seq}: the newest events were removed"
            ),
        }
    }
}

/// Checks one link after `previous` (the hash the link before it ended with) and returns the hash
/// the next must follow.
pub fn check_link(previous: &str, link: &StoredLink) -> Result<String, ChainBreak> {
    let event_id = link.event_id;
    let Some(event) = &link.event else { return Err(ChainBreak::Removed { event_id }) };
    if link.previous != previous {
        return Err(ChainBreak::Unlinked { event_id });
    }
    if event_hash(&link.previous, event) != link.hash {
        return Err(ChainBreak::Edited { event_id });
    }
    Ok(link.hash.clone())
}

/// Whether an action reads patient data, changes something, was denied, or signs in or out: the
/// audit page filters by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    Read,
    Change,
    Denial,
    SignIn,
}

/// Every action that only reads: kept as a list so a new read is named here on purpose.
const READS: &[&str] = &[
    "api.assignment_queue",
    "api.billing_summary",
    "api.enrollment",
    "api.generated_tasks",
    "api.patient",
    "api.patients",
    "api.task_log",
    "api_token.list",
    "assignment.handoff_ics",
    "assignment.plan_view",
    "assignment.read",
    "assignment.reviews_view",
    "assignment.view",
    "audit.view",
    "billing.changes-since-close",
    "billing.claims",
    "billing.entry_view",
    "billing.export",
    "billing.patient-month",
    "billing.settings",
    "billing.view",
    "fhir.care_team_read",
    "fhir.care_team_search",
    "fhir.patient_read",
    "fhir.patient_search",
    "fhir.practitioner_read",
    "fhir.practitioner_search",
    "fhir.task_read",
    "fhir.task_search",
    "import.check",
    "notifications.view",
    "panel.export",
    "panel.view",
    "patient.care_plan",
    "patient.history",
    "patient.view",
    "qa.sample_read",
    "qa.surveys_view",
    "task.edit_form",
    "task.generated_form",
    "tasks.export",
    "tasks.view",
    "team.profile_view",
    "team.quality",
    "team.queue",
    "team.report",
    "team.report_export",
    "user.list",
];

impl AuditKind {
    pub const ALL: [AuditKind; 4] =
        [AuditKind::Read, AuditKind::Change, AuditKind::Denial, AuditKind::SignIn];

    pub fn of(action: &str) -> AuditKind {
        if action.starts_with("denied.") {
            AuditKind::Denial
        } else if action.starts_with("login")
            || action == "logout"
            || action.starts_with("session.")
        {
            AuditKind::SignIn
        } else if READS.contains(&action) {
            AuditKind::Read
        } else {
            AuditKind::Change
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            AuditKind::Read => "read",
            AuditKind::Change => "change",
            AuditKind::Denial => "denial",
            AuditKind::SignIn => "sign-in",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditKind::Read => "Reads",
            AuditKind::Change => "Changes",
            AuditKind::Denial => "Denials",
            AuditKind::SignIn => "Sign-ins and sign-outs",
        }
    }

    pub fn parse(text: &str) -> Option<AuditKind> {
        AuditKind::ALL.into_iter().find(|k| k.key() == text.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64) -> ChainedEvent {
        ChainedEvent {
            id,
            at: 1_790_000_000 + id,
            user_id: Some(3),
            username: "coord1".into(),
            action: "patient.view".into(),
            kind: "read".into(),
            patient_id: Some(101),
            detail: String::new(),
            address: "127.0.0.1".into(),
            patients: vec![],
        }
    }

    fn chain(n: i64) -> Vec<StoredLink> {
        let mut previous = GENESIS.to_owned();
        (1..=n)
            .map(|id| {
                let e = event(id);
                let hash = event_hash(&previous, &e);
                let link = StoredLink {
                    seq: id,
                    event_id: id,
                    event: Some(e),
                    previous: previous.clone(),
                    hash: hash.clone(),
                };
                previous = hash;
                link
            })
            .collect()
    }

    fn first_break(links: &[StoredLink]) -> Option<ChainBreak> {
        let mut previous = GENESIS.to_owned();
        for link in links {
            match check_link(&previous, link) {
                Ok(next) => previous = next,
                Err(b) => return Some(b),
            }
        }
        None
    }

    #[test]
    fn an_untouched_chain_holds() {
        assert_eq!(first_break(&chain(5)), None);
    }

    #[test]
    fn every_field_is_covered() {
        let base = event(1);
        let h = event_hash(GENESIS, &base);
        let changed = [
            ChainedEvent { at: base.at + 1, ..base.clone() },
            ChainedEvent { user_id: None, ..base.clone() },
            ChainedEvent { username: "coord2".into(), ..base.clone() },
            ChainedEvent { action: "patient.status".into(), ..base.clone() },
            ChainedEvent { kind: "change".into(), ..base.clone() },
            ChainedEvent { patient_id: Some(102), ..base.clone() },
            ChainedEvent { detail: "x".into(), ..base.clone() },
            ChainedEvent { address: "10.0.0.1".into(), ..base.clone() },
            ChainedEvent { patients: vec![101], ..base.clone() },
        ];
        for c in changed {
            assert_ne!(event_hash(GENESIS, &c), h, "{c:?}");
        }
        // Moving text between fields changes the hash too (length-prefixed).
        let a = ChainedEvent { username: "ab".into(), action: "c".into(), ..base.clone() };
        let b = ChainedEvent { username: "a".into(), action: "bc".into(), ..base };
        assert_ne!(event_hash(GENESIS, &a), event_hash(GENESIS, &b));
    }

    #[test]
    fn an_edit_a_removal_and_a_gap_are_each_named() {
        let mut edited = chain(5);
        if let Some(e) = edited[2].event.as_mut() {
            e.detail = "nothing to see".into();
        }
        assert_eq!(first_break(&edited), Some(ChainBreak::Edited { event_id: 3 }));

        let mut removed = chain(5);
        removed[1].event = None;
        assert_eq!(first_break(&removed), Some(ChainBreak::Removed { event_id: 2 }));

        let mut gap = chain(5);
        gap.remove(1);
        assert_eq!(first_break(&gap), Some(ChainBreak::Unlinked { event_id: 3 }));
        assert!(ChainBreak::Unlinked { event_id: 3 }.to_string().contains("audit event 3"));
    }

    #[test]
    fn actions_fall_into_kinds() {
        assert_eq!(AuditKind::of("patient.view"), AuditKind::Read);
        assert_eq!(AuditKind::of("fhir.patient_search"), AuditKind::Read);
        assert_eq!(AuditKind::of("task.create"), AuditKind::Change);
        assert_eq!(AuditKind::of("denied.not_found"), AuditKind::Denial);
        assert_eq!(AuditKind::of("login.failed"), AuditKind::SignIn);
        assert_eq!(AuditKind::of("logout"), AuditKind::SignIn);
        for k in AuditKind::ALL {
            assert_eq!(AuditKind::parse(k.key()), Some(k));
        }
    }
}
