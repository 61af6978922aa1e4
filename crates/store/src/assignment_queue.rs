//! The assignment queue (seed 001 §3.1–3.4): patients handed off by a provider and waiting for a
//! coordinator, and those recently assigned from it.

use carelog_domain::ids::PatientId;
use carelog_domain::patient::{OnboardingStatus, PatientStatus, Priority, Program, SpecialNeed};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::FromQueryResult;

use crate::conditions::Conditions;
use crate::connection::at;
use crate::keys::{key, keys};
use crate::{Engine, Result, Store};

/// Which patients the queue lists (§3.3 "Status").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QueueSort {
    /// High priority first, then the longest waiting.
    #[default]
    Priority,
    Name,
    Waiting,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct QueueFilter {
    pub view: QueueView,
    /// "Recently assigned" means first assigned at or after this.
    pub recent_since: DateTime<Utc>,
    pub priority: Option<Priority>,
    /// Handed off within [start, end).
    pub handoff_from: Option<DateTime<Utc>>,
    pub handoff_to: Option<DateTime<Utc>>,
    /// Only patients still waiting whose handoff is before this (past the SLA).
    pub overdue_before: Option<DateTime<Utc>>,
    /// Only patients first assigned at or after this.
    pub assigned_since: Option<DateTime<Utc>>,
    /// Only patients still waiting (Assignment Status "Unassigned"), whatever the view.
    pub unassigned: bool,
    /// Care Type "Standard" (seed 001 §3.3): no special need recorded and English spoken, so any
    /// coordinator with the program can take them.
    pub standard_care: bool,
    pub facility_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub program: Option<Program>,
    pub special_need: Option<SpecialNeed>,
    pub sort: QueueSort,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

impl QueueCounts {
    /// From the waiting patients' handoff times, earliest first.
    pub fn of_waiting(handoffs: &[DateTime<Utc>], overdue_before: DateTime<Utc>) -> QueueCounts {
        let overdue = handoffs.partition_point(|h| *h < overdue_before);
        QueueCounts { pending: handoffs.len() as i64, overdue: overdue as i64 }
    }
}

impl QueueFilter {
    /// The filter as a key for its page while nothing the page shows changes: `recent_since`
    /// cleared where no condition reads it. None when the page depends on the present moment as
    /// well (recently assigned, or overdue by now), so it is not kept.
    pub fn timeless(&self) -> Option<QueueFilter> {
        let recent = matches!(self.view, QueueView::Recent | QueueView::All);
        if recent || self.overdue_before.is_some() {
            return None;
        }
        Some(QueueFilter { recent_since: DateTime::UNIX_EPOCH, ..self.clone() })
    }

    /// Whether it selects every waiting patient, so its count is the queue's length.
    fn selects_every_waiting_patient(&self) -> bool {
        let QueueFilter {
            view,
            recent_since: _,
            priority,
            handoff_from,
            handoff_to,
            overdue_before,
            assigned_since,
            unassigned: _,
            standard_care,
            facility_id,
            provider_id,
            program,
            special_need,
            sort: _,
            descending: _,
            limit: _,
            offset: _,
        } = self;
        *view == QueueView::Waiting
            && priority.is_none()
            && handoff_from.is_none()
            && handoff_to.is_none()
            && overdue_before.is_none()
            && assigned_since.is_none()
            && !standard_care
            && facility_id.is_none()
            && provider_id.is_none()
            && program.is_none()
            && special_need.is_none()
    }
}

/// One page of the queue and how many rows the filters match in all.
#[derive(Debug, Clone)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub total: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct QueueRow {
    pub id: PatientId,
    pub first_name: String,
    pub last_name: String,
    /// "LAST, FIRST" in capitals, filled in after the row is read.
    #[sea_orm(skip)]
    pub name: String,
    pub dob: NaiveDate,
    pub provider: Option<String>,
    pub facility: Option<String>,
    pub program: Program,
    pub priority: Priority,
    pub onboarding_status: OnboardingStatus,
    pub language: String,
    pub handoff_at: DateTime<Utc>,
    #[sea_orm(skip)]
    pub special_needs: Vec<String>,
    /// The special needs as read, `|` between them (a vocabulary without `|`): read with the row,
    /// not by a second statement.
    needs_listed: Option<String>,
    /// Set once assigned from the queue.
    pub assigned_at: Option<DateTime<Utc>>,
    pub coordinator: Option<String>,
    /// The latest senior review, and its answer once given.
    pub review_id: Option<i64>,
    pub review_answer: Option<String>,
}

