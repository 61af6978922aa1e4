//! The figures carelog keeps in memory (`carelog_app::figures`), read here uncached, with the change
//! counters they are kept under. Triggers bump the counters in the writing transaction, and a reader
//! reads the counter before the figure, so a kept figure can only be newer than its counter, never
//! older: that holds across several app servers, each with its own memory.

use std::collections::{BTreeMap, HashMap};

use carelog_domain::billing::{Fee, RuleSet};
use carelog_domain::billing_summary::{BillingRules, DateOfService, MonthSummary};
use carelog_domain::ids::{TaskTypeId, UserId};
use carelog_domain::practice_time::YearMonth;
use carelog_domain::time_rules::AVERAGE_WINDOW_DAYS;
use chrono::{DateTime, Duration, Utc};
use sea_orm::FromQueryResult;

use crate::billing::{PatientFacts, patient_months};
use crate::connection::at;
use crate::team_revisions::TeamScope;
use crate::{Result, Store};

/// The counters a month's billing depends on: scope 0 (patients, task types, fees, settings) and the
/// month's own (its log entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BillingRevision {
    pub inputs: i64,
    pub month: i64,
}

/// The team counters at one moment. Each only grows, so a figure kept under an older value is
/// stale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct TeamRevisions {
    /// The caseload, roster and activity counters summed: any input of the team figures changed.
    pub team_figures: i64,
    /// Who carries which patients (the queue's counts and trends).
    pub caseload: i64,
    /// Everything the queue's rows show: who waits and who holds them, their names, and what the
    /// rows say of the patients (caseload, roster and queue-row counters summed).
    pub queue_rows: i64,
}

/// The queue's trend figures from recorded handoff and assignment times, counted at the start of a
/// minute. (Now is the queue itself, counted exactly: a trend taken at the minute's start missed
/// assignments made within it.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueTrends {
    /// Active patients per coordinator as the assignments stood a week ago.
    pub caseloads_week_ago: BTreeMap<UserId, i64>,
    /// Patients handed off a day ago and not yet assigned by then.
    pub pending_yesterday: i64,
}

#[derive(FromQueryResult)]
struct ScopeRevision {
    scope: i32,
    revision: i64,
}

fn scope_of(month: YearMonth) -> i32 {
    month.year * 100 + month.month as i32
}

impl Store {
    /// The billing counters of each month, in one query.
    pub async fn billing_revisions(
        &self,
        months: &[YearMonth],
    ) -> Result<HashMap<YearMonth, BillingRevision>> {
        // The scopes are integers formatted here, never user text.
        let scopes: Vec<String> = months.iter().map(|m| scope_of(*m).to_string()).collect();
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
        let revision = |m: &YearMonth| BillingRevision {
            inputs,
            month: by_scope.get(&scope_of(*m)).copied().unwrap_or(0),
        };
        Ok(months.iter().map(|m| (*m, revision(m))).collect())
    }

    /// The rule set billing uses when none is asked for: the admin's choice.
    pub async fn billing_rule_set(&self) -> Result<RuleSet> {
        let chosen = self.setting("billing.rule_set").await?;
        Ok(chosen.and_then(|s| RuleSet::parse(&s).ok()).unwrap_or(RuleSet::Seed))
    }

    /// What the month is billed under now: the target, the fee schedule and the claim rules.
    pub async fn billing_rules_now(&self) -> Result<(i64, Vec<Fee>, DateOfService, String)> {
        let target = self.monthly_target_minutes().await?;
        let fees: Vec<Fee> = self.fee_schedule().await?.iter().map(|f| f.as_domain()).collect();
        let date_of_service = self
            .setting(crate::billing::DATE_OF_SERVICE_SETTING)
            .await?
            .and_then(|s| DateOfService::parse(&s))
            .unwrap_or_default();
        let place = self
            .setting(crate::billing::PLACE_OF_SERVICE_SETTING)
            .await?
            .unwrap_or_else(|| crate::billing::DEFAULT_PLACE_OF_SERVICE.to_owned());
        Ok((target, fees, date_of_service, place))
    }

    /// A month's summary from `patients` (`billing_patients`) and the month's minutes now.
    pub async fn summarize_month(
        &self,
        month: YearMonth,
        rule_set: RuleSet,
        patients: &[PatientFacts],
        tz: chrono_tz::Tz,
    ) -> Result<MonthSummary> {
        let minutes = self.billing_minutes(month).await?;
        let (target_minutes, fees, date_of_service, place) = self.billing_rules_now().await?;
        let mut lines = patient_months(month, patients, minutes);
        if date_of_service == DateOfService::ThresholdMet {
            let mut days = self.billing_minutes_by_day(month, tz).await?;
            for line in &mut lines {
                line.minutes_by_day = days.remove(&line.patient_id).unwrap_or_default();
            }
        }
        let rules = BillingRules {
            rule_set,
            target_minutes,
            fees: &fees,
            date_of_service,
            place_of_service: &place,
        };
        Ok(carelog_domain::billing_summary::summarize(month, &rules, lines))
    }

    /// The month's summary computed from the database now, nothing kept.
    pub async fn compute_billing_summary(
        &self,
        month: YearMonth,
        rule_set: RuleSet,
        tz: chrono_tz::Tz,
    ) -> Result<MonthSummary> {
        let patients = self.billing_patients().await?;
        self.summarize_month(month, rule_set, &patients, tz).await
    }

    /// The counters behind the team figures, read together: a Tab 3 view keeps its figures and its
    /// queue page under them, and reading each for itself was a round trip each.
    pub async fn team_revisions(&self) -> Result<TeamRevisions> {
        let row: Option<TeamRevisions> = self
            .row(
            "SELECT CAST(COALESCE(SUM(CASE WHEN scope IN ($1, $2, $4) THEN revision ELSE 0 END), 0) AS BIGINT) AS team_figures,
                    CAST(COALESCE(SUM(CASE WHEN scope = $1 THEN revision ELSE 0 END), 0) AS BIGINT) AS caseload,
                    CAST(COALESCE(SUM(CASE WHEN scope IN ($1, $2, $3) THEN revision ELSE 0 END), 0) AS BIGINT) AS queue_rows
             FROM team_scope_revisions",
            vec![
                (TeamScope::Caseload as i32).into(),
                (TeamScope::Roster as i32).into(),
                (TeamScope::QueueRows as i32).into(),
                (TeamScope::Activity as i32).into(),
            ],
        )
        .await?;
        Ok(row.unwrap_or_default())
    }

    /// The practice's average minutes for a task type over the 90 days before `window_end` (None
    /// without history).
    pub async fn task_type_average(
        &self,
        task_type_id: TaskTypeId,
        window_end: DateTime<Utc>,
    ) -> Result<Option<f64>> {
        let start = window_end - Duration::days(AVERAGE_WINDOW_DAYS);
        let average: Option<Option<f64>> = self
            .scalar(
                "SELECT CAST(AVG(minutes) AS DOUBLE PRECISION) AS a FROM coordinator_task_log
                 WHERE task_type_id = $1 AND task_at >= $2 AND task_at < $3 AND minutes IS NOT NULL",
                vec![task_type_id.into(), at(start), at(window_end)],
            )
            .await?;
        Ok(average.flatten())
    }
}
