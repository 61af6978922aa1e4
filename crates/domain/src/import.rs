//! Reading a practice's spreadsheets (issue 7): the ZMO onboarding sheet, the Provider Service Log and the
//! old CM Log. Headers are matched case-insensitively to known fields (others are mapped by the admin);
//! each cell is checked with a message naming its row and column. Pure: the caller supplies the table
//! and what is already recorded.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::enrollment::Npi;
use crate::icd10cm;
use crate::patient::{CarePlanState, ConsentMethod, PatientStatus, Program, Sex, SpecialNeed};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Zmo,
    Psl,
    CmLog,
}

impl ImportKind {
    pub const ALL: [ImportKind; 3] = [ImportKind::Zmo, ImportKind::Psl, ImportKind::CmLog];

    pub fn parse(text: &str) -> Option<ImportKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "zmo" => Some(ImportKind::Zmo),
            "psl" => Some(ImportKind::Psl),
            "cmlog" | "cm-log" | "cm_log" => Some(ImportKind::CmLog),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ImportKind::Zmo => "zmo",
            ImportKind::Psl => "psl",
            ImportKind::CmLog => "cmlog",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportKind::Zmo => "ZMO onboarding sheet (patients)",
            ImportKind::Psl => "Provider Service Log (visits)",
            ImportKind::CmLog => "CM Log (time entries)",
        }
    }

    /// The fields of this kind, in template order; the first `required` of them must be present.
    pub fn fields(self) -> &'static [Field] {
        match self {
            ImportKind::Zmo => ZMO_FIELDS,
            ImportKind::Psl => PSL_FIELDS,
            ImportKind::CmLog => CM_LOG_FIELDS,
        }
    }

    /// A template: the header row and one example row of synthetic data.
    pub fn template(self) -> (Vec<&'static str>, Vec<&'static str>) {
        let fields = self.fields();
        (fields.iter().map(|f| f.header).collect(), fields.iter().map(|f| f.example).collect())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub header: &'static str,
    pub required: bool,
    /// Other spellings seen in practices' sheets.
    pub aliases: &'static [&'static str],
    pub example: &'static str,
}

const fn field(
    header: &'static str,
    required: bool,
    aliases: &'static [&'static str],
    example: &'static str,
) -> Field {
    Field { header, required, aliases, example }
}

const ZMO_FIELDS: &[Field] = &[
    field("Patient Name", true, &["Name", "Patient"], "SAMPLE, PAT"),
    field("DOB", true, &["Date of Birth", "Birth Date"], "1950-04-12"),
    field("Chart Code", true, &["Chart", "MRN", "Chart #"], "ZM900001"),
    field("Assigned CM", false, &["CM", "Care Manager", "Coordinator"], ""),
    field(
        "Assigned Reg Prov",
        false,
        &["Provider", "Regional Provider", "Assigned Provider"],
        "Dr. Szalas",
    ),
    field("Facility", false, &["Site", "Location"], "Acacia"),
    field("Status", false, &["Patient Status"], "Active"),
    field("Program", true, &["Care Type", "Programme"], "CCM"),
    field("Consent Date", false, &["Consent"], "2026-01-15"),
    field("Chronic Conditions", false, &["Conditions"], "Diabetes; Hypertension"),
    field("Complex", false, &["Complex CCM"], "N"),
    field("Language", false, &["Preferred Language"], "English"),
    field("Special Needs", false, &[], ""),
    field("Phone", false, &["Phone Number"], "555-0100"),
    field("Insurance", false, &["Primary Insurance"], "Medicare"),
    field("Policy Number", false, &["Policy"], "1EG4-TE5-MK72"),
    field("Visit Interval", false, &["Visit Interval (months)", "Interval"], "3"),
    field("Consent Type", false, &["Consent Method"], "verbal"),
    field("Diagnoses", false, &["ICD-10", "ICD10", "Diagnosis Codes"], "E11.9; I10"),
    field("Care Plan Status", false, &["Care Plan"], "Active"),
    field("Billing Provider NPI", false, &["NPI", "Billing NPI"], "1234567893"),
    field("Member ID", false, &["MBI", "Medicare ID"], "1EG4TE5MK73"),
    field("Sex", false, &["Gender"], "F"),
];

const PSL_FIELDS: &[Field] = &[
    field("Chart Code", true, &["Chart", "MRN", "Chart #"], "ZM900001"),
    field("Visit Date", true, &["Date", "Service Date", "DOS"], "2026-10-02"),
    field("Provider", true, &["Rendering Provider"], "Dr. Szalas"),
    field("Visit Type", true, &["Type", "Service"], "Office Visit"),
];