/// The queue's length and how much of it is overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct QueueCounts {
    pub pending: i64,
    pub overdue: i64,
}

impl QueueRow {
    pub fn review_requested(&self) -> bool {
        self.review_id.is_some()
    }

    /// Fills in what is derived from the row as read: the name in capitals, the special needs.
    fn finish(&mut self) {
        self.name = capitals_name(self);
        self.special_needs = match self.needs_listed.take() {
            Some(listed) => listed.split('|').map(str::to_owned).collect(),
            None => Vec::new(),
        };
    }
}

/// A patient `p` still waiting for a coordinator: in care, and Ready for Assignment or Assignment
/// Pending.
pub(crate) fn waiting() -> String {
    waiting_of("p.")
}

fn waiting_of(prefix: &str) -> String {
    format!(
        "({prefix}status = {} AND {prefix}onboarding_status IN {})",
        key(PatientStatus::Active),
        keys(&OnboardingStatus::WAITING)
    )
}

/// Migration 25: the waiting patients (5% of a practice) indexed with what the queue counts and
/// orders by, so neither reads the other 95% nor their rows. Its condition is `waiting()`'s, word for
/// word, which is what lets each engine use it. Migration 27 replaced it with `waiting_in_order_index`.
pub(crate) fn waiting_index() -> String {
    format!(
        "CREATE INDEX patients_waiting ON patients (assignment_priority, provider_handoff_at, created_at) WHERE {}",
        waiting_of("")
    )
}

/// Migration 27: the waiting patients indexed in the queue's own default order (priority, then
/// longest waiting, then id; expressions word for word as `order_by` writes them), so a page of it
/// is read off the index instead of sorting every waiting patient (5,000 at 100,000 patients:
/// 6.5 ms a page on PostgreSQL).
pub(crate) fn waiting_in_order_index() -> [String; 2] {
    [
        "DROP INDEX patients_waiting".to_owned(),
        format!(
            "CREATE INDEX patients_waiting ON patients (({}), ({}), id) WHERE {}",
            priority_rank(""),
            handoff_of(""),
            waiting_of("")
        ),
    ]
}

/// High first, then Medium, then the rest (keys inlined so an index can hold the expression).
fn priority_rank(prefix: &str) -> String {
    format!(
        "CASE WHEN {prefix}assignment_priority = {} THEN 0 WHEN {prefix}assignment_priority = {} THEN 1 ELSE 2 END",
        key(Priority::High),
        key(Priority::Medium)
    )
}

/// When the patient was handed off to the practice's care management (or entered, if never).
fn handoff_of(prefix: &str) -> String {
    format!("COALESCE({prefix}provider_handoff_at, {prefix}created_at)")
}

/// The waiting patients, read through their index: SQLite's planner, which knows only that the
/// onboarding status has three values, would otherwise walk a third of the table per value.
pub(crate) fn waiting_patients_from(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "FROM patients p INDEXED BY patients_waiting",
        Engine::Postgres => "FROM patients p",
    }
}

/// A waiting patient in one of the two waiting states.
fn waiting_in(state: OnboardingStatus) -> String {
    format!("{} AND p.onboarding_status = {}", waiting(), key(state))
}

