//! In-app notifications and their e-mail delivery. Each notification has a unique dedupe key, so it is
//! created once however many servers run the job; each e-mail is claimed (`pending` → `sending`) by one
//! server before it is sent.

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::notifications::{EmailStatus, Kind};
use carelog_domain::patient::{CareGapStatus, PatientStatus};
use carelog_domain::practice_time::UtcRange;
use carelog_domain::role::Role;
use carelog_domain::schedule::TaskStatus;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::FromQueryResult;

use crate::connection::at;
use crate::{Result, Store};

#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: UserId,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub link: String,
    pub dedupe_key: String,
    /// What an e-mail may say: counts and a link only (`carelog_domain::notifications::email_text`).
    pub email_subject: String,
    pub email_body: String,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct NotificationRow {
    pub id: i64,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl NotificationRow {
    pub fn read(&self) -> bool {
        self.read_at.is_some()
    }
}

/// An e-mail this server has claimed and must now send.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ClaimedEmail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// How many of something each coordinator has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct CoordinatorCount {
    pub coordinator_id: UserId,
    pub n: i64,
}

/// A coordinator's logged minutes and entries in a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct CoordinatorLogged {
    pub coordinator_id: UserId,
    pub minutes: i64,
    pub entries: i64,
}

#[derive(FromQueryResult)]
struct EmailWish {
    email: Option<String>,
    wanted: Option<bool>,
}

#[derive(FromQueryResult)]
struct EmailChoice {
    kind: Kind,
    email: bool,
}

#[derive(FromQueryResult)]
struct AlertRow {
    id: PatientId,
    coordinator_id: UserId,
    visit_interval_months: i32,
    first_name: String,
    last_name: String,
    last_visit: Option<NaiveDate>,
    open_gaps: i64,
    last_activity: Option<DateTime<Utc>>,
}

impl Store {
    /// Creates the notification unless its key exists; returns whether it was new. The e-mail is
    /// queued when sending is configured, the user has an address and has not turned this kind off.
    pub async fn notify(
        &self,
        n: &NewNotification,
        email_configured: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let email = email_configured && self.wants_email(n.user_id, n.kind).await?;
        let inserted = self
            .exec(
                "INSERT INTO notifications (user_id, kind, title, body, link, dedupe_key, created_at, email_status, email_subject, email_body)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedupe_key) DO NOTHING",
                vec![
                    n.user_id.into(),
                    n.kind.key().into(),
                    n.title.clone().into(),
                    n.body.clone().into(),
                    n.link.clone().into(),
                    n.dedupe_key.clone().into(),
                    at(now),
                    if email { EmailStatus::Pending } else { EmailStatus::None }.into(),
                    n.email_subject.clone().into(),
                    n.email_body.clone().into(),
                ],
            )
            .await?;
        Ok(inserted == 1)
    }

    /// Marks the user's unread notifications of `kind` read, but the one keyed `keep`: a newer
    /// digest stands for them.
    pub async fn mark_superseded(
        &self,
        user_id: UserId,
        kind: Kind,
        keep: &str,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        self.exec(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND kind = $3 AND read_at IS NULL AND dedupe_key <> $4",
            vec![at(now), user_id.into(), kind.key().into(), keep.into()],
        )
        .await
    }

    /// Marks read every unread notice whose key matches `keys` (a `LIKE` pattern, such as
    /// `review_request_keys`): what it asked for was done.
    pub async fn close_notices(&self, kind: Kind, keys: &str, now: DateTime<Utc>) -> Result<u64> {
        self.exec(
            "UPDATE notifications SET read_at = $1 WHERE read_at IS NULL AND kind = $2 AND dedupe_key LIKE $3",
            vec![at(now), kind.key().into(), keys.into()],
        )
        .await
    }

    async fn wants_email(&self, user_id: UserId, kind: Kind) -> Result<bool> {
        let wish: Option<EmailWish> = self
            .row(
                "SELECT u.email, p.email AS wanted FROM users u
                 LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.kind = $2
                 WHERE u.id = $1 AND u.is_active = TRUE",
                vec![user_id.into(), kind.into()],
            )
            .await?;
        let Some(wish) = wish else { return Ok(false) };
        Ok(wish.email.is_some_and(|a| a.contains('@')) && wish.wanted.unwrap_or(true))
    }

