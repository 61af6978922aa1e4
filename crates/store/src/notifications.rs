//! In-app notifications and their e-mail delivery. Each notification has a unique dedupe key, so it is
//! created once however many servers run the job; each e-mail is claimed (`pending` → `sending`) by one
//! server before it is sent.

use carelog_domain::notifications::Kind;
use carelog_domain::practice_time::UtcRange;
use chrono::{DateTime, NaiveDate, Utc};

use crate::connection::at;
use crate::row::{count, get};
use crate::{Result, Store};

#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: i64,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub link: String,
    pub dedupe_key: String,
    /// What an e-mail may say: counts and a link only (`carelog_domain::notifications::email_text`).
    pub email_subject: String,
    pub email_body: String,
}

#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// An e-mail this server has claimed and must now send.
#[derive(Debug, Clone)]
pub struct ClaimedEmail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
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
                    if email { "pending" } else { "none" }.into(),
                    n.email_subject.clone().into(),
                    n.email_body.clone().into(),
                ],
            )
            .await?;
        Ok(inserted == 1)
    }

    async fn wants_email(&self, user_id: i64, kind: Kind) -> Result<bool> {
        let row = self
            .one(
                "SELECT u.email, p.email AS wanted FROM users u
                 LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.kind = $2
                 WHERE u.id = $1 AND u.is_active = TRUE",
                vec![user_id.into(), kind.key().into()],
            )
            .await?;
        let Some(row) = row else { return Ok(false) };
        let address: Option<String> = get(&row, "email")?;
        let wanted: Option<bool> = get(&row, "wanted")?;
        Ok(address.is_some_and(|a| a.contains('@')) && wanted.unwrap_or(true))
    }

    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64> {
        count(&self.one("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL", vec![user_id.into()]).await?, "n")
    }

    pub async fn notifications(&self, user_id: i64, limit: u64) -> Result<Vec<NotificationRow>> {
        let rows = self
            .all(
                "SELECT id, kind, title, body, link, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
                vec![user_id.into(), (limit as i64).into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(NotificationRow {
                    id: get(r, "id")?,
                    kind: get(r, "kind")?,
                    title: get(r, "title")?,
                    body: get(r, "body")?,
                    link: get(r, "link")?,
                    created_at: get(r, "created_at")?,
                    read: get::<Option<DateTime<Utc>>>(r, "read_at")?.is_some(),
                })
            })
            .collect()
    }

    /// Where one of the user's notifications points; None if it is not theirs.
    pub async fn notification_link(&self, user_id: i64, id: i64) -> Result<Option<String>> {
        let row = self
            .one(
                "SELECT link FROM notifications WHERE user_id = $1 AND id = $2",
                vec![user_id.into(), id.into()],
            )
            .await?;
        row.map(|r| get(&r, "link")).transpose()
    }

    /// Marks one of the user's notifications read (`Some(id)`) or all of them (`None`).
    pub async fn mark_read(
        &self,
        user_id: i64,
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
    pub async fn email_preferences(&self, user_id: i64) -> Result<Vec<(Kind, bool)>> {
        let rows = self
            .all(
                "SELECT kind, email FROM notification_preferences WHERE user_id = $1",
                vec![user_id.into()],
            )
            .await?;
        let mut off = Vec::new();
        for r in &rows {
            let kind: String = get(r, "kind")?;
            let email: bool = get(r, "email")?;
            if !email {
                off.push(kind);
            }
        }
        Ok(Kind::ALL.iter().map(|k| (*k, !off.iter().any(|o| o == k.key()))).collect())
    }

    pub async fn set_email_preference(&self, user_id: i64, kind: Kind, email: bool) -> Result<()> {
        let tx = self.begin_write().await?;
        use sea_orm::ConnectionTrait;
        tx.execute_raw(self.stmt(
            "DELETE FROM notification_preferences WHERE user_id = $1 AND kind = $2",
            vec![user_id.into(), kind.key().into()],
        ))
        .await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO notification_preferences (user_id, kind, email) VALUES ($1, $2, $3)",
            vec![user_id.into(), kind.key().into(), email.into()],
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` pending e-mails for this server; another server's claim wins over ours.
    pub async fn claim_pending_emails(&self, limit: u64) -> Result<Vec<ClaimedEmail>> {
        let rows = self
            .all(
                "SELECT n.id, u.email, n.email_subject, n.email_body FROM notifications n JOIN users u ON u.id = n.user_id
                 WHERE n.email_status = 'pending' ORDER BY n.id LIMIT $1",
                vec![(limit as i64).into()],
            )
            .await?;
        let mut claimed = Vec::new();
        for r in &rows {
            let id: i64 = get(r, "id")?;
            let won = self
                .exec("UPDATE notifications SET email_status = 'sending' WHERE id = $1 AND email_status = 'pending'", vec![id.into()])
                .await?;
            if won == 1 {
                claimed.push(ClaimedEmail {
                    id,
                    to: get::<Option<String>>(r, "email")?.unwrap_or_default(),
                    subject: get(r, "email_subject")?,
                    body: get(r, "email_body")?,
                });
            }
        }
        Ok(claimed)
    }

    pub async fn mark_emailed(&self, id: i64, sent: bool, now: DateTime<Utc>) -> Result<()> {
        self.exec(
            "UPDATE notifications SET email_status = $1, emailed_at = $2 WHERE id = $3",
            vec![if sent { "sent" } else { "failed" }.into(), at(now), id.into()],
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
    ) -> Result<Vec<(i64, i64)>> {
        let sql = if overdue {
            "SELECT coordinator_id, COUNT(*) AS n FROM generated_tasks WHERE status = 'pending' AND due_date < $1 GROUP BY coordinator_id ORDER BY coordinator_id"
        } else {
            "SELECT coordinator_id, COUNT(*) AS n FROM generated_tasks WHERE status = 'pending' AND due_date = $1 GROUP BY coordinator_id ORDER BY coordinator_id"
        };
        let rows = self.all(sql, vec![today.into()]).await?;
        rows.iter().map(|r| Ok((get(r, "coordinator_id")?, get(r, "n")?))).collect()
    }

    /// Minutes and entries per coordinator in a range.
    pub async fn logged_by_coordinator(&self, range: UtcRange) -> Result<Vec<(i64, i64, i64)>> {
        let rows = self
            .all(
                "SELECT coordinator_id, COALESCE(SUM(minutes), 0) AS minutes, COUNT(*) AS entries FROM coordinator_task_log
                 WHERE task_at >= $1 AND task_at < $2 GROUP BY coordinator_id ORDER BY coordinator_id",
                vec![at(range.start), at(range.end)],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((get(r, "coordinator_id")?, get(r, "minutes")?, get(r, "entries")?)))
            .collect()
    }

    pub async fn admin_ids(&self) -> Result<Vec<i64>> {
        let rows = self
            .all(
                "SELECT id FROM users WHERE role = 'admin' AND is_active = TRUE ORDER BY id",
                vec![],
            )
            .await?;
        rows.iter().map(|r| get(r, "id")).collect()
    }

    /// Active assigned patients for care alerts: (id, coordinator, last visit, visit interval,
    /// open gaps, last log entry).
    pub async fn alert_candidates(&self) -> Result<Vec<AlertCandidate>> {
        let rows = self
            .all(
                "SELECT p.id, p.coordinator_id, p.visit_interval_months, p.first_name, p.last_name,
                        (SELECT MAX(v.visit_date) FROM visits v WHERE v.patient_id = p.id) AS last_visit,
                        (SELECT COUNT(*) FROM care_gaps g WHERE g.patient_id = p.id AND g.status = 'Open') AS open_gaps,
                        (SELECT MAX(l.task_at) FROM coordinator_task_log l WHERE l.patient_id = p.id) AS last_activity
                 FROM patients p WHERE p.status = 'Active' AND p.coordinator_id IS NOT NULL ORDER BY p.id",
                vec![],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AlertCandidate {
                    patient_id: get(r, "id")?,
                    name: carelog_domain::patient::display_name(
                        &get::<String>(r, "last_name")?,
                        &get::<String>(r, "first_name")?,
                    ),
                    coordinator_id: get(r, "coordinator_id")?,
                    visit_interval_months: get(r, "visit_interval_months")?,
                    last_visit: get(r, "last_visit")?,
                    open_gaps: get(r, "open_gaps")?,
                    last_activity: get(r, "last_activity")?,
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct AlertCandidate {
    pub patient_id: i64,
    /// For the in-app title only; e-mails never name a patient.
    pub name: String,
    pub coordinator_id: i64,
    pub visit_interval_months: i32,
    pub last_visit: Option<NaiveDate>,
    pub open_gaps: i64,
    pub last_activity: Option<DateTime<Utc>>,
}