const CM_LOG_FIELDS: &[Field] = &[
    field("Coordinator", true, &["CM", "Care Manager", "Staff"], "coord1"),
    field("Patient Name", false, &["Patient", "Name"], "SAMPLE, PAT"),
    field("Chart Code", false, &["Chart", "MRN", "Chart #"], "ZM900001"),
    field("Task Type", true, &["Task", "Type"], "Communication: Phone"),
    field("Notes", false, &["Note", "Comments"], "Reviewed medications"),
    field("Time (min)", false, &["Time", "Minutes", "Min"], "15"),
    field("Date/Time", true, &["Date", "DateTime", "Date Time"], "2026-11-02 10:30"),
];

fn normalise(header: &str) -> String {
    header.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase()
}

/// Which field a header names, matching the header or an alias without regard to case or spacing.
pub fn match_header(kind: ImportKind, header: &str) -> Option<&'static str> {
    let h = normalise(header);
    kind.fields()
        .iter()
        .find(|f| normalise(f.header) == h || f.aliases.iter().any(|a| normalise(a) == h))
        .map(|f| f.header)
}

/// Each column's field: from the header, or from the admin's mapping (header → field); None to ignore it.
pub fn column_fields(
    kind: ImportKind,
    headers: &[String],
    mapping: &[(String, String)],
) -> Vec<Option<&'static str>> {
    headers
        .iter()
        .map(|h| match mapping.iter().find(|(from, _)| normalise(from) == normalise(h)) {
            Some((_, to)) if to.is_empty() || to == "-" => None,
            Some((_, to)) => kind
                .fields()
                .iter()
                .find(|f| normalise(f.header) == normalise(to))
                .map(|f| f.header),
            None => match_header(kind, h),
        })
        .collect()
}

/// Required fields that no column provides.
pub fn missing_fields(kind: ImportKind, columns: &[Option<&'static str>]) -> Vec<&'static str> {
    let mut missing: Vec<&'static str> = kind
        .fields()
        .iter()
        .filter(|f| f.required && !columns.contains(&Some(f.header)))
        .map(|f| f.header)
        .collect();
    // The CM Log names a patient by name or by chart code; either will do.
    if kind == ImportKind::CmLog
        && !columns.contains(&Some("Patient Name"))
        && !columns.contains(&Some("Chart Code"))
    {
        missing.push("Patient Name or Chart Code");
    }
    missing
}

/// One row's cells by field.
pub struct Cells<'a> {
    pub columns: &'a [Option<&'static str>],
    pub row: &'a [String],
}

impl Cells<'_> {
    pub fn get(&self, field: &str) -> &str {
        self.columns
            .iter()
            .position(|c| *c == Some(field))
            .and_then(|i| self.row.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }
}

/// A problem with one cell: the column it is in and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub column: &'static str,
    pub message: String,
}

fn err(column: &'static str, message: impl Into<String>) -> CellError {
    CellError { column, message: message.into() }
}

/// Dates as practices write them: 2026-04-12, 04/12/2026, 4/12/26, 20260412; also a spreadsheet serial day.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    for format in ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y%m%d", "%m-%d-%Y", "%Y/%m/%d"] {
        // "4/12/26" also parses as the year 26 under %Y; a two-digit year is left to %y.
        if let Ok(d) = NaiveDate::parse_from_str(t, format)
            && d.year() >= 1800
        {
            return Some(d);
        }
    }
    // A date-time whose time is midnight, as XLSX readers render dates.
    if let Some(dt) = parse_date_time(t) {
        return Some(dt.date());
    }
    None
}

pub fn parse_date_time(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    for format in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%y %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, format) {
            return Some(dt);
        }
    }
    None
}

/// "LAST, FIRST" into (last, first).
pub fn parse_name(text: &str) -> Option<(String, String)> {
    let (last, first) = text.split_once(',')?;
    let (last, first) = (last.trim(), first.trim());
    (!last.is_empty() && !first.is_empty() && last.len() <= 80 && first.len() <= 80)
        .then(|| (last.to_owned(), first.to_owned()))
}

