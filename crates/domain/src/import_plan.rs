//! What an import would do, row by row, given what is already recorded: create, update, skip (unchanged or
//! already imported), or refuse with every error by column. Applying follows this plan exactly, so the
//! dry run is the promise. Pure: the caller loads `Known` and applies the plan.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};

use crate::catalogue::{TaskCategory, TimeRule, ValueFormat};
use crate::ids::{PatientId, TaskTypeId, UserId};
use crate::import::{
    CellError, Cells, FieldChange, ImportKind, PatientRecord, field_changes, likely_mismatch,
    overlay, read_cm_log_row, read_psl_row, read_zmo_row,
};
use crate::practice_time::YearMonth;
use crate::time_rules::{DAILY_CAP_MINUTES, Minutes, parse_minutes, parse_stat_value};

#[derive(Debug, Clone)]
pub struct KnownCoordinator {
    pub id: UserId,
    pub name: String,
    pub username: String,
}

#[derive(Debug, Clone)]
pub struct KnownTaskType {
    pub id: TaskTypeId,
    pub name: String,
    pub category: TaskCategory,
    pub needs_patient: bool,
    pub time_rule: TimeRule,
    pub value_format: Option<ValueFormat>,
}

#[derive(Debug, Clone)]
pub struct KnownPatient {
    pub id: PatientId,
    pub record: PatientRecord,
    pub coordinator_id: Option<UserId>,
}

/// What is recorded that an import is checked against.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub coordinators: Vec<KnownCoordinator>,
    pub facilities: Vec<String>,
    pub providers: Vec<String>,
    pub task_types: Vec<KnownTaskType>,
    /// By chart code (upper case).
    pub patients: HashMap<String, KnownPatient>,
    /// Visits as (patient, date, provider lower-case, type lower-case).
    pub visits: HashSet<(PatientId, NaiveDate, String, String)>,
    /// Entries as (coordinator, patient, task type, minutes, notes, local minute).
    pub entries: HashSet<EntryKey>,
    /// Minutes already logged per coordinator and local day, for the daily cap.
    pub day_minutes: HashMap<(UserId, NaiveDate), i64>,
    pub closed_months: BTreeSet<YearMonth>,
    /// Practitioners' NPIs by name (lower case).
    pub provider_npis: HashMap<String, String>,
    /// Chart codes whose rows the admin confirmed are the recorded patient despite a different
    /// name and birth date.
    pub confirmed_same: HashSet<String>,
    pub today: NaiveDate,
    pub now_local: NaiveDateTime,
}

