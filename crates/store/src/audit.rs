//! The audit log: append-only (the database refuses UPDATE, DELETE, REPLACE and TRUNCATE on it), each
//! event sealed into a hash chain just after its transaction commits (`carelog_domain::audit_chain`).

use carelog_domain::audit_chain::{AuditKind, ChainedEvent, event_hash};
use carelog_domain::ids::{PatientId, UserId};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, FromQueryResult, Statement};

use crate::conditions::Conditions;
use crate::connection::{WriteTx, at};
use crate::row::Query;
use crate::{Engine, Result, Store, StoreError};

/// Who did what, to which patient (or, for a bulk read, which patients), from where.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEvent<'a> {
    pub user_id: Option<UserId>,
    pub username: &'a str,
    pub action: &'a str,
    pub patient_id: Option<PatientId>,
    pub detail: String,
    pub address: &'a str,
    /// The patients a bulk read returned (panel, export, API list, FHIR search).
    pub patients: Vec<PatientId>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub username: String,
    pub action: String,
    pub kind: String,
    pub patient_id: Option<PatientId>,
    pub detail: String,
    pub address: String,
}

/// One page of the audit log and how many events match in all.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub events: Vec<AuditRow>,
    pub total: i64,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub username: Option<String>,
    pub action_prefix: Option<String>,
    pub kind: Option<AuditKind>,
    /// Events about this patient, bulk reads that returned them included.
    pub patient_id: Option<PatientId>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl AuditFilter {
    fn conditions(&self) -> Conditions {
        let mut c = Conditions::default();
        if let Some(u) = &self.username {
            c.push("username = ?", u.clone());
        }
        if let Some(a) = &self.action_prefix {
            c.push("action LIKE ?", format!("{}%", a.replace(['%', '_'], "")));
        }
        if let Some(k) = self.kind {
            c.push("kind = ?", k.key());
        }
        if let Some(p) = self.patient_id {
            // A bulk read is linked to its patients as it is sealed; until then its list says.
            c.push_each(
                "(patient_id = ? OR id IN (SELECT event_id FROM audit_event_patients WHERE patient_id = ?)
                  OR (id IN (SELECT event_id FROM audit_unsealed) AND ',' || patients || ',' LIKE ?))",
                vec![p.into(), p.into(), format!("%,{},%", p.get()).into()],
            );
        }
        if let Some(f) = self.from {
            c.push("at >= ?", at(f));
        }
        if let Some(u) = self.until {
            c.push("at < ?", at(u));
        }
        c
    }
}

/// Inserts an audit event inside a write transaction, so a change and its audit commit together,
/// and marks it for the sealer, which links it into the chain (and its patients to it) just after
/// it commits.
pub(crate) async fn insert_audit(
    store: &Store,
    tx: &WriteTx,
    event: &NewAuditEvent<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    insert_audit_row(store, tx, event_values(event, now)).await
}

/// As `insert_audit`, from the event's bound columns (`event_values`).
pub(crate) async fn insert_audit_row(
    store: &Store,
    tx: &WriteTx,
    values: Vec<sea_orm::Value>,
) -> Result<()> {
    let id: i64 = tx
        .scalar(store.stmt(
            "INSERT INTO audit_events (at, user_id, username, action, kind, patient_id, detail, address, patients) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            values,
        ))
        .await?
        .ok_or_else(|| StoreError::NotFound("the audit event's id".into()))?;
    tx.execute_raw(
        store.stmt("INSERT INTO audit_unsealed (event_id) VALUES ($1)", vec![id.into()]),
    )
    .await?;
    tx.audited();
    Ok(())
}

/// An event's columns as `insert_audit` and `record_audit` bind them ($1–$9).
pub(crate) fn event_values(event: &NewAuditEvent<'_>, now: DateTime<Utc>) -> Vec<sea_orm::Value> {
    vec![
        at(now.trunc_subsecs(0)),
        event.user_id.into(),
        event.username.into(),
        event.action.into(),
        AuditKind::of(event.action).key().into(),
        event.patient_id.into(),
        event.detail.clone().into(),
        event.address.into(),
        patient_list(event).into(),
    ]
}

