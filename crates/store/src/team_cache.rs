//! The team figures of Tab 3 and the match score, computed once per change: kept with the change
//! counter (`team_revisions`, bumped by triggers in the writing transaction) read before they were
//! computed, and served while it stands. As with the billing cache, a kept value can only be newer
//! than its counter, so every app server's cache follows every server's writes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::team::{TeamMember, TeamWindows};
use crate::{Result, Store};

/// The queue's trend figures, counted at the start of a minute so they can be kept for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueTrends {
    /// Active patients per coordinator as the assignments stood a week ago.
    pub caseloads_week_ago: BTreeMap<i64, i64>,
    /// Patients handed off and not yet assigned, now and a day ago.
    pub pending_now: i64,
    pub pending_yesterday: i64,
}

/// One value kept under its key and the change counter it was computed under.
struct Kept<K, V>(Mutex<Option<(K, i64, Arc<V>)>>);

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Kept(Mutex::new(None))
    }
}

impl<K: PartialEq, V> Kept<K, V> {
    fn get(&self, key: &K, revision: i64) -> Option<Arc<V>> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref().filter(|(k, r, _)| k == key && *r == revision).map(|(_, _, v)| Arc::clone(v))
    }

    fn put(&self, key: K, revision: i64, value: &Arc<V>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((key, revision, Arc::clone(value)));
    }
}

#[derive(Default)]
pub(crate) struct TeamCache {
    team: Kept<TeamWindows, Vec<TeamMember>>,
    trends: Kept<DateTime<Utc>, QueueTrends>,
    /// One computation at a time, so a burst of managers after a change computes it once.
    computing: tokio::sync::Mutex<()>,
}

impl Store {
    /// Every active caseload holder with the figures the workload cards and the match score use.
    pub async fn team(&self, windows: TeamWindows) -> Result<Arc<Vec<TeamMember>>> {
        let revision = self.team_revision().await?;
        let cache = self.team_cache();
        if let Some(hit) = cache.team.get(&windows, revision) {
            return Ok(hit);
        }
        let _computing = cache.computing.lock().await;
        if let Some(hit) = cache.team.get(&windows, revision) {
            return Ok(hit);
        }
        let team = Arc::new(self.compute_team(windows).await?);
        cache.team.put(windows, revision, &team);
        Ok(team)
    }

    /// The queue's week-ago caseloads and pending counts, as of the start of `now`'s minute.
    pub async fn queue_trends(&self, now: DateTime<Utc>) -> Result<Arc<QueueTrends>> {
        let minute = now.duration_trunc(Duration::minutes(1)).unwrap_or(now);
        let revision = self.team_revision().await?;
        let cache = self.team_cache();
        if let Some(hit) = cache.trends.get(&minute, revision) {
            return Ok(hit);
        }
        let _computing = cache.computing.lock().await;
        if let Some(hit) = cache.trends.get(&minute, revision) {
            return Ok(hit);
        }
        let trends = Arc::new(QueueTrends {
            caseloads_week_ago: self.caseloads_at(minute - Duration::days(7)).await?,
            pending_now: self.pending_at(minute).await?,
            pending_yesterday: self.pending_at(minute - Duration::days(1)).await?,
        });
        cache.trends.put(minute, revision, &trends);
        Ok(trends)
    }

    async fn team_revision(&self) -> Result<i64> {
        self.count(
            "SELECT CAST(COALESCE(SUM(revision), 0) AS BIGINT) AS revision FROM team_revisions",
            vec![],
        )
        .await
    }
}