pub type EntryKey = (UserId, Option<PatientId>, TaskTypeId, Option<Minutes>, String, NaiveDateTime);

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    CreatePatient(Box<PatientRecord>, Option<UserId>),
    /// The patient as they will be, their coordinator, and each field that changes (old → new).
    UpdatePatient(PatientId, Box<PatientRecord>, Option<UserId>, Vec<FieldChange>),
    CreateVisit {
        patient_id: PatientId,
        date: NaiveDate,
        provider: String,
        visit_type: String,
    },
    CreateEntry(Box<PlannedEntry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEntry {
    pub coordinator_id: UserId,
    pub patient_id: Option<PatientId>,
    pub task_type_id: TaskTypeId,
    pub category: TaskCategory,
    pub minutes: Option<Minutes>,
    pub stat_value: Option<String>,
    pub notes: String,
    /// Practice-local time; the caller converts it with the practice time zone.
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RowPlan {
    Change(Change),
    /// Nothing to do, and why ("unchanged", "already imported").
    Skip(String),
    Invalid(Vec<CellError>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Row number as a spreadsheet shows it (the header is row 1) with its plan.
    pub rows: Vec<(usize, RowPlan)>,
    pub new_facilities: Vec<String>,
    pub new_providers: Vec<String>,
}

impl Plan {
    pub fn count(&self, pick: impl Fn(&RowPlan) -> bool) -> usize {
        self.rows.iter().filter(|(_, p)| pick(p)).count()
    }

    pub fn creates(&self) -> usize {
        self.count(|p| {
            matches!(
                p,
                RowPlan::Change(
                    Change::CreatePatient(..) | Change::CreateVisit { .. } | Change::CreateEntry(_)
                )
            )
        })
    }

    pub fn updates(&self) -> usize {
        self.count(|p| matches!(p, RowPlan::Change(Change::UpdatePatient(..))))
    }

    pub fn skips(&self) -> usize {
        self.count(|p| matches!(p, RowPlan::Skip(_)))
    }

    pub fn invalid(&self) -> usize {
        self.count(|p| matches!(p, RowPlan::Invalid(_)))
    }
}

fn err(column: &'static str, message: impl Into<String>) -> CellError {
    CellError { column, message: message.into() }
}

fn find_coordinator<'a>(known: &'a Known, text: &str) -> Option<&'a KnownCoordinator> {
    let t = text.trim();
    known
        .coordinators
        .iter()
        .find(|c| c.username.eq_ignore_ascii_case(t) || c.name.eq_ignore_ascii_case(t))
}

fn name_in(list: &[String], text: &str) -> Option<String> {
    list.iter().find(|n| n.eq_ignore_ascii_case(text.trim())).cloned()
}

/// Facilities and providers a plan would add, noted once each in the order first seen.
#[derive(Default)]
struct NewNames {
    facilities: Vec<String>,
    providers: Vec<String>,
}

impl NewNames {
    fn facility(&mut self, known: &Known, name: &str) -> String {
        name_in(&known.facilities, name).or_else(|| name_in(&self.facilities, name)).unwrap_or_else(
            || {
                self.facilities.push(name.trim().to_owned());
                name.trim().to_owned()
            },
        )
    }

    fn provider(&mut self, known: &Known, name: &str) -> String {
        name_in(&known.providers, name).or_else(|| name_in(&self.providers, name)).unwrap_or_else(
            || {
                self.providers.push(name.trim().to_owned());
                name.trim().to_owned()
            },
        )
    }
}

pub fn plan(
    kind: ImportKind,
    columns: &[Option<&'static str>],
    rows: &[Vec<String>],
    known: &Known,
) -> Plan {
    let mut names = NewNames::default();
    let mut seen_charts: HashMap<String, usize> = HashMap::new();
    let mut seen_visits: HashSet<(PatientId, NaiveDate, String, String)> = HashSet::new();
    let mut seen_entries: HashSet<EntryKey> = HashSet::new();
    let mut day_minutes = known.day_minutes.clone();
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let line = i + 2;
        let cells = Cells { columns, row };
        let planned = match kind {
            ImportKind::Zmo => plan_zmo(&cells, known, &mut names, &mut seen_charts, line),
            ImportKind::Psl => plan_psl(&cells, known, &mut names, &mut seen_visits),
            ImportKind::CmLog => plan_cm_log(&cells, known, &mut seen_entries, &mut day_minutes),
        };
        out.push((line, planned));
    }
    Plan { rows: out, new_facilities: names.facilities, new_providers: names.providers }
}

fn plan_zmo(
    cells: &Cells<'_>,
    known: &Known,
    names: &mut NewNames,
    seen: &mut HashMap<String, usize>,
    line: usize,
) -> RowPlan {
    let mut record = match read_zmo_row(cells, known.today) {
        Ok(r) => r,
        Err(e) => return RowPlan::Invalid(e),
    };
    if let Some(first) = seen.get(&record.chart_code) {
        return RowPlan::Invalid(vec![err(
            "Chart Code",
            format!("{} is also on row {first} of this file", record.chart_code),
        )]);
    }
    seen.insert(record.chart_code.clone(), line);
    let coordinator = match record.coordinator.as_deref() {
        None => None,
        Some(c) => match find_coordinator(known, c) {
            Some(k) => {
                record.coordinator = Some(k.name.clone());
                Some(k.id)
            }
            None => {
                return RowPlan::Invalid(vec![err(
                    "Assigned CM",
                    format!("no coordinator is named \"{c}\" (use a display name or username)"),
                )]);
            }
        },
    };
    record.facility = record.facility.as_deref().map(|f| names.facility(known, f));
    record.provider = record.provider.as_deref().map(|p| names.provider(known, p));
    let Some(existing) = known.patients.get(&record.chart_code) else {
        if let Some(problem) = npi_problem(known, &record) {
            return RowPlan::Invalid(vec![problem]);
        }
        return RowPlan::Change(Change::CreatePatient(Box::new(record), coordinator));
    };
    if let Some(message) = likely_mismatch(&existing.record, &record)
        && !known.confirmed_same.contains(&record.chart_code)
    {
        return RowPlan::Invalid(vec![err("Chart Code", message)]);
    }
    // A column the sheet does not have leaves the field as recorded.
    let has = |header: &str| cells.columns.contains(&Some(header));
    let coordinator = if has("Assigned CM") { coordinator } else { existing.coordinator_id };
    let merged = overlay(&existing.record, record, has);
    if let Some(problem) = npi_problem(known, &merged) {
        return RowPlan::Invalid(vec![problem]);
    }
    let changes = field_changes(&existing.record, &merged);
    if changes.is_empty() && existing.coordinator_id == coordinator {
        RowPlan::Skip("unchanged".into())
    } else {
        RowPlan::Change(Change::UpdatePatient(existing.id, Box::new(merged), coordinator, changes))
    }
}

/// The billing NPI must be a practitioner's, or become the row's provider's (who has none yet).
fn npi_problem(known: &Known, record: &PatientRecord) -> Option<CellError> {
    let npi = record.billing_npi.as_ref()?;
    if known.provider_npis.values().any(|n| n == npi) {
        return None;
    }
    let message = match &record.provider {
        None => format!(
            "no practitioner has NPI {npi}: name the billing practitioner in Assigned Reg Prov"
        ),
        Some(p) => match known.provider_npis.get(&p.to_lowercase()) {
            None => return None,
            Some(other) => format!("{p} has NPI {other}, and no practitioner has {npi}"),
        },
    };
    Some(err("Billing Provider NPI", message))
}

fn plan_psl(
    cells: &Cells<'_>,
    known: &Known,
    names: &mut NewNames,
    seen: &mut HashSet<(PatientId, NaiveDate, String, String)>,
) -> RowPlan {
    let visit = match read_psl_row(cells, known.today) {
        Ok(v) => v,
        Err(e) => return RowPlan::Invalid(e),
    };
    let Some(patient) = known.patients.get(&visit.chart_code) else {
        return RowPlan::Invalid(vec![err(
            "Chart Code",
            format!("no patient has chart code {} (import the ZMO sheet first)", visit.chart_code),
        )]);
    };
    let provider = names.provider(known, &visit.provider);
    let key =
        (patient.id, visit.visit_date, provider.to_lowercase(), visit.visit_type.to_lowercase());
    if known.visits.contains(&key) || !seen.insert(key) {
        return RowPlan::Skip("already recorded".into());
    }
    RowPlan::Change(Change::CreateVisit {
        patient_id: patient.id,
        date: visit.visit_date,
        provider,
        visit_type: visit.visit_type,
    })
}

fn plan_cm_log(
    cells: &Cells<'_>,
    known: &Known,
    seen: &mut HashSet<EntryKey>,
    day_minutes: &mut HashMap<(UserId, NaiveDate), i64>,
) -> RowPlan {
    let record = match read_cm_log_row(cells) {
        Ok(r) => r,
        Err(e) => return RowPlan::Invalid(e),
    };
    let mut errors = Vec::new();
    let coordinator = find_coordinator(known, &record.coordinator);
    if coordinator.is_none() {
        errors.push(err(
            "Coordinator",
            format!("no coordinator is named \"{}\"", record.coordinator),
        ));
    }
    let task_type =
        known.task_types.iter().find(|t| t.name.eq_ignore_ascii_case(record.task_type.trim()));
    if task_type.is_none() {
        errors.push(err(
            "Task Type",
            format!("\"{}\" is not a task type in carelog's catalogue", record.task_type),
        ));
    }
    let patient = match (&record.chart_code, &record.patient_name) {
        (Some(chart), _) => match known.patients.get(chart) {
            Some(p) => Some(p.id),
            None => {
                errors.push(err("Chart Code", format!("no patient has chart code {chart}")));
                None
            }
        },
        (None, Some((last, first))) => {
            let matches: Vec<PatientId> = known
                .patients
                .values()
                .filter(|p| {
                    p.record.last_name.eq_ignore_ascii_case(last)
                        && p.record.first_name.eq_ignore_ascii_case(first)
                })
                .map(|p| p.id)
                .collect();
            match matches.as_slice() {
                [one] => Some(*one),
                [] => {
                    errors
                        .push(err("Patient Name", format!("no patient is named {last}, {first}")));
                    None
                }
                _ => {
                    errors.push(err(
                        "Patient Name",
                        format!(
                            "{} patients are named {last}, {first}: give the Chart Code",
                            matches.len()
                        ),
                    ));
                    None
                }
            }
        }
        (None, None) => None,
    };
    if record.at > known.now_local + chrono::Duration::minutes(5) {
        errors.push(err(
            "Date/Time",
            format!("{} is in the future", record.at.format("%Y-%m-%d %H:%M")),
        ));
    }
    let month = YearMonth::of(record.at.date());
    if known.closed_months.contains(&month) {
        errors.push(err(
            "Date/Time",
            format!("{month} is closed for billing; its entries are locked"),
        ));
    }
    let (Some(coordinator), Some(task_type)) = (coordinator, task_type) else {
        return RowPlan::Invalid(errors);
    };
    if task_type.needs_patient && patient.is_none() && errors.is_empty() {
        errors.push(err(
            "Patient Name",
            format!(
                "\"{}\" is logged against a patient; give a name or chart code",
                task_type.name
            ),
        ));
    }
    // A Stat entry's value is written in the notes column of the old log.
    let (minutes, stat_value) = match task_type.value_format {
        Some(format) => {
            if !record.minutes_text.is_empty() {
                errors.push(err(
                    "Time (min)",
                    format!(
                        "\"{}\" records a value, not minutes; leave Time empty",
                        task_type.name
                    ),
                ));
            }
            match parse_stat_value(format, &record.notes, known.today) {
                Ok(v) => (None, Some(v)),
                Err(v) => {
                    errors.push(err("Notes", format!("the value {}", v.message)));
                    (None, None)
                }
            }
        }
        None => match parse_minutes(task_type.time_rule, &record.minutes_text) {
            Ok(m) => (m, None),
            Err(v) => {
                errors.push(err("Time (min)", v.message));
                (None, None)
            }
        },
    };
    if !errors.is_empty() {
        return RowPlan::Invalid(errors);
    }
    let notes = if stat_value.is_some() { String::new() } else { record.notes.clone() };
    let key: EntryKey = (coordinator.id, patient, task_type.id, minutes, notes.clone(), record.at);
    if known.entries.contains(&key) || !seen.insert(key) {
        return RowPlan::Skip("already imported".into());
    }
    if let Some(m) = minutes {
        let day = day_minutes.entry((coordinator.id, record.at.date())).or_insert(0);
        if *day + i64::from(m) > DAILY_CAP_MINUTES {
            return RowPlan::Invalid(vec![err(
                "Time (min)",
                format!(
                    "{} would have {} minutes on {}, over the daily limit of {DAILY_CAP_MINUTES}",
                    coordinator.name,
                    *day + i64::from(m),
                    record.at.date()
                ),
            )]);
        }
        *day += i64::from(m);
    }
    RowPlan::Change(Change::CreateEntry(Box::new(PlannedEntry {
        coordinator_id: coordinator.id,
        patient_id: patient,
        task_type_id: task_type.id,
        category: task_type.category,
        minutes,
        stat_value,
        notes,
        at: record.at,
    })))
}

/// The report's rows with errors, for a page or a terminal: "Row 4, DOB: …".
pub fn error_lines(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    for (line, p) in &plan.rows {
        if let RowPlan::Invalid(errors) = p {
            for e in errors {
                out.push(format!("Row {line}, {}: {}", e.column, e.message));
            }
        }
    }
    out
}

/// Counts by what would happen, for summaries.
pub fn summary(plan: &Plan) -> BTreeMap<&'static str, usize> {
    BTreeMap::from([
        ("create", plan.creates()),
        ("update", plan.updates()),
        ("skip", plan.skips()),
        ("invalid", plan.invalid()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::column_fields;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn known() -> Known {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
        Known {
            coordinators: vec![KnownCoordinator {
                id: UserId(7),
                name: "Jordan Ivesdale".into(),
                username: "coord1".into(),
            }],
            facilities: vec!["Acacia".into()],
            providers: vec!["Dr. Szalas".into()],
            task_types: vec![
                KnownTaskType {
                    id: TaskTypeId(1),
                    name: "Communication: Phone".into(),
                    category: TaskCategory::Communication,
                    needs_patient: true,
                    time_rule: TimeRule::Minutes,
                    value_format: None,
                },
                KnownTaskType {
                    id: TaskTypeId(2),
                    name: "Stat: Last ER/HOSP (yymm)".into(),
                    category: TaskCategory::Stat,
                    needs_patient: true,
                    time_rule: TimeRule::NoMinutes,
                    value_format: Some(ValueFormat::YearMonth),
                },
            ],
            today,
            now_local: today.and_hms_opt(12, 0, 0).unwrap_or_default(),
            ..Known::default()
        }
    }

    fn zmo_rows() -> (Vec<Option<&'static str>>, Vec<Vec<String>>) {
        let headers = strings(&[
            "Patient Name",
            "DOB",
            "Chart Code",
            "Assigned CM",
            "Facility",
            "Assigned Reg Prov",
            "Program",
        ]);
        let rows = vec![
            strings(&[
                "SAMPLE, PAT",
                "1950-04-12",
                "ZM900001",
                "coord1",
                "acacia",
                "Dr. New",
                "CCM",
            ]),
            strings(&["OTHER, ONE", "1951-01-01", "ZM900002", "", "Violet", "dr. new", "PCM"]),
            strings(&["DUP, ROW", "1952-01-01", "zm900001", "", "", "", "CCM"]),
            strings(&["BAD, CM", "1953-01-01", "ZM900003", "nobody", "", "", "CCM"]),
        ];
        (column_fields(ImportKind::Zmo, &headers, &[]), rows)
    }

    #[test]
    fn a_zmo_plan_creates_reuses_names_and_refuses_duplicates_and_strangers() {
        let (cols, rows) = zmo_rows();
        let p = plan(ImportKind::Zmo, &cols, &rows, &known());
        assert_eq!((p.creates(), p.updates(), p.skips(), p.invalid()), (2, 0, 0, 2));
        assert_eq!(p.new_facilities, vec!["Violet"], "Acacia matched without case");
        assert_eq!(p.new_providers, vec!["Dr. New"], "one new provider however it is spelt");
        let lines = error_lines(&p);
        assert!(lines[0].starts_with("Row 4, Chart Code: ZM900001 is also on row 2"), "{lines:?}");
        assert!(lines[1].starts_with("Row 5, Assigned CM: no coordinator is named \"nobody\""));
    }

    #[test]
    fn importing_the_same_zmo_rows_again_changes_nothing_and_a_difference_updates() {
        let (cols, rows) = zmo_rows();
        let mut k = known();
        let first = plan(ImportKind::Zmo, &cols, &rows[..2], &k);
        for (i, (_, row)) in first.rows.iter().enumerate() {
            if let RowPlan::Change(Change::CreatePatient(r, c)) = row {
                k.patients.insert(
                    r.chart_code.clone(),
                    KnownPatient {
                        id: PatientId(i as i64 + 100),
                        record: (**r).clone(),
                        coordinator_id: *c,
                    },
                );
            }
        }
        k.facilities.extend(first.new_facilities.clone());
        k.providers.extend(first.new_providers.clone());
        let again = plan(ImportKind::Zmo, &cols, &rows[..2], &k);
        assert_eq!((again.creates(), again.updates(), again.skips()), (0, 0, 2));
        assert!(again.new_providers.is_empty() && again.new_facilities.is_empty());
        let mut changed = rows[..2].to_vec();
        changed[1][6] = "CCM+PCM".into();
        assert_eq!(plan(ImportKind::Zmo, &cols, &changed, &k).updates(), 1);
    }

    #[test]
    fn cm_log_rows_follow_the_time_rules_and_the_daily_cap() {
        let mut k = known();
        let record = read_zmo_row(
            &Cells {
                columns: &[Some("Patient Name"), Some("DOB"), Some("Chart Code"), Some("Program")],
                row: &strings(&["SAMPLE, PAT", "1950-04-12", "ZM1", "CCM"]),
            },
            k.today,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        k.patients.insert(
            "ZM1".into(),
            KnownPatient { id: PatientId(50), record, coordinator_id: Some(UserId(7)) },
        );
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default();
        k.day_minutes.insert((UserId(7), day), 400);
        k.closed_months.insert(YearMonth { year: 2026, month: 9 });
        let headers = strings(&[
            "Coordinator",
            "Patient Name",
            "Task Type",
            "Notes",
            "Time (min)",
            "Date/Time",
        ]);
        let cols = column_fields(ImportKind::CmLog, &headers, &[]);
        let rows = vec![
            strings(&[
                "Jordan Ivesdale",
                "sample, pat",
                "Communication: Phone",
                "Called",
                "60",
                "2026-11-02 09:00",
            ]),
            strings(&[
                "coord1",
                "SAMPLE, PAT",
                "Communication: Phone",
                "Again",
                "30",
                "2026-11-02 10:00",
            ]),
            strings(&[
                "coord1",
                "SAMPLE, PAT",
                "Communication: Phone",
                "Short",
                "3",
                "2026-11-03 10:00",
            ]),
            strings(&[
                "coord1",
                "SAMPLE, PAT",
                "Stat: Last ER/HOSP (yymm)",
                "2610",
                "",
                "2026-11-03 11:00",
            ]),
            strings(&[
                "coord1",
                "SAMPLE, PAT",
                "Communication: Phone",
                "Old",
                "20",
                "2026-09-03 11:00",
            ]),
            strings(&[
                "coord1",
                "SAMPLE, PAT",
                "Communication: Phone",
                "Called",
                "60",
                "2026-11-02 09:00",
            ]),
        ];
        let p = plan(ImportKind::CmLog, &cols, &rows, &k);
        let kinds: Vec<&str> = p
            .rows
            .iter()
            .map(|(_, r)| match r {
                RowPlan::Change(_) => "create",
                RowPlan::Skip(_) => "skip",
                RowPlan::Invalid(_) => "invalid",
            })
            .collect();
        assert_eq!(
            kinds,
            vec!["create", "invalid", "invalid", "create", "invalid", "skip"],
            "{:?}",
            error_lines(&p)
        );
        let lines = error_lines(&p);
        assert!(
            lines[0].starts_with("Row 3, Time (min):")
                && lines[0].contains("490 minutes on 2026-11-02"),
            "{lines:?}"
        );
        assert!(lines[1].starts_with("Row 4, Time (min):"), "{lines:?}");
        assert!(lines[2].contains("2026-09 is closed for billing"), "{lines:?}");
    }
}