/// The patients a bulk read returned, each once, ascending (as the chain's hash covers them), as
/// the event lists them: ids separated by commas.
fn patient_list(event: &NewAuditEvent<'_>) -> String {
    let mut patients: Vec<i64> = event.patients.iter().map(|p| p.get()).collect();
    patients.sort_unstable();
    patients.dedup();
    let listed: Vec<String> = patients.iter().map(i64::to_string).collect();
    listed.join(",")
}

/// The ids an event's `patients` column lists (`patient_list`), in its order.
pub(crate) fn parse_patient_list(listed: &str) -> Vec<i64> {
    listed.split(',').filter_map(|id| id.trim().parse().ok()).collect()
}

/// Links each sealed event to the patients it lists (the index the audit page filters by).
pub(crate) async fn link_patients(
    engine: Engine,
    tx: &DatabaseTransaction,
    events: &[ChainedEvent],
) -> std::result::Result<(), DbErr> {
    let links: Vec<(i64, i64)> =
        events.iter().flat_map(|e| e.patients.iter().map(|p| (e.id, *p))).collect();
    for chunk in links.chunks(PATIENT_LINKS_PER_INSERT) {
        let mut values = Vec::with_capacity(chunk.len() * 2);
        let rows: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, (event, patient))| {
                values.push((*event).into());
                values.push((*patient).into());
                format!("(${}, ${})", i * 2 + 1, i * 2 + 2)
            })
            .collect();
        tx.execute_raw(Statement::from_sql_and_values(
            engine.backend(),
            format!(
                "INSERT INTO audit_event_patients (event_id, patient_id) VALUES {}",
                rows.join(", ")
            ),
            values,
        ))
        .await?;
    }
    Ok(())
}

/// Rows per statement when linking a bulk read's patients (two values each).
const PATIENT_LINKS_PER_INSERT: usize = 400;

/// Links per statement when sealing (four values each).
const LINKS_PER_INSERT: usize = 200;

/// The chain's last link, locked until the transaction ends: sealers on several servers take turns
/// here, so the chain has one order.
pub(crate) struct LockedHead {
    pub seq: i64,
    pub hash: String,
    /// The events from before the chain existed are in it.
    pub earlier_sealed: bool,
}

