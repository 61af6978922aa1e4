//! The assignment queue (seed 001 §3.1–3.4): patients handed off by a provider and waiting for a
//! coordinator, and those recently assigned from it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::conditions::Conditions;
use crate::connection::at;
use crate::row::{count, get};
use crate::{Result, Store};

/// Which patients the queue lists (§3.3 "Status").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueView {
    /// Ready for Assignment and Assignment Pending.
    #[default]
    Waiting,
    Ready,
    Pending,
    /// First assigned from the queue since `recent_since`.
    Recent,
    /// Waiting and recently assigned.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueSort {
    /// High priority first, then the longest waiting.
    #[default]
    Priority,
    Name,
    Waiting,
}

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub view: QueueView,
    /// "Recently assigned" means first assigned at or after this.
    pub recent_since: DateTime<Utc>,
    pub priority: Option<String>,
    /// Handed off within [start, end).
    pub handoff_from: Option<DateTime<Utc>>,
    pub handoff_to: Option<DateTime<Utc>>,
    /// Only patients still waiting whose handoff is before this (past the SLA).
    pub overdue_before: Option<DateTime<Utc>>,
    /// Only patients first assigned at or after this.
    pub assigned_since: Option<DateTime<Utc>>,
    pub facility_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub program: Option<String>,
    pub special_need: Option<String>,
    pub sort: QueueSort,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone)]
pub struct QueueRow {
    pub id: i64,
    pub name: String,
    pub dob: NaiveDate,
    pub provider: Option<String>,
    pub facility: Option<String>,
    pub program: String,
    pub priority: String,
    pub onboarding_status: String,
    pub language: String,
    pub handoff_at: DateTime<Utc>,
    pub special_needs: Vec<String>,
    /// Set once assigned from the queue.
    pub assigned_at: Option<DateTime<Utc>>,
    pub coordinator: Option<String>,
    /// The latest senior review: asked, and the answer once given.
    pub review_requested: bool,
    pub review_answer: Option<String>,
}

const WAITING: &str = "(p.status = 'Active' AND p.onboarding_status IN ('Ready for Assignment', 'Assignment Pending'))";
const HANDOFF: &str = "COALESCE(p.provider_handoff_at, p.created_at)";
const SELECT: &str = "SELECT p.id, p.first_name, p.last_name, p.dob, p.program, p.assignment_priority, p.onboarding_status, p.language,
    COALESCE(p.provider_handoff_at, p.created_at) AS handoff_at, pr.name AS provider, f.name AS facility, a.assigned_at,
    u.display_name AS coordinator, sr.id AS review_id, sr.answer AS review_answer";
const FROM: &str = "FROM patients p
    LEFT JOIN providers pr ON pr.id = p.provider_id
    LEFT JOIN facilities f ON f.id = p.facility_id
    LEFT JOIN assignments a ON a.id = (SELECT MIN(a2.id) FROM assignments a2 WHERE a2.patient_id = p.id)
    LEFT JOIN users u ON u.id = a.coordinator_id
    LEFT JOIN senior_reviews sr ON sr.id = (SELECT MAX(s2.id) FROM senior_reviews s2 WHERE s2.patient_id = p.id)";

fn conditions(filter: &QueueFilter) -> Conditions {
    let mut c = Conditions::default();
    match filter.view {
        QueueView::Waiting => c.push_fixed(WAITING),
        QueueView::Ready => {
            c.push(&format!("{WAITING} AND p.onboarding_status = ?"), "Ready for Assignment")
        }
        QueueView::Pending => {
            c.push(&format!("{WAITING} AND p.onboarding_status = ?"), "Assignment Pending")
        }
        QueueView::Recent => c.push(
            "(a.previous_coordinator_id IS NULL AND a.assigned_at >= ?)",
            at(filter.recent_since),
        ),
        QueueView::All => c.push(
            &format!("({WAITING} OR (a.previous_coordinator_id IS NULL AND a.assigned_at >= ?))"),
            at(filter.recent_since),
        ),
    }
    if let Some(p) = &filter.priority {
        c.push("p.assignment_priority = ?", p.clone());
    }
    if let Some(from) = filter.handoff_from {
        c.push(&format!("{HANDOFF} >= ?"), at(from));
    }
    if let Some(to) = filter.handoff_to {
        c.push(&format!("{HANDOFF} < ?"), at(to));
    }
    if let Some(before) = filter.overdue_before {
        c.push(&format!("{WAITING} AND {HANDOFF} < ?"), at(before));
    }
    if let Some(since) = filter.assigned_since {
        c.push("a.assigned_at >= ?", at(since));
    }
    if let Some(id) = filter.facility_id {
        c.push("p.facility_id = ?", id);
    }
    if let Some(id) = filter.provider_id {
        c.push("p.provider_id = ?", id);
    }
    if let Some(program) = &filter.program {
        c.push("p.program = ?", program.clone());
    }
    if let Some(need) = &filter.special_need {
        if need == "Language" {
            c.push(
                "(EXISTS (SELECT 1 FROM patient_special_needs n WHERE n.patient_id = p.id AND n.need = ?) OR p.language <> 'English')",
                need.clone(),
            );
        } else {
            c.push("EXISTS (SELECT 1 FROM patient_special_needs n WHERE n.patient_id = p.id AND n.need = ?)", need.clone());
        }
    }
    c
}

