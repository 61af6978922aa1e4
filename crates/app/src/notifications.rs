//! The notification centre: one's notifications, reading them, and e-mail preferences.

use carelog_domain::notifications::Kind;
use carelog_store::NotificationRow;
use chrono::Utc;

use crate::{Actor, App, ServiceResult};

/// The most notifications the centre lists.
const CENTRE_LIMIT: u64 = 200;

impl App {
    /// The actor's newest notifications and their e-mail choice per kind (billing kinds for
    /// admins only).
    pub async fn notification_centre(
        &self,
        actor: &Actor,
    ) -> ServiceResult<(Vec<NotificationRow>, Vec<(Kind, bool)>)> {
        let rows = self.store.notifications(actor.id, CENTRE_LIMIT).await?;
        let preferences = self
            .store
            .email_preferences(actor.id)
            .await?
            .into_iter()
            .filter(|(k, _)| !k.admins_only() || actor.role.sees_billing())
            .collect();
        Ok((rows, preferences))
    }

    /// Marks one of the actor's notifications read and returns where it points (a path on this
    /// site only), or marks them all read.
    pub async fn mark_read(&self, actor: &Actor, id: Option<i64>) -> ServiceResult<Option<String>> {
        self.store.mark_read(actor.id, id, Utc::now()).await?;
        let Some(id) = id else { return Ok(None) };
        let link = self.store.notification_link(actor.id, id).await?;
        Ok(link.filter(|l| l.starts_with('/') && !l.starts_with("//")))
    }

    /// E-mail on for the kinds in `on`, off for the rest; audited.
    pub async fn set_email_preferences(&self, actor: &Actor, on: &[Kind]) -> ServiceResult<()> {
        let mut off = Vec::new();
        for kind in Kind::ALL {
            let wanted = on.contains(&kind);
            self.store.set_email_preference(actor.id, kind, wanted).await?;
            if !wanted {
                off.push(kind.key());
            }
        }
        let list = if off.is_empty() { "none".to_owned() } else { off.join(", ") };
        let detail = format!("e-mail off for: {list}");
        self.audit(actor, "notifications.preferences", None, detail).await
    }
}
