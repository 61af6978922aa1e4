use chrono::{DateTime, Utc};

use crate::connection::at;
use crate::row::count;
use crate::{Result, Store};

impl Store {
    pub async fn record_login_failure(
        &self,
        username: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO login_failures (username, address, at) VALUES ($1, $2, $3)",
            vec![username.into(), address.into(), at(now)],
        )
        .await?;
        Ok(())
    }

    /// Failed sign-ins since `since`: (for this account, from this address).
    pub async fn login_failures_since(
        &self,
        username: &str,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        let account = self
            .one(
                "SELECT COUNT(*) AS n FROM login_failures WHERE username = $1 AND at >= $2",
                vec![username.into(), at(since)],
            )
            .await?;
        let from_address = self
            .one(
                "SELECT COUNT(*) AS n FROM login_failures WHERE address = $1 AND at >= $2",
                vec![address.into(), at(since)],
            )
            .await?;
        Ok((count(&account, "n")?, count(&from_address, "n")?))
    }

    /// A successful sign-in clears that account's failures.
    pub async fn clear_login_failures(&self, username: &str) -> Result<()> {
        self.exec("DELETE FROM login_failures WHERE username = $1", vec![username.into()]).await?;
        Ok(())
    }
}

impl Store {
    /// Failures older than the throttle window no longer count; removes them.
    pub async fn delete_login_failures_before(&self, before: DateTime<Utc>) -> Result<u64> {
        self.exec("DELETE FROM login_failures WHERE at < $1", vec![at(before)]).await
    }
}
