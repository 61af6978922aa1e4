//! The practice at a glance: the header's month, the admin overview, the audit log and health.

use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_domain::role::Role;
use carelog_store::{AuditFilter, AuditPage, MonthSummary, User};
use chrono::Utc;

use crate::{Actor, App, ServiceError, ServiceResult};

/// What every page's header shows: this month's minutes and patients, and unread notifications.
pub struct Header {
    pub label: &'static str,
    pub month: MonthSummary,
    pub unread: i64,
}

/// The admin page's facts about this installation.
pub struct Overview {
    pub users: Vec<User>,
    pub task_types: usize,
    pub schedules: i64,
    pub schema_version: i64,
    pub engine: &'static str,
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
        let (label, month) = if actor.role == Role::Admin {
            ("Practice this month", self.figures.practice_month(month).await?)
        } else {
            ("This Month", self.store.month_summary(actor.id, month).await?)
        };
        let unread = self.store.unread_notifications(actor.id).await?;
        Ok(Header { label, month, unread })
    }

    pub async fn overview(&self, actor: &Actor) -> ServiceResult<Overview> {
        self.require_admin(actor)?;
        Ok(Overview {
            users: self.store.list_users().await?,
            task_types: self.store.task_types().await?.len(),
            schedules: self.store.schedule_count().await?,
            schema_version: self.store.schema_version().await?,
            engine: self.store.engine().name(),
        })
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
        Ok(self.store.audit_events(filter, limit, offset).await?)
    }
}
