//! Billing (admins only): the month's summary per patient-month and per coordinator, compliance
//! figures, a drill-down into a patient-month's entries, and the CSV export.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use carelog_app::amendments::{Corrected, Correction};
use carelog_app::claims::ClaimFormat;
use carelog_app::model::CountedEntry;
use carelog_app::model::{ClosedMonth, EntryRow};
use carelog_domain::billing::{Billed, Cents, RuleSet};
use carelog_domain::billing_changes::ChangesSinceClose;
use carelog_domain::billing_summary::{MonthSummary, SummaryLine, codes_text};
use carelog_domain::ids::{EntryId, PatientId, UserId};
use carelog_domain::practice_time::{YearMonth, local_date};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::{Shell, Tab, render};
use crate::context::{AdminUser, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct BillingQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub month: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rules: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sort: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub csort: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub page: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub per: String,
}

/// Patient lines a page unless `per` says otherwise: enough to scan, few enough that a
/// 100,000-patient month renders quickly. Totals, the coordinator table and the CSV cover the month.
const PATIENTS_PER_PAGE: usize = 100;
const PER_PAGE_RANGE: std::ops::RangeInclusive<usize> = 10..=1000;

pub struct PatientLine {
    pub patient_id: PatientId,
    pub chart_code: String,
    pub name: String,
    pub coordinator: String,
    pub program: &'static str,
    pub minutes: i64,
    pub codes: String,
    pub billable: bool,
    pub reason: String,
    pub flags: String,
    pub amount: String,
    /// "Amended (version 2): reason", on a closed month's amended line.
    pub amended: String,
}

/// Which patient lines this page shows, and the links to its neighbours.
pub struct Pager {
    pub first: usize,
    pub last: usize,
    pub of: usize,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
}

pub struct CoordinatorLine {
    pub name: String,
    pub minutes: i64,
    pub tasks: i64,
    pub patients: i64,
    pub billable: i64,
    pub codes: String,
    pub amount: String,
    cents: Cents,
}

#[derive(Template)]
#[template(path = "pages/billing.html")]
struct BillingPage {
    shell: Shell,
    month: String,
    rules: &'static str,
    summary_totals: Totals,
    patients: Vec<PatientLine>,
    pager: Pager,
    coordinators: Vec<CoordinatorLine>,
    export_link: String,
    /// The claims downloads: (CSV, 837P); a draft of an open month.
    claims_links: (String, String),
    /// "Closed on … by … under …", or None while open.
    closed: Option<String>,
    /// Whether the month has ended and may be closed.
    closable: bool,
    /// The month's year has no fees: the earlier year whose fees may be copied.
    fee_notice: Option<FeeNotice>,
    sort_links: Vec<(&'static str, String)>,
    coordinator_sort_links: Vec<(&'static str, String)>,
    chart: crate::chart::TrendChart,
}

/// A closed month's "changes since close" panel.
pub struct ChangesView {
    pub lines: Vec<(PatientId, String, String)>,
    pub billable: (i64, i64),
    pub amount: (String, String),
}

pub struct FeeNotice {
    pub year: i32,
    pub copy_from: Option<i32>,
}

pub struct Totals {
    pub patients: i64,
    pub billable: i64,
    pub not_billable: i64,
    pub minutes: i64,
    pub amount: String,
    pub lines_without_fee: i64,
    pub consent_percent: i64,
    pub at_target_percent: i64,
    pub target: i64,
    pub flagged: i64,
}

fn parse_query(q: &BillingQuery, state: &AppState) -> AppResult<(YearMonth, Option<RuleSet>)> {
    let month = match q.month.trim() {
        "" => YearMonth::of(local_date(Utc::now(), state.settings.time_zone)).previous(),
        m => YearMonth::parse(m).map_err(|e| AppError::BadRequest(e.message))?,
    };
    let rules = match q.rules.trim() {
        "" => None,
        r => Some(
            RuleSet::parse(r)
                .map_err(|e| AppError::BadRequest(format!("Rule set: {}", e.message)))?,
        ),
    };
    Ok((month, rules))
}

fn money(cents: Option<Cents>) -> String {
    cents.map(|c| c.to_string()).unwrap_or_else(|| "fee not set".into())
}

fn link(path: &str, q: &BillingQuery) -> String {
    let query = serde_urlencoded::to_string(q).unwrap_or_default();
    if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
}

fn patient_line(l: &SummaryLine, coordinator: String) -> PatientLine {
    PatientLine {
        patient_id: l.patient_id,
        chart_code: l.chart_code.clone(),
        name: l.name.clone(),
        coordinator,
        program: if l.billed == Billed::Ccm { "CCM" } else { "PCM" },
        minutes: l.minutes,
        codes: l.billed_codes().map(ToString::to_string).unwrap_or_default(),
        billable: l.billable,
        reason: l.reason.clone(),
        flags: l.flags.join("; "),
        amount: if l.billable { money(l.reimbursement) } else { "—".into() },
        amended: l
            .amendment
            .as_ref()
            .map(|a| format!("Amended (version {}): {}", a.version, a.reason))
            .unwrap_or_default(),
    }
}

/// The month's patient lines in the chosen order (stable, so ties keep the summary's name order).
fn ordered_lines<'a>(
    summary: &'a MonthSummary,
    sort: &str,
    coordinator_name: &dyn Fn(Option<UserId>) -> &'a str,
) -> Vec<&'a SummaryLine> {
    let mut order: Vec<&SummaryLine> = summary.lines.iter().collect();
    let cents = |l: &SummaryLine| {
        if l.billable { l.reimbursement.unwrap_or(Cents::ZERO) } else { Cents(-1) }
    };
    match sort {
        "minutes" => order.sort_by_key(|l| std::cmp::Reverse(l.minutes)),
        "amount" => order.sort_by_key(|l| std::cmp::Reverse(cents(l))),
        "billable" => order.sort_by_key(|l| !l.billable),
        "coordinator" => order.sort_by(|a, b| {
            coordinator_name(a.coordinator_id).cmp(coordinator_name(b.coordinator_id))
        }),
        _ => {}
    }
    order
}