/// `handoff_of("p.")`, for the queries' format strings.
const HANDOFF: &str = "COALESCE(p.provider_handoff_at, p.created_at)";
/// A queue row: the patient, their provider and facility, their first assignment (when and to
/// whom) and their latest senior review. The assignment and the review are looked up per row by the
/// patient's index: as joins, PostgreSQL hashed every assignment in the practice for each page
/// (45 ms at 100,000 patients).
const SELECT: &str = "SELECT p.id, p.first_name, p.last_name, p.dob, p.program,
    p.assignment_priority AS priority, p.onboarding_status, p.language,
    COALESCE(p.provider_handoff_at, p.created_at) AS handoff_at, pr.name AS provider, f.name AS facility,
    (SELECT a.assigned_at FROM assignments a WHERE a.patient_id = p.id ORDER BY a.id LIMIT 1) AS assigned_at,
    (SELECT u.display_name FROM assignments a JOIN users u ON u.id = a.coordinator_id
      WHERE a.patient_id = p.id ORDER BY a.id LIMIT 1) AS coordinator,
    (SELECT sr.id FROM senior_reviews sr WHERE sr.patient_id = p.id ORDER BY sr.id DESC LIMIT 1) AS review_id,
    (SELECT sr.answer FROM senior_reviews sr WHERE sr.patient_id = p.id ORDER BY sr.id DESC LIMIT 1) AS review_answer,
    (SELECT string_agg(n.need, '|' ORDER BY n.need) FROM patient_special_needs n WHERE n.patient_id = p.id) AS needs_listed";
const FIRST_ASSIGNMENT: &str = "LEFT JOIN assignments a ON a.id = (SELECT MIN(a2.id) FROM assignments a2 WHERE a2.patient_id = p.id)";
const FROM: &str = "FROM patients p
    LEFT JOIN providers pr ON pr.id = p.provider_id
    LEFT JOIN facilities f ON f.id = p.facility_id";

/// What the filters and the order read: the patient, and their first assignment only when the filter
/// asks about assignments (a waiting patient's count and order need no join at all, and read the
/// waiting patients' index).
fn filter_from(filter: &QueueFilter, engine: Engine) -> String {
    let assignments = matches!(filter.view, QueueView::Recent | QueueView::All)
        || filter.assigned_since.is_some();
    let only_waiting =
        matches!(filter.view, QueueView::Waiting | QueueView::Ready | QueueView::Pending)
            || filter.unassigned
            || filter.overdue_before.is_some();
    let patients = if only_waiting { waiting_patients_from(engine) } else { "FROM patients p" };
    if assignments { format!("{patients} {FIRST_ASSIGNMENT}") } else { patients.to_owned() }
}

fn conditions(filter: &QueueFilter) -> Conditions {
    let mut c = Conditions::default();
    match filter.view {
        QueueView::Waiting => c.push_each(&waiting(), vec![]),
        QueueView::Ready => c.push_each(&waiting_in(OnboardingStatus::ReadyForAssignment), vec![]),
        QueueView::Pending => c.push_each(&waiting_in(OnboardingStatus::AssignmentPending), vec![]),
        QueueView::Recent => c.push(
            "(a.previous_coordinator_id IS NULL AND a.assigned_at >= ?)",
            at(filter.recent_since),
        ),
        QueueView::All => c.push(
            &format!(
                "({} OR (a.previous_coordinator_id IS NULL AND a.assigned_at >= ?))",
                waiting()
            ),
            at(filter.recent_since),
        ),
    }
    if let Some(p) = filter.priority {
        c.push("p.assignment_priority = ?", p);
    }
    if let Some(from) = filter.handoff_from {
        c.push(&format!("{HANDOFF} >= ?"), at(from));
    }
    if let Some(to) = filter.handoff_to {
        c.push(&format!("{HANDOFF} < ?"), at(to));
    }
    if let Some(before) = filter.overdue_before {
        c.push(&format!("{} AND {HANDOFF} < ?", waiting()), at(before));
    }
    if let Some(since) = filter.assigned_since {
        c.push("a.assigned_at >= ?", at(since));
    }
    if filter.unassigned {
        c.push_each(&waiting(), vec![]);
    }
    if let Some(id) = filter.facility_id {
        c.push("p.facility_id = ?", id);
    }
    if let Some(id) = filter.provider_id {
        c.push("p.provider_id = ?", id);
    }
    if let Some(program) = filter.program {
        c.push("p.program = ?", program);
    }
    let has_need =
        "EXISTS (SELECT 1 FROM patient_special_needs n WHERE n.patient_id = p.id AND n.need = ?)";
    match filter.special_need {
        // A patient who speaks another language has the need whether or not the sheet ticked it.
        Some(SpecialNeed::Language) => c.push_each(
            &format!("({has_need} OR p.language <> ?)"),
            vec![SpecialNeed::Language.into(), "English".into()],
        ),
        Some(need) => c.push(has_need, need),
        None => {}
    }
    if filter.standard_care {
        c.push(
            "(NOT EXISTS (SELECT 1 FROM patient_special_needs n WHERE n.patient_id = p.id) AND p.language = ?)",
            "English",
        );
    }
    c
}

