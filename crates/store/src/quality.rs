//! Quality records managers keep (seed 001 §5): reviews of sampled log entries and patient satisfaction
//! surveys, and the monthly figures built from them and from the log.

use carelog_domain::ids::{EntryId, PatientId, UserId};
use carelog_domain::time_rules::Minutes;
use std::collections::BTreeMap;

use carelog_domain::practice_time::YearMonth;
use carelog_domain::schedule::TaskStatus;
use carelog_domain::team_stats::QualityMonth;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::audit::{NewAuditEvent, insert_audit};
use crate::connection::at;
use crate::row::Query;
use crate::{Result, Store};

/// A log entry offered for review.
#[derive(Debug, Clone, FromQueryResult)]
pub struct SampleEntry {
    pub id: EntryId,
    pub coordinator_id: UserId,
    pub coordinator: String,
    pub patient_id: Option<PatientId>,
    pub patient: Option<String>,
    pub task_type: String,
    pub minutes: Option<Minutes>,
    pub stat_value: Option<String>,
    pub notes: String,
    pub task_at: DateTime<Utc>,
}

/// A patient a survey may be about, found by chart code or name.
#[derive(Debug, Clone, FromQueryResult)]
pub struct SurveyPatient {
    pub id: PatientId,
    pub coordinator_id: Option<UserId>,
    pub chart_code: String,
    pub name: String,
}

/// Whose entry it is, and about which patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct EntryOwner {
    pub coordinator_id: UserId,
    pub patient_id: Option<PatientId>,
}

/// A patient's first assignment from the queue: when they were handed off and when assigned.
#[derive(Debug, Clone, FromQueryResult)]
pub struct FirstAssignment {
    pub patient: String,
    pub handoff: DateTime<Utc>,
    pub assigned_at: DateTime<Utc>,
    pub coordinator: String,
    pub match_score: Option<f64>,
    /// When the patient next changed coordinator, if ever.
    pub changed_at: Option<DateTime<Utc>>,
}

/// Care gaps closed in a span, by the coordinator of the patient.
#[derive(Debug, Clone, FromQueryResult)]
pub struct GapsResolved {
    pub coordinator_id: UserId,
    pub n: i64,
}

#[derive(FromQueryResult)]
struct ReviewMark {
    coordinator_id: UserId,
    reviewed_at: DateTime<Utc>,
    accurate: bool,
}

#[derive(FromQueryResult)]
struct SurveyScore {
    coordinator_id: UserId,
    surveyed_on: NaiveDate,
    score: i32,
}

#[derive(FromQueryResult)]
struct CareTasks {
    coordinator_id: UserId,
    period_key: String,
    total: i64,
    done: Option<i64>,
}

#[derive(FromQueryResult)]
struct BilledMinutes {
    coordinator_id: UserId,
    billing_year: i32,
    billing_month: i32,
    minutes: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct NewReview<'a> {
    pub task_log_id: EntryId,
    pub coordinator_id: UserId,
    pub reviewer: UserId,
    pub accurate: bool,
    pub rating: i32,
    pub notes: &'a str,
}

#[derive(Debug, Clone, Copy)]
pub struct NewSurvey {
    pub patient_id: PatientId,
    pub coordinator_id: UserId,
    pub score: i32,
    pub surveyed_on: NaiveDate,
    pub recorded_by: UserId,
}

/// Where each month's figures come from: the months in order, and the UTC span that covers them.
pub struct QualityWindow {
    pub months: Vec<YearMonth>,
    /// Care tasks count once they are due: a task due later this month is not yet late.
    pub today: NaiveDate,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// The prime the sample's order hashes entry ids modulo: small enough that consecutive ids scatter.
pub const SAMPLE_MODULUS: i64 = 10_007;

impl Store {
    /// A sample of unreviewed care entries (naming a patient: a lunch break documents no care) since
    /// `since`, never the reviewer's own. The order is a hash of the entry id and `seed`, so the same
    /// seed keeps the same sample while its entries are reviewed one by one; a new seed draws anew.
    pub async fn qa_sample(
        &self,
        reviewer: UserId,
        since: DateTime<Utc>,
        coordinator: Option<UserId>,
        seed: i64,
        limit: i64,
    ) -> Result<Vec<SampleEntry>> {
        let seed = seed.rem_euclid(SAMPLE_MODULUS);
        let mut values = vec![reviewer.into(), at(since), limit.into(), seed.into()];
        let only = match coordinator {
            Some(c) => {
                values.push(c.into());
                "AND l.coordinator_id = $5"
            }
            None => "",
        };
        let mut sample: Vec<SampleEntry> = self
            .rows(
                &format!(
                    "SELECT l.id, l.coordinator_id, u.display_name AS coordinator, l.patient_id, p.last_name || ', ' || p.first_name AS patient,
                            t.name AS task_type, l.minutes, l.stat_value, l.notes, l.task_at
                     FROM coordinator_task_log l JOIN users u ON u.id = l.coordinator_id JOIN task_types t ON t.id = l.task_type_id
                     LEFT JOIN patients p ON p.id = l.patient_id
                     WHERE l.coordinator_id <> $1 AND l.task_at >= $2 AND l.patient_id IS NOT NULL {only}
                       AND NOT EXISTS (SELECT 1 FROM qa_reviews q WHERE q.task_log_id = l.id)
                     ORDER BY (l.id * 7919 + $4) % {SAMPLE_MODULUS}, l.id LIMIT $3"
                ),
                values,
            )
            .await?;
        for entry in &mut sample {
            entry.patient = entry.patient.take().map(|p| p.to_uppercase());
        }
        Ok(sample)
    }

