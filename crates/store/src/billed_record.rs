//! A closed month's billed record (domain.md "Billing"): written in the close's transaction, read back
//! by every page, export, claim and API answer for the month, and changed only by adding a line's next
//! version when an administrator amends an entry.

use std::collections::HashMap;

use carelog_domain::billing::{Billed, Cents, Codes, Fee, MonthStatus, RuleSet};
use carelog_domain::billing_summary::{
    DateOfService, LineAmendment, LineClaim, MonthSummary, PatientClaimFacts, Practitioner,
    SummaryLine, Totals, codes_text,
};
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::Sex;
use carelog_domain::practice_time::YearMonth;
use carelog_domain::stored::Stored;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use crate::connection::at;
use crate::row::Query;
use crate::{Engine, Result, Store, StoreError};

/// Lines written per INSERT. Binding grows faster than the values bound (at M, 9,600 lines took
/// 2.5 s in statements of 200 lines and 0.7 s in statements of 4 or 20), so statements stay small.
const LINES_PER_INSERT: usize = 25;

/// A closed month: when, by whom, and what it was billed under.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ClosedMonth {
    pub closed_at: DateTime<Utc>,
    pub closed_by: Option<String>,
    pub rule_set: RuleSet,
    pub target_minutes: Option<i32>,
    pub date_of_service: Option<String>,
    pub place_of_service: Option<String>,
}

impl ClosedMonth {
    pub fn date_of_service_rule(&self) -> DateOfService {
        self.date_of_service.as_deref().and_then(DateOfService::parse).unwrap_or_default()
    }

    /// The care-time target the month was closed under (20 minutes, the default, if not kept).
    pub fn target(&self) -> i64 {
        i64::from(self.target_minutes.unwrap_or(20))
    }

    pub fn place_of_service(&self) -> &str {
        self.place_of_service.as_deref().unwrap_or(crate::DEFAULT_PLACE_OF_SERVICE)
    }
}

/// A line as billed, without its claim facts (what the pages, the summary CSV and the API read).
#[derive(FromQueryResult)]
struct LineRow {
    id: i64,
    patient_id: PatientId,
    version: i32,
    chart_code: String,
    patient_name: String,
    coordinator_id: Option<UserId>,
    program: Billed,
    minutes: i32,
    entries: i32,
    codes: String,
    billable: bool,
    consent_on_file: bool,
    reason: String,
    flags: String,
    amount_cents: Option<Cents>,
    amendment_reason: Option<String>,
    amended_by: Option<UserId>,
    amended_at: Option<DateTime<Utc>>,
}

const CORE_COLUMNS: &str = "id, patient_id, version, chart_code, patient_name, coordinator_id, program, minutes, entries,
    codes, billable, consent_on_file, reason, flags, amount_cents, amendment_reason, amended_by, amended_at";

/// A line's claim facts (what claims read besides).
#[derive(FromQueryResult)]
struct ClaimRow {
    id: i64,
    birth_date: NaiveDate,
    sex: Option<Sex>,
    member_id: Option<String>,
    payer: Option<String>,
    practitioner_id: Option<i64>,
    practitioner_name: Option<String>,
    practitioner_npi: Option<String>,
    diagnoses: String,
    date_of_service: NaiveDate,
    place_of_service: String,
}

const CLAIM_COLUMNS: &str =
    "id, birth_date, sex, member_id, payer, practitioner_id, practitioner_name,
    practitioner_npi, diagnoses, date_of_service, place_of_service";

const LINE_COLUMNS: &str = "patient_id, version, chart_code, patient_name, coordinator_id, program, minutes, entries, codes,
    billable, consent_on_file, reason, flags, amount_cents, birth_date, sex, member_id, payer, practitioner_id,
    practitioner_name, practitioner_npi, diagnoses, date_of_service, place_of_service, amendment_reason, amended_by, amended_at";

