use chrono::{DateTime, Utc};

use crate::connection::at;
use crate::{Result, Store};

/// Recent failed sign-ins, counted for the account and for the address they came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub account: i64,
    pub address: i64,
}

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

    /// Failed sign-ins since `since` for this account and from this address.
    pub async fn login_failures_since(
        &self,
        username: &str,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<LoginFailures> {
        let account = self
            .count(
                "SELECT COUNT(*) AS n FROM login_failures WHERE username = $1 AND at >= $2",
                vec![username.into(), at(since)],
            )
            .await?;
        let address = self
            .count(
                "SELECT COUNT(*) AS n FROM login_failures WHERE address = $1 AND at >= $2",
                vec![address.into(), at(since)],
            )
            .await?;
        Ok(LoginFailures { account, address })
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