fn order_by(filter: &QueueFilter) -> String {
    let dir = if filter.descending { "DESC" } else { "ASC" };
    match filter.sort {
        QueueSort::Priority => {
            format!(
                "CASE p.assignment_priority WHEN 'High' THEN 0 WHEN 'Medium' THEN 1 ELSE 2 END {dir}, {HANDOFF} ASC, p.id"
            )
        }
        QueueSort::Name => format!("p.last_name {dir}, p.first_name {dir}, p.id"),
        QueueSort::Waiting => {
            let reverse = if filter.descending { "DESC" } else { "ASC" };
            format!("{HANDOFF} {reverse}, p.id")
        }
    }
}

fn queue_row(r: &sea_orm::QueryResult) -> Result<QueueRow> {
    let upper = |column: &str| -> Result<String> { Ok(get::<String>(r, column)?.to_uppercase()) };
    Ok(QueueRow {
        id: get(r, "id")?,
        name: format!("{}, {}", upper("last_name")?, upper("first_name")?),
        dob: get(r, "dob")?,
        provider: get(r, "provider")?,
        facility: get(r, "facility")?,
        program: get(r, "program")?,
        priority: get(r, "assignment_priority")?,
        onboarding_status: get(r, "onboarding_status")?,
        language: get(r, "language")?,
        handoff_at: get(r, "handoff_at")?,
        special_needs: Vec::new(),
        assigned_at: get(r, "assigned_at")?,
        coordinator: get(r, "coordinator")?,
        review_requested: get::<Option<i64>>(r, "review_id")?.is_some(),
        review_answer: get(r, "review_answer")?,
    })
}

impl Store {
    /// One page of the queue and the number of rows the filters match.
    pub async fn assignment_queue(&self, filter: &QueueFilter) -> Result<(Vec<QueueRow>, i64)> {
        let c = conditions(filter);
        let total = count(
            &self
                .one(&format!("SELECT COUNT(*) AS n {FROM} {}", c.where_sql()), c.values.clone())
                .await?,
            "n",
        )?;
        let n = c.next_placeholder();
        let mut values = c.values.clone();
        values.push(filter.limit.into());
        values.push(filter.offset.into());
        let rows = self
            .all(
                &format!(
                    "{SELECT}
                     {FROM} {} ORDER BY {} LIMIT ${n} OFFSET ${}",
                    c.where_sql(),
                    order_by(filter),
                    n + 1
                ),
                values,
            )
            .await?;
        let mut out = rows.iter().map(queue_row).collect::<Result<Vec<_>>>()?;
        let needs = self.special_needs_of(&out.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
        for row in &mut out {
            row.special_needs = needs.get(&row.id).cloned().unwrap_or_default();
        }
        Ok((out, total))
    }

    /// One patient's queue row, whether or not they are still waiting.
    pub async fn queue_entry(&self, patient_id: i64) -> Result<Option<QueueRow>> {
        let Some(r) =
            self.one(&format!("{SELECT} {FROM} WHERE p.id = $1"), vec![patient_id.into()]).await?
        else {
            return Ok(None);
        };
        let mut row = queue_row(&r)?;
        row.special_needs =
            self.special_needs_of(&[patient_id]).await?.remove(&patient_id).unwrap_or_default();
        Ok(Some(row))
    }

    /// Every waiting patient in queue order, for the whole-queue plan.
    pub async fn waiting_patients(&self) -> Result<Vec<QueueRow>> {
        let filter = QueueFilter { limit: 100_000, ..QueueFilter::default() };
        Ok(self.assignment_queue(&filter).await?.0)
    }

    async fn special_needs_of(&self, ids: &[i64]) -> Result<BTreeMap<i64, Vec<String>>> {
        let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for chunk in ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let rows = self
                .all(
                    &format!(
                        "SELECT patient_id, need FROM patient_special_needs WHERE patient_id IN ({}) ORDER BY need",
                        placeholders.join(", ")
                    ),
                    chunk.iter().map(|id| (*id).into()).collect(),
                )
                .await?;
            for r in &rows {
                out.entry(get(r, "patient_id")?).or_default().push(get(r, "need")?);
            }
        }
        Ok(out)
    }
}