/// The ORDER BY clause; the default (priority, ascending) is the waiting patients' index order.
fn order_by(filter: &QueueFilter) -> String {
    let dir = if filter.descending { "DESC" } else { "ASC" };
    match filter.sort {
        QueueSort::Priority => format!("{} {dir}, {HANDOFF} ASC, p.id", priority_rank("p.")),
        QueueSort::Name => format!("p.last_name {dir}, p.first_name {dir}, p.id"),
        QueueSort::Waiting => format!("{HANDOFF} {dir}, p.id"),
    }
}

fn capitals_name(row: &QueueRow) -> String {
    format!("{}, {}", row.last_name.to_uppercase(), row.first_name.to_uppercase())
}

#[derive(FromQueryResult)]
struct Handoff {
    at: DateTime<Utc>,
}

impl Store {
    /// One page of the queue and the number of rows the filters match.
    pub async fn assignment_queue(&self, filter: &QueueFilter) -> Result<QueuePage> {
        self.assignment_queue_of(filter, None).await
    }

    /// As `assignment_queue`, given the queue's length just counted (`QueueCounts`): a filter
    /// that selects every waiting patient is not counted again.
    pub async fn assignment_queue_of(
        &self,
        filter: &QueueFilter,
        waiting: Option<i64>,
    ) -> Result<QueuePage> {
        let c = conditions(filter);
        let from = filter_from(filter, self.engine());
        let total = match waiting {
            Some(n) if filter.selects_every_waiting_patient() => n,
            _ => {
                let sql = format!("SELECT COUNT(*) AS n {from} {}", c.where_sql());
                self.count(&sql, c.values.clone()).await?
            }
        };
        if filter.limit <= 0 {
            return Ok(QueuePage { rows: Vec::new(), total });
        }
        // The page is chosen over the patients alone; only its rows are joined to their provider,
        // facility, coordinator and review (5,000 waiting at 100,000 patients: 20 ms → a few). The
        // limit and offset are written in, not bound: PostgreSQL's reused plan, not knowing the
        // limit, sorted every waiting patient instead of reading 50 off the index (6 ms → 1).
        let (limit, offset) = (filter.limit, filter.offset.max(0));
        let mut rows: Vec<QueueRow> = self
            .rows(
                &format!(
                    "{SELECT}
                     {FROM} WHERE p.id IN (SELECT p.id {from} {} ORDER BY {order} LIMIT {limit} OFFSET {offset})
                     ORDER BY {order}",
                    c.where_sql(),
                    order = order_by(filter),
                ),
                c.values.clone(),
            )
            .await?;
        rows.iter_mut().for_each(QueueRow::finish);
        Ok(QueuePage { rows, total })
    }

