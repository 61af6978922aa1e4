//! The task-entry form shared by Tab 2, the patient record's quick entry, edits and completing a
//! generated task: parsing under the time rules, and the view that redisplays what the user typed.

use carelog_domain::RuleViolation;
use carelog_domain::catalogue::{TaskCategory, TimeRule, ValueFormat};
use carelog_domain::patient::display_name;
use carelog_domain::practice_time::{YearMonth, day_range, local_date};
use carelog_domain::time_rules::{
    check_entry_date, needs_confirmation, parse_minutes, parse_stat_value,
};
use carelog_store::{NewEntry, TaskTypeRow};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::context::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

pub const MAX_NOTES_CHARS: usize = 2000;

/// The fields as typed; every one is text so nothing the user entered is lost on a refusal.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    pub patient: String,
    #[serde(default)]
    pub task_type: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub when: String,
    #[serde(default)]
    pub confirm: String,
    #[serde(default)]
    pub action: String,
}

pub struct Choice {
    pub id: i64,
    pub label: String,
    pub selected: bool,
}

pub struct TypeChoice {
    pub id: i64,
    pub name: String,
    pub selected: bool,
    pub no_minutes: bool,
    pub value_format: String,
}

pub struct TypeGroup {
    pub label: &'static str,
    pub types: Vec<TypeChoice>,
}

/// Everything the `components/entry_form.html` include needs.
pub struct EntryFormView {
    pub action: String,
    pub heading: String,
    pub patients: Vec<Choice>,
    /// The patient record's quick entry names its patient instead of offering a choice.
    pub fixed_patient: Option<(i64, String)>,
    pub groups: Vec<TypeGroup>,
    pub values: EntryForm,
    pub errors: Vec<String>,
    pub confirm: Option<String>,
    pub buttons: Vec<(&'static str, &'static str)>,
    pub csrf_token: String,
    pub autofocus: bool,
    /// The date/time picker's bounds: the start of the open period, and the end of today.
    pub when_min: String,
    pub when_max: String,
}

/// The outcome of checking a submitted form.
pub enum Checked {
    Ready(Box<NewEntry>, String),
    Invalid(Vec<String>),
    NeedsConfirmation(String),
}

pub fn format_when(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// `datetime-local` text in the practice time zone, or now when empty.
fn parse_when(text: &str, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, RuleViolation> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(now);
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            RuleViolation::new(
                "date",
                format!(
                    "\"{text}\" is not a date and time; use the picker or write 2026-11-20T14:30."
                ),
            )
        })?;
    tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)).ok_or_else(|| {
        RuleViolation::new(
            "date",
            format!("{text} does not exist in the practice time zone (a daylight-saving gap)."),
        )
    })
}

/// The first day an entry may carry: the previous month's start while billing has not closed it,
/// otherwise the current month's.
pub async fn earliest_open_date(state: &AppState, today: NaiveDate) -> AppResult<NaiveDate> {
    let this_month = YearMonth::of(today);
    let previous = this_month.previous();
    Ok(if state.store.is_month_closed(previous).await? {
        this_month.first_day()
    } else {
        previous.first_day()
    })
}

fn parse_id(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok().filter(|id| *id > 0)
}

