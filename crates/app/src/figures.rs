//! The figures pages read over and over, kept in memory under the database's change counters
//! (`carelog_store` reads them uncached): a month's billing summary and trend totals, the practice's
//! month, the team's figures and the queue's trends, and each task type's average minutes.

use std::collections::HashMap;
use std::sync::Arc;

use carelog_domain::billing::RuleSet;
use carelog_domain::billing_summary::{MonthSummary, Totals};
use carelog_domain::ids::{TaskTypeId, UserId};
use carelog_domain::practice_time::YearMonth;
use carelog_store::{
    BillingRevision, ClosedMonth, MonthSummary as LoggedMonth, OrphanedCaseload, PatientFacts,
    QueueCounts, QueueFilter, QueuePage, QueueTrends, Store, StoreError, TeamMember, TeamOf,
    TeamRevisions, TeamWindows,
};
use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::Tz;

use crate::cache::RevisionCache;

/// Whole summaries kept: the month on screen and a few neighbours (a large practice's month is tens
/// of megabytes).
const SUMMARIES_KEPT: usize = 4;
/// Totals kept for trend charts: small, so many.
const TOTALS_KEPT: usize = 256;
/// Teams whose figures are kept: each a handful of people, so enough for every manager of a large
/// practice, and the whole practice's.
const TEAMS_KEPT: usize = 512;
/// Queue pages: the first pages of the common filters, 20 KB for Tab 3's 50 rows (an API page of
/// 500 rows, ten times that).
const QUEUE_PAGES_KEPT: usize = 64;
/// Task types (51 in the catalogue) with room for those an admin adds.
const AVERAGES_KEPT: usize = 512;

type MonthRules = (YearMonth, RuleSet);
type Result<T> = std::result::Result<T, StoreError>;

/// Cheap to clone: the caches are shared.
#[derive(Clone)]
pub struct Figures {
    store: Store,
    kept: Arc<Kept>,
    /// The practice time zone (a claim's date of service may be the day a threshold was met).
    tz: Tz,
}

/// A closed month's billed record as read back.
pub type Record = (ClosedMonth, Arc<MonthSummary>);

struct Kept {
    summaries: RevisionCache<MonthRules, BillingRevision, MonthSummary>,
    /// Closed months' records, under the month's counter (amendments and the close move it).
    records: RevisionCache<YearMonth, i64, Option<Record>>,
    totals: RevisionCache<MonthRules, BillingRevision, Totals>,
    /// Whether each month is closed, and its record's totals when it is.
    closed_totals: RevisionCache<YearMonth, i64, Option<Totals>>,
    /// Every patient as billing sees them, under scope 0's counter: a month whose log changed is then
    /// recomputed from its minutes alone.
    patients: RevisionCache<(), i64, Vec<PatientFacts>>,
    practice: RevisionCache<YearMonth, i64, LoggedMonth>,
    team: RevisionCache<(TeamWindows, TeamOf), i64, Vec<TeamMember>>,
    trends: RevisionCache<(DateTime<Utc>, TeamOf), i64, QueueTrends>,
    /// The practice's queue length a day before each minute (every team's trend reads it).
    pending_yesterday: RevisionCache<DateTime<Utc>, i64, i64>,
    /// The waiting patients' handoff times, earliest first: the queue's length and overdue count.
    waiting: RevisionCache<(), i64, Vec<DateTime<Utc>>>,
    /// Deactivated coordinators still holding patients, under the team counters.
    orphaned: RevisionCache<(), i64, Vec<OrphanedCaseload>>,
    /// Pages of the assignment queue by filter (those that do not read the present moment).
    queue_pages: RevisionCache<QueueFilter, i64, QueuePage>,
    /// Whether each manager manages an active coordinator (which team Tab 3 opens on).
    managing: RevisionCache<UserId, i64, bool>,
    /// A type's average over the window ending at the start of an hour, kept for that hour.
    averages: RevisionCache<TaskTypeId, DateTime<Utc>, Option<f64>>,
}

impl Figures {
    pub fn new(store: Store, tz: Tz) -> Self {
        let kept = Kept {
            summaries: RevisionCache::new(SUMMARIES_KEPT),
            records: RevisionCache::new(SUMMARIES_KEPT),
            totals: RevisionCache::new(TOTALS_KEPT),
            closed_totals: RevisionCache::new(TOTALS_KEPT),
            patients: RevisionCache::new(1),
            practice: RevisionCache::new(2),
            team: RevisionCache::new(TEAMS_KEPT),
            trends: RevisionCache::new(TEAMS_KEPT),
            pending_yesterday: RevisionCache::new(2),
            waiting: RevisionCache::new(1),
            orphaned: RevisionCache::new(1),
            queue_pages: RevisionCache::new(QUEUE_PAGES_KEPT),
            managing: RevisionCache::new(TEAMS_KEPT),
            averages: RevisionCache::new(AVERAGES_KEPT),
        };
        Figures { store, kept: Arc::new(kept), tz }
    }