fn coordinator_lines(
    summary: &MonthSummary,
    names: &HashMap<UserId, String>,
) -> Vec<CoordinatorLine> {
    summary
        .coordinators
        .iter()
        .map(|c| CoordinatorLine {
            name: names.get(&c.coordinator_id).cloned().unwrap_or_else(|| "—".into()),
            minutes: c.minutes,
            tasks: c.tasks,
            patients: c.patients,
            billable: c.billable_patients,
            codes: codes_text(&c.codes),
            amount: if c.lines_without_fee > 0 {
                format!("{} + {} without a fee", c.reimbursement, lines(c.lines_without_fee))
            } else {
                c.reimbursement.to_string()
            },
            cents: c.reimbursement,
        })
        .collect()
}

fn page_number(raw: &str) -> AppResult<usize> {
    match raw.trim() {
        "" => Ok(1),
        v => v.parse::<usize>().ok().filter(|p| (1..=100_000).contains(p)).ok_or_else(|| {
            AppError::BadRequest(format!("Page: \"{v}\" is not a page number (1 or more)."))
        }),
    }
}

fn per_page(raw: &str) -> AppResult<usize> {
    match raw.trim() {
        "" => Ok(PATIENTS_PER_PAGE),
        v => v.parse::<usize>().ok().filter(|n| PER_PAGE_RANGE.contains(n)).ok_or_else(|| {
            AppError::BadRequest(format!(
                "Per page: \"{v}\" is not a number from {} to {}.",
                PER_PAGE_RANGE.start(),
                PER_PAGE_RANGE.end()
            ))
        }),
    }
}

fn totals_of(summary: &MonthSummary) -> Totals {
    let t = &summary.totals;
    Totals {
        patients: t.patients,
        billable: t.billable,
        not_billable: t.patients - t.billable,
        minutes: t.minutes,
        amount: t.reimbursement.to_string(),
        lines_without_fee: t.lines_without_fee,
        consent_percent: summary.percent(t.with_consent),
        at_target_percent: summary.percent(t.at_target),
        target: summary.target_minutes,
        flagged: t.flagged,
    }
}

