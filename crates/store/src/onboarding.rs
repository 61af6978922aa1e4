//! The onboarding steps of `carelog_domain::patient::OnboardingStep` as SQL: each a guarded
//! UPDATE that moves a patient only from the step's states, so a racing second server moves them once.

use carelog_domain::patient::OnboardingStep;
use sea_orm::Value;

/// A step bound after `before` other values.
pub(crate) struct StepSql {
    /// `($n, …)`: the states the step moves a patient from.
    pub from: String,
    /// `$m`: the state it moves them to.
    pub to: String,
    /// The values of `from`, then `to`, to append to the statement's others.
    pub values: Vec<Value>,
}

pub(crate) fn step_sql(step: OnboardingStep, before: usize) -> StepSql {
    let placeholders: Vec<String> =
        (1..=step.from.len()).map(|i| format!("${}", before + i)).collect();
    let mut values: Vec<Value> = step.from.iter().map(|s| Value::from(*s)).collect();
    values.push(step.to.into());
    StepSql {
        from: format!("({})", placeholders.join(", ")),
        to: format!("${}", before + step.from.len() + 1),
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_numbers_its_states_after_the_other_values() {
        let s = step_sql(OnboardingStep::ASSIGN, 3);
        assert_eq!(s.from, "($4, $5)");
        assert_eq!(s.to, "$6");
        assert_eq!(
            s.values,
            vec![
                Value::from("Ready for Assignment"),
                Value::from("Assignment Pending"),
                Value::from("Assigned")
            ]
        );
        let one = step_sql(OnboardingStep::FIRST_TASK, 1);
        assert_eq!((one.from.as_str(), one.to.as_str()), ("($2)", "$3"));
    }
}