fn split_list(text: &str) -> Vec<String> {
    text.split([';', ',', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A ZMO row as carelog records a patient.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientRecord {
    pub chart_code: String,
    pub last_name: String,
    pub first_name: String,
    pub dob: NaiveDate,
    pub coordinator: Option<String>,
    pub provider: Option<String>,
    pub facility: Option<String>,
    pub status: PatientStatus,
    pub program: Program,
    pub consent_date: Option<NaiveDate>,
    pub chronic_conditions: i32,
    pub complex_ccm: bool,
    pub language: String,
    pub special_needs: Vec<String>,
    pub phone: Option<String>,
    pub insurance: Option<String>,
    pub policy: Option<String>,
    pub visit_interval_months: i32,
    /// How consent was obtained, when the sheet says.
    pub consent_method: Option<ConsentMethod>,
    /// Billable ICD-10-CM codes, sorted, each once.
    pub diagnoses: Vec<String>,
    /// Draft, Active or Inactive, when the sheet says.
    pub care_plan: Option<CarePlanState>,
    pub billing_npi: Option<String>,
    pub member_id: Option<String>,
    pub sex: Option<Sex>,
}

pub fn read_zmo_row(cells: &Cells<'_>, today: NaiveDate) -> Result<PatientRecord, Vec<CellError>> {
    let mut errors = Vec::new();
    let name = parse_name(cells.get("Patient Name"));
    if name.is_none() {
        errors.push(err(
            "Patient Name",
            format!("\"{}\" is not LAST, FIRST", cells.get("Patient Name")),
        ));
    }
    let dob = parse_date(cells.get("DOB"));
    match dob {
        None => errors.push(err(
            "DOB",
            format!("\"{}\" is not a date (YYYY-MM-DD or MM/DD/YYYY)", cells.get("DOB")),
        )),
        Some(d) if d > today || d < today - chrono::Duration::days(130 * 366) => {
            errors.push(err("DOB", format!("{d} is not a plausible date of birth")))
        }
        _ => {}
    }
    let chart = cells.get("Chart Code").to_uppercase();
    if chart.is_empty()
        || chart.len() > 32
        || !chart.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        errors.push(err(
            "Chart Code",
            format!("\"{chart}\" is not a chart code (letters, digits and '-', at most 32)"),
        ));
    }
    let status = match cells.get("Status") {
        "" => Some(PatientStatus::Active),
        s => PatientStatus::parse(s).ok().or_else(|| {
            errors.push(err("Status", format!("\"{s}\" is not Active, Inactive or Deceased")));
            None
        }),
    };
    let program = match cells.get("Program").to_uppercase().replace(' ', "").as_str() {
        "CCM" => Some(Program::Ccm),
        "PCM" => Some(Program::Pcm),
        "CCM+PCM" | "BOTH" | "CCM/PCM" => Some(Program::Both),
        other => {
            errors.push(err("Program", format!("\"{other}\" is not CCM, PCM or CCM+PCM")));
            None
        }
    };
    let consent_date = match cells.get("Consent Date") {
        "" => None,
        c => parse_date(c).or_else(|| {
            errors.push(err("Consent Date", format!("\"{c}\" is not a date")));
            None
        }),
    };
    let conditions = cells.get("Chronic Conditions");
    let chronic_conditions = match conditions.parse::<i32>() {
        Ok(n) if (0..=50).contains(&n) => n,
        Ok(n) => {
            errors.push(err("Chronic Conditions", format!("{n} is not a count from 0 to 50")));
            0
        }
        Err(_) => split_list(conditions).len() as i32,
    };
    let complex_ccm = match cells.get("Complex").to_ascii_uppercase().as_str() {
        "" | "N" | "NO" | "FALSE" | "0" => false,
        "Y" | "YES" | "TRUE" | "1" => true,
        other => {
            errors.push(err("Complex", format!("\"{other}\" is not Y or N")));
            false
        }
    };
    let mut special_needs = Vec::new();
    for need in split_list(cells.get("Special Needs")) {
        match SpecialNeed::parse(&need) {
            Ok(n) => special_needs.push(n.as_str().to_owned()),
            Err(_) => errors.push(err(
                "Special Needs",
                format!(
                    "\"{need}\" is not one of Mental Health, Dementia, Complex Medical, Language"
                ),
            )),
        }
    }
    let interval_text = cells.get("Visit Interval").to_ascii_lowercase();
    let interval_number = interval_text.trim_end_matches("months").trim_end_matches("month").trim();
    let visit_interval_months = match interval_text.as_str() {
        "" => 3,
        "monthly" => 1,
        "quarterly" => 3,
        "biannual" | "semiannual" | "semi-annual" => 6,
        "annual" | "annually" | "yearly" => 12,
        _ => match interval_number.parse::<i32>() {
            Ok(n) if (1..=24).contains(&n) => n,
            _ => {
                errors.push(err(
                    "Visit Interval",
                    format!("\"{interval_text}\" is not 1 to 24 months"),
                ));
                3
            }
        },
    };
    let language = match cells.get("Language") {
        "" => "English".to_owned(),
        l if l.len() <= 40 && l.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '-') => {
            l.to_owned()
        }
        l => {
            errors.push(err("Language", format!("\"{l}\" is not a language name")));
            String::new()
        }
    };
    let consent_method = match cells.get("Consent Type").to_ascii_lowercase().as_str() {
        "" => None,
        "verbal" | "v" | "oral" => Some(ConsentMethod::Verbal),
        "written" | "w" | "signed" => Some(ConsentMethod::Written),
        other => {
            errors.push(err("Consent Type", format!("\"{other}\" is not verbal or written")));
            None
        }
    };
    let mut diagnoses = Vec::new();
    for code in split_list(cells.get("Diagnoses")) {
        match icd10cm::billable(&code) {
            Ok(found) => diagnoses.push(found.code.to_owned()),
            Err(e) => errors.push(err("Diagnoses", e.message)),
        }
    }
    diagnoses.sort();
    diagnoses.dedup();
    // The condition count follows from the codes when the sheet gives them.
    let chronic_conditions = if diagnoses.is_empty() {
        chronic_conditions
    } else {
        diagnoses.iter().filter(|c| icd10cm::chronic_by_default(c)).count() as i32
    };
    let care_plan = match cells.get("Care Plan Status").to_ascii_lowercase().as_str() {
        "" | "not started" | "none" => None,
        "draft" => Some(CarePlanState::Draft),
        "active" => Some(CarePlanState::Active),
        "inactive" => Some(CarePlanState::Inactive),
        other => {
            errors.push(err(
                "Care Plan Status",
                format!("\"{other}\" is not Draft, Active or Inactive"),
            ));
            None
        }
    };
    let billing_npi = match cells.get("Billing Provider NPI") {
        "" => None,
        npi => match Npi::parse(npi) {
            Ok(valid) => Some(valid.as_str().to_owned()),
            Err(e) => {
                errors.push(err("Billing Provider NPI", e.message));
                None
            }
        },
    };
    let member_id = cells.get("Member ID").to_ascii_uppercase().replace(['-', ' '], "");
    if member_id.len() > 20 || !member_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.push(err("Member ID", "letters and digits, at most 20"));
    }
    let sex = match cells.get("Sex").to_ascii_lowercase().as_str() {
        "" => None,
        "f" | "female" => Some(Sex::Female),
        "m" | "male" => Some(Sex::Male),
        "u" | "unknown" => Some(Sex::Unknown),
        other => {
            errors.push(err("Sex", format!("\"{other}\" is not F, M or U")));
            None
        }
    };
    let text = |field: &str| Some(cells.get(field).to_owned()).filter(|s| !s.is_empty());
    for (column, limit) in [
        ("Phone", 40),
        ("Insurance", 80),
        ("Policy Number", 60),
        ("Assigned CM", 120),
        ("Assigned Reg Prov", 120),
        ("Facility", 120),
    ] {
        if cells.get(column).chars().count() > limit {
            let column = kind_field(ImportKind::Zmo, column);
            errors.push(err(column, format!("at most {limit} characters")));
        }
    }
    match (name, dob, status, program) {
        (Some((last_name, first_name)), Some(dob), Some(status), Some(program))
            if errors.is_empty() =>
        {
            Ok(PatientRecord {
                chart_code: chart,
                last_name,
                first_name,
                dob,
                coordinator: text("Assigned CM"),
                provider: text("Assigned Reg Prov"),
                facility: text("Facility"),
                status,
                program,
                consent_date,
                chronic_conditions,
                complex_ccm,
                language,
                special_needs,
                phone: text("Phone"),
                insurance: text("Insurance"),
                policy: text("Policy Number"),
                visit_interval_months,
                consent_method,
                diagnoses,
                care_plan,
                billing_npi,
                member_id: Some(member_id).filter(|m| !m.is_empty()),
                sex,
            })
        }
        _ => Err(errors),
    }
}

