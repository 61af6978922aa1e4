//! The task-entry form shared by Tab 2, the patient record's quick entry, edits and completing a
//! generated task: the fields as typed, and the view that redisplays them; the entry service checks them.

use carelog_app::entries::{EntryInput, Outcome};
use carelog_app::model::{PatientPick, TaskTypeRow};
use carelog_domain::catalogue::{TaskCategory, TimeRule};
use carelog_domain::ids::{PatientId, TaskTypeId};
use carelog_domain::patient::display_name;
use carelog_domain::practice_time::local_date;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::context::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

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
    pub id: PatientId,
    pub label: String,
    pub selected: bool,
}

pub struct TypeChoice {
    pub id: TaskTypeId,
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
    pub fixed_patient: Option<(PatientId, String)>,
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
    /// Shown in the empty minutes field (a generated task's estimate): a hint, never a value.
    pub minutes_hint: String,
}

pub fn format_when(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

impl EntryForm {
    /// The fields for the entry service, as typed.
    pub fn input(&self) -> EntryInput {
        EntryInput {
            patient: self.patient.clone(),
            task_type: self.task_type.clone(),
            minutes: self.minutes.clone(),
            value: self.value.clone(),
            notes: self.notes.clone(),
            when: self.when.clone(),
            confirmed: self.confirm == "1",
        }
    }
}

impl EntryFormView {
    /// The field that takes the focus (when the form takes it at all): the first one still empty,
    /// so Panel → Add Task lands on the task type and a stopped timer on the notes.
    pub fn focus(&self) -> &'static str {
        if self.confirm.is_some() {
            // The question beside Save is what the person answers next.
            "confirm"
        } else if !self.autofocus {
            ""
        } else if self.fixed_patient.is_none() && self.values.patient.trim().is_empty() {
            "patient"
        } else if self.values.task_type.trim().is_empty() {
            "task_type"
        } else if self.values.minutes.trim().is_empty() {
            "minutes"
        } else {
            "notes"
        }
    }

    /// A form for `user`, with their own patients and the active task types grouped by category.
    pub async fn new(
        state: &AppState,
        user: &CurrentUser,
        types: &[TaskTypeRow],
        action: String,
        values: EntryForm,
    ) -> AppResult<EntryFormView> {
        let own = state.app.own_patients(&user.actor()).await?;
        let today = local_date(Utc::now(), state.settings.time_zone);
        let earliest = state.app.earliest_open_date(today).await?;
        Ok(Self::with_patients(state, user, types, &own, earliest, action, values))
    }

    /// The same form from patients and an earliest open date the page has read already.
    pub fn with_patients(
        state: &AppState,
        user: &CurrentUser,
        types: &[TaskTypeRow],
        own: &[PatientPick],
        earliest: NaiveDate,
        action: String,
        values: EntryForm,
    ) -> EntryFormView {
        let patients = own
            .iter()
            .map(|p| Choice {
                id: p.id,
                label: format!("{} ({})", display_name(&p.last_name, &p.first_name), p.chart_code),
                selected: values.patient == p.id.to_string(),
            })
            .collect();
        let groups = TaskCategory::ALL
            .iter()
            .map(|category| TypeGroup {
                label: category.label(),
                types: types
                    .iter()
                    .filter(|t| t.category == *category)
                    .map(|t| TypeChoice {
                        id: t.id,
                        name: t.name.clone(),
                        selected: values.task_type == t.id.to_string(),
                        no_minutes: t.time_rule == TimeRule::NoMinutes,
                        value_format: t
                            .value_format
                            .map(|f| f.key())
                            .unwrap_or_default()
                            .to_owned(),
                    })
                    .collect(),
            })
            .filter(|g| !g.types.is_empty())
            .collect();
        let today = local_date(Utc::now(), state.settings.time_zone);
        EntryFormView {
            when_min: format!("{earliest}T00:00"),
            when_max: format!("{today}T23:59"),
            minutes_hint: String::new(),
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
    pub fn with_outcome(mut self, outcome: &Outcome) -> Self {
        match outcome {
            Outcome::Refused(errors) => self.errors = errors.clone(),
            Outcome::NeedsConfirmation(prompt) => self.confirm = Some(prompt.clone()),
            Outcome::Saved { .. } => {}
        }
        self
    }
}
