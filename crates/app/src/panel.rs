//! Tab 1, the patient panel: the patients a user may see with this month's minutes and task
//! progress, and the choices its filters offer.

use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_store::{Named, PanelFilter, PanelPatient};
use chrono::Utc;

use crate::{Actor, App, ServiceResult};

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
    ) -> ServiceResult<Vec<PanelPatient>> {
        if !actor.role.sees_all_patients() {
            filter.coordinator_id = Some(actor.id);
        }
        let month = YearMonth::of(local_date(Utc::now(), self.settings.time_zone));
        Ok(self.store.panel(&filter, month).await?)
    }

    pub async fn panel_choices(&self) -> ServiceResult<PanelChoices> {
        Ok(PanelChoices {
            facilities: self.store.facilities().await?,
            providers: self.store.providers().await?,
            target: self.store.monthly_target_minutes().await?,
        })
    }
}
