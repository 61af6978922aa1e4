//! First-start reference data: the task-type catalogue, the six automation schedules, default fees
//! and settings. Every insert is `ON CONFLICT DO NOTHING`, so it runs on every start, on every server,
//! and never overwrites what an admin has edited.

use carelog_domain::catalogue::{SCHEDULES, TASK_TYPES, TaskCategory, TimeRule, ValueFormat};
use carelog_domain::ids::TaskTypeId;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::connection::at;
use crate::{Result, Store};

/// CMS 2025 national averages (domain.md "Billing"), in cents.
pub const DEFAULT_FEES: &[(&str, i32, i64)] =
    &[("99490", 2025, 6049), ("99439", 2025, 4593), ("99487", 2025, 13165), ("99489", 2025, 7052)];

pub const DEFAULT_SETTINGS: &[(&str, &str)] = &[
    ("billing.rule_set", "seed"),
    ("billing.monthly_target_minutes", "20"),
    ("assignment.sla_hours", "24"),
    ("assignment.weight.workload", "0.3"),
    ("assignment.weight.specialization", "0.3"),
    ("assignment.weight.experience", "0.2"),
    ("assignment.weight.language", "0.2"),
];

#[derive(Debug, Clone, FromQueryResult)]
pub struct TaskTypeRow {
    pub id: TaskTypeId,
    pub name: String,
    pub category: TaskCategory,
    pub needs_patient: bool,
    pub billable: bool,
    pub time_rule: TimeRule,
    pub value_format: Option<ValueFormat>,
}

impl Store {
    pub async fn seed_reference_data(&self, now: DateTime<Utc>) -> Result<()> {
        let tx = self.begin_write().await?;
        for (order, t) in TASK_TYPES.iter().enumerate() {
            tx.execute_raw(self.stmt(
                "INSERT INTO task_types (name, category, needs_patient, billable, time_rule, value_format, sort_order, is_active)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE) ON CONFLICT (name) DO NOTHING",
                vec![
                    t.name.into(),
                    t.category.into(),
                    t.needs_patient.into(),
                    t.billable.into(),
                    t.time_rule.into(),
                    t.value_format.map(|f| f.key()).into(),
                    (order as i32).into(),
                ],
            ))
            .await?;
        }
        for s in SCHEDULES {
            tx.execute_raw(self.stmt(
                "INSERT INTO automated_task_schedule
                   (task_type_id, frequency, day_of_week, day_of_month, estimated_minutes, priority, applies_to, is_active, created_at, updated_at)
                 SELECT id, $2, $3, $4, $5, $6, $7, TRUE, $8, $8 FROM task_types WHERE name = $1
                 ON CONFLICT (task_type_id, frequency, applies_to) DO NOTHING",
                vec![
                    s.task_type.into(),
                    s.frequency.into(),
                    s.day_of_week.map(|d| d as i32).into(),
                    s.day_of_month.map(|d| d as i32).into(),
                    s.estimated_minutes.into(),
                    s.priority.into(),
                    s.applies_to.into(),
                    at(now),
                ],
            ))
            .await?;
        }
        for (code, year, cents) in DEFAULT_FEES {
            tx.execute_raw(self.stmt(
                "INSERT INTO fee_schedule (code, fee_year, amount_cents) VALUES ($1, $2, $3) ON CONFLICT (code, fee_year) DO NOTHING",
                vec![(*code).into(), (*year).into(), (*cents).into()],
            ))
            .await?;
        }
        for (key, value) in DEFAULT_SETTINGS {
            tx.execute_raw(self.stmt(
                "INSERT INTO settings (setting_key, setting_value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (setting_key) DO NOTHING",
                vec![(*key).into(), (*value).into(), at(now)],
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn task_types(&self) -> Result<Vec<TaskTypeRow>> {
        self.rows(
            "SELECT id, name, category, needs_patient, billable, time_rule, value_format FROM task_types
             WHERE is_active = TRUE ORDER BY sort_order, name",
            vec![],
        )
        .await
    }

    pub async fn schedule_count(&self) -> Result<i64> {
        self.count("SELECT COUNT(*) AS n FROM automated_task_schedule", vec![]).await
    }

    /// The practice's monthly care-time target in minutes (admin setting, default 20).
    pub async fn monthly_target_minutes(&self) -> Result<i64> {
        Ok(self
            .setting("billing.monthly_target_minutes")
            .await?
            .and_then(|t| t.parse::<i64>().ok())
            .filter(|t| *t > 0)
            .unwrap_or(20))
    }

    /// Every setting whose key starts with `prefix`, by the rest of its key.
    pub async fn settings_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<std::collections::HashMap<String, String>> {
        #[derive(FromQueryResult)]
        struct Setting {
            setting_key: String,
            setting_value: String,
        }
        let rows: Vec<Setting> =
            self.rows("SELECT setting_key, setting_value FROM settings", vec![]).await?;
        Ok(rows
            .into_iter()
            .filter_map(|s| {
                let key = s.setting_key.strip_prefix(prefix)?.to_owned();
                Some((key, s.setting_value))
            })
            .collect())
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        self.scalar("SELECT setting_value FROM settings WHERE setting_key = $1", vec![key.into()])
            .await
    }
}