/// An existing patient's record with a sheet row laid over it: a column the sheet does not have
/// leaves its field as recorded, and diagnoses are only ever added (carelog keeps its own record of
/// them; a sheet that omits one does not resolve it).
pub fn overlay(
    existing: &PatientRecord,
    row: PatientRecord,
    has: impl Fn(&str) -> bool,
) -> PatientRecord {
    fn pick<T>(has: bool, sheet: T, recorded: &T) -> T
    where
        T: Clone,
    {
        if has { sheet } else { recorded.clone() }
    }
    let mut diagnoses = existing.diagnoses.clone();
    diagnoses.extend(row.diagnoses.iter().cloned());
    diagnoses.sort();
    diagnoses.dedup();
    // The count follows the codes, the recorded and the sheet's together, whenever there are any.
    let chronic_conditions = if has("Diagnoses") && !diagnoses.is_empty() {
        diagnoses.iter().filter(|c| icd10cm::chronic_by_default(c)).count() as i32
    } else if has("Chronic Conditions") || has("Diagnoses") {
        row.chronic_conditions
    } else {
        existing.chronic_conditions
    };
    PatientRecord {
        chart_code: row.chart_code,
        last_name: row.last_name,
        first_name: row.first_name,
        dob: row.dob,
        program: row.program,
        coordinator: pick(has("Assigned CM"), row.coordinator, &existing.coordinator),
        provider: pick(has("Assigned Reg Prov"), row.provider, &existing.provider),
        facility: pick(has("Facility"), row.facility, &existing.facility),
        status: pick(has("Status"), row.status, &existing.status),
        consent_date: pick(has("Consent Date"), row.consent_date, &existing.consent_date),
        chronic_conditions,
        complex_ccm: pick(has("Complex"), row.complex_ccm, &existing.complex_ccm),
        language: pick(has("Language"), row.language, &existing.language),
        special_needs: pick(has("Special Needs"), row.special_needs, &existing.special_needs),
        phone: pick(has("Phone"), row.phone, &existing.phone),
        insurance: pick(has("Insurance"), row.insurance, &existing.insurance),
        policy: pick(has("Policy Number"), row.policy, &existing.policy),
        visit_interval_months: pick(
            has("Visit Interval"),
            row.visit_interval_months,
            &existing.visit_interval_months,
        ),
        consent_method: pick(has("Consent Type"), row.consent_method, &existing.consent_method),
        diagnoses: pick(has("Diagnoses"), diagnoses, &existing.diagnoses),
        care_plan: pick(has("Care Plan Status"), row.care_plan, &existing.care_plan),
        billing_npi: pick(has("Billing Provider NPI"), row.billing_npi, &existing.billing_npi),
        member_id: pick(has("Member ID"), row.member_id, &existing.member_id),
        sex: pick(has("Sex"), row.sex, &existing.sex),
    }
}

