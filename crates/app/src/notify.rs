//! Sending one notification to one user, e-mail included when they want it.

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::notifications::{Kind, dedupe_key, email_text};
use carelog_store::NewNotification;
use chrono::{DateTime, Utc};

use crate::{App, ServiceResult};

/// What to tell someone. `event` makes the notification unique (e.g. the assignment id), so a retried
/// request sends it once.
pub struct Notice<'a> {
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub link: &'a str,
    pub event: &'a str,
    pub patient_id: Option<PatientId>,
}

impl App {
    pub async fn notify(
        &self,
        user_id: UserId,
        n: Notice<'_>,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let (email_subject, email_body) =
            email_text(n.kind, 1, &format!("{}{}", self.settings.base_url, n.link));
        let notice = NewNotification {
            user_id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            link: n.link.to_owned(),
            dedupe_key: dedupe_key(n.kind, user_id, n.event, n.patient_id),
            email_subject,
            email_body,
        };
        self.store.notify(&notice, self.settings.email_configured, now).await?;
        Ok(())
    }
}
