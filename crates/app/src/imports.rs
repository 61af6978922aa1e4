//! Checking and applying an import, shared by the admin page and `carelog import`: read the file, match
//! its columns, plan every row against the database, and apply the plan in one transaction.

use carelog_domain::ids::UserId;
use carelog_domain::import::{Cells, ImportKind, column_fields, missing_fields, parse_date_time};
use carelog_domain::import_plan::{Plan, plan};
use carelog_domain::practice_time::{UtcRange, local_date, start_of_day};
use carelog_store::{Applied, NewAuditEvent, Store, UncodedCondition};
use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::import_files::{Table, read_table};
use crate::{Actor, App, ServiceError, ServiceResult};

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

/// How the admin asked for a file to be read: their header → field mappings, and the chart codes of
/// rows they confirmed are the recorded patient though the name and birth date differ.
#[derive(Debug, Clone, Default)]
pub struct ReadAs {
    pub mapping: Vec<(String, String)>,
    pub same_patient: Vec<String>,
}

pub async fn check_import(
    store: &Store,
    tz: Tz,
    kind: ImportKind,
    filename: &str,
    bytes: &[u8],
    read_as: &ReadAs,
) -> Result<CheckedImport, ImportError> {
    let table = read_table(filename, bytes).map_err(ImportError::File)?;
    check_table(store, tz, kind, filename, table, read_as).await
}