/// A field a re-import changes, as the dry run shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

fn shown<T: std::fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "—".to_owned(), |v| v.to_string())
}

/// Each field as the sheet names it, written as the dry run shows it.
fn sheet_fields(r: &PatientRecord) -> [(&'static str, String); 22] {
    [
        ("Patient Name", format!("{}, {}", r.last_name, r.first_name)),
        ("DOB", r.dob.to_string()),
        ("Assigned CM", shown(&r.coordinator)),
        ("Assigned Reg Prov", shown(&r.provider)),
        ("Facility", shown(&r.facility)),
        ("Status", r.status.to_string()),
        ("Program", r.program.to_string()),
        ("Consent Date", shown(&r.consent_date)),
        ("Consent Type", shown(&r.consent_method)),
        ("Chronic Conditions", r.chronic_conditions.to_string()),
        ("Diagnoses", if r.diagnoses.is_empty() { "—".into() } else { r.diagnoses.join("; ") }),
        ("Care Plan Status", shown(&r.care_plan)),
        ("Complex", if r.complex_ccm { "Y".into() } else { "N".into() }),
        ("Language", r.language.clone()),
        (
            "Special Needs",
            if r.special_needs.is_empty() { "—".into() } else { r.special_needs.join("; ") },
        ),
        ("Phone", shown(&r.phone)),
        ("Insurance", shown(&r.insurance)),
        ("Policy Number", shown(&r.policy)),
        ("Visit Interval", r.visit_interval_months.to_string()),
        ("Billing Provider NPI", shown(&r.billing_npi)),
        ("Member ID", shown(&r.member_id)),
        ("Sex", shown(&r.sex)),
    ]
}

/// What a re-import would change, field by field, old → new.
pub fn field_changes(old: &PatientRecord, new: &PatientRecord) -> Vec<FieldChange> {
    sheet_fields(old)
        .into_iter()
        .zip(sheet_fields(new))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, old), (_, new))| FieldChange { field, old, new })
        .collect()
}

/// The words that mark a row refused as likely another patient.
pub const LIKELY_ANOTHER_PATIENT: &str = "likely a different patient";

/// A row whose chart code is a recorded patient's while both the name and the birth date differ is
/// most likely another person: the sheet's chart code is wrong, or the record's.
pub fn likely_mismatch(recorded: &PatientRecord, row: &PatientRecord) -> Option<String> {
    let same_name = recorded.last_name.eq_ignore_ascii_case(&row.last_name)
        && recorded.first_name.eq_ignore_ascii_case(&row.first_name);
    (!same_name && recorded.dob != row.dob).then(|| {
        format!(
            "{} is {}, {} born {} here; the sheet says {}, {} born {}: {LIKELY_ANOTHER_PATIENT}. \
             Confirm it is the same patient to apply this row",
            row.chart_code,
            recorded.last_name,
            recorded.first_name,
            recorded.dob,
            row.last_name,
            row.first_name,
            row.dob
        )
    })
}