    /// The month's summary computed from the log and the records now, under `rule_set` (the admin's
    /// chosen set when None): an open month's billing, or what a closed month's would be now.
    pub async fn billing_summary(
        &self,
        month: YearMonth,
        rule_set: Option<RuleSet>,
    ) -> Result<Arc<MonthSummary>> {
        Ok(self.live_summary(month, rule_set).await?.0)
    }

    /// As `billing_summary`, with the counters it was computed under.
    pub async fn live_summary(
        &self,
        month: YearMonth,
        rule_set: Option<RuleSet>,
    ) -> Result<(Arc<MonthSummary>, BillingRevision)> {
        let revision = self.billing_revision(month).await?;
        let rule_set = match rule_set {
            Some(r) => r,
            None => self.store.billing_rule_set().await?,
        };
        let key = (month, rule_set);
        let compute = || async {
            let summary = self.summarize(month, rule_set, revision).await?;
            // Trend charts read these totals long after the whole summary has made room for others.
            self.kept.totals.keep(key, revision, &Arc::new(summary.totals.clone()));
            Ok::<_, StoreError>(summary)
        };
        let summary = self.kept.summaries.get_or_compute(key, revision, compute).await?;
        Ok((summary, revision))
    }

    /// A closed month's billed record; None while the month is open.
    pub async fn record(&self, month: YearMonth) -> Result<Arc<Option<Record>>> {
        let revision = self.billing_revision(month).await?.month;
        let read = || async {
            let record = self.store.billed_record(month).await?;
            Ok::<_, StoreError>(record.map(|(closed, summary)| (closed, Arc::new(summary))))
        };
        self.kept.records.get_or_compute(month, revision, read).await
    }

    /// Each month's practice totals, for trend charts: a closed month's from its record, an open
    /// one's computed under `rule_set`.
    pub async fn billing_totals(
        &self,
        months: &[YearMonth],
        rule_set: RuleSet,
    ) -> Result<Vec<Totals>> {
        let revisions = self.store.billing_revisions(months).await?;
        let closed = self.closed_totals(months, &revisions).await?;
        let mut totals = Vec::with_capacity(months.len());
        for &month in months {
            if let Some(record) = closed.get(&month) {
                totals.push(record.clone());
                continue;
            }
            let key = (month, rule_set);
            let revision = revisions.get(&month).copied().unwrap_or_default();
            let month_totals = match self.kept.summaries.get(&key, revision) {
                Some(summary) => summary.totals.clone(),
                None => {
                    let compute = || async {
                        Ok::<_, StoreError>(self.summarize(month, rule_set, revision).await?.totals)
                    };
                    (*self.kept.totals.get_or_compute(key, revision, compute).await?).clone()
                }
            };
            totals.push(month_totals);
        }
        Ok(totals)
    }