    pub async fn notifications(&self, user_id: UserId, limit: u64) -> Result<Vec<NotificationRow>> {
        self.rows(
            "SELECT id, kind, title, body, link, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
            vec![user_id.into(), (limit as i64).into()],
        )
        .await
    }

    /// Where one of the user's notifications points; None if it is not theirs.
    pub async fn notification_link(&self, user_id: UserId, id: i64) -> Result<Option<String>> {
        self.scalar(
            "SELECT link FROM notifications WHERE user_id = $1 AND id = $2",
            vec![user_id.into(), id.into()],
        )
        .await
    }

    /// Marks one of the user's notifications read (`Some(id)`) or all of them (`None`).
    pub async fn mark_read(
        &self,
        user_id: UserId,
        id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        match id {
            Some(id) => {
                self.exec(
                    "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id = $3 AND read_at IS NULL",
                    vec![at(now), user_id.into(), id.into()],
                )
                .await
            }
            None => {
                self.exec("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL", vec![at(now), user_id.into()])
                    .await
            }
        }
    }

    /// The user's e-mail choice for each kind (on unless turned off).
    pub async fn email_preferences(&self, user_id: UserId) -> Result<Vec<(Kind, bool)>> {
        let choices: Vec<EmailChoice> = self
            .rows(
                "SELECT kind, email FROM notification_preferences WHERE user_id = $1",
                vec![user_id.into()],
            )
            .await?;
        let off = |kind: Kind| choices.iter().any(|c| c.kind == kind && !c.email);
        Ok(Kind::ALL.iter().map(|k| (*k, !off(*k))).collect())
    }