fn kind_field(kind: ImportKind, header: &str) -> &'static str {
    kind.fields().iter().find(|f| f.header == header).map(|f| f.header).unwrap_or("row")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRecord {
    pub chart_code: String,
    pub visit_date: NaiveDate,
    pub provider: String,
    pub visit_type: String,
}

pub fn read_psl_row(cells: &Cells<'_>, today: NaiveDate) -> Result<VisitRecord, Vec<CellError>> {
    let mut errors = Vec::new();
    let chart = cells.get("Chart Code").to_uppercase();
    if chart.is_empty() {
        errors.push(err("Chart Code", "is empty"));
    }
    let date = parse_date(cells.get("Visit Date"));
    match date {
        None => {
            errors.push(err("Visit Date", format!("\"{}\" is not a date", cells.get("Visit Date"))))
        }
        Some(d) if d > today => errors.push(err("Visit Date", format!("{d} is in the future"))),
        _ => {}
    }
    let provider = cells.get("Provider");
    if provider.is_empty() || provider.chars().count() > 120 {
        errors.push(err("Provider", "give the provider's name (at most 120 characters)"));
    }
    let visit_type = cells.get("Visit Type");
    if visit_type.is_empty() || visit_type.chars().count() > 80 {
        errors.push(err("Visit Type", "give the visit type (at most 80 characters)"));
    }
    match date {
        Some(visit_date) if errors.is_empty() => Ok(VisitRecord {
            chart_code: chart,
            visit_date,
            provider: provider.to_owned(),
            visit_type: visit_type.to_owned(),
        }),
        _ => Err(errors),
    }
}

/// A CM Log row before its names are matched: the caller resolves coordinator, patient and task type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub coordinator: String,
    pub patient_name: Option<(String, String)>,
    pub chart_code: Option<String>,
    pub task_type: String,
    pub notes: String,
    pub minutes_text: String,
    pub at: NaiveDateTime,
}