    /// The patient with chart code `text`, or else up to `limit` whose name and chart code hold
    /// every word of it (as the panel's search).
    pub async fn patients_by_code_or_name(
        &self,
        text: &str,
        limit: i64,
    ) -> Result<Vec<SurveyPatient>> {
        const COLUMNS: &str = "SELECT p.id, p.coordinator_id, p.chart_code,
            UPPER(p.last_name || ', ' || p.first_name) AS name FROM patients p";
        let exact: Vec<SurveyPatient> = self
            .rows(
                &format!("{COLUMNS} WHERE p.chart_code = $1"),
                vec![text.trim().to_uppercase().into()],
            )
            .await?;
        let patterns = crate::panel::search_patterns(text);
        if !exact.is_empty() || patterns.is_empty() {
            return Ok(exact);
        }
        let mut c = crate::conditions::Conditions::default();
        for pattern in patterns {
            c.push(crate::panel::NAME_OR_CHART_LIKE, pattern);
        }
        let where_sql = c.where_sql();
        let mut values = c.values;
        values.push(limit.into());
        let n = values.len();
        self.rows(
            &format!("{COLUMNS} {where_sql} ORDER BY p.last_name, p.first_name, p.id LIMIT ${n}"),
            values,
        )
        .await
    }

    /// The entry a review is about, if it exists.
    pub async fn entry_owner(&self, task_log_id: EntryId) -> Result<Option<EntryOwner>> {
        self.row(
            "SELECT coordinator_id, patient_id FROM coordinator_task_log WHERE id = $1",
            vec![task_log_id.into()],
        )
        .await
    }