/// Checks a table already read (from a file, or built from Synthea bundles).
pub async fn check_table(
    store: &Store,
    tz: Tz,
    kind: ImportKind,
    filename: &str,
    table: Table,
    read_as: &ReadAs,
) -> Result<CheckedImport, ImportError> {
    let columns = column_fields(kind, &table.headers, &read_as.mapping);
    let missing = missing_fields(kind, &columns);
    let unmatched = table
        .headers
        .iter()
        .zip(&columns)
        .filter(|(h, c)| c.is_none() && !h.trim().is_empty())
        .map(|(h, _)| h.clone())
        .collect();
    let plan = if missing.is_empty() {
        let span = if kind == ImportKind::CmLog {
            let times: Vec<NaiveDateTime> = table
                .rows
                .iter()
                .filter_map(|r| {
                    parse_date_time(Cells { columns: &columns, row: r }.get("Date/Time"))
                })
                .collect();
            match (times.iter().min(), times.iter().max()) {
                (Some(a), Some(b)) => Some(UtcRange {
                    start: start_of_day(a.date(), tz),
                    end: start_of_day(b.date() + Duration::days(1), tz),
                }),
                _ => None,
            }
        } else {
            None
        };
        let mut known = store
            .import_known(kind, span, |t| t.with_timezone(&tz).naive_local())
            .await
            .map_err(ImportError::Store)?;
        let now = Utc::now();
        known.today = local_date(now, tz);
        known.now_local = now.with_timezone(&tz).naive_local();
        known.confirmed_same =
            read_as.same_patient.iter().map(|c| c.trim().to_uppercase()).collect();
        Some(plan(kind, &columns, &table.rows, &known))
    } else {
        None
    };
    Ok(CheckedImport {
        kind,
        filename: filename.to_owned(),
        table,
        columns,
        missing,
        unmatched,
        plan,
    })
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
    user: (Option<UserId>, &str, &str),
) -> Result<Applied, ImportError> {
    let Some(plan) = &checked.plan else {
        return Err(ImportError::Refused(format!(
            "Columns: map {} before importing.",
            checked.missing.join(", ")
        )));
    };
    let invalid = plan.invalid();
    if invalid > 0 && !skip_invalid {
        let rows = if invalid == 1 {
            "1 row has errors".to_owned()
        } else {
            format!("{invalid} rows have errors")
        };
        return Err(ImportError::Refused(format!(
            "{rows}, so nothing was imported: fix them, or choose to skip the invalid rows."
        )));
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
    let summary = NewAuditEvent {
        user_id: user.0,
        username: user.1,
        action: &action,
        patient_id: None,
        detail,
        address: user.2,
        patients: Vec::new(),
    };
    let now = Utc::now();
    store
        .apply_import(plan, |at| local_to_utc(tz, at), &summary, local_date(now, tz), now)
        .await
        .map_err(ImportError::Store)
}

/// A template for `kind` as CSV: the header row and one synthetic example.
pub fn template_csv(kind: ImportKind) -> String {
    let (headers, example) = kind.template();
    let example: Vec<String> = example.iter().map(|c| c.to_string()).collect();
    crate::csv_out::csv_text(&headers, [example]).unwrap_or_default()
}

/// Synthea bundles as tables to check and plan, and what was left out and why.
pub struct SyntheaTables {
    pub patients: Table,
    pub visits: Table,
    /// One line per file or patient not imported: the file's name and the reason.
    pub skipped: Vec<String>,
    /// Unresolved conditions that carry no ICD-10-CM code, by chart code. They are kept as diagnoses
    /// needing their code once the patients are imported.
    pub uncoded: Vec<(String, Vec<UncodedCondition>)>,
}

/// Keeps the bundles' conditions that have no ICD-10-CM code as diagnoses in SNOMED CT, marked as
/// needing their code (they do not qualify until coded). Run after the patients are imported;
/// answers how many were kept.
pub async fn keep_uncoded_conditions(
    store: &Store,
    tables: &SyntheaTables,
    who: (Option<UserId>, &str, &str),
) -> Result<usize, ImportError> {
    let mut kept = 0;
    for (chart, conditions) in tables.uncoded.iter().filter(|(_, c)| !c.is_empty()) {
        let detail =
            format!("{} conditions kept in SNOMED CT, needing an ICD-10-CM code", conditions.len());
        let audit = NewAuditEvent {
            user_id: who.0,
            username: who.1,
            action: "import.uncoded_conditions",
            patient_id: None,
            detail,
            address: who.2,
            patients: Vec::new(),
        };
        kept += store
            .keep_uncoded_conditions(chart, conditions, &audit, Utc::now())
            .await
            .map_err(ImportError::Store)?;
    }
    Ok(kept)
}

/// Synthea's FHIR R4 patient bundles as a ZMO sheet (one row a patient) and a PSL (one row a finished
/// encounter), so they pass the same checks and plan as a practice's own files. A patient's chart code is
/// `SYN-` and the last ten characters of Synthea's id. Only unresolved conditions (clinical status
/// active, no abatement) count, and only chronic ones: by their ICD-10-CM category when the bundle
/// codes them so (those codes become diagnoses), else by their name; two or more make a CCM patient,
/// fewer PCM, and they join the assignment queue. Patients under 18 on `today` are left out (CCM and
/// PCM are Medicare services), and a file that is not a readable bundle is named and skipped while
/// the others are read. `bundles` are (file name, JSON text).
pub fn synthea_tables(
    bundles: &[(String, String)],
    today: NaiveDate,
) -> Result<SyntheaTables, String> {
    use serde_json::Value;
    let zmo_headers = [
        "Patient Name",
        "DOB",
        "Chart Code",
        "Assigned Reg Prov",
        "Facility",
        "Status",
        "Program",
        "Chronic Conditions",
        "Diagnoses",
        "Language",
        "Phone",
        "Visit Interval",
    ];
    let psl_headers = ["Chart Code", "Visit Date", "Provider", "Visit Type"];
    let mut zmo =
        Table { headers: zmo_headers.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new() };
    let mut psl =
        Table { headers: psl_headers.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new() };
    let mut skipped = Vec::new();
    let mut uncoded = Vec::new();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    for (name, json) in bundles {
        let bundle: Value = match serde_json::from_str(json) {
            Ok(b) => b,
            Err(e) => {
                skipped.push(format!("{name}: not JSON ({e}); skipped"));
                continue;
            }
        };
        if bundle["resourceType"] != "Bundle" {
            skipped.push(format!("{name}: not a FHIR Bundle; skipped"));
            continue;
        }
        let resources: Vec<&Value> = bundle["entry"]
            .as_array()
            .map(|e| e.iter().map(|x| &x["resource"]).collect())
            .unwrap_or_default();
        if !resources.iter().any(|r| r["resourceType"] == "Patient") {
            skipped.push(format!("{name}: no Patient resource; skipped"));
        }
        for patient in resources.iter().filter(|r| r["resourceType"] == "Patient") {
            let id = text(&patient["id"]);
            let alnum: Vec<char> = id.chars().filter(char::is_ascii_alphanumeric).collect();
            let chart = format!(
                "SYN-{}",
                alnum[alnum.len().saturating_sub(10)..].iter().collect::<String>().to_uppercase()
            );
            let refers = |r: &Value| {
                let reference = text(&r["subject"]["reference"]);
                reference.ends_with(&id)
            };
            let official = patient["name"]
                .as_array()
                .and_then(|n| n.iter().find(|x| x["use"] == "official").or_else(|| n.first()))
                .cloned()
                .unwrap_or(Value::Null);
            let family = text(&official["family"]);
            let given =
                official["given"].as_array().and_then(|g| g.first()).map(text).unwrap_or_default();
            let born = text(&patient["birthDate"]);
            if let Ok(birth) = NaiveDate::parse_from_str(&born, "%Y-%m-%d")
                && today.years_since(birth).is_some_and(|age| age < 18)
            {
                skipped.push(format!(
                    "{name}: {family}, {given} (born {born}) is under 18: CCM and PCM are for adults; not imported"
                ));
                continue;
            }
            let unresolved: Vec<&&Value> = resources
                .iter()
                .filter(|r| r["resourceType"] == "Condition" && refers(r))
                .filter(|r| r.get("abatementDateTime").is_none())
                .filter(|r| {
                    r["clinicalStatus"]["coding"]
                        .as_array()
                        .is_some_and(|c| c.iter().any(|x| x["code"] == "active"))
                })
                .collect();
            let icd10 = |r: &Value| {
                r["code"]["coding"]
                    .as_array()
                    .and_then(|c| {
                        c.iter().find(|x| x["system"] == "http://hl7.org/fhir/sid/icd-10-cm")
                    })
                    .and_then(|x| carelog_domain::icd10cm::billable(x["code"].as_str()?).ok())
            };
            let chronic = unresolved
                .iter()
                .filter(|r| match icd10(r) {
                    Some(code) => carelog_domain::icd10cm::chronic_by_default(code.code),
                    None => carelog_domain::icd10cm::chronic_by_name(&text(&r["code"]["text"])),
                })
                .count();
            let codes: Vec<&str> =
                unresolved.iter().filter_map(|r| icd10(r)).map(|c| c.code).collect();
            let snomed_only: Vec<UncodedCondition> = unresolved
                .iter()
                .filter(|r| icd10(r).is_none())
                .filter_map(|r| {
                    let coding = r["code"]["coding"]
                        .as_array()?
                        .iter()
                        .find(|x| x["system"] == "http://snomed.info/sct")?;
                    let name = text(&r["code"]["text"]);
                    let chronic = carelog_domain::icd10cm::chronic_by_name(&name);
                    Some(UncodedCondition { code: text(&coding["code"]), name, chronic })
                })
                .collect();
            uncoded.push((chart.clone(), snomed_only));
            let mut encounters: Vec<&&Value> = resources
                .iter()
                .filter(|r| {
                    r["resourceType"] == "Encounter" && refers(r) && r["status"] == "finished"
                })
                .collect();
            encounters.sort_by_key(|e| text(&e["period"]["start"]));
            let latest = encounters.last();
            let provider = |e: &Value| {
                e["participant"]
                    .as_array()
                    .and_then(|p| p.first())
                    .map(|p| text(&p["individual"]["display"]))
                    .unwrap_or_default()
            };
            let language = patient["communication"]
                .as_array()
                .and_then(|c| c.first())
                .map(|c| text(&c["language"]["text"]))
                .unwrap_or_default();
            let language = if language.is_empty() || language.to_lowercase().starts_with("english")
            {
                "English".to_owned()
            } else {
                language
            };
            let phone = patient["telecom"]
                .as_array()
                .and_then(|t| t.iter().find(|x| x["system"] == "phone"))
                .map(|t| text(&t["value"]))
                .unwrap_or_default();
            zmo.rows.push(vec![
                format!(
                    "{}, {}",
                    family.trim_end_matches(char::is_numeric),
                    given.trim_end_matches(char::is_numeric)
                ),
                born,
                chart.clone(),
                latest.map(|e| provider(e)).unwrap_or_default(),
                latest.map(|e| text(&e["serviceProvider"]["display"])).unwrap_or_default(),
                if patient.get("deceasedDateTime").is_some() || patient["deceasedBoolean"] == true {
                    "Deceased"
                } else {
                    "Active"
                }
                .to_owned(),
                if chronic >= 2 { "CCM" } else { "PCM" }.to_owned(),
                chronic.to_string(),
                codes.join("; "),
                language,
                phone,
                "3".to_owned(),
            ]);
            for e in encounters {
                let start = text(&e["period"]["start"]);
                let visit_type = e["type"]
                    .as_array()
                    .and_then(|t| t.first())
                    .map(|t| text(&t["text"]))
                    .unwrap_or_else(|| "Encounter".into());
                let who = provider(e);
                psl.rows.push(vec![
                    chart.clone(),
                    start.chars().take(10).collect(),
                    if who.is_empty() { "Unknown provider".into() } else { who },
                    visit_type.chars().take(80).collect(),
                ]);
            }
        }
    }
    if zmo.rows.is_empty() {
        let why =
            if skipped.is_empty() { String::new() } else { format!(" ({})", skipped.join("; ")) };
        return Err(format!("No adult Patient resources found in the bundles{why}."));
    }
    Ok(SyntheaTables { patients: zmo, visits: psl, skipped, uncoded })
}

impl App {
    /// Keeps an uploaded file (already readable as a table) for checking and applying; audited.
    pub async fn save_upload(
        &self,
        actor: &Actor,
        kind: ImportKind,
        name: &str,
        bytes: &[u8],
    ) -> ServiceResult<i64> {
        self.require_admin(actor)?;
        let id = self.store.save_upload(actor.id, kind, name, bytes, Utc::now()).await?;
        let detail = format!("{name} as {} ({} bytes)", kind.key(), bytes.len());
        self.audit(actor, "import.upload", None, detail).await?;
        Ok(id)
    }

    /// Checks one of the actor's uploads against what is recorded, under `mapping`.
    pub async fn check_upload(
        &self,
        actor: &Actor,
        id: i64,
        read_as: &ReadAs,
    ) -> ServiceResult<Result<CheckedImport, ImportError>> {
        self.require_admin(actor)?;
        let upload = self.store.upload(actor.id, id).await?.ok_or(ServiceError::NotFound)?;
        let kind = upload.kind;
        let tz = self.settings.time_zone;
        Ok(check_import(&self.store, tz, kind, &upload.filename, &upload.content, read_as).await)
    }

    /// Applies a checked import as the actor: all or nothing unless `skip_invalid`.
    pub async fn apply_checked(
        &self,
        actor: &Actor,
        checked: &CheckedImport,
        skip_invalid: bool,
    ) -> ServiceResult<Result<Applied, ImportError>> {
        self.require_admin(actor)?;
        let who = (Some(actor.id), actor.username.as_str(), actor.address.as_str());
        Ok(apply_import(&self.store, self.settings.time_zone, checked, skip_invalid, who).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_synthea_bundle_becomes_a_patient_row_and_visit_rows() {
        let json = include_str!("../../../tests/fixtures/synthea/Marisol_Quintero.json");
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
        let tables = synthea_tables(&[("m.json".into(), json.into())], today)
            .unwrap_or_else(|e| panic!("{e}"));
        let (zmo, psl) = (tables.patients, tables.visits);
        assert_eq!(zmo.rows.len(), 1);
        let row = &zmo.rows[0];
        assert_eq!(
            (row[0].as_str(), row[1].as_str(), row[2].as_str()),
            ("Quintero, Marisol", "1949-06-17", "SYN-0000000001")
        );
        assert_eq!(
            (row[6].as_str(), row[7].as_str(), row[8].as_str(), row[9].as_str()),
            ("CCM", "2", "", "Spanish"),
            "two chronic conditions active (SNOMED only: no ICD-10 codes), one resolved"
        );
        assert_eq!(psl.rows.len(), 2);
        assert_eq!(psl.rows[1][1], "2026-09-14");
        assert!(synthea_tables(&[("x.json".into(), "{}".into())], today).is_err());
        // Coded in ICD-10-CM as well, the condition becomes a diagnosis.
        let coded = json.replace(
            "\"code\": \"44054006\",",
            "\"code\": \"44054006\"}, {\"system\": \"http://hl7.org/fhir/sid/icd-10-cm\", \"code\": \"E11.9\",",
        );
        let tables =
            synthea_tables(&[("m.json".into(), coded)], today).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tables.patients.rows[0][8], "E11.9");
        let kept: Vec<&str> = tables.uncoded[0].1.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(kept.len(), 1, "the hypertension, coded in SNOMED CT only: {kept:?}");
        assert_eq!(tables.patients.rows[0][7], "2");
        let child = json.replace("\"1949-06-17\"", "\"2015-06-17\"");
        let mixed = [
            ("bad.json".into(), "{".into()),
            ("child.json".into(), child),
            ("m.json".into(), json.into()),
        ];
        let tables = synthea_tables(&mixed, today).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tables.patients.rows.len(), 1, "the adult is read past a bad file and a child");
        assert!(tables.skipped[0].starts_with("bad.json: not JSON"), "{:?}", tables.skipped);
        assert!(
            tables.skipped[1]
                .starts_with("child.json: Quintero, Marisol (born 2015-06-17) is under 18"),
            "{:?}",
            tables.skipped
        );
    }
}