pub fn read_cm_log_row(cells: &Cells<'_>) -> Result<LogRecord, Vec<CellError>> {
    let mut errors = Vec::new();
    let coordinator = cells.get("Coordinator");
    if coordinator.is_empty() {
        errors.push(err("Coordinator", "is empty"));
    }
    let name_text = cells.get("Patient Name");
    let patient_name = match name_text {
        "" => None,
        n => parse_name(n).or_else(|| {
            errors.push(err("Patient Name", format!("\"{n}\" is not LAST, FIRST")));
            None
        }),
    };
    let chart_code = Some(cells.get("Chart Code").to_uppercase()).filter(|c| !c.is_empty());
    let task_type = cells.get("Task Type");
    if task_type.is_empty() {
        errors.push(err("Task Type", "is empty"));
    }
    let at = parse_date_time(cells.get("Date/Time"));
    if at.is_none() {
        errors.push(err(
            "Date/Time",
            format!(
                "\"{}\" is not a date and time (YYYY-MM-DD HH:MM or MM/DD/YYYY HH:MM)",
                cells.get("Date/Time")
            ),
        ));
    }
    let notes = cells.get("Notes");
    if notes.chars().count() > 2000 {
        errors.push(err("Notes", "at most 2000 characters"));
    }
    match at {
        Some(at) if errors.is_empty() => Ok(LogRecord {
            coordinator: coordinator.to_owned(),
            patient_name,
            chart_code,
            task_type: task_type.to_owned(),
            notes: notes.to_owned(),
            minutes_text: cells.get("Time (min)").to_owned(),
            at,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn headers_match_without_case_or_spacing_and_mapping_overrides() {
        assert_eq!(match_header(ImportKind::Zmo, "  patient   NAME "), Some("Patient Name"));
        assert_eq!(match_header(ImportKind::Zmo, "MRN"), Some("Chart Code"));
        assert_eq!(match_header(ImportKind::Zmo, "Favourite colour"), None);
        let headers = strings(&["Name", "Birthday", "Chart", "Program", "Extra"]);
        let cols = column_fields(
            ImportKind::Zmo,
            &headers,
            &[("birthday".into(), "DOB".into()), ("Extra".into(), "-".into())],
        );
        assert_eq!(
            cols,
            vec![Some("Patient Name"), Some("DOB"), Some("Chart Code"), Some("Program"), None]
        );
        assert!(missing_fields(ImportKind::Zmo, &cols).is_empty());
        assert_eq!(missing_fields(ImportKind::Zmo, &cols[..2]), vec!["Chart Code", "Program"]);
        let log = column_fields(
            ImportKind::CmLog,
            &strings(&["Coordinator", "Task Type", "Date/Time"]),
            &[],
        );
        assert_eq!(missing_fields(ImportKind::CmLog, &log), vec!["Patient Name or Chart Code"]);
    }

    fn zmo_record(headers: &[&str], row: &[&str]) -> Result<PatientRecord, Vec<CellError>> {
        let columns = column_fields(ImportKind::Zmo, &strings(headers), &[]);
        read_zmo_row(&Cells { columns: &columns, row: &strings(row) }, today())
    }

    #[test]
    fn enrollment_columns_are_read_and_the_condition_count_follows_the_codes() {
        let headers = [
            "Patient Name",
            "DOB",
            "Chart Code",
            "Program",
            "Chronic Conditions",
            "Consent Type",
            "ICD-10",
            "Care Plan",
            "NPI",
            "MBI",
            "Gender",
        ];
        let r = zmo_record(
            &headers,
            &[
                "A, B",
                "1950-01-01",
                "Z1",
                "CCM",
                "5",
                "Written",
                "i10, e119; J06.9",
                "active",
                "1234567893",
                "1eg4-te5-mk73",
                "female",
            ],
        )
        .unwrap();
        assert_eq!(r.diagnoses, ["E11.9", "I10", "J06.9"]);
        assert_eq!(r.chronic_conditions, 2, "the codes decide, not the count column");
        assert_eq!(r.consent_method, Some(ConsentMethod::Written));
        assert_eq!(r.care_plan, Some(CarePlanState::Active));
        assert_eq!(r.billing_npi.as_deref(), Some("1234567893"));
        assert_eq!(r.member_id.as_deref(), Some("1EG4TE5MK73"));
        assert_eq!(r.sex, Some(Sex::Female));
        assert_eq!(
            match_header(ImportKind::Zmo, "Member ID"),
            Some("Member ID"),
            "no longer the policy"
        );
        let errors = zmo_record(
            &headers,
            &["A, B", "1950-01-01", "Z1", "CCM", "", "", "E11; X99.99", "", "", "", ""],
        )
        .unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("E11 is a category"));
        assert_eq!(messages[1], "X99.99 is not an ICD-10-CM code");
    }

    #[test]
    fn a_later_sheet_changes_only_its_columns_and_adds_diagnoses() {
        let full = [
            "Patient Name",
            "DOB",
            "Chart Code",
            "Program",
            "Consent Date",
            "Diagnoses",
            "Sex",
            "Phone",
        ];
        let recorded = zmo_record(
            &full,
            &["A, B", "1950-01-01", "Z1", "CCM", "2026-01-05", "I10", "F", "555-0100"],
        )
        .unwrap();
        let partial = ["Patient Name", "DOB", "Chart Code", "Program", "Diagnoses", "Phone"];
        let row = zmo_record(&partial, &["A, B", "1950-01-01", "Z1", "CCM", "E11.9", "555-0199"])
            .unwrap();
        let merged = overlay(&recorded, row, |h| partial.contains(&h));
        assert_eq!(merged.consent_date, recorded.consent_date, "no Consent Date column");
        assert_eq!(merged.sex, Some(Sex::Female), "no Sex column");
        assert_eq!(merged.diagnoses, ["E11.9", "I10"], "a code the sheet leaves out stays");
        let changes = field_changes(&recorded, &merged);
        let shown: Vec<String> =
            changes.iter().map(|c| format!("{}: {} → {}", c.field, c.old, c.new)).collect();
        assert_eq!(
            shown,
            [
                "Chronic Conditions: 1 → 2",
                "Diagnoses: I10 → E11.9; I10",
                "Phone: 555-0100 → 555-0199"
            ]
        );
    }

    #[test]
    fn a_different_name_and_birth_date_under_one_chart_code_is_likely_another_patient() {
        let headers = ["Patient Name", "DOB", "Chart Code", "Program"];
        let recorded = zmo_record(&headers, &["SMITH, ANN", "1950-01-01", "Z1", "CCM"]).unwrap();
        let renamed = zmo_record(&headers, &["JONES, ANN", "1950-01-01", "Z1", "CCM"]).unwrap();
        assert_eq!(likely_mismatch(&recorded, &renamed), None, "a new surname, same birth date");
        let corrected = zmo_record(&headers, &["smith, ann", "1950-01-02", "Z1", "CCM"]).unwrap();
        assert_eq!(likely_mismatch(&recorded, &corrected), None, "a corrected birth date");
        let other = zmo_record(&headers, &["JONES, BOB", "1960-06-06", "Z1", "CCM"]).unwrap();
        let message = likely_mismatch(&recorded, &other).unwrap();
        assert!(message.starts_with(
            "Z1 is SMITH, ANN born 1950-01-01 here; the sheet says JONES, BOB born 1960-06-06"
        ));
    }

    #[test]
    fn dates_in_the_forms_practices_write() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 12);
        for text in ["2026-04-12", "04/12/2026", "4/12/26", "20260412", "2026-04-12 00:00:00"] {
            assert_eq!(parse_date(text), d, "{text}");
        }
        assert_eq!(parse_date("2026-02-30"), None);
        assert!(parse_date_time("11/02/2026 2:30 PM").is_some());
        assert!(parse_date_time("2026-11-02").is_none(), "a log entry needs a time");
    }

    fn zmo(pairs: &[(&'static str, &str)]) -> Result<PatientRecord, Vec<CellError>> {
        let columns: Vec<Option<&'static str>> = pairs.iter().map(|(f, _)| Some(*f)).collect();
        let row: Vec<String> = pairs.iter().map(|(_, v)| (*v).to_owned()).collect();
        read_zmo_row(&Cells { columns: &columns, row: &row }, today())
    }

    #[test]
    fn a_zmo_row_reads_into_a_patient_with_defaults() {
        let p = zmo(&[
            ("Patient Name", "Sample, Pat"),
            ("DOB", "04/12/1950"),
            ("Chart Code", "zm900001"),
            ("Program", "ccm + pcm"),
            ("Chronic Conditions", "Diabetes; CHF, COPD"),
            ("Complex", "Y"),
            ("Special Needs", "dementia"),
            ("Visit Interval", "Quarterly"),
        ])
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (p.last_name.as_str(), p.first_name.as_str(), p.chart_code.as_str()),
            ("Sample", "Pat", "ZM900001")
        );
        assert_eq!(
            (p.program, p.status, p.chronic_conditions, p.complex_ccm),
            (Program::Both, PatientStatus::Active, 3, true)
        );
        assert_eq!(
            (p.special_needs, p.visit_interval_months, p.language.as_str()),
            (vec!["Dementia".to_owned()], 3, "English")
        );
    }

    #[test]
    fn every_bad_zmo_cell_is_named() {
        let errors = zmo(&[
            ("Patient Name", "Pat Sample"),
            ("DOB", "2027-01-01"),
            ("Chart Code", "ZM 1"),
            ("Program", "RPM"),
            ("Status", "Gone"),
            ("Complex", "maybe"),
            ("Special Needs", "Cardiac"),
            ("Visit Interval", "36"),
        ])
        .err()
        .unwrap_or_default();
        let columns: Vec<&str> = errors.iter().map(|e| e.column).collect();
        assert_eq!(
            columns,
            vec![
                "Patient Name",
                "DOB",
                "Chart Code",
                "Status",
                "Program",
                "Complex",
                "Special Needs",
                "Visit Interval"
            ],
            "{errors:?}"
        );
    }

    #[test]
    fn psl_and_cm_log_rows() {
        let cols = [Some("Chart Code"), Some("Visit Date"), Some("Provider"), Some("Visit Type")];
        let row = strings(&["zm1", "10/02/2026", "Dr. Szalas", "Office Visit"]);
        let v = read_psl_row(&Cells { columns: &cols, row: &row }, today())
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (v.chart_code.as_str(), v.visit_date.to_string().as_str()),
            ("ZM1", "2026-10-02")
        );
        let future = strings(&["zm1", "2026-12-01", "", "Office Visit"]);
        let e = read_psl_row(&Cells { columns: &cols, row: &future }, today())
            .err()
            .unwrap_or_default();
        assert_eq!(e.iter().map(|e| e.column).collect::<Vec<_>>(), vec!["Visit Date", "Provider"]);

        let cols = [
            Some("Coordinator"),
            Some("Patient Name"),
            Some("Task Type"),
            Some("Time (min)"),
            Some("Date/Time"),
        ];
        let row =
            strings(&["coord1", "SAMPLE, PAT", "Communication: Phone", "15", "2026-11-02 10:30"]);
        let r = read_cm_log_row(&Cells { columns: &cols, row: &row })
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (r.patient_name.clone(), r.minutes_text.as_str()),
            (Some(("SAMPLE".into(), "PAT".into())), "15")
        );
        let bad = strings(&["", "Pat", "", "15", "yesterday"]);
        let e = read_cm_log_row(&Cells { columns: &cols, row: &bad }).err().unwrap_or_default();
        assert_eq!(
            e.iter().map(|e| e.column).collect::<Vec<_>>(),
            vec!["Coordinator", "Patient Name", "Task Type", "Date/Time"]
        );
    }
}