    pub async fn set_email_preference(
        &self,
        user_id: UserId,
        kind: Kind,
        email: bool,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        use sea_orm::ConnectionTrait;
        tx.execute_raw(self.stmt(
            "DELETE FROM notification_preferences WHERE user_id = $1 AND kind = $2",
            vec![user_id.into(), kind.into()],
        ))
        .await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO notification_preferences (user_id, kind, email) VALUES ($1, $2, $3)",
            vec![user_id.into(), kind.into(), email.into()],
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` pending e-mails for this server; another server's claim wins over ours.
    pub async fn claim_pending_emails(&self, limit: u64) -> Result<Vec<ClaimedEmail>> {
        let pending: Vec<ClaimedEmail> = self
            .rows(
                "SELECT n.id, COALESCE(u.email, '') AS \"to\", n.email_subject AS subject, n.email_body AS body
                 FROM notifications n JOIN users u ON u.id = n.user_id
                 WHERE n.email_status = $1 ORDER BY n.id LIMIT $2",
                vec![EmailStatus::Pending.into(), (limit as i64).into()],
            )
            .await?;
        let mut claimed = Vec::new();
        for email in pending {
            let won = self
                .exec(
                    "UPDATE notifications SET email_status = $1 WHERE id = $2 AND email_status = $3",
                    vec![EmailStatus::Sending.into(), email.id.into(), EmailStatus::Pending.into()],
                )
                .await?;
            if won == 1 {
                claimed.push(email);
            }
        }
        Ok(claimed)
    }

    pub async fn mark_emailed(&self, id: i64, sent: bool, now: DateTime<Utc>) -> Result<()> {
        self.exec(
            "UPDATE notifications SET email_status = $1, emailed_at = $2 WHERE id = $3",
            vec![
                if sent { EmailStatus::Sent } else { EmailStatus::Failed }.into(),
                at(now),
                id.into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// Claims a job's run for a period; true for exactly one caller, whichever server it runs on. A run
    /// claimed but unfinished after 30 minutes (its server died) can be claimed again; the work is
    /// idempotent, so finishing it twice creates nothing twice.
    pub async fn claim_job(
        &self,
        job: &str,
        period_key: &str,
        node: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let won = self
            .exec(
                "INSERT INTO job_runs (job, period_key, node, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT (job, period_key) DO NOTHING",
                vec![job.into(), period_key.into(), node.into(), at(now)],
            )
            .await?;
        if won == 1 {
            return Ok(true);
        }
        let retaken = self
            .exec(
                "UPDATE job_runs SET node = $1, started_at = $2 WHERE job = $3 AND period_key = $4 AND finished_at IS NULL AND started_at < $5",
                vec![node.into(), at(now), job.into(), period_key.into(), at(now - chrono::Duration::minutes(30))],
            )
            .await?;
        Ok(retaken == 1)
    }

    pub async fn finish_job(&self, job: &str, period_key: &str, now: DateTime<Utc>) -> Result<()> {
        self.exec(
            "UPDATE job_runs SET finished_at = $1 WHERE job = $2 AND period_key = $3",
            vec![at(now), job.into(), period_key.into()],
        )
        .await?;
        Ok(())
    }

    /// Open generated tasks per coordinator: due before `today` (overdue) or on it.
    pub async fn task_counts_by_coordinator(
        &self,
        today: NaiveDate,
        overdue: bool,
    ) -> Result<Vec<CoordinatorCount>> {
        let due = if overdue { "due_date < $1" } else { "due_date = $1" };
        self.rows(
            &format!(
                "SELECT coordinator_id, COUNT(*) AS n FROM generated_tasks WHERE status = $2 AND {due}
                 GROUP BY coordinator_id ORDER BY coordinator_id"
            ),
            vec![today.into(), TaskStatus::Pending.into()],
        )
        .await
    }

    /// Minutes and entries per coordinator in a range.
    pub async fn logged_by_coordinator(&self, range: UtcRange) -> Result<Vec<CoordinatorLogged>> {
        self.rows(
            "SELECT coordinator_id, COALESCE(SUM(minutes), 0) AS minutes, COUNT(*) AS entries FROM coordinator_task_log
             WHERE task_at >= $1 AND task_at < $2 GROUP BY coordinator_id ORDER BY coordinator_id",
            vec![at(range.start), at(range.end)],
        )
        .await
    }

    pub async fn admin_ids(&self) -> Result<Vec<UserId>> {
        self.scalars(
            "SELECT id FROM users WHERE role = $1 AND is_active = TRUE ORDER BY id",
            vec![Role::Admin.into()],
        )
        .await
    }

    /// Active assigned patients for care alerts: (id, coordinator, last visit, visit interval,
    /// open gaps, last log entry).
    pub async fn alert_candidates(&self) -> Result<Vec<AlertCandidate>> {
        let rows: Vec<AlertRow> = self
            .rows(
                "SELECT p.id, p.coordinator_id, p.visit_interval_months, p.first_name, p.last_name,
                        (SELECT MAX(v.visit_date) FROM visits v WHERE v.patient_id = p.id) AS last_visit,
                        (SELECT COUNT(*) FROM care_gaps g WHERE g.patient_id = p.id AND g.status = $1) AS open_gaps,
                        (SELECT MAX(l.task_at) FROM coordinator_task_log l WHERE l.patient_id = p.id) AS last_activity
                 FROM patients p WHERE p.status = $2 AND p.coordinator_id IS NOT NULL ORDER BY p.id",
                vec![CareGapStatus::Open.into(), PatientStatus::Active.into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| AlertCandidate {
                patient_id: r.id,
                name: carelog_domain::patient::display_name(&r.last_name, &r.first_name),
                coordinator_id: r.coordinator_id,
                visit_interval_months: r.visit_interval_months,
                last_visit: r.last_visit,
                open_gaps: r.open_gaps,
                last_activity: r.last_activity,
            })
            .collect())
    }
}

#[derive(Debug, Clone)]
pub struct AlertCandidate {
    pub patient_id: PatientId,
    /// For the in-app title only; e-mails never name a patient.
    pub name: String,
    pub coordinator_id: UserId,
    pub visit_interval_months: i32,
    pub last_visit: Option<NaiveDate>,
    pub open_gaps: i64,
    pub last_activity: Option<DateTime<Utc>>,
}
