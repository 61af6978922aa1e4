//! Coordinator metrics (seed 000 §6.3), in minutes and counts: no codes or money here.

/// What the log and the task list say about one coordinator's month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoordinatorMonth {
    pub tasks: i64,
    pub minutes: i64,
    pub patients_served: i64,
    pub patients_assigned: i64,
    pub generated_total: i64,
    pub generated_completed: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoordinatorMetrics {
    pub tasks: i64,
    pub minutes: i64,
    /// Minutes per entry with minutes; None without entries.
    pub average_task_minutes: Option<f64>,
    pub patients_served: i64,
    pub patients_assigned: i64,
    /// Served / assigned, percent; None without a caseload.
    pub coverage_percent: Option<i64>,
    /// Completed / generated tasks, percent; None without generated tasks.
    pub completion_percent: Option<i64>,
}

pub fn coordinator_metrics(m: CoordinatorMonth, entries_with_minutes: i64) -> CoordinatorMetrics {
    let percent = |part: i64, whole: i64| (whole > 0).then(|| part.min(whole) * 100 / whole);
    CoordinatorMetrics {
        tasks: m.tasks,
        minutes: m.minutes,
        average_task_minutes: (entries_with_minutes > 0)
            .then(|| m.minutes as f64 / entries_with_minutes as f64),
        patients_served: m.patients_served,
        patients_assigned: m.patients_assigned,
        coverage_percent: percent(m.patients_served, m.patients_assigned),
        completion_percent: percent(m.generated_completed, m.generated_total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_divide_safely_and_cap_at_a_hundred() {
        let m = coordinator_metrics(
            CoordinatorMonth {
                tasks: 10,
                minutes: 150,
                patients_served: 8,
                patients_assigned: 10,
                generated_total: 20,
                generated_completed: 15,
            },
            8,
        );
        assert_eq!(m.average_task_minutes, Some(18.75));
        assert_eq!((m.coverage_percent, m.completion_percent), (Some(80), Some(75)));
        let empty = coordinator_metrics(CoordinatorMonth::default(), 0);
        assert_eq!(
            (empty.average_task_minutes, empty.coverage_percent, empty.completion_percent),
            (None, None, None)
        );
        // Patients served from an earlier caseload can exceed today's: coverage stops at 100%.
        let over = coordinator_metrics(
            CoordinatorMonth {
                patients_served: 12,
                patients_assigned: 10,
                ..CoordinatorMonth::default()
            },
            0,
        );
        assert_eq!(over.coverage_percent, Some(100));
    }
}