/// The column headers' links: the patient table's sort and the coordinator table's.
type SortLinks = Vec<(&'static str, String)>;

fn sort_links(q: &BillingQuery, base: &BillingQuery) -> (SortLinks, SortLinks) {
    let patients = [
        ("name", "Patient"),
        ("coordinator", "Coordinator"),
        ("minutes", "Minutes"),
        ("billable", "Billable"),
        ("amount", "Est. reimbursement"),
    ]
    .into_iter()
    .map(|(key, label)| {
        let to = BillingQuery { sort: key.into(), csort: q.csort.clone(), ..base.clone() };
        (label, link("/billing", &to))
    })
    .collect();
    let coordinators = [
        ("name", "Coordinator"),
        ("minutes", "Minutes"),
        ("patients", "Billable patients"),
        ("amount", "Est. reimbursement"),
    ]
    .into_iter()
    .map(|(key, label)| {
        let to = BillingQuery { csort: key.into(), sort: q.sort.clone(), ..base.clone() };
        (label, link("/billing", &to))
    })
    .collect();
    (patients, coordinators)
}

fn sorted_coordinators(
    summary: &MonthSummary,
    names: &HashMap<UserId, String>,
    by: &str,
) -> Vec<CoordinatorLine> {
    let mut coordinators = coordinator_lines(summary, names);
    match by {
        "minutes" => coordinators.sort_by_key(|c| std::cmp::Reverse(c.minutes)),
        "amount" => coordinators.sort_by_key(|c| std::cmp::Reverse(c.cents)),
        "patients" => coordinators.sort_by_key(|c| std::cmp::Reverse(c.billable)),
        _ => coordinators.sort_by(|a, b| a.name.cmp(&b.name)),
    }
    coordinators
}

fn lines(n: i64) -> String {
    if n == 1 { "1 line".to_owned() } else { format!("{n} lines") }
}

fn changes_view(c: &ChangesSinceClose) -> ChangesView {
    ChangesView {
        lines: c
            .lines
            .iter()
            .map(|l| (l.patient_id, l.name.clone(), l.changes.join("; ")))
            .collect(),
        billable: c.billable,
        amount: (c.reimbursement.0.to_string(), c.reimbursement.1.to_string()),
    }
}

/// "Closed on … by … under …" for a closed month's banner.
fn closed_note(c: &ClosedMonth, tz: chrono_tz::Tz) -> String {
    format!(
        "Closed on {} by {} under the {} rule set. This page, its CSV, the claims and the API show the billed record; the database refuses new or changed entries in this month except an administrator's amendment, which keeps the original.",
        c.closed_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        c.closed_by.as_deref().unwrap_or("an administrator"),
        c.rule_set
    )
}

/// The page of patient lines the query asks for, in its order, and the pager around it.
fn patient_page<'n>(
    q: &BillingQuery,
    base: &BillingQuery,
    summary: &'n MonthSummary,
    coordinator_name: &dyn Fn(Option<UserId>) -> &'n str,
    per: usize,
) -> AppResult<(Vec<PatientLine>, Pager)> {
    let order = ordered_lines(summary, &q.sort, coordinator_name);
    let pages = order.len().div_ceil(per).max(1);
    let page_at = page_number(&q.page)?.min(pages);
    let first = (page_at - 1) * per;
    let patients: Vec<PatientLine> = order
        .iter()
        .skip(first)
        .take(per)
        .map(|l| patient_line(l, coordinator_name(l.coordinator_id).to_owned()))
        .collect();
    let page_link = |p: usize| {
        let to = BillingQuery {
            sort: q.sort.clone(),
            csort: q.csort.clone(),
            page: if p == 1 { String::new() } else { p.to_string() },
            per: q.per.clone(),
            ..base.clone()
        };
        link("/billing", &to)
    };
    let pager = Pager {
        first: if order.is_empty() { 0 } else { first + 1 },
        last: first + patients.len(),
        of: order.len(),
        prev_link: (page_at > 1).then(|| page_link(page_at - 1)),
        next_link: (page_at < pages).then(|| page_link(page_at + 1)),
    };
    Ok((patients, pager))
}

/// The twelve months' billable patient-months and amounts as an SVG chart.
fn trend(
    months: &[(YearMonth, carelog_domain::billing_summary::Totals)],
) -> crate::chart::TrendChart {
    let points: Vec<crate::chart::Point> = months
        .iter()
        .map(|(m, totals)| crate::chart::Point {
            label: m.first_day().format("%b %y").to_string(),
            count: totals.billable,
            amount_cents: totals.reimbursement.0,
        })
        .collect();
    crate::chart::trend_chart(&points)
}