/// Checks a submission from `user`. `patient_fixed` overrides the form's patient (quick entry);
/// `confirmed` is true when the user ticked the above-average confirmation.
pub async fn check(
    state: &AppState,
    user: &CurrentUser,
    form: &EntryForm,
    types: &[TaskTypeRow],
    generated_task_id: Option<i64>,
) -> AppResult<Checked> {
    let tz = state.settings.time_zone;
    let now = Utc::now();
    let mut errors = Vec::new();

    let task_type = parse_id(&form.task_type).and_then(|id| types.iter().find(|t| t.id == id));
    let Some(task_type) = task_type else {
        return Ok(Checked::Invalid(vec!["Task type: choose one from the list.".into()]));
    };
    let time_rule = TimeRule::from_key(&task_type.time_rule).unwrap_or(TimeRule::Minutes);

    let patient_id = match parse_id(&form.patient) {
        // Only the user's own caseload: a foreign or unknown patient gets the same answer.
        Some(id) if state.store.patient_coordinator(id).await? == Some(Some(user.id())) => Some(id),
        Some(_) => {
            errors.push("Patient: choose one of your own patients.".to_owned());
            None
        }
        None if task_type.needs_patient => {
            errors.push(format!(
                "Patient: \"{}\" is logged against a patient; choose one.",
                task_type.name
            ));
            None
        }
        None => None,
    };

    let minutes = match parse_minutes(time_rule, &form.minutes) {
        Ok(m) => m,
        Err(v) => {
            errors.push(v.message);
            None
        }
    };
    let stat_value = match task_type.value_format.as_deref().and_then(ValueFormat::from_key) {
        Some(format) => match parse_stat_value(format, &form.value) {
            Ok(v) => Some(v),
            Err(v) => {
                errors.push(format!("Value: {}", v.message));
                None
            }
        },
        None => None,
    };
    let notes = form.notes.trim().to_owned();
    if notes.chars().count() > MAX_NOTES_CHARS {
        errors.push(format!(
            "Notes: at most {MAX_NOTES_CHARS} characters; these have {}.",
            notes.chars().count()
        ));
    }
    let task_at = match parse_when(&form.when, tz, now) {
        Ok(t) if t > now + Duration::minutes(5) => {
            errors.push(format!(
                "Date/time: time cannot be logged in the future ({}).",
                format_when(t, tz).replace('T', " ")
            ));
            None
        }
        Ok(t) => Some(t),
        Err(v) => {
            errors.push(format!("Date/time: {}", v.message));
            None
        }
    };
    let today = local_date(now, tz);
    if let Some(t) = task_at
        && let Err(v) =
            check_entry_date(local_date(t, tz), today, earliest_open_date(state, today).await?)
    {
        errors.push(format!("Date/time: {}", v.message));
    }
    if !errors.is_empty() {
        return Ok(Checked::Invalid(errors));
    }
    let task_at = task_at.unwrap_or(now);
    if let Some(m) = minutes
        && form.confirm != "1"
    {
        let average = state.store.task_type_average(task_type.id, now).await?;
        let estimate = state.store.schedule_estimate(task_type.id).await?;
        if let Some(prompt) = needs_confirmation(m, average, estimate) {
            return Ok(Checked::NeedsConfirmation(prompt));
        }
    }
    let local = local_date(task_at, tz);
    Ok(Checked::Ready(
        Box::new(NewEntry {
            coordinator_id: user.id(),
            patient_id,
            task_type_id: task_type.id,
            task_category: task_type.category.clone(),
            minutes,
            stat_value,
            notes,
            task_at,
            local_date: local,
            day: day_range(local, tz),
            generated_task_id,
            above_average_confirmed: form.confirm == "1",
        }),
        task_type.name.clone(),
    ))
}

impl EntryFormView {
    /// A form for `user`, with their own patients and the active task types grouped by category.
    pub async fn new(
        state: &AppState,
        user: &CurrentUser,
        types: &[TaskTypeRow],
        action: String,
        values: EntryForm,
    ) -> AppResult<EntryFormView> {
        let own = state.store.own_patients(user.id()).await?;
        let earliest =
            earliest_open_date(state, local_date(Utc::now(), state.settings.time_zone)).await?;
        Ok(Self::with_patients(state, user, types, &own, earliest, action, values))
    }

    /// The same form from patients and an earliest open date the page has read already.
    pub fn with_patients(
        state: &AppState,
        user: &CurrentUser,
        types: &[TaskTypeRow],
        own: &[(i64, String, String, String)],
        earliest: NaiveDate,
        action: String,
        values: EntryForm,
    ) -> EntryFormView {
        let patients = own
            .iter()
            .map(|(id, last, first, chart)| Choice {
                id: *id,
                label: format!("{} ({chart})", display_name(last, first)),
                selected: values.patient == id.to_string(),
            })
            .collect();
        let groups = TaskCategory::ALL
            .iter()
            .map(|category| TypeGroup {
                label: category.label(),
                types: types
                    .iter()
                    .filter(|t| t.category == category.key())
                    .map(|t| TypeChoice {
                        id: t.id,
                        name: t.name.clone(),
                        selected: values.task_type == t.id.to_string(),
                        no_minutes: t.time_rule == TimeRule::NoMinutes.key(),
                        value_format: t.value_format.clone().unwrap_or_default(),
                    })
                    .collect(),
            })
            .filter(|g| !g.types.is_empty())
            .collect();
        let today = local_date(Utc::now(), state.settings.time_zone);
        EntryFormView {
            when_min: format!("{earliest}T00:00"),
            when_max: format!("{today}T23:59"),
            action,
            heading: "Add New Task".into(),
            patients,
            fixed_patient: None,
            groups,
            values,
            errors: Vec::new(),
            confirm: None,
            buttons: vec![("save", "Save Task")],
            csrf_token: user.csrf_token.clone(),
            autofocus: false,
        }
    }

    /// Applies a refusal or a confirmation prompt to the view; the typed values stay.
    pub fn with_outcome(mut self, outcome: &Checked) -> Self {
        match outcome {
            Checked::Invalid(errors) => self.errors = errors.clone(),
            Checked::NeedsConfirmation(prompt) => self.confirm = Some(prompt.clone()),
            Checked::Ready(..) => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_is_read_in_the_practice_time_zone() {
        let tz = chrono_tz::America::Los_Angeles;
        let now = Utc::now();
        let t = parse_when("2026-11-20T14:30", tz, now).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-20T22:30:00+00:00");
        assert_eq!(parse_when("", tz, now).unwrap(), now);
        assert!(
            parse_when("tomorrow", tz, now).unwrap_err().message.contains("not a date and time")
        );
        assert!(
            parse_when("2026-03-08T02:30", tz, now)
                .unwrap_err()
                .message
                .contains("daylight-saving")
        );
        assert_eq!(format_when(t, tz), "2026-11-20T14:30");
    }
}