    /// Records a review of one entry; false when the entry has a review already.
    pub async fn record_qa_review(
        &self,
        r: &NewReview<'_>,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let NewReview { task_log_id, coordinator_id, reviewer, accurate, rating, notes } = *r;
        let tx = self.begin_write().await?;
        let seen = tx
            .count(self.stmt(
                "SELECT COUNT(*) AS n FROM qa_reviews WHERE task_log_id = $1",
                vec![task_log_id.into()],
            ))
            .await?;
        if seen > 0 {
            return Ok(false);
        }
        tx.execute_raw(self.stmt(
            "INSERT INTO qa_reviews (task_log_id, coordinator_id, reviewer_id, accurate, rating, notes, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![task_log_id.into(), coordinator_id.into(), reviewer.into(), accurate.into(), rating.into(), notes.into(), at(now)],
        ))
        .await?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a patient's survey score for their coordinator; false when that patient has one that day.
    pub async fn record_survey(
        &self,
        s: &NewSurvey,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let NewSurvey { patient_id, coordinator_id, score, surveyed_on, recorded_by } = *s;
        let tx = self.begin_write().await?;
        let seen = tx
            .count(self.stmt(
                "SELECT COUNT(*) AS n FROM satisfaction_surveys WHERE patient_id = $1 AND surveyed_on = $2",
                vec![patient_id.into(), surveyed_on.into()],
            ))
            .await?;
        if seen > 0 {
            return Ok(false);
        }
        tx.execute_raw(self.stmt(
            "INSERT INTO satisfaction_surveys (patient_id, coordinator_id, score, surveyed_on, recorded_by) VALUES ($1, $2, $3, $4, $5)",
            vec![patient_id.into(), coordinator_id.into(), score.into(), surveyed_on.into(), recorded_by.into()],
        ))
        .await?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Each caseload holder's quality figures per month of the window. `month_of` maps a UTC instant to
    /// its practice-local month.
    pub async fn quality_months(
        &self,
        window: &QualityWindow,
        month_of: impl Fn(DateTime<Utc>) -> YearMonth,
    ) -> Result<BTreeMap<(UserId, YearMonth), QualityMonth>> {
        let mut out: BTreeMap<(UserId, YearMonth), QualityMonth> = BTreeMap::new();
        let (Some(first), Some(last)) =
            (window.months.first().copied(), window.months.last().copied())
        else {
            return Ok(out);
        };
        let span = vec![at(window.from), at(window.to)];
        for r in self
            .rows::<ReviewMark>(
                "SELECT coordinator_id, reviewed_at, accurate FROM qa_reviews WHERE reviewed_at >= $1 AND reviewed_at < $2",
                span.clone(),
            )
            .await?
        {
            let q = out.entry((r.coordinator_id, month_of(r.reviewed_at))).or_default();
            q.reviews += 1;
            q.accurate += i64::from(r.accurate);
        }
        for s in self
            .rows::<SurveyScore>(
                "SELECT coordinator_id, surveyed_on, score FROM satisfaction_surveys WHERE surveyed_on >= $1 AND surveyed_on <= $2",
                vec![first.first_day().into(), last.last_day().into()],
            )
            .await?
        {
            let q = out.entry((s.coordinator_id, YearMonth::of(s.surveyed_on))).or_default();
            q.surveys += 1;
            q.satisfaction_sum += i64::from(s.score);
        }
        for t in self
            .rows::<CareTasks>(
                "SELECT coordinator_id, period_key, COUNT(*) AS total, SUM(CASE WHEN status = $3 THEN 1 ELSE 0 END) AS done
                 FROM generated_tasks WHERE patient_id IS NOT NULL AND status <> $4 AND due_date >= $1 AND due_date <= $2
                 GROUP BY coordinator_id, period_key",
                vec![
                    first.first_day().into(),
                    last.last_day().min(window.today).into(),
                    TaskStatus::Completed.into(),
                    TaskStatus::Cancelled.into(),
                ],
            )
            .await?
        {
            let Ok(month) = YearMonth::parse(&t.period_key) else { continue };
            let q = out.entry((t.coordinator_id, month)).or_default();
            q.care_tasks += t.total;
            q.care_tasks_done += t.done.unwrap_or(0);
        }
        for b in self
            .rows::<BilledMinutes>(
                "SELECT l.coordinator_id, l.billing_year, l.billing_month, COALESCE(SUM(l.minutes), 0) AS minutes
                 FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
                 WHERE t.billable = TRUE AND l.patient_id IS NOT NULL AND l.task_at >= $1 AND l.task_at < $2
                 GROUP BY l.coordinator_id, l.billing_year, l.billing_month",
                span,
            )
            .await?
        {
            let month = YearMonth { year: b.billing_year, month: b.billing_month.clamp(1, 12) as u32 };
            out.entry((b.coordinator_id, month)).or_default().billable_minutes += b.minutes;
        }
        Ok(out)
    }

    /// First assignments from the queue within [from, to).
    pub async fn first_assignments(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<FirstAssignment>> {
        let mut firsts: Vec<FirstAssignment> = self
            .rows(
                "SELECT p.last_name || ', ' || p.first_name AS patient, p.provider_handoff_at AS handoff, a.assigned_at, u.display_name AS coordinator,
                        a.match_score, (SELECT MIN(b.assigned_at) FROM assignments b WHERE b.patient_id = a.patient_id AND b.id > a.id) AS changed_at
                 FROM assignments a JOIN patients p ON p.id = a.patient_id JOIN users u ON u.id = a.coordinator_id
                 WHERE a.previous_coordinator_id IS NULL AND p.provider_handoff_at IS NOT NULL AND a.assigned_at >= $1 AND a.assigned_at < $2
                   AND a.id = (SELECT MIN(a2.id) FROM assignments a2 WHERE a2.patient_id = a.patient_id)
                 ORDER BY a.assigned_at",
                vec![at(from), at(to)],
            )
            .await?;
        for first in &mut firsts {
            first.patient = first.patient.to_uppercase();
        }
        Ok(firsts)
    }

    /// When each assignment since `since` was made (reassignments included): the weekly volume.
    pub async fn assignment_times_since(&self, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
        self.scalars(
            "SELECT assigned_at FROM assignments WHERE assigned_at >= $1 ORDER BY assigned_at",
            vec![at(since)],
        )
        .await
    }

    /// Care gaps closed on days `from..=to`, by the patient's coordinator.
    pub async fn gaps_resolved(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<GapsResolved>> {
        self.rows(
            "SELECT p.coordinator_id, COUNT(*) AS n FROM care_gaps g JOIN patients p ON p.id = g.patient_id
             WHERE g.closed_on >= $1 AND g.closed_on <= $2 AND p.coordinator_id IS NOT NULL
             GROUP BY p.coordinator_id",
            vec![from.into(), to.into()],
        )
        .await
    }
}
