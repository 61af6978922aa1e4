//! Failed sign-ins, for the login throttle. An attempt is written here before its password is checked
//! (a reservation) and removed if it turns out right or is throttled, so concurrent guesses at one
//! account each see the others. Reservations do not count towards an address's spray limit (many
//! colleagues behind one address signing in at once); confirmed failures do.

use carelog_domain::login_throttle::RecentFailures;
use chrono::{DateTime, Utc};
use sea_orm::FromQueryResult;

use crate::connection::at;
use crate::{Result, Store, StoreError};

#[derive(FromQueryResult)]
struct RecentRow {
    here: i64,
    last_here: Option<DateTime<Utc>>,
    everywhere: i64,
    last_everywhere: Option<DateTime<Utc>>,
    accounts_from_address: i64,
}

impl Store {
    /// Counts an attempt as failed until it is released; returns its id. Committed before the count
    /// that decides it, so of N attempts at once the k-th to commit sees at least k − 1 others.
    pub async fn reserve_login_attempt(
        &self,
        username: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        self.write_returning::<i64>(
            "INSERT INTO login_failures (username, address, at, pending) VALUES ($1, $2, $3, TRUE) RETURNING id",
            vec![username.into(), address.into(), at(now)],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound("the reserved attempt's id".into()))
    }

    /// Failures (and attempts being checked) since `since`, leaving out the attempt `except`.
    pub async fn recent_login_failures(
        &self,
        username: &str,
        address: &str,
        since: DateTime<Utc>,
        except: i64,
    ) -> Result<RecentFailures> {
        let row: Option<RecentRow> = self
            .row(
                "SELECT
                   (SELECT CAST(COUNT(*) AS BIGINT) FROM login_failures WHERE username = $1 AND address = $2 AND at >= $3 AND id <> $4) AS here,
                   (SELECT MAX(at) FROM login_failures WHERE username = $1 AND address = $2 AND at >= $3 AND id <> $4) AS last_here,
                   (SELECT CAST(COUNT(*) AS BIGINT) FROM login_failures WHERE username = $1 AND at >= $3 AND id <> $4) AS everywhere,
                   (SELECT MAX(at) FROM login_failures WHERE username = $1 AND at >= $3 AND id <> $4) AS last_everywhere,
                   (SELECT CAST(COUNT(DISTINCT username) AS BIGINT) FROM login_failures WHERE address = $2 AND at >= $3 AND id <> $4 AND pending = FALSE) AS accounts_from_address",
                vec![username.into(), address.into(), at(since), except.into()],
            )
            .await?;
        Ok(row.map_or_else(RecentFailures::default, |r| RecentFailures {
            here: r.here,
            last_here: r.last_here,
            everywhere: r.everywhere,
            last_everywhere: r.last_everywhere,
            accounts_from_address: r.accounts_from_address,
        }))
    }

    /// An attempt whose password proved wrong: a failure from now on, for every limit.
    pub async fn confirm_login_failure(&self, id: i64) -> Result<()> {
        self.exec("UPDATE login_failures SET pending = FALSE WHERE id = $1", vec![id.into()])
            .await?;
        Ok(())
    }

    /// An attempt that turned out right, or was throttled before its password was checked.
    pub async fn release_login_attempt(&self, id: i64) -> Result<()> {
        self.exec("DELETE FROM login_failures WHERE id = $1", vec![id.into()]).await?;
        Ok(())
    }

    /// A successful sign-in clears that account's failures from its address.
    pub async fn clear_login_failures(&self, username: &str, address: &str) -> Result<()> {
        self.exec(
            "DELETE FROM login_failures WHERE username = $1 AND address = $2",
            vec![username.into(), address.into()],
        )
        .await?;
        Ok(())
    }

    /// Failures older than the throttle window no longer count; removes them.
    pub async fn delete_login_failures_before(&self, before: DateTime<Utc>) -> Result<u64> {
        self.exec("DELETE FROM login_failures WHERE at < $1", vec![at(before)]).await
    }
}
