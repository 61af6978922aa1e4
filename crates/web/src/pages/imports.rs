//! The admin's import page: upload a ZMO, PSL or CM Log file (CSV or XLSX), map any columns carelog does not
//! recognise, read the dry-run report, then apply — all or nothing, or skipping the invalid rows.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_domain::import::{ImportKind, LIKELY_ANOTHER_PATIENT};
use carelog_domain::import_plan::{Change, RowPlan};

use super::{Shell, Tab, audit, render};
use crate::context::{AdminUser, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use carelog_app::imports::{CheckedImport, ImportError, ReadAs, template_csv};

/// An upload larger than this is refused before it is read.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
const SHOWN_ROWS: usize = 200;

#[derive(Template)]
#[template(path = "pages/imports.html")]
struct ImportsPage {
    shell: Shell,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    notice: String,
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

async fn show_form(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
    notice: String,
) -> AppResult<Response> {
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ImportsPage {
        shell: Shell::load(state, user, Tab::Admin).await?,
        kinds: ImportKind::ALL.iter().map(|k| (k.key(), k.label())).collect(),
        error,
        notice,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    show_form(&state, &user, None, q.notice).await
}

pub async fn template(
    AdminUser(_user): AdminUser,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let kind = ImportKind::parse(name.trim_end_matches(".csv")).ok_or(AppError::NotFound)?;
    Ok(crate::pages::exports::csv_response(
        &format!("carelog-{}-template.csv", kind.key()),
        template_csv(kind).into_bytes(),
    ))
}

/// Why an upload could not be read, in words: over the size limit, or cut short.
fn upload_error(e: axum::extract::multipart::MultipartError) -> String {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "File: over the {} MB limit, so nothing was read. Split it into smaller files (by facility or by month) and import each.",
            MAX_UPLOAD_BYTES / 1024 / 1024
        )
    } else {
        "File: the upload stopped part way, so nothing was read. Please choose the file and upload it again.".into()
    }
}

/// Receives the file, keeps it for the dry run and applying, and shows the report.
/// The upload form's kind and file (name kept printable, at most 200 characters), or why it
/// cannot be read.
async fn read_upload(
    form: &mut Multipart,
) -> Result<(Option<ImportKind>, Option<(String, Vec<u8>)>), String> {
    let mut kind = None;
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(upload_error)? {
        match field.name() {
            Some("kind") => kind = ImportKind::parse(&field.text().await.unwrap_or_default()),
            Some("file") => {
                let name: String = field
                    .file_name()
                    .unwrap_or("upload")
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect();
                let bytes = field.bytes().await.map_err(upload_error)?;
                if bytes.len() > MAX_UPLOAD_BYTES {
                    return Err(format!(
                        "File: over the {} MB limit, so nothing was read. Split it into smaller files (by facility or by month) and import each.",
                        MAX_UPLOAD_BYTES / 1024 / 1024
                    ));
                }
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    Ok((kind, file))
}

pub async fn upload(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    mut form: Multipart,
) -> AppResult<Response> {
    let (kind, file) = match read_upload(&mut form).await {
        Ok(read) => read,
        Err(message) => return show_form(&state, &user, Some(message), String::new()).await,
    };
    let Some(kind) = kind else {
        return show_form(
            &state,
            &user,
            Some("Kind: choose ZMO, PSL or CM Log.".into()),
            String::new(),
        )
        .await;
    };
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return show_form(
            &state,
            &user,
            Some("File: choose a CSV or XLSX file.".into()),
            String::new(),
        )
        .await;
    };
    if let Err(message) = carelog_app::import_files::read_table(&name, &bytes) {
        return show_form(&state, &user, Some(format!("{name}: {message}")), String::new()).await;
    }
    let id = state.app.save_upload(&user.actor(), kind, &name, &bytes).await?;
    Ok(Redirect::to(&format!("/admin/imports/{id}")).into_response())
}

pub struct ReportRow {
    pub line: usize,
    pub action: &'static str,
    pub what: String,
    pub class: &'static str,
}

pub struct Unmatched {
    pub header: String,
    pub mapped: String,
}

#[derive(Template)]
#[template(path = "pages/import_report.html")]
struct ReportPage {
    shell: Shell,
    id: i64,
    filename: String,
    kind: &'static str,
    total_rows: usize,
    creates: usize,
    updates: usize,
    skips: usize,
    invalid: usize,
    missing: Vec<&'static str>,
    unmatched: Vec<Unmatched>,
    fields: Vec<&'static str>,
    new_facilities: Vec<String>,
    new_providers: Vec<String>,
    errors: Vec<(usize, &'static str, String)>,
    /// Rows refused as likely another patient: row and chart code, for the admin to confirm.
    mismatches: Vec<(usize, String)>,
    rows: Vec<ReportRow>,
    more_rows: usize,
    mapping: Vec<(String, String)>,
    error: Option<String>,
    ready: bool,
}

/// The mapping and the rows confirmed as the same patient (`same:CHART`), from a form or a query.
fn read_as_of(pairs: &[(String, String)]) -> ReadAs {
    ReadAs {
        mapping: mapping_of(pairs),
        same_patient: pairs
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("same:").filter(|_| v == "1").map(str::to_owned))
            .collect(),
    }
}

fn mapping_of(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("map:").map(|h| (h.to_owned(), v.trim().to_owned())))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn describe(change: &Change) -> (&'static str, String) {
    match change {
        Change::CreatePatient(p, _) => {
            ("create", format!("patient {} {}, {}", p.chart_code, p.last_name, p.first_name))
        }
        Change::UpdatePatient(_, p, _, changes) => {
            let changed: Vec<String> =
                changes.iter().map(|c| format!("{}: {} → {}", c.field, c.old, c.new)).collect();
            let coordinator = if changed.is_empty() { "; coordinator changes" } else { "" };
            (
                "update",
                format!(
                    "patient {} {}, {}: {}{coordinator}",
                    p.chart_code,
                    p.last_name,
                    p.first_name,
                    changed.join("; ")
                ),
            )
        }
        Change::CreateVisit { date, provider, visit_type, .. } => {
            ("create", format!("visit {date}, {visit_type}, {provider}"))
        }
        Change::CreateEntry(e) => (
            "create",
            format!(
                "entry {} {}",
                e.at.format("%Y-%m-%d %H:%M"),
                e.minutes.map(|m| format!("{m} min")).unwrap_or_default()
            ),
        ),
    }
}

async fn checked(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
    read_as: &ReadAs,
) -> AppResult<(i64, CheckedImport)> {
    let id = raw_id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    match state.app.check_upload(&user.actor(), id, read_as).await? {
        Ok(c) => Ok((id, c)),
        Err(ImportError::File(m) | ImportError::Refused(m)) => Err(AppError::BadRequest(m)),
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

/// Every refused cell (row, column, message) and a line per row saying what importing would do.
type CellErrors = Vec<(usize, &'static str, String)>;

fn report_rows(c: &CheckedImport) -> (CellErrors, Vec<ReportRow>) {
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    if let Some(plan) = &c.plan {
        for (line, p) in &plan.rows {
            match p {
                RowPlan::Invalid(list) => {
                    for e in list {
                        errors.push((*line, e.column, e.message.clone()));
                    }
                    rows.push(ReportRow {
                        line: *line,
                        action: "error",
                        what: format!("{} problem(s), listed above", list.len()),
                        class: "row-error",
                    });
                }
                RowPlan::Skip(why) => rows.push(ReportRow {
                    line: *line,
                    action: "skip",
                    what: why.clone(),
                    class: "row-skip",
                }),
                RowPlan::Change(change) => {
                    let (action, what) = describe(change);
                    rows.push(ReportRow {
                        line: *line,
                        action,
                        what,
                        class: if action == "create" { "row-create" } else { "row-update" },
                    });
                }
            }
        }
    }
    (errors, rows)
}

/// Headers no field matched, and those the admin has mapped, with their mapping.
fn unmatched(c: &CheckedImport, mapping: &[(String, String)]) -> Vec<Unmatched> {
    c.table
        .headers
        .iter()
        .filter(|h| c.unmatched.contains(h) || mapping.iter().any(|(from, _)| from == *h))
        .map(|h| Unmatched {
            header: h.clone(),
            mapped: mapping
                .iter()
                .find(|(from, _)| from == h)
                .map(|(_, to)| to.clone())
                .unwrap_or_default(),
        })
        .collect()
}

async fn show_report(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    c: CheckedImport,
    mapping: Vec<(String, String)>,
    error: Option<String>,
) -> AppResult<Response> {
    let (errors, mut rows) = report_rows(&c);
    let chart = c.columns.iter().position(|f| *f == Some("Chart Code"));
    let mismatches = errors
        .iter()
        .filter(|(_, _, message)| message.contains(LIKELY_ANOTHER_PATIENT))
        .filter_map(|(line, _, _)| {
            let row = c.table.rows.get(line.checked_sub(2)?)?;
            Some((*line, row.get(chart?)?.trim().to_uppercase()))
        })
        .collect();
    let more_rows = rows.len().saturating_sub(SHOWN_ROWS);
    rows.truncate(SHOWN_ROWS);
    let detail = format!("{} ({}): {} rows", c.filename, c.kind.key(), c.table.rows.len());
    audit(state, user, "import.check", None, detail).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let plan = c.plan.as_ref();
    let page = ReportPage {
        shell: Shell::load(state, user, Tab::Admin).await?,
        id,
        filename: c.filename.clone(),
        kind: c.kind.label(),
        total_rows: c.table.rows.len(),
        creates: plan.map(|p| p.creates()).unwrap_or(0),
        updates: plan.map(|p| p.updates()).unwrap_or(0),
        skips: plan.map(|p| p.skips()).unwrap_or(0),
        invalid: plan.map(|p| p.invalid()).unwrap_or(0),
        missing: c.missing.clone(),
        unmatched: unmatched(&c, &mapping),
        fields: c.kind.fields().iter().map(|f| f.header).collect(),
        new_facilities: plan.map(|p| p.new_facilities.clone()).unwrap_or_default(),
        new_providers: plan.map(|p| p.new_providers.clone()).unwrap_or_default(),
        errors,
        mismatches,
        rows,
        more_rows,
        ready: plan.is_some(),
        mapping,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn report(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(raw_id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let read_as = read_as_of(&q);
    let (id, c) = checked(&state, &user, &raw_id, &read_as).await?;
    show_report(&state, &user, id, c, read_as.mapping, None).await
}

pub async fn apply(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(raw_id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let read_as = read_as_of(&fields);
    let mapping = read_as.mapping.clone();
    let skip_invalid = fields.iter().any(|(k, v)| k == "skip_invalid" && v == "1");
    let (id, c) = checked(&state, &user, &raw_id, &read_as).await?;
    match state.app.apply_checked(&user.actor(), &c, skip_invalid).await? {
        Ok(done) => {
            let notice = format!(
                "Imported {}: {} created, {} updated.",
                c.filename, done.created, done.updated
            );
            Ok(Redirect::to(&format!(
                "/admin/imports?{}",
                serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default()
            ))
            .into_response())
        }
        Err(ImportError::Refused(m) | ImportError::File(m)) => {
            show_report(&state, &user, id, c, mapping, Some(m)).await
        }
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}
