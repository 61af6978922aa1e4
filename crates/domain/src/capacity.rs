//! How full a coordinator is, said one way on the workload card, the profile, the reports and the
//! assign page; and the team's load counted over one set of coordinators (domain.md "Assignment":
//! Unavailable coordinators are left out of utilization, capacity left, mean and spread alike).

use crate::assignment_plan::std_dev;

/// Where one caseload stands against its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityState {
    Room,
    At,
    Over,
}

pub fn capacity_state(caseload: i64, max_caseload: i64) -> CapacityState {
    match caseload.cmp(&max_caseload) {
        std::cmp::Ordering::Less => CapacityState::Room,
        std::cmp::Ordering::Equal => CapacityState::At,
        std::cmp::Ordering::Greater => CapacityState::Over,
    }
}

impl CapacityState {
    /// The availability badge's words when the caseload, not the profile, decides it.
    pub fn badge(self) -> Option<&'static str> {
        match self {
            CapacityState::Room => None,
            CapacityState::At => Some("At Capacity"),
            CapacityState::Over => Some("Over Capacity"),
        }
    }
}

/// "33/20 patients (165%, over capacity)", "20/20 patients (100%, at capacity)", "12/35 patients (34%)".
pub fn caseload_words(caseload: i64, max_caseload: i64) -> String {
    let noun = if max_caseload == 1 { "patient" } else { "patients" };
    let percent = if max_caseload > 0 {
        format!("{:.0}%", caseload as f64 * 100.0 / max_caseload as f64)
    } else {
        "no maximum recorded".into()
    };
    let state = match capacity_state(caseload, max_caseload) {
        CapacityState::Room => String::new(),
        CapacityState::At => ", at capacity".into(),
        CapacityState::Over => ", over capacity".into(),
    };
    format!("{caseload}/{max_caseload} {noun} ({percent}{state})")
}

/// One coordinator as the team's figures count them.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub caseload: i64,
    pub max_caseload: i64,
    pub unavailable: bool,
}

impl Load {
    /// Unavailable coordinators, and profiles with no maximum recorded before it had to be at least 1,
    /// take no patients and so are left out of every team figure.
    fn counts(&self) -> bool {
        !self.unavailable && self.max_caseload > 0
    }
}

/// The team's load over the coordinators who take patients.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamLoad {
    pub coordinators: usize,
    pub caseload: i64,
    pub capacity: i64,
    /// Their caseloads against their maximums, in percent.
    pub utilization: Option<f64>,
    /// Patients they can still take: each one's room, an over-capacity coordinator counting 0.
    pub capacity_left: i64,
    pub mean_caseload: Option<f64>,
    pub caseload_deviation: f64,
    /// The standard deviation of their utilizations, in percentage points.
    pub spread: f64,
}

pub fn team_load(members: &[Load]) -> TeamLoad {
    let counted: Vec<&Load> = members.iter().filter(|m| m.counts()).collect();
    let caseload: i64 = counted.iter().map(|m| m.caseload).sum();
    let capacity: i64 = counted.iter().map(|m| m.max_caseload).sum();
    let caseloads: Vec<f64> = counted.iter().map(|m| m.caseload as f64).collect();
    let utilizations: Vec<f64> =
        counted.iter().map(|m| m.caseload as f64 * 100.0 / m.max_caseload as f64).collect();
    TeamLoad {
        coordinators: counted.len(),
        caseload,
        capacity,
        utilization: (capacity > 0).then(|| caseload as f64 * 100.0 / capacity as f64),
        capacity_left: counted.iter().map(|m| (m.max_caseload - m.caseload).max(0)).sum(),
        mean_caseload: (!caseloads.is_empty())
            .then(|| caseloads.iter().sum::<f64>() / caseloads.len() as f64),
        caseload_deviation: std_dev(&caseloads),
        spread: std_dev(&utilizations),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(caseload: i64, max_caseload: i64, unavailable: bool) -> Load {
        Load { caseload, max_caseload, unavailable }
    }

    #[test]
    fn state_at_each_boundary() {
        assert_eq!(capacity_state(19, 20), CapacityState::Room);
        assert_eq!(capacity_state(20, 20), CapacityState::At);
        assert_eq!(capacity_state(21, 20), CapacityState::Over);
        assert_eq!(CapacityState::Over.badge(), Some("Over Capacity"));
        assert_eq!(CapacityState::Room.badge(), None);
    }

    #[test]
    fn one_wording_for_every_page() {
        assert_eq!(caseload_words(33, 20), "33/20 patients (165%, over capacity)");
        assert_eq!(caseload_words(20, 20), "20/20 patients (100%, at capacity)");
        assert_eq!(caseload_words(12, 35), "12/35 patients (34%)");
        assert_eq!(caseload_words(0, 1), "0/1 patient (0%)");
        assert_eq!(caseload_words(3, 0), "3/0 patients (no maximum recorded, over capacity)");
    }

    #[test]
    fn unavailable_coordinators_are_left_out_of_every_figure() {
        let team =
            [load(28, 35, false), load(30, 30, false), load(10, 40, true), load(5, 0, false)];
        let t = team_load(&team);
        assert_eq!(t.coordinators, 2);
        assert_eq!((t.caseload, t.capacity), (58, 65));
        assert_eq!(t.utilization.map(|u| (u * 10.0).round()), Some(892.0));
        assert_eq!(
            t.capacity_left, 7,
            "the unavailable coordinator's 30 free places are not offered"
        );
        assert_eq!(t.mean_caseload, Some(29.0));
        assert!((t.caseload_deviation - 1.0).abs() < 1e-12);
        assert!((t.spread - 10.0).abs() < 1e-9, "80% and 100%: 10 points either side");
    }

    #[test]
    fn an_over_capacity_coordinator_takes_no_room_from_the_others() {
        let t = team_load(&[load(33, 20, false), load(10, 20, false)]);
        assert_eq!(t.capacity_left, 10);
        assert_eq!(t.utilization.map(|u| u.round()), Some(108.0));
    }

    #[test]
    fn no_one_taking_patients_has_no_utilization() {
        let t = team_load(&[load(3, 30, true)]);
        assert_eq!((t.coordinators, t.utilization, t.mean_caseload), (0, None, None));
        assert_eq!((t.capacity_left, t.spread), (0, 0.0));
    }
}
