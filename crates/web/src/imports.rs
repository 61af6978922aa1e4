//! Checking and applying an import, shared by the admin page and `carelog import`: read the file, match
//! its columns, plan every row against the database, and apply the plan in one transaction.

use carelog_domain::import::{Cells, ImportKind, column_fields, missing_fields, parse_date_time};
use carelog_domain::import_plan::{Plan, plan};
use carelog_domain::practice_time::{UtcRange, local_date, start_of_day};
use carelog_store::{Applied, NewAuditEvent, Store};
use chrono::{Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::import_files::{Table, read_table};

pub struct CheckedImport {
    pub kind: ImportKind,
    pub filename: String,
    pub table: Table,
    pub columns: Vec<Option<&'static str>>,
    /// Required fields no column provides; the plan is not made until they are mapped.
    pub missing: Vec<&'static str>,
    /// Headers that match no field (ignored unless mapped).
    pub unmatched: Vec<String>,
    pub plan: Option<Plan>,
}

/// Practice-local time to UTC; a time in a daylight-saving gap moves to the hour after.
pub fn local_to_utc(tz: Tz, at: NaiveDateTime) -> chrono::DateTime<Utc> {
    tz.from_local_datetime(&at)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(at + Duration::hours(1))).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&at))
}

pub async fn check_import(
    store: &Store,
    tz: Tz,
    kind: ImportKind,
    filename: &str,
    bytes: &[u8],
    mapping: &[(String, String)],
) -> Result<CheckedImport, ImportError> {
    let table = read_table(filename, bytes).map_err(ImportError::File)?;
    let columns = column_fields(kind, &table.headers, mapping);
    let missing = missing_fields(kind, &columns);
    let unmatched =
        table.headers.iter().zip(&columns).filter(|(h, c)| c.is_none() && !h.trim().is_empty()).map(|(h, _)| h.clone()).collect();
    let plan = if missing.is_empty() {
        let span = if kind == ImportKind::CmLog {
            let times: Vec<NaiveDateTime> =
                table.rows.iter().filter_map(|r| parse_date_time(Cells { columns: &columns, row: r }.get("Date/Time"))).collect();
            match (times.iter().min(), times.iter().max()) {
                (Some(a), Some(b)) => {
                    Some(UtcRange { start: start_of_day(a.date(), tz), end: start_of_day(b.date() + Duration::days(1), tz) })
                }
                _ => None,
            }
        } else {
            None
        };
        let mut known = store.import_known(kind, span, |t| t.with_timezone(&tz).naive_local()).await.map_err(ImportError::Store)?;
        let now = Utc::now();
        known.today = local_date(now, tz);
        known.now_local = now.with_timezone(&tz).naive_local();
        Some(plan(kind, &columns, &table.rows, &known))
    } else {
        None
    };
    Ok(CheckedImport { kind, filename: filename.to_owned(), table, columns, missing, unmatched, plan })
}

#[derive(Debug)]
pub enum ImportError {
    /// The file cannot be read as a table.
    File(String),
    /// The import breaks a rule; nothing was saved.
    Refused(String),
    Store(carelog_store::StoreError),
}

/// Applies a checked import: all-or-nothing unless `skip_invalid`, in which case invalid rows are left out.
pub async fn apply_import(
    store: &Store,
    tz: Tz,
    checked: &CheckedImport,
    skip_invalid: bool,
    user: (Option<i64>, &str, &str),
) -> Result<Applied, ImportError> {
    let Some(plan) = &checked.plan else {
        return Err(ImportError::Refused(format!("Columns: map {} before importing.", checked.missing.join(", "))));
    };
    let invalid = plan.invalid();
    if invalid > 0 && !skip_invalid {
        let rows = if invalid == 1 { "1 row has errors".to_owned() } else { format!("{invalid} rows have errors") };
        return Err(ImportError::Refused(format!("{rows}, so nothing was imported: fix them, or choose to skip the invalid rows.")));
    }
    let detail = format!(
        "{} ({}): {} to create, {} to update, {} unchanged, {} invalid rows skipped",
        checked.filename,
        checked.kind.key(),
        plan.creates(),
        plan.updates(),
        plan.skips(),
        invalid
    );
    let action = format!("import.{}", checked.kind.key());
    let summary = NewAuditEvent { user_id: user.0, username: user.1, action: &action, patient_id: None, detail, address: user.2 };
    store.apply_import(plan, |at| local_to_utc(tz, at), &summary, Utc::now()).await.map_err(ImportError::Store)
}

/// A template for `kind` as CSV: the header row and one synthetic example.
pub fn template_csv(kind: ImportKind) -> String {
    let (headers, example) = kind.template();
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(&headers);
    let _ = out.write_record(&example);
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}