pub async fn page(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Query(q): Query<BillingQuery>,
) -> AppResult<Response> {
    let (month, rules) = parse_query(&q, &state)?;
    let per = per_page(&q.per)?;
    let billing = state.app.billing_month(&user.actor(), month, rules).await?;
    let (summary, names) = (&billing.summary, &billing.names);
    let coordinator_name =
        |id: Option<UserId>| id.and_then(|c| names.get(&c)).map_or("—", String::as_str);
    let coordinators = sorted_coordinators(summary, names, &q.csort);
    let summary_totals = totals_of(summary);
    let base = BillingQuery {
        month: month.to_string(),
        rules: q.rules.clone(),
        ..BillingQuery::default()
    };
    let (patients, pager) = patient_page(&q, &base, summary, &coordinator_name, per)?;
    let (sort_links, coordinator_sort_links) = sort_links(&q, &base);
    let tz = state.settings.time_zone;
    let closed = billing.closed.as_ref().map(|c| closed_note(c, tz));
    let closable = closed.is_none() && month < YearMonth::of(local_date(Utc::now(), tz));
    let fee_notice = (billing.fees.codes_with_fee == 0)
        .then_some(FeeNotice { year: billing.fees.year, copy_from: billing.fees.copy_from });
    let page = BillingPage {
        fee_notice,
        chart: trend(&billing.trend),
        closed,
        closable,
        shell: Shell::load(&state, &user, Tab::Billing).await?,
        month: month.to_string(),
        rules: summary.rule_set.key(),
        summary_totals,
        patients,
        pager,
        coordinators,
        export_link: link("/billing/export.csv", &base),
        claims_links: {
            let draft = if billing.closed.is_some() { "" } else { "&draft=1" };
            (
                format!("/billing/claims.csv?month={month}{draft}"),
                format!("/billing/claims.837?month={month}{draft}"),
            )
        },
        sort_links,
        coordinator_sort_links,
    };
    Ok(render(&page)?.into_response())
}

pub async fn export(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Query(q): Query<BillingQuery>,
) -> AppResult<Response> {
    let (month, rules) = parse_query(&q, &state)?;
    let (csv, rule_set) = state.app.billing_export(&user.actor(), month, rules).await?;
    Ok(crate::pages::exports::csv_response(
        &format!("carelog-billing-{month}-{}.csv", rule_set.key()),
        csv.into_bytes(),
    ))
}

#[derive(Template)]
#[template(path = "pages/billing_changes.html")]
struct ChangesPage {
    shell: Shell,
    month: String,
    closed: String,
    changes: ChangesView,
}

/// "Changes since close": what a closed month's billing would be now, apart from its record.
pub async fn changes(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Query(q): Query<BillingQuery>,
) -> AppResult<Response> {
    let (month, _) = parse_query(&q, &state)?;
    let Some((closed, changes)) = state.app.changes_since_close(&user.actor(), month).await? else {
        return Ok(axum::response::Redirect::to(&format!("/billing?month={month}")).into_response());
    };
    let page = ChangesPage {
        shell: Shell::load(&state, &user, Tab::Billing).await?,
        month: month.to_string(),
        closed: closed_note(&closed, state.settings.time_zone),
        changes: changes_view(&changes),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct ClaimsQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    draft: String,
}

async fn claims_download(
    state: &AppState,
    user: &CurrentUser,
    q: &ClaimsQuery,
    format: ClaimFormat,
) -> AppResult<Response> {
    let month = YearMonth::parse(q.month.trim()).map_err(|e| AppError::BadRequest(e.message))?;
    let draft = matches!(q.draft.as_str(), "1" | "yes" | "true");
    let file = state.app.claims(&user.actor(), month, format, draft).await?;
    let content_type = match format {
        ClaimFormat::Csv => "text/csv; charset=utf-8",
        ClaimFormat::X12 => "application/edi-x12",
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.filename),
            ),
        ],
        file.body,
    )
        .into_response())
}

