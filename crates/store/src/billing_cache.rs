//! The billing summary, computed once per change: a month's summary is kept with the change counters
//! it was computed under (`billing_revisions`, bumped by triggers in the writing transaction) and
//! served while they stand. The counters are read before the inputs, so a summary can only be newer
//! than its key, never older: any commit after the read moves the counters and the next reader
//! recomputes. That holds across several app servers, each with its own cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use carelog_domain::billing::RuleSet;
use carelog_domain::billing_summary::{MonthSummary, Totals};
use carelog_domain::practice_time::YearMonth;

use crate::billing::{PatientFacts, patient_months};
use crate::{Result, Store};

/// Whole summaries kept: the month on screen and a few neighbours (a large practice's month is tens
/// of megabytes).
const SUMMARIES_KEPT: usize = 4;
/// Totals kept for trend charts: small, so many.
const TOTALS_KEPT: usize = 256;

/// The counters a summary depends on: scope 0 (patients, task types, fees, settings) and its month's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Revision {
    inputs: i64,
    month: i64,
}

type Key = (YearMonth, RuleSet);

#[derive(Default)]
pub(crate) struct BillingCache {
    summaries: Mutex<Vec<(Key, Revision, Arc<MonthSummary>)>>,
    totals: Mutex<HashMap<Key, (Revision, Totals)>>,
    /// Every patient as billing sees them, under scope 0's count: a month whose log changed is then
    /// recomputed from its minutes alone.
    patients: Mutex<Option<(i64, Arc<Vec<PatientFacts>>)>>,
    /// The whole practice's minutes and patients in a month (the admin's header), under the month's count.
    practice: Mutex<Option<(YearMonth, i64, crate::summary::MonthSummary)>>,
    /// One computation at a time, so a burst of viewers of a changed month computes it once.
    computing: tokio::sync::Mutex<()>,
}

impl BillingCache {
    fn summary(&self, key: Key, revision: Revision) -> Option<Arc<MonthSummary>> {
        let mut kept = self.summaries.lock().unwrap_or_else(PoisonError::into_inner);
        let at = kept.iter().position(|(k, r, _)| *k == key && *r == revision)?;
        // Most recently used last.
        let hit = kept.remove(at);
        let summary = Arc::clone(&hit.2);
        kept.push(hit);
        Some(summary)
    }

    fn totals(&self, key: Key, revision: Revision) -> Option<Totals> {
        if let Some(summary) = self.peek_summary(key, revision) {
            return Some(summary.totals.clone());
        }
        let kept = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(&key).filter(|(r, _)| *r == revision).map(|(_, t)| t.clone())
    }

    fn peek_summary(&self, key: Key, revision: Revision) -> Option<Arc<MonthSummary>> {
        let kept = self.summaries.lock().unwrap_or_else(PoisonError::into_inner);
        kept.iter().find(|(k, r, _)| *k == key && *r == revision).map(|(_, _, s)| Arc::clone(s))
    }

    fn keep(&self, key: Key, revision: Revision, summary: &Arc<MonthSummary>) {
        let mut kept = self.summaries.lock().unwrap_or_else(PoisonError::into_inner);
        kept.retain(|(k, _, _)| *k != key);
        kept.push((key, revision, Arc::clone(summary)));
        if kept.len() > SUMMARIES_KEPT {
            kept.remove(0);
        }
        drop(kept);
        self.keep_totals(key, revision, summary.totals.clone());
    }

    fn keep_totals(&self, key: Key, revision: Revision, totals: Totals) {
        let mut kept = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= TOTALS_KEPT && !kept.contains_key(&key) {
            kept.clear();
        }
        kept.insert(key, (revision, totals));
    }
}

impl BillingCache {
    fn patients(&self, inputs: i64) -> Option<Arc<Vec<PatientFacts>>> {
        let kept = self.patients.lock().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref().filter(|(r, _)| *r == inputs).map(|(_, p)| Arc::clone(p))
    }

    fn keep_patients(&self, inputs: i64, patients: &Arc<Vec<PatientFacts>>) {
        *self.patients.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((inputs, Arc::clone(patients)));
    }
}

#[derive(sea_orm::FromQueryResult)]
struct ScopeRevision {
    scope: i32,
    revision: i64,
}