fn split(text: &str, by: char) -> Vec<String> {
    text.split(by).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

impl ClaimRow {
    fn claim(self) -> LineClaim {
        LineClaim {
            patient: PatientClaimFacts {
                birth_date: self.birth_date,
                sex: self.sex,
                member_id: self.member_id,
                payer: self.payer,
                practitioner: self.practitioner_id.map(|id| Practitioner {
                    id,
                    name: self.practitioner_name.unwrap_or_default(),
                    npi: self.practitioner_npi,
                }),
            },
            diagnoses: split(&self.diagnoses, ';'),
            date_of_service: self.date_of_service,
            place_of_service: self.place_of_service,
        }
    }
}

impl LineRow {
    fn line(self, claim: LineClaim) -> Result<SummaryLine> {
        let codes = Codes::parse(&self.codes).ok_or_else(|| {
            StoreError::NotFound(format!("the codes \"{}\" of a billed line", self.codes))
        })?;
        let amendment = match (self.amendment_reason, self.amended_at) {
            (Some(reason), Some(at)) => {
                Some(LineAmendment { version: self.version, reason, by: self.amended_by, at })
            }
            _ => None,
        };
        Ok(SummaryLine {
            patient_id: self.patient_id,
            chart_code: self.chart_code,
            name: self.patient_name,
            coordinator_id: self.coordinator_id,
            billed: self.program,
            minutes: i64::from(self.minutes),
            entries: i64::from(self.entries),
            codes,
            billable: self.billable,
            consent_on_file: self.consent_on_file,
            reason: self.reason,
            flags: split(&self.flags, '\n'),
            reimbursement: self.amount_cents,
            claim,
            amendment,
        })
    }
}

/// Lines with their claim facts when `claims` holds them (by line id), else without.
fn lines_of(rows: Vec<LineRow>, mut claims: HashMap<i64, ClaimRow>) -> Result<Vec<SummaryLine>> {
    rows.into_iter()
        .map(|row| {
            let claim = claims.remove(&row.id).map(ClaimRow::claim).unwrap_or_default();
            row.line(claim)
        })
        .collect()
}

/// A line's values in `LINE_COLUMNS` order, with the month first.
fn line_values(month: YearMonth, version: i32, l: &SummaryLine) -> Vec<Value> {
    let practitioner = l.claim.patient.practitioner.as_ref();
    let amendment = l.amendment.as_ref();
    vec![
        month.year.into(),
        (month.month as i32).into(),
        l.patient_id.into(),
        version.into(),
        l.chart_code.clone().into(),
        l.name.clone().into(),
        l.coordinator_id.into(),
        l.billed.into(),
        clamp(l.minutes).into(),
        clamp(l.entries).into(),
        l.codes.to_string().into(),
        l.billable.into(),
        l.consent_on_file.into(),
        l.reason.clone().into(),
        l.flags.join("\n").into(),
        l.reimbursement.into(),
        l.claim.patient.birth_date.into(),
        l.claim.patient.sex.map(|s| s.stored()).into(),
        l.claim.patient.member_id.clone().into(),
        l.claim.patient.payer.clone().into(),
        practitioner.map(|p| p.id).into(),
        practitioner.map(|p| p.name.clone()).into(),
        practitioner.and_then(|p| p.npi.clone()).into(),
        l.claim.diagnoses.join(";").into(),
        l.claim.date_of_service.into(),
        l.claim.place_of_service.clone().into(),
        amendment.map(|a| a.reason.clone()).into(),
        amendment.and_then(|a| a.by).into(),
        amendment.map(|a| at(a.at)).unwrap_or(Value::ChronoDateTimeUtc(None)),
    ]
}

fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// `INSERT INTO billed_lines` of `rows` lines.
fn insert_lines_sql(rows: usize) -> String {
    let per_row = 29;
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let marks: Vec<String> =
                (1..=per_row).map(|c| format!("${}", r * per_row + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO billed_lines (billing_year, billing_month, {LINE_COLUMNS}) VALUES {}",
        tuples.join(", ")
    )
}

#[derive(FromQueryResult)]
struct FeeRow {
    code: String,
    amount_cents: Cents,
    charge_cents: Option<Cents>,
}

#[derive(FromQueryResult)]
struct TotalsRow {
    billing_year: i32,
    billing_month: i32,
    patients: Option<i64>,
    billable: Option<i64>,
    minutes: Option<i64>,
    reimbursement: Option<Cents>,
    lines_without_fee: Option<i64>,
    with_consent: Option<i64>,
    at_target: Option<i64>,
    flagged: Option<i64>,
}

/// What the close writes besides the lines.
pub struct MonthClose<'a> {
    pub summary: &'a MonthSummary,
    /// The month's year's fees, kept with the record.
    pub fees: &'a [Fee],
    pub date_of_service: DateOfService,
    pub place_of_service: &'a str,
    /// The month's change counter the summary was computed under: a close refuses if it moved.
    pub month_revision: i64,
    /// None at the command line.
    pub closed_by: Option<UserId>,
}

impl Store {
    /// Writes the month's billed record and marks it closed, in one transaction that no entry write can
    /// interleave with (PostgreSQL: a table lock; SQLite: the one writer). `Stale` when an entry of the
    /// month changed after the summary was computed; `AlreadyExists` when the month is closed.
    pub async fn close_month(
        &self,
        close: &MonthClose<'_>,
        audit: &crate::NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let summary = close.summary;
        let month = summary.month;
        let (year, m) = (month.year, month.month as i32);
        let tx = self.begin_write().await?;
        if self.engine() == Engine::Postgres {
            tx.execute_raw(
                self.stmt("LOCK TABLE coordinator_task_log IN SHARE ROW EXCLUSIVE MODE", vec![]),
            )
            .await?;
        }
        let scope = year * 100 + m;
        let revision = tx
            .count(self.stmt(
                "SELECT CAST(SUM(revision) AS BIGINT) AS n FROM billing_revisions WHERE scope = $1",
                vec![scope.into()],
            ))
            .await?;
        let inserted = tx
            .execute_raw(self.stmt(
                "INSERT INTO billing_months (billing_year, billing_month, status, rule_set, closed_at, closed_by,
                    target_minutes, date_of_service, place_of_service)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (billing_year, billing_month) DO NOTHING",
                vec![
                    year.into(),
                    m.into(),
                    MonthStatus::Closed.into(),
                    summary.rule_set.into(),
                    at(now),
                    close.closed_by.into(),
                    clamp(summary.target_minutes).into(),
                    close.date_of_service.key().into(),
                    close.place_of_service.into(),
                ],
            ))
            .await?
            .rows_affected();
        if inserted == 0 {
            return Err(StoreError::AlreadyExists(format!("the close of {month}")));
        }
        if revision != close.month_revision {
            return Err(StoreError::Stale(format!("the entries of {month}")));
        }
        for chunk in summary.lines.chunks(LINES_PER_INSERT) {
            let values: Vec<Value> = chunk.iter().flat_map(|l| line_values(month, 1, l)).collect();
            tx.execute_raw(self.stmt(&insert_lines_sql(chunk.len()), values)).await?;
        }
        for fee in close.fees.iter().filter(|f| f.year == year) {
            tx.execute_raw(self.stmt(
                "INSERT INTO billed_fees (billing_year, billing_month, code, amount_cents, charge_cents) VALUES ($1, $2, $3, $4, $5)",
                vec![
                    year.into(),
                    m.into(),
                    fee.code.clone().into(),
                    fee.allowed.into(),
                    fee.charge.into(),
                ],
            ))
            .await?;
        }
        write_coordinator_summary(self, &tx, summary, now).await?;
        write_totals(self, &tx, summary).await?;
        // Figures kept under the month's counter are now the record's.
        bump_month(self, &tx, scope).await?;
        crate::audit::insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn closed_month(&self, month: YearMonth) -> Result<Option<ClosedMonth>> {
        closed_month_in(self, self.pool(), month).await
    }

    /// The month's billed record as a summary (latest version of each line, in the close's order),
    /// without the claim facts; None while the month is open.
    pub async fn billed_record(
        &self,
        month: YearMonth,
    ) -> Result<Option<(ClosedMonth, MonthSummary)>> {
        let Some(closed) = self.closed_month(month).await? else {
            return Ok(None);
        };
        let summary = read_record(self, self.pool(), &closed, month, false).await?;
        Ok(Some((closed, summary)))
    }

    /// As [`Store::billed_record`], each line with its claim facts (for claims).
    pub async fn billed_record_for_claims(
        &self,
        month: YearMonth,
    ) -> Result<Option<(ClosedMonth, MonthSummary)>> {
        let Some(closed) = self.closed_month(month).await? else {
            return Ok(None);
        };
        let summary = read_record(self, self.pool(), &closed, month, true).await?;
        Ok(Some((closed, summary)))
    }

    /// Every version of one patient's line in a closed month, oldest first.
    pub async fn billed_line_versions(
        &self,
        month: YearMonth,
        patient_id: PatientId,
    ) -> Result<Vec<SummaryLine>> {
        let values = || vec![month.year.into(), (month.month as i32).into(), patient_id.into()];
        let of_patient =
            "FROM billed_lines WHERE billing_year = $1 AND billing_month = $2 AND patient_id = $3";
        let rows: Vec<LineRow> = self
            .rows(&format!("SELECT {CORE_COLUMNS} {of_patient} ORDER BY version"), values())
            .await?;
        let claims: Vec<ClaimRow> =
            self.rows(&format!("SELECT {CLAIM_COLUMNS} {of_patient}"), values()).await?;
        lines_of(rows, claims.into_iter().map(|c| (c.id, c)).collect())
    }

    /// The fees a closed month was billed at.
    pub async fn billed_fees(&self, month: YearMonth) -> Result<Vec<Fee>> {
        let rows: Vec<FeeRow> = self
            .rows(
                "SELECT code, amount_cents, charge_cents FROM billed_fees WHERE billing_year = $1 AND billing_month = $2 ORDER BY code",
                vec![month.year.into(), (month.month as i32).into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|f| Fee {
                code: f.code,
                year: month.year,
                allowed: f.amount_cents,
                charge: f.charge_cents.unwrap_or(f.amount_cents),
            })
            .collect())
    }

    /// The totals of closed months' records, kept with each (the billing trend).
    pub async fn billed_totals(&self, months: &[YearMonth]) -> Result<HashMap<YearMonth, Totals>> {
        let rows: Vec<TotalsRow> = self
            .rows(
                "SELECT billing_year, billing_month, total_patients AS patients, total_billable AS billable,
                        total_minutes AS minutes, total_cents AS reimbursement, total_lines_without_fee AS lines_without_fee,
                        total_with_consent AS with_consent, total_at_target AS at_target, total_flagged AS flagged
                 FROM billing_months WHERE status = $1",
                vec![MonthStatus::Closed.into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let month =
                    YearMonth { year: r.billing_year, month: u32::try_from(r.billing_month).ok()? };
                months.contains(&month).then(|| {
                    let totals = Totals {
                        patients: r.patients.unwrap_or(0),
                        billable: r.billable.unwrap_or(0),
                        minutes: r.minutes.unwrap_or(0),
                        reimbursement: r.reimbursement.unwrap_or_default(),
                        lines_without_fee: r.lines_without_fee.unwrap_or(0),
                        with_consent: r.with_consent.unwrap_or(0),
                        at_target: r.at_target.unwrap_or(0),
                        flagged: r.flagged.unwrap_or(0),
                    };
                    (month, totals)
                })
            })
            .collect())
    }
}