/// The month's claims as CSV: one row per CPT code line of a billable patient-month.
pub async fn claims_csv(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Query(q): Query<ClaimsQuery>,
) -> AppResult<Response> {
    claims_download(&state, &user, &q, ClaimFormat::Csv).await
}

/// The month's claims as an X12 837P batch.
pub async fn claims_x12(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Query(q): Query<ClaimsQuery>,
) -> AppResult<Response> {
    claims_download(&state, &user, &q, ClaimFormat::X12).await
}

#[derive(Deserialize)]
pub struct CopyFeesForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    month: String,
}

/// Copies an earlier year's fees to a year that has none (the billing page's offer).
pub async fn copy_fees(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    axum::Form(form): axum::Form<CopyFeesForm>,
) -> AppResult<Response> {
    let year = |raw: &str| {
        raw.trim()
            .parse::<i32>()
            .map_err(|_| AppError::BadRequest(format!("Year: \"{}\" is not a year.", raw.trim())))
    };
    let (from, to) = (year(&form.from)?, year(&form.to)?);
    state.app.copy_fees(&user.actor(), from, to).await?;
    let back = match YearMonth::parse(form.month.trim()) {
        Ok(m) => format!("/billing?month={m}"),
        Err(_) => "/billing".to_owned(),
    };
    Ok(axum::response::Redirect::to(&back).into_response())
}

#[derive(Template)]
#[template(path = "pages/billing_patient.html")]
struct PatientMonthPage {
    shell: Shell,
    month: String,
    name: String,
    entries: Vec<EntryLine>,
    billable_minutes: i64,
    /// A closed month's line, each version: (version, minutes, codes, billable and reason, amount,
    /// amended how).
    versions: Vec<VersionLine>,
}

struct VersionLine {
    version: i32,
    minutes: i64,
    codes: String,
    state: String,
    amount: String,
    amended: String,
}

/// One entry behind a patient-month, as the drill-down lists it.
struct EntryLine {
    id: EntryId,
    at: String,
    task_type: String,
    minutes: String,
    counts: bool,
    coordinator: String,
}

fn names_of(names: &HashMap<UserId, String>, id: UserId) -> Option<&str> {
    names.get(&id).map(String::as_str)
}