    /// When each waiting patient was handed off, earliest first: the queue's length and, for any
    /// cutoff, how much of it is overdue (kept by `carelog_app::figures` under the caseload counter).
    pub async fn waiting_handoffs(&self) -> Result<Vec<DateTime<Utc>>> {
        let rows: Vec<Handoff> = self
            .rows(
                &format!(
                    "SELECT {HANDOFF} AS at {} WHERE {} ORDER BY {HANDOFF}",
                    waiting_patients_from(self.engine()),
                    waiting()
                ),
                vec![],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.at).collect())
    }

    /// One patient's queue row, whether or not they are still waiting.
    pub async fn queue_entry(&self, patient_id: PatientId) -> Result<Option<QueueRow>> {
        let Some(mut row) = self
            .row::<QueueRow>(&format!("{SELECT} {FROM} WHERE p.id = $1"), vec![patient_id.into()])
            .await?
        else {
            return Ok(None);
        };
        row.finish();
        Ok(Some(row))
    }

    /// Every waiting patient in queue order, for the whole-queue plan.
    pub async fn waiting_patients(&self) -> Result<Vec<QueueRow>> {
        let filter = QueueFilter { limit: 100_000, ..QueueFilter::default() };
        Ok(self.assignment_queue(&filter).await?.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn overdue_counts_handoffs_strictly_before_the_cutoff() {
        let handoffs = [at(10), at(20), at(20), at(30)];
        let counts = |cutoff| QueueCounts::of_waiting(&handoffs, at(cutoff));
        assert_eq!(counts(0), QueueCounts { pending: 4, overdue: 0 });
        assert_eq!(counts(10), QueueCounts { pending: 4, overdue: 0 }, "handed off at the cutoff");
        assert_eq!(counts(11), QueueCounts { pending: 4, overdue: 1 });
        assert_eq!(counts(21), QueueCounts { pending: 4, overdue: 3 });
        assert_eq!(counts(99), QueueCounts { pending: 4, overdue: 4 });
        assert_eq!(QueueCounts::of_waiting(&[], at(5)), QueueCounts { pending: 0, overdue: 0 });
    }

    #[test]
    fn only_the_plain_waiting_view_is_the_queues_length() {
        let plain = QueueFilter { limit: 50, offset: 100, descending: true, ..Default::default() };
        assert!(plain.selects_every_waiting_patient());
        assert!(
            QueueFilter { unassigned: true, ..Default::default() }.selects_every_waiting_patient()
        );
        for narrower in [
            QueueFilter { view: QueueView::Ready, ..Default::default() },
            QueueFilter { view: QueueView::All, ..Default::default() },
            QueueFilter { priority: Some(Priority::High), ..Default::default() },
            QueueFilter { overdue_before: Some(at(1)), ..Default::default() },
            QueueFilter { facility_id: Some(1), ..Default::default() },
            QueueFilter { standard_care: true, ..Default::default() },
            QueueFilter { special_need: Some(SpecialNeed::Language), ..Default::default() },
        ] {
            assert!(!narrower.selects_every_waiting_patient(), "{narrower:?}");
        }
    }

    #[test]
    fn a_page_is_kept_only_when_the_present_moment_changes_nothing_in_it() {
        let waiting = QueueFilter { recent_since: at(5), limit: 50, ..Default::default() };
        let later = QueueFilter { recent_since: at(9), ..waiting.clone() };
        assert_eq!(waiting.timeless(), later.timeless(), "who waits does not read recent_since");
        assert_eq!(waiting.timeless().map(|f| f.limit), Some(50));
        let other_page = QueueFilter { offset: 50, ..waiting.clone() };
        assert_ne!(waiting.timeless(), other_page.timeless());
        let since = QueueFilter { assigned_since: Some(at(1)), ..waiting.clone() };
        assert!(since.timeless().is_some(), "a fixed day's assignments are timeless");
        for moving in [
            QueueFilter { view: QueueView::Recent, ..waiting.clone() },
            QueueFilter { view: QueueView::All, ..waiting.clone() },
            QueueFilter { overdue_before: Some(at(1)), ..waiting.clone() },
        ] {
            assert_eq!(moving.timeless(), None, "{moving:?}");
        }
    }

    #[test]
    fn the_queries_handoff_is_the_indexed_one() {
        assert_eq!(HANDOFF, handoff_of("p."));
    }

    #[test]
    fn the_default_order_is_the_waiting_index_order_word_for_word() {
        let order = order_by(&QueueFilter::default());
        let [_, index] = waiting_in_order_index();
        let columns = format!("(({}), ({}), id)", priority_rank(""), handoff_of(""));
        assert!(index.contains(&columns), "{index}");
        assert_eq!(order, format!("{} ASC, {HANDOFF} ASC, p.id", priority_rank("p.")));
    }
}