    /// The closed months' totals among `months`, each kept under its month's counter.
    async fn closed_totals(
        &self,
        months: &[YearMonth],
        revisions: &HashMap<YearMonth, BillingRevision>,
    ) -> Result<HashMap<YearMonth, Totals>> {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for &month in months {
            let revision = revisions.get(&month).copied().unwrap_or_default().month;
            match self.kept.closed_totals.get(&month, revision) {
                Some(kept) => {
                    if let Some(totals) = kept.as_ref() {
                        found.insert(month, totals.clone());
                    }
                }
                None => missing.push(month),
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let read = self.store.billed_totals(&missing).await?;
        for month in missing {
            let revision = revisions.get(&month).copied().unwrap_or_default().month;
            let totals = read.get(&month).cloned();
            self.kept.closed_totals.keep(month, revision, &Arc::new(totals.clone()));
            if let Some(totals) = totals {
                found.insert(month, totals);
            }
        }
        Ok(found)
    }

    async fn billing_revision(&self, month: YearMonth) -> Result<BillingRevision> {
        let mut revisions: HashMap<YearMonth, BillingRevision> =
            self.store.billing_revisions(&[month]).await?;
        Ok(revisions.remove(&month).unwrap_or_default())
    }

    async fn summarize(
        &self,
        month: YearMonth,
        rule_set: RuleSet,
        revision: BillingRevision,
    ) -> Result<MonthSummary> {
        let patients = self
            .kept
            .patients
            .get_or_compute((), revision.inputs, || self.store.billing_patients())
            .await?;
        self.store.summarize_month(month, rule_set, &patients, self.tz).await
    }

    /// Every patient as billing sees them (kept under scope 0's counter, read with `month`'s).
    pub async fn billing_patients(&self, month: YearMonth) -> Result<Arc<Vec<PatientFacts>>> {
        let inputs = self.billing_revision(month).await?.inputs;
        self.kept.patients.get_or_compute((), inputs, || self.store.billing_patients()).await
    }

    /// The whole practice's minutes and patients in a billing month.
    pub async fn practice_month(&self, month: YearMonth) -> Result<LoggedMonth> {
        let revision = self.billing_revision(month).await?.month;
        let kept = self
            .kept
            .practice
            .get_or_compute(month, revision, || self.store.practice_month(month))
            .await?;
        Ok(*kept)
    }

    /// The counters the team figures below are kept under, read once for all of a page's figures.
    pub async fn team_revisions(&self) -> Result<TeamRevisions> {
        self.store.team_revisions().await
    }

    /// Every active caseload holder of the practice or a team, with the figures the workload cards
    /// and the match score use.
    pub async fn team(
        &self,
        revisions: TeamRevisions,
        windows: TeamWindows,
        of: TeamOf,
    ) -> Result<Arc<Vec<TeamMember>>> {
        let revision = revisions.team_figures;
        let compute = || self.store.compute_team(windows, of);
        self.kept.team.get_or_compute((windows, of), revision, compute).await
    }

    /// The queue's length and how much of it waited since before `overdue_before`. Counting the
    /// waiting patients on every view read 5,000 rows at 100,000 patients (3 ms on PostgreSQL); their
    /// handoff times are kept until the caseload counter moves.
    pub async fn queue_counts(
        &self,
        revisions: TeamRevisions,
        overdue_before: DateTime<Utc>,
    ) -> Result<QueueCounts> {
        let revision = revisions.caseload;
        let handoffs = self
            .kept
            .waiting
            .get_or_compute((), revision, || self.store.waiting_handoffs())
            .await?;
        Ok(QueueCounts::of_waiting(&handoffs, overdue_before))
    }

    /// A page of the assignment queue, given the queue's length (see `Store::assignment_queue_of`).
    /// Reading a page took five lookups per row (1.4 ms a view on PostgreSQL at 100,000 patients);
    /// a page whose filter does not read the present moment is kept until something its rows show
    /// changes.
    pub async fn queue_page(
        &self,
        revisions: TeamRevisions,
        filter: &QueueFilter,
        waiting: Option<i64>,
    ) -> Result<Arc<QueuePage>> {
        let compute = || self.store.assignment_queue_of(filter, waiting);
        match filter.timeless() {
            Some(key) => {
                self.kept.queue_pages.get_or_compute(key, revisions.queue_rows, compute).await
            }
            None => Ok(Arc::new(compute().await?)),
        }
    }

    /// Whether `manager` manages an active coordinator, kept under the team counters (who manages
    /// whom and who is active are among their inputs).
    pub async fn manages_anyone(&self, revisions: TeamRevisions, manager: UserId) -> Result<bool> {
        let compute = || self.store.manages_anyone(manager);
        Ok(*self.kept.managing.get_or_compute(manager, revisions.team_figures, compute).await?)
    }

    /// Deactivated coordinators who still hold patients, and how many (Tab 3 reads it on every
    /// view; it counts over every patient, kept until who is active or who holds whom changes).
    pub async fn caseloads_to_reassign(
        &self,
        revisions: TeamRevisions,
    ) -> Result<Arc<Vec<OrphanedCaseload>>> {
        let revision = revisions.team_figures;
        let compute = || self.store.inactive_coordinators_with_patients();
        self.kept.orphaned.get_or_compute((), revision, compute).await
    }

    /// The queue's week-ago caseloads (the practice's or a team's) and pending counts, as of the
    /// start of `now`'s minute.
    pub async fn queue_trends(
        &self,
        revisions: TeamRevisions,
        now: DateTime<Utc>,
        of: TeamOf,
    ) -> Result<Arc<QueueTrends>> {
        let minute = now.duration_trunc(Duration::minutes(1)).unwrap_or(now);
        let revision = revisions.caseload;
        let compute = || async move {
            let caseloads_week_ago =
                self.store.caseloads_at(minute - Duration::days(7), of).await?;
            // The practice's, so computed once a minute however many teams are viewed (each team
            // counting it for itself cost 0.5 s a minute per team at 100,000 patients).
            let yesterday = minute - Duration::days(1);
            let pending_at = || self.store.pending_at(yesterday);
            let pending_yesterday =
                *self.kept.pending_yesterday.get_or_compute(minute, revision, pending_at).await?;
            Ok(QueueTrends { caseloads_week_ago, pending_yesterday })
        };
        self.kept.trends.get_or_compute((minute, of), revision, compute).await
    }

    /// The practice's average minutes for a task type over the 90 days before the start of `now`'s
    /// hour (None without history). Over 90 days it reads tens of thousands of entries for a common
    /// type on every entry with minutes, so each server computes a type's average once an hour: an
    /// entry made or backdated within the hour counts from the next one. The figure only decides
    /// whether to ask "are you sure?", and it is computed from recorded data all the same.
    pub async fn task_type_average(
        &self,
        task_type_id: TaskTypeId,
        now: DateTime<Utc>,
    ) -> Result<Option<f64>> {
        let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
        let compute = || self.store.task_type_average(task_type_id, hour);
        Ok(*self.kept.averages.get_or_compute(task_type_id, hour, compute).await?)
    }
}