/// The entries behind one patient-month, billable types marked.
pub async fn patient_month(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(raw_id): Path<String>,
    Query(q): Query<BillingQuery>,
) -> AppResult<Response> {
    let id = PatientId::parse(&raw_id).ok_or(AppError::NotFound)?;
    let (month, _) = parse_query(&q, &state)?;
    let tz = state.settings.time_zone;
    let pm = state.app.patient_month(&user.actor(), id, month).await?;
    let entries = pm
        .entries
        .into_iter()
        .map(|CountedEntry { entry: e, counts }| EntryLine {
            id: e.id,
            at: e.task_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            task_type: e.task_type,
            minutes: e.minutes.map(|m| m.to_string()).unwrap_or_else(|| "—".into()),
            counts,
            coordinator: e.coordinator,
        })
        .collect();
    let (patient, billable_minutes) = (pm.patient, pm.billable_minutes);
    let versions = pm
        .versions
        .iter()
        .enumerate()
        .map(|(i, l)| VersionLine {
            version: l.amendment.as_ref().map_or(i as i32 + 1, |a| a.version),
            minutes: l.minutes,
            codes: l.billed_codes().map(ToString::to_string).unwrap_or_default(),
            state: if l.billable {
                "Billable".to_owned()
            } else {
                format!("Not billable: {}", l.reason)
            },
            amount: if l.billable { money(l.reimbursement) } else { "—".into() },
            amended: l.amendment.as_ref().map_or_else(
                || "As closed".to_owned(),
                |a| {
                    format!(
                        "Amended {} by {}: {}",
                        a.at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                        a.by.and_then(|u| names_of(&pm.names, u)).unwrap_or("an administrator"),
                        a.reason
                    )
                },
            ),
        })
        .collect();
    let page = PatientMonthPage {
        versions,
        shell: Shell::load(&state, &user, Tab::Billing).await?,
        month: month.to_string(),
        name: patient.name,
        entries,
        billable_minutes,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    rules: String,
}

/// Closes a month that has ended: snapshots it per coordinator and locks its entries.
pub async fn close(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    axum::Form(form): axum::Form<CloseForm>,
) -> AppResult<Response> {
    let q = BillingQuery {
        month: form.month.clone(),
        rules: form.rules.clone(),
        ..BillingQuery::default()
    };
    let (month, rules) = parse_query(&q, &state)?;
    let rule_set = state.app.close_month(&user.actor(), month, rules).await?;
    Ok(axum::response::Redirect::to(&format!("/billing?month={month}&rules={}", rule_set.key()))
        .into_response())
}

#[derive(Template)]
#[template(path = "pages/billing_correct.html")]
struct CorrectPage {
    shell: Shell,
    id: EntryId,
    month: String,
    description: String,
    /// The month is closed: the correction is an amendment of its billed record.
    closed: bool,
    form: CorrectForm,
    /// (id, name) of every task type.
    task_types: Vec<(i64, String)>,
    errors: Vec<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct CorrectForm {
    /// Absent keeps the entry's minutes (and notes).
    #[serde(default)]
    minutes: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    /// Absent keeps the entry's patient; empty means none.
    #[serde(default)]
    patient: Option<String>,
    #[serde(default)]
    task_type: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    remove: String,
    #[serde(default)]
    reason: String,
}

async fn entry_for_correction(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
) -> AppResult<EntryRow> {
    let id = EntryId::parse(raw_id).ok_or(AppError::NotFound)?;
    Ok(state.app.entry_for_correction(&user.actor(), id).await?)
}

fn describe(e: &EntryRow, tz: chrono_tz::Tz) -> String {
    format!(
        "{} — {} — {}",
        e.task_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        e.task_type,
        e.coordinator
    )
}

fn entry_month(e: &EntryRow) -> YearMonth {
    YearMonth { year: e.billing_year, month: u32::try_from(e.billing_month).unwrap_or(1) }
}

async fn correct_page(
    state: &AppState,
    user: &CurrentUser,
    e: &EntryRow,
    form: CorrectForm,
    errors: Vec<String>,
) -> AppResult<Response> {
    let tz = state.settings.time_zone;
    let month = entry_month(e);
    let task_types = state
        .app
        .correction_task_types(&user.actor())
        .await?
        .into_iter()
        .map(|t| (t.id.get(), t.name))
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = CorrectPage {
        shell: Shell::load(state, user, Tab::Billing).await?,
        id: e.id,
        month: month.to_string(),
        description: describe(e, tz),
        closed: state.app.is_month_closed(month).await?,
        form,
        task_types,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn correct_form(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let e = entry_for_correction(&state, &user, &raw_id).await?;
    super::audit(&state, &user, "billing.entry_view", e.patient_id, format!("entry {}", e.id))
        .await?;
    let tz = state.settings.time_zone;
    let form = CorrectForm {
        minutes: Some(e.minutes.map(|m| m.to_string()).unwrap_or_default()),
        notes: Some(e.notes.clone()),
        patient: Some(e.patient_id.map(|p| p.to_string()).unwrap_or_default()),
        task_type: e.task_type_id.get().to_string(),
        date: local_date(e.task_at, tz).to_string(),
        remove: String::new(),
        reason: String::new(),
    };
    correct_page(&state, &user, &e, form, Vec::new()).await
}

/// An admin's correction or removal, with a reason: the time rules still hold; in a closed month it
/// is an amendment of the billed record.
pub async fn correct(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(raw_id): Path<String>,
    axum::Form(form): axum::Form<CorrectForm>,
) -> AppResult<Response> {
    let e = entry_for_correction(&state, &user, &raw_id).await?;
    let correction = Correction {
        minutes: form.minutes.as_deref(),
        notes: form.notes.as_deref(),
        patient: form.patient.as_deref(),
        task_type: &form.task_type,
        date: &form.date,
        remove: form.remove == "yes",
        reason: &form.reason,
    };
    match state.app.correct_entry(&user.actor(), &e, &correction).await? {
        Corrected::Refused(errors) => correct_page(&state, &user, &e, form, errors).await,
        Corrected::Done(_) => {
            let month = entry_month(&e);
            let back = match e.patient_id {
                Some(p) => format!("/billing/patients/{p}?month={month}"),
                None => format!("/billing?month={month}"),
            };
            Ok(axum::response::Redirect::to(&back).into_response())
        }
    }
}