pub(crate) async fn lock_chain_head(
    engine: Engine,
    tx: &DatabaseTransaction,
) -> std::result::Result<LockedHead, DbErr> {
    let lock = match engine {
        Engine::Postgres => " FOR UPDATE",
        Engine::Sqlite => "",
    };
    let head = tx
        .query_one_raw(Statement::from_sql_and_values(
            engine.backend(),
            format!("SELECT seq, hash, earlier_sealed FROM audit_chain_head WHERE id = 1{lock}"),
            vec![],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the audit chain's head".into()))?;
    Ok(LockedHead {
        seq: head.try_get("", "seq")?,
        hash: head.try_get("", "hash")?,
        earlier_sealed: head.try_get("", "earlier_sealed")?,
    })
}

/// Links `events`, in the order given, after the locked head, and moves the head to the last.
pub(crate) async fn append_to_chain(
    engine: Engine,
    tx: &DatabaseTransaction,
    head: &LockedHead,
    events: &[ChainedEvent],
) -> std::result::Result<(), DbErr> {
    let (mut seq, mut previous) = (head.seq, head.hash.clone());
    for chunk in events.chunks(LINKS_PER_INSERT) {
        let mut values = Vec::with_capacity(chunk.len() * 4);
        let mut rows = Vec::with_capacity(chunk.len());
        for (i, e) in chunk.iter().enumerate() {
            seq += 1;
            let hash = event_hash(&previous, e);
            values.extend([seq.into(), e.id.into(), previous.into(), hash.clone().into()]);
            rows.push(format!("(${}, ${}, ${}, ${})", i * 4 + 1, i * 4 + 2, i * 4 + 3, i * 4 + 4));
            previous = hash;
        }
        tx.execute_raw(Statement::from_sql_and_values(
            engine.backend(),
            format!(
                "INSERT INTO audit_chain (seq, event_id, previous, hash) VALUES {}",
                rows.join(", ")
            ),
            values,
        ))
        .await?;
    }
    tx.execute_raw(Statement::from_sql_and_values(
        engine.backend(),
        "UPDATE audit_chain_head SET seq = $1, hash = $2 WHERE id = 1",
        vec![seq.into(), previous.into()],
    ))
    .await?;
    Ok(())
}

/// Migration 21's guards: the audit tables refuse REPLACE (SQLite deletes the row it replaces without
/// firing delete triggers) and TRUNCATE (PostgreSQL fires no row trigger for it); the new tables are
/// append-only like the log.
pub(crate) fn migration_21_guards(engine: Engine) -> Vec<String> {
    let refuse = "SELECT RAISE(ABORT, 'audit events are append-only')";
    match engine {
        Engine::Sqlite => vec![
            format!(
                "CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id) BEGIN {refuse}; END"
            ),
            format!(
                "CREATE TRIGGER audit_event_patients_no_replace BEFORE INSERT ON audit_event_patients WHEN EXISTS (SELECT 1 FROM audit_event_patients WHERE event_id = NEW.event_id AND patient_id = NEW.patient_id) BEGIN {refuse}; END"
            ),
            format!(
                "CREATE TRIGGER audit_event_patients_no_update BEFORE UPDATE ON audit_event_patients BEGIN {refuse}; END"
            ),
            format!(
                "CREATE TRIGGER audit_event_patients_no_delete BEFORE DELETE ON audit_event_patients BEGIN {refuse}; END"
            ),
            format!(
                "CREATE TRIGGER audit_chain_no_replace BEFORE INSERT ON audit_chain WHEN EXISTS (SELECT 1 FROM audit_chain WHERE seq = NEW.seq OR event_id = NEW.event_id) BEGIN {refuse}; END"
            ),
            format!(
                "CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain BEGIN {refuse}; END"
            ),
            format!(
                "CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain BEGIN {refuse}; END"
            ),
            format!(
                "CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head BEGIN {refuse}; END"
            ),
        ],
        Engine::Postgres => {
            let mut statements = Vec::new();
            for table in ["audit_events", "audit_event_patients", "audit_chain", "audit_chain_head"]
            {
                statements.push(format!(
                    "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
                ));
            }
            for table in ["audit_event_patients", "audit_chain"] {
                statements.push(format!(
                    "CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
                ));
            }
            statements.push("CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()".into());
            statements
        }
    }
}

impl Store {
    /// Records an event on its own (a page view), committed before it returns. On SQLite with the
    /// other page views' events waiting for the writers' turn, in one transaction
    /// (`audit_group`); on PostgreSQL as one statement (event and the sealer's mark together),
    /// where a transaction of several round trips made every audited page pay the others.
    pub async fn record_audit(&self, event: &NewAuditEvent<'_>, now: DateTime<Utc>) -> Result<()> {
        if self.engine() == Engine::Sqlite {
            return self.record_audit_with_others(event_values(event, now)).await;
        }
        self.pool()
            .execute_raw(self.stmt(
                "WITH e AS (
                   INSERT INTO audit_events (at, user_id, username, action, kind, patient_id, detail, address, patients)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
                 ), marked AS (
                   INSERT INTO audit_unsealed (event_id) SELECT id FROM e
                 )
                 SELECT id FROM e",
                event_values(event, now),
            ))
            .await?;
        self.audit_events_committed();
        Ok(())
    }

    /// A page of audit events, newest first, and the total that match.
    pub async fn audit_events(
        &self,
        filter: &AuditFilter,
        limit: u64,
        offset: u64,
    ) -> Result<AuditPage> {
        let c = filter.conditions();
        let where_sql = c.where_sql();
        let total = self
            .count(&format!("SELECT COUNT(*) AS n FROM audit_events {where_sql}"), c.values.clone())
            .await?;
        let n = c.next_placeholder();
        let mut values = c.values;
        values.extend([(limit as i64).into(), (offset as i64).into()]);
        let events = self
            .rows(
                &format!(
                    "SELECT id, at, username, action, kind, patient_id, detail, address FROM audit_events {where_sql}
                     ORDER BY id DESC LIMIT ${n} OFFSET ${}",
                    n + 1
                ),
                values,
            )
            .await?;
        Ok(AuditPage { events, total })
    }
}
