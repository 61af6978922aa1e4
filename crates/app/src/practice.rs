//! The practice at a glance: the header's month, the admin overview, the audit log and health.

use carelog_domain::enrollment::Npi;
use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_domain::role::Role;
use carelog_store::{AuditFilter, AuditPage, MonthSummary, TimerBadge, User};
use chrono::Utc;

use crate::actor::audit_event;
use crate::{Actor, App, ServiceError, ServiceResult};

/// What every page's header shows: this month's minutes and patients, and unread notifications.
pub struct Header {
    pub label: &'static str,
    pub month: MonthSummary,
    pub unread: i64,
    /// The user's running timer, shown on every page.
    pub timer: Option<TimerBadge>,
}

/// The admin page's facts about this installation.
pub struct Overview {
    pub users: Vec<User>,
    pub task_types: usize,
    pub schedules: i64,
    pub schema_version: i64,
    pub engine: &'static str,
    /// Who can approve care plans and bill, with their NPIs.
    pub practitioners: Vec<carelog_store::Practitioner>,
}

impl App {
    /// Admins only: anyone else is refused.
    pub(crate) fn require_admin(&self, actor: &Actor) -> ServiceResult<()> {
        if actor.role == Role::Admin { Ok(()) } else { Err(ServiceError::Forbidden) }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> ServiceResult<()> {
        Ok(self.store.ping().await?)
    }

    /// The header: a coordinator's or manager's own month, the whole practice's for an admin
    /// (admins carry no caseload).
    pub async fn header(&self, actor: &Actor) -> ServiceResult<Header> {
        let month = YearMonth::of(local_date(Utc::now(), self.settings.time_zone));
        let admin = actor.role == Role::Admin;
        let facts = self.store.header_facts(actor.id, (!admin).then_some(month)).await?;
        let (label, month) = match facts.month {
            Some(own) => ("Care time this month", own),
            None => ("Practice care time this month", self.figures.practice_month(month).await?),
        };
        let (unread, timer) = (facts.unread, facts.timer);
        Ok(Header { label, month, unread, timer })
    }

    pub async fn overview(&self, actor: &Actor) -> ServiceResult<Overview> {
        self.require_admin(actor)?;
        Ok(Overview {
            users: self.store.list_users().await?,
            task_types: self.store.task_types().await?.len(),
            schedules: self.store.schedule_count().await?,
            schema_version: self.store.schema_version().await?,
            engine: self.store.engine().name(),
            practitioners: self.store.practitioners().await?,
        })
    }

    /// Records a practitioner's NPI (admins): ten digits with a valid check digit, held by no one else.
    pub async fn set_practitioner_npi(
        &self,
        actor: &Actor,
        practitioner: &str,
        npi: &str,
    ) -> ServiceResult<String> {
        self.require_admin(actor)?;
        let npi =
            Npi::parse(npi).map_err(|e| ServiceError::Refused(format!("NPI: {}", e.message)))?;
        let all = self.store.practitioners().await?;
        let Some(target) =
            practitioner.trim().parse::<i64>().ok().and_then(|id| all.iter().find(|p| p.id == id))
        else {
            return Err(ServiceError::NotFound);
        };
        if let Some(holder) =
            all.iter().find(|p| p.npi.as_deref() == Some(npi.as_str()) && p.id != target.id)
        {
            return Err(ServiceError::Refused(format!(
                "NPI: {} already holds {}",
                holder.name,
                npi.as_str()
            )));
        }
        let detail = format!(
            "practitioner {}: NPI {} → {}",
            target.name,
            target.npi.as_deref().unwrap_or("none"),
            npi.as_str()
        );
        let audit = audit_event(actor, "admin.practitioner_npi", None, detail);
        self.store.set_practitioner_npi(target.id, npi.as_str(), &audit, Utc::now()).await?;
        Ok(format!("{} now has NPI {}.", target.name, npi.as_str()))
    }

    /// A page of the audit log, newest first, and how many events match.
    pub async fn audit_events(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        limit: u64,
        offset: u64,
    ) -> ServiceResult<AuditPage> {
        self.require_admin(actor)?;
        self.audit(actor, "audit.view", filter.patient_id, described(filter)).await?;
        Ok(self.store.audit_events(filter, limit, offset).await?)
    }
}

/// An audit filter in words, for the audit event of reading the log: "kind read, patient 12".
fn described(filter: &AuditFilter) -> String {
    let mut parts = Vec::new();
    if let Some(u) = &filter.username {
        parts.push(format!("user {u}"));
    }
    if let Some(a) = &filter.action_prefix {
        parts.push(format!("action {a}…"));
    }
    if let Some(k) = filter.kind {
        parts.push(format!("kind {}", k.key()));
    }
    if let Some(p) = filter.patient_id {
        parts.push(format!("patient {p}"));
    }
    if let Some(f) = filter.from {
        parts.push(format!("from {}", f.format("%Y-%m-%d %H:%M UTC")));
    }
    if let Some(u) = filter.until {
        parts.push(format!("until {}", u.format("%Y-%m-%d %H:%M UTC")));
    }
    if parts.is_empty() { "every event".into() } else { parts.join(", ") }
}
