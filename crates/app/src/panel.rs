//! Tab 1, the patient panel: the patients a user may see with this month's minutes and task
//! progress, and the choices its filters offer.

use std::collections::HashMap;

use carelog_domain::enrollment::gap_words;
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_store::{Named, PanelFilter, PanelPatient};
use chrono::{NaiveDate, Utc};

use crate::{Actor, App, ServiceResult};

/// A panel patient with their enrollment gaps this month, in words (none for patients not active).
pub struct PanelLine {
    pub patient: PanelPatient,
    pub gaps: Vec<&'static str>,
}

/// What the panel's filters choose from, and the month's care-time target.
pub struct PanelChoices {
    pub facilities: Vec<Named>,
    pub providers: Vec<Named>,
    pub target: i64,
}

impl App {
    /// The panel's patients under `filter`, this month. A coordinator's panel is always their own
    /// caseload, whatever the filter asks.
    pub async fn patient_panel(
        &self,
        actor: &Actor,
        mut filter: PanelFilter,
    ) -> ServiceResult<Vec<PanelLine>> {
        if !actor.role.sees_all_patients() {
            filter.coordinator_id = Some(actor.id);
        }
        let today = local_date(Utc::now(), self.settings.time_zone);
        filter.due_by = Some(today);
        let month = YearMonth::of(today);
        let patients = self.store.panel(&filter, month).await?;
        let mut gaps = self.enrollment_gaps(filter.coordinator_id, today).await?;
        Ok(patients
            .into_iter()
            .map(|patient| {
                let gaps = gaps.remove(&patient.id).unwrap_or_default();
                PanelLine { patient, gaps }
            })
            .collect())
    }

    /// This month's enrollment gaps in words of each active patient (a caseload's, or everyone's).
    pub(crate) async fn enrollment_gaps(
        &self,
        coordinator: Option<UserId>,
        today: NaiveDate,
    ) -> ServiceResult<HashMap<PatientId, Vec<&'static str>>> {
        let rows = self.store.enrollment_gaps(coordinator, YearMonth::of(today)).await?;
        Ok(rows.into_iter().map(|r| (r.id, gap_words(&r.facts(), today))).collect())
    }

    pub async fn panel_choices(&self) -> ServiceResult<PanelChoices> {
        let (facilities, providers) = self.store.facilities_and_providers().await?;
        Ok(PanelChoices {
            facilities,
            providers,
            target: self.store.monthly_target_minutes().await?,
        })
    }
}
