//! Who manages whom: each caseload holder's manager, set by an admin. A manager's team is the people
//! they manage and themselves (`TeamOf::LedBy`); the team figures are read bounded by it.

use carelog_domain::ids::UserId;
use carelog_domain::role::Role;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::audit::NewAuditEvent;
use crate::{Result, Store, StoreError};

/// A team as the switcher lists it: its manager and how many active people they manage.
#[derive(Debug, Clone, FromQueryResult)]
pub struct TeamListing {
    pub manager_id: UserId,
    pub manager: String,
    pub members: i64,
}

impl Store {
    /// Every active manager who manages someone active, by name.
    pub async fn teams(&self) -> Result<Vec<TeamListing>> {
        self.rows(
            "SELECT m.id AS manager_id, m.display_name AS manager, COUNT(*) AS members
             FROM coordinator_profiles c JOIN users u ON u.id = c.user_id JOIN users m ON m.id = c.manager_id
             WHERE u.is_active = TRUE AND m.is_active = TRUE AND m.role = $1
             GROUP BY m.id, m.display_name ORDER BY m.display_name, m.id",
            vec![Role::Manager.into()],
        )
        .await
    }

    /// Whether `manager` manages anyone active.
    pub async fn manages_anyone(&self, manager: UserId) -> Result<bool> {
        let n = self
            .count(
                "SELECT COUNT(*) AS n FROM coordinator_profiles c JOIN users u ON u.id = c.user_id
                 WHERE c.manager_id = $1 AND u.is_active = TRUE",
                vec![manager.into()],
            )
            .await?;
        Ok(n > 0)
    }

    /// Active coordinators whom no active manager manages.
    pub async fn unmanaged_coordinators(&self) -> Result<i64> {
        self.count(
            "SELECT COUNT(*) AS n FROM coordinator_profiles c JOIN users u ON u.id = c.user_id
             LEFT JOIN users m ON m.id = c.manager_id AND m.is_active = TRUE AND m.role = $2
             WHERE u.is_active = TRUE AND u.role = $1 AND m.id IS NULL",
            vec![Role::Coordinator.into(), Role::Manager.into()],
        )
        .await
    }

    /// Sets (or clears) who manages a caseload holder, with its audit event, in one transaction.
    pub async fn set_manager(
        &self,
        user_id: UserId,
        manager: Option<UserId>,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        let changed = tx
            .execute_raw(self.stmt(
                "UPDATE coordinator_profiles SET manager_id = $1 WHERE user_id = $2",
                vec![manager.into(), user_id.into()],
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("coordinator profile {user_id}")));
        }
        crate::profiles::finish_profile_change(self, tx, user_id, audit, now).await
    }
}
