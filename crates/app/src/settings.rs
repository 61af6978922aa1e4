//! The practice's settings, admins only: billing rules and fees, the assignment weights and SLA,
//! and the automated task schedules. Each change is audited with its old and new values.

use carelog_domain::assignment::Weights;
use carelog_domain::billing::{Cents, KNOWN_CODES, RuleSet};
use carelog_domain::practice_time::local_date;
use carelog_domain::schedule::ValidSchedule;
use carelog_store::{Fee, ScheduleRow, StoreError};
use chrono::Utc;

use crate::{Actor, App, ServiceError, ServiceResult};

/// The billing settings page's figures.
pub struct BillingSettings {
    pub rule_set: String,
    pub target: i64,
    pub fees: Vec<Fee>,
    /// The practice's current year, and the codes with no fee for it ("fee not set").
    pub this_year: i32,
    pub unset_codes: Vec<&'static str>,
}

impl App {
    pub async fn billing_settings(&self, actor: &Actor) -> ServiceResult<BillingSettings> {
        self.require_admin(actor)?;
        let fees = self.store.fee_schedule().await?;
        let this_year = chrono::Datelike::year(&local_date(Utc::now(), self.settings.time_zone));
        Ok(BillingSettings {
            rule_set: self
                .store
                .setting("billing.rule_set")
                .await?
                .unwrap_or_else(|| "seed".into()),
            target: self.store.monthly_target_minutes().await?,
            unset_codes: KNOWN_CODES
                .into_iter()
                .filter(|code| !fees.iter().any(|f| f.code == *code && f.fee_year == this_year))
                .collect(),
            this_year,
            fees,
        })
    }

    /// The rule set billing uses and the monthly care-time target (1 to 600 minutes).
    pub async fn save_billing_rules(
        &self,
        actor: &Actor,
        rule_set: RuleSet,
        target: i64,
    ) -> ServiceResult<()> {
        self.require_admin(actor)?;
        let before = (
            self.store.setting("billing.rule_set").await?.unwrap_or_default(),
            self.store.monthly_target_minutes().await?,
        );
        let now = Utc::now();
        self.store.set_setting("billing.rule_set", rule_set.key(), now).await?;
        self.store.set_setting("billing.monthly_target_minutes", &target.to_string(), now).await?;
        let detail = format!(
            "rule set {} → {}, target {} → {target} min",
            before.0,
            rule_set.key(),
            before.1
        );
        self.audit(actor, "billing.settings", None, detail).await
    }

    /// One code's fee for one year: the expected allowed amount and the practice's charge (the
    /// allowed amount when not given).
    pub async fn save_fee(
        &self,
        actor: &Actor,
        code: &str,
        year: i32,
        cents: Cents,
        charge: Option<Cents>,
    ) -> ServiceResult<()> {
        self.require_admin(actor)?;
        let shown = |allowed: Cents, charge: Option<Cents>| {
            format!("{allowed} allowed, {} charged", charge.unwrap_or(allowed))
        };
        let before = self
            .store
            .fee_schedule()
            .await?
            .into_iter()
            .find(|f| f.code == code && f.fee_year == year)
            .map(|f| shown(f.amount_cents, f.charge_cents));
        let charge = charge.unwrap_or(cents);
        self.store.set_fee(code, year, cents, charge).await?;
        let before = before.unwrap_or_else(|| "not set".into());
        let detail = format!("{code} {year}: {before} → {}", shown(cents, Some(charge)));
        self.audit(actor, "billing.fee", None, detail).await
    }

    /// The match score's weights and the assignment SLA, already validated.
    pub async fn save_assignment_settings(
        &self,
        actor: &Actor,
        weights: Weights,
        sla_hours: i64,
    ) -> ServiceResult<()> {
        self.require_admin(actor)?;
        let before = (self.assignment_weights().await?, self.sla_hours().await?);
        let now = Utc::now();
        for (key, value) in [
            ("assignment.weight.workload", weights.workload.to_string()),
            ("assignment.weight.specialization", weights.specialization.to_string()),
            ("assignment.weight.experience", weights.experience.to_string()),
            ("assignment.weight.language", weights.language.to_string()),
            ("assignment.sla_hours", sla_hours.to_string()),
        ] {
            self.store.set_setting(key, &value, now).await?;
        }
        let detail = format!(
            "before: {:?}, SLA {} h; after: {weights:?}, SLA {sla_hours} h",
            before.0, before.1
        );
        self.audit(actor, "settings.assignment", None, detail).await
    }

    pub async fn schedules(&self, actor: &Actor) -> ServiceResult<Vec<ScheduleRow>> {
        self.require_admin(actor)?;
        Ok(self.store.schedules().await?)
    }

    /// Creates (`id` None) or updates a schedule. A schedule for a task type and frequency that
    /// exists already, or an unknown task type, is refused with the reason.
    pub async fn save_schedule(
        &self,
        actor: &Actor,
        id: Option<i64>,
        valid: &ValidSchedule,
    ) -> ServiceResult<()> {
        self.require_admin(actor)?;
        let types = self.store.task_types().await?;
        let Some(task_type) = types.iter().find(|t| t.id == valid.task_type_id) else {
            return Err(ServiceError::Refused("task type: choose one from the list".into()));
        };
        let now = Utc::now();
        let result = match id {
            None => self.store.create_schedule(valid, now).await,
            Some(id) => self.store.update_schedule(id, valid, now).await,
        };
        match result {
            Ok(()) => {}
            Err(StoreError::AlreadyExists(what)) => {
                return Err(ServiceError::Refused(format!(
                    "{what} already exists; edit that one instead"
                )));
            }
            Err(e) => return Err(e.into()),
        }
        let detail = format!(
            "{}: {} on day {}, {} min, {} priority, for {}, {}",
            task_type.name,
            valid.frequency.key(),
            valid.day_of_month.or(valid.day_of_week).unwrap_or_default(),
            valid.estimated_minutes,
            valid.priority,
            valid.applies_to.label(),
            if valid.active { "active" } else { "paused" }
        );
        let action = if id.is_none() { "schedule.create" } else { "schedule.update" };
        self.audit(actor, action, None, detail).await
    }
}