/// Keeps the record's practice totals with its month (at the close and after each amendment).
pub(crate) async fn write_totals(
    store: &Store,
    tx: &sea_orm::DatabaseTransaction,
    summary: &MonthSummary,
) -> Result<()> {
    let t = &summary.totals;
    tx.execute_raw(store.stmt(
        "UPDATE billing_months SET total_patients = $3, total_billable = $4, total_minutes = $5, total_cents = $6,
            total_lines_without_fee = $7, total_with_consent = $8, total_at_target = $9, total_flagged = $10
         WHERE billing_year = $1 AND billing_month = $2",
        vec![
            summary.month.year.into(),
            (summary.month.month as i32).into(),
            t.patients.into(),
            t.billable.into(),
            t.minutes.into(),
            t.reimbursement.into(),
            t.lines_without_fee.into(),
            t.with_consent.into(),
            t.at_target.into(),
            t.flagged.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The latest version of each line of a closed month (with its claim facts when `with_claims`), on a
/// pool or inside a transaction.
async fn read_record<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    closed: &ClosedMonth,
    month: YearMonth,
    with_claims: bool,
) -> Result<MonthSummary> {
    let values = vec![month.year.into(), (month.month as i32).into()];
    let of_month = "FROM billed_lines WHERE billing_year = $1 AND billing_month = $2";
    // Every version in the order written; each patient's latest takes its first version's place
    // (cheaper than asking the database for the latest of each).
    let rows: Vec<LineRow> = conn
        .rows(store.stmt(&format!("SELECT {CORE_COLUMNS} {of_month} ORDER BY id"), values.clone()))
        .await?;
    let mut at: HashMap<PatientId, usize> = HashMap::with_capacity(rows.len());
    let mut latest: Vec<LineRow> = Vec::with_capacity(rows.len());
    for row in rows {
        match at.get(&row.patient_id) {
            Some(&i) if latest[i].version < row.version => latest[i] = row,
            Some(_) => {}
            None => {
                at.insert(row.patient_id, latest.len());
                latest.push(row);
            }
        }
    }
    let claims: HashMap<i64, ClaimRow> = if with_claims {
        let rows: Vec<ClaimRow> =
            conn.rows(store.stmt(&format!("SELECT {CLAIM_COLUMNS} {of_month}"), values)).await?;
        rows.into_iter().map(|c| (c.id, c)).collect()
    } else {
        HashMap::new()
    };
    let lines = lines_of(latest, claims)?;
    Ok(MonthSummary::of_lines(month, closed.rule_set, closed.target(), lines))
}

/// The month's close, on a pool or inside a transaction; None while the month is open.
pub(crate) async fn closed_month_in<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    month: YearMonth,
) -> Result<Option<ClosedMonth>> {
    conn.row(store.stmt(
        "SELECT b.closed_at, u.display_name AS closed_by, b.rule_set, b.target_minutes, b.date_of_service, b.place_of_service
         FROM billing_months b LEFT JOIN users u ON u.id = b.closed_by
         WHERE b.billing_year = $1 AND b.billing_month = $2 AND b.status = $3",
        vec![month.year.into(), (month.month as i32).into(), MonthStatus::Closed.into()],
    ))
    .await
}

pub(crate) async fn record_in(
    store: &Store,
    tx: &sea_orm::DatabaseTransaction,
    closed: &ClosedMonth,
    month: YearMonth,
) -> Result<MonthSummary> {
    read_record(store, tx, closed, month, false).await
}

/// Adds one version of a line (an amendment's).
pub(crate) async fn insert_line(
    store: &Store,
    tx: &sea_orm::DatabaseTransaction,
    month: YearMonth,
    version: i32,
    line: &SummaryLine,
) -> Result<()> {
    tx.execute_raw(store.stmt(&insert_lines_sql(1), line_values(month, version, line))).await?;
    Ok(())
}

/// The seed's CoordinatorBillingSummary for the month, from its lines as they stand.
pub(crate) async fn write_coordinator_summary(
    store: &Store,
    tx: &sea_orm::DatabaseTransaction,
    summary: &MonthSummary,
    now: DateTime<Utc>,
) -> Result<()> {
    let (year, month) = (summary.month.year, summary.month.month as i32);
    tx.execute_raw(store.stmt(
        "DELETE FROM coordinator_billing_summary WHERE billing_year = $1 AND billing_month = $2",
        vec![year.into(), month.into()],
    ))
    .await?;
    for c in &summary.coordinators {
        tx.execute_raw(store.stmt(
            "INSERT INTO coordinator_billing_summary (coordinator_id, billing_year, billing_month, total_minutes, billing_codes,
                estimated_reimbursement_cents, lines_without_fee, task_count, patient_count, rule_set, generated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            vec![
                c.coordinator_id.into(),
                year.into(),
                month.into(),
                clamp(c.minutes).into(),
                codes_text(&c.codes).into(),
                c.reimbursement.into(),
                clamp(c.lines_without_fee).into(),
                clamp(c.tasks).into(),
                clamp(c.patients).into(),
                summary.rule_set.into(),
                at(now),
            ],
        ))
        .await?;
    }
    Ok(())
}

/// Moves the month's change counter in the writing transaction.
pub(crate) async fn bump_month(
    store: &Store,
    tx: &sea_orm::DatabaseTransaction,
    scope: i32,
) -> Result<()> {
    tx.execute_raw(store.stmt(
        "INSERT INTO billing_revisions (scope, shard, revision) VALUES ($1, 0, 1)
         ON CONFLICT (scope, shard) DO UPDATE SET revision = billing_revisions.revision + 1",
        vec![scope.into()],
    ))
    .await?;
    Ok(())
}

impl Store {
    /// The snapshot taken when a month closed, by coordinator (refreshed by each amendment).
    pub async fn billing_snapshot(&self, month: YearMonth) -> Result<Vec<crate::SnapshotRow>> {
        self.rows(
            "SELECT coordinator_id, total_minutes, billing_codes, estimated_reimbursement_cents, lines_without_fee, task_count, patient_count
             FROM coordinator_billing_summary WHERE billing_year = $1 AND billing_month = $2 ORDER BY coordinator_id",
            vec![month.year.into(), (month.month as i32).into()],
        )
        .await
    }
}