impl Store {
    /// The whole practice's logged minutes and patients in a month (every task type), by billing month.
    pub async fn practice_month(&self, month: YearMonth) -> Result<crate::summary::MonthSummary> {
        let revision = self.billing_revisions(&[month]).await?.get(&month).map_or(0, |r| r.month);
        let cache = self.billing_cache();
        {
            let kept = cache.practice.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, _, summary)) =
                kept.as_ref().filter(|(m, r, _)| *m == month && *r == revision)
            {
                return Ok(*summary);
            }
        }
        let summary: crate::summary::MonthSummary = self
            .row(
                "SELECT COALESCE(SUM(minutes), 0) AS minutes, COUNT(DISTINCT patient_id) AS patients
                 FROM coordinator_task_log WHERE billing_year = $1 AND billing_month = $2",
                vec![month.year.into(), (month.month as i32).into()],
            )
            .await?
            .unwrap_or_default();
        *cache.practice.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((month, revision, summary));
        Ok(summary)
    }

    /// The month's summary under `rule_set`, or under the admin's chosen rule set when None.
    pub async fn billing_summary(
        &self,
        month: YearMonth,
        rule_set: Option<RuleSet>,
    ) -> Result<Arc<MonthSummary>> {
        let revision = self
            .billing_revisions(&[month])
            .await?
            .remove(&month)
            .unwrap_or(Revision { inputs: 0, month: 0 });
        let key = (month, self.resolve_rule_set(rule_set).await?);
        let cache = self.billing_cache();
        if let Some(hit) = cache.summary(key, revision) {
            return Ok(hit);
        }
        let _computing = cache.computing.lock().await;
        if let Some(hit) = cache.summary(key, revision) {
            return Ok(hit);
        }
        let summary = Arc::new(self.summarize_month(month, key.1, Some(revision.inputs)).await?);
        cache.keep(key, revision, &summary);
        Ok(summary)
    }

    /// Each month's practice totals under one rule set, for trend charts.
    pub async fn billing_totals(
        &self,
        months: &[YearMonth],
        rule_set: RuleSet,
    ) -> Result<Vec<Totals>> {
        let revisions = self.billing_revisions(months).await?;
        let cache = self.billing_cache();
        let mut totals = Vec::with_capacity(months.len());
        for &month in months {
            let key = (month, rule_set);
            let revision =
                revisions.get(&month).copied().unwrap_or(Revision { inputs: 0, month: 0 });
            if let Some(hit) = cache.totals(key, revision) {
                totals.push(hit);
                continue;
            }
            let _computing = cache.computing.lock().await;
            let computed = match cache.totals(key, revision) {
                Some(hit) => hit,
                None => self.summarize_month(month, rule_set, Some(revision.inputs)).await?.totals,
            };
            cache.keep_totals(key, revision, computed.clone());
            totals.push(computed);
        }
        Ok(totals)
    }

    /// The change counters of scope 0 and of each month, in one query.
    async fn billing_revisions(
        &self,
        months: &[YearMonth],
    ) -> Result<HashMap<YearMonth, Revision>> {
        let scopes: Vec<String> =
            months.iter().map(|m| (m.year * 100 + m.month as i32).to_string()).collect();
        // The scopes are integers formatted here, never user text.
        let rows: Vec<ScopeRevision> = self
            .rows(
                &format!(
                    "SELECT scope, CAST(SUM(revision) AS BIGINT) AS revision FROM billing_revisions WHERE scope IN (0, {}) GROUP BY scope",
                    scopes.join(", ")
                ),
                vec![],
            )
            .await?;
        let by_scope: HashMap<i32, i64> = rows.into_iter().map(|r| (r.scope, r.revision)).collect();
        let inputs = by_scope.get(&0).copied().unwrap_or(0);
        Ok(months
            .iter()
            .map(|m| {
                (
                    *m,
                    Revision {
                        inputs,
                        month: by_scope.get(&(m.year * 100 + m.month as i32)).copied().unwrap_or(0),
                    },
                )
            })
            .collect())
    }

    async fn resolve_rule_set(&self, rule_set: Option<RuleSet>) -> Result<RuleSet> {
        Ok(match rule_set {
            Some(r) => r,
            None => self
                .setting("billing.rule_set")
                .await?
                .and_then(|s| RuleSet::parse(&s).ok())
                .unwrap_or(RuleSet::Seed),
        })
    }

    /// The month's summary computed from the database now, nothing cached (benchmarks time it).
    pub async fn compute_billing_summary(
        &self,
        month: YearMonth,
        rule_set: RuleSet,
    ) -> Result<MonthSummary> {
        self.summarize_month(month, rule_set, None).await
    }

    /// Computes a month; the patients come from the cache when scope 0 still stands at `inputs`.
    async fn summarize_month(
        &self,
        month: YearMonth,
        rule_set: RuleSet,
        inputs: Option<i64>,
    ) -> Result<MonthSummary> {
        let cache = self.billing_cache();
        let patients = match inputs.and_then(|r| cache.patients(r)) {
            Some(kept) => kept,
            None => {
                let fetched = Arc::new(self.billing_patients().await?);
                if let Some(r) = inputs {
                    cache.keep_patients(r, &fetched);
                }
                fetched
            }
        };
        let minutes = self.billing_minutes(month).await?;
        let target = self.monthly_target_minutes().await?;
        let fees: Vec<(String, i32, i64)> = self
            .fee_schedule()
            .await?
            .into_iter()
            .map(|f| (f.code, f.fee_year, f.amount_cents))
            .collect();
        let lines = patient_months(&patients, minutes);
        Ok(carelog_domain::billing_summary::summarize(month, rule_set, target, lines, &fees))
    }
}
