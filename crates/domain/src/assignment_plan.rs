//! "Suggest assignments for the queue": one proposal per waiting patient that respects every capacity and
//! leaves the team's utilization more even than taking each patient's top match in turn.
//!
//! The plan scores each patient against the team as it will be after the earlier proposals (a coordinator's
//! workload score falls as the plan fills them), then moves patients from the fullest coordinators to
//! emptier ones while the move lowers the spread and costs the patient little match. The same improvement
//! runs from the greedy start too, and the plan keeps whichever ends more even, so it is never less even
//! than greedy.

use crate::assignment::{CoordinatorFacts, MatchScore, PatientNeeds, Weights, match_score};
use crate::ids::{PatientId, UserId};
use crate::patient::Availability;

/// A move may cost a patient at most this many points of match score.
pub const MOVE_TOLERANCE: f64 = 10.0;

#[derive(Debug, Clone, PartialEq)]
pub struct PlanCoordinator {
    pub id: UserId,
    pub facts: CoordinatorFacts,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanPatient {
    pub id: PatientId,
    pub needs: PatientNeeds,
}

/// One row of a plan: the coordinator proposed for a patient (None when nobody has room).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proposal {
    pub patient_id: PatientId,
    pub coordinator_id: Option<UserId>,
    /// The score against the team as it stands today, as the assignment screen shows it.
    pub score: Option<MatchScore>,
}

/// Who can take patients in a plan: not Unavailable, with room left.
fn takes_patients(c: &CoordinatorFacts) -> bool {
    c.availability != Availability::Unavailable && c.max_caseload > 0
}

/// Utilization in percent of each coordinator who can take patients, after `extra[i]` more patients.
fn utilizations(team: &[PlanCoordinator], extra: &[i64]) -> Vec<f64> {
    team.iter()
        .zip(extra)
        .filter(|(c, _)| takes_patients(&c.facts))
        .map(|(c, n)| (c.facts.current_caseload + n) as f64 / c.facts.max_caseload as f64 * 100.0)
        .collect()
}

/// The population standard deviation, in percentage points, of utilization across the coordinators who
/// can take patients: the seed's "variance in coordinator utilization" (target under 15).
pub fn utilization_spread(team: &[PlanCoordinator], proposals: &[Proposal]) -> f64 {
    std_dev(&utilizations(team, &planned_counts(team, proposals)))
}

pub fn std_dev(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
}

fn planned_counts(team: &[PlanCoordinator], proposals: &[Proposal]) -> Vec<i64> {
    team.iter()
        .map(|c| proposals.iter().filter(|p| p.coordinator_id == Some(c.id)).count() as i64)
        .collect()
}

fn has_room(c: &PlanCoordinator, planned: i64) -> bool {
    takes_patients(&c.facts) && c.facts.current_caseload + planned < c.facts.max_caseload
}

fn with_caseload(c: &CoordinatorFacts, planned: i64) -> CoordinatorFacts {
    CoordinatorFacts { current_caseload: c.current_caseload + planned, ..c.clone() }
}

/// The best-scoring coordinator with room, by `score_of(team index)`; ties go to the earlier coordinator.
fn best_with_room(
    team: &[PlanCoordinator],
    planned: &[i64],
    score_of: impl Fn(usize) -> f64,
) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, c) in team.iter().enumerate() {
        if !has_room(c, planned[i]) {
            continue;
        }
        let s = score_of(i);
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    best.map(|(i, _)| i)
}

fn proposals_from(
    patients: &[PlanPatient],
    team: &[PlanCoordinator],
    chosen: &[Option<usize>],
    weights: Weights,
) -> Vec<Proposal> {
    patients
        .iter()
        .zip(chosen)
        .map(|(p, c)| Proposal {
            patient_id: p.id,
            coordinator_id: c.map(|i| team[i].id),
            score: c.map(|i| match_score(&p.needs, &team[i].facts, weights)),
        })
        .collect()
}

/// The baseline: each patient in turn takes their top match among coordinators with room, scored on the
/// team as it stands, ignoring what earlier patients in the queue were given.
pub fn greedy_top_match(
    patients: &[PlanPatient],
    team: &[PlanCoordinator],
    weights: Weights,
) -> Vec<Proposal> {
    proposals_from(patients, team, &greedy_choice(patients, team, weights), weights)
}

fn greedy_choice(
    patients: &[PlanPatient],
    team: &[PlanCoordinator],
    weights: Weights,
) -> Vec<Option<usize>> {
    let mut planned = vec![0i64; team.len()];
    patients
        .iter()
        .map(|p| {
            let pick = best_with_room(team, &planned, |i| {
                match_score(&p.needs, &team[i].facts, weights).total
            });
            if let Some(i) = pick {
                planned[i] += 1;
            }
            pick
        })
        .collect()
}

/// The plan for the whole queue, patients in the order given (the queue's: priority, then waiting longest).
pub fn balanced_plan(
    patients: &[PlanPatient],
    team: &[PlanCoordinator],
    weights: Weights,
) -> Vec<Proposal> {
    let static_scores: Vec<Vec<f64>> = patients
        .iter()
        .map(|p| team.iter().map(|c| match_score(&p.needs, &c.facts, weights).total).collect())
        .collect();

    let mut planned = vec![0i64; team.len()];
    let mut progressive: Vec<Option<usize>> = Vec::with_capacity(patients.len());
    for p in patients {
        let pick = best_with_room(team, &planned, |i| {
            match_score(&p.needs, &with_caseload(&team[i].facts, planned[i]), weights).total
        });
        if let Some(i) = pick {
            planned[i] += 1;
        }
        progressive.push(pick);
    }

    let candidates = [
        improve(team, &static_scores, progressive),
        improve(team, &static_scores, greedy_choice(patients, team, weights)),
    ];
    let total = |choice: &[Option<usize>]| -> f64 {
        choice.iter().enumerate().filter_map(|(p, c)| c.map(|i| static_scores[p][i])).sum()
    };
    let spread =
        |choice: &[Option<usize>]| std_dev(&utilizations(team, &counts(team.len(), choice)));
    let [a, b] = candidates;
    let chosen = match spread(&a).total_cmp(&spread(&b)) {
        std::cmp::Ordering::Less => a,
        std::cmp::Ordering::Greater => b,
        std::cmp::Ordering::Equal => {
            if total(&a) >= total(&b) {
                a
            } else {
                b
            }
        }
    };
    proposals_from(patients, team, &chosen, weights)
}

fn counts(team_len: usize, choice: &[Option<usize>]) -> Vec<i64> {
    let mut n = vec![0i64; team_len];
    for i in choice.iter().flatten() {
        n[*i] += 1;
    }
    n
}

/// Moves one patient at a time to where it lowers the spread most, while the patient keeps a match within
/// [`MOVE_TOLERANCE`] of where they were. Every move strictly lowers the spread, so it ends.
fn improve(
    team: &[PlanCoordinator],
    static_scores: &[Vec<f64>],
    mut choice: Vec<Option<usize>>,
) -> Vec<Option<usize>> {
    let mut planned = counts(team.len(), &choice);
    // Utilization in percent per coordinator (only those who take patients count toward the spread), and
    // the running sums that give the variance of a move in constant time.
    let step: Vec<f64> = team.iter().map(step_of).collect();
    let mut util: Vec<f64> = team
        .iter()
        .zip(&planned)
        .zip(&step)
        .map(|((c, n), s)| (c.facts.current_caseload + n) as f64 * s)
        .collect();
    let n = team.iter().filter(|c| takes_patients(&c.facts)).count() as f64;
    if n == 0.0 {
        return choice;
    }
    let counted = |i: usize| takes_patients(&team[i].facts);
    let mut sum: f64 = (0..team.len()).filter(|i| counted(*i)).map(|i| util[i]).sum();
    let mut squares: f64 = (0..team.len()).filter(|i| counted(*i)).map(|i| util[i] * util[i]).sum();
    let variance = |sum: f64, squares: f64| squares / n - (sum / n).powi(2);
    loop {
        let current = variance(sum, squares);
        let mut best: Option<(usize, usize, f64)> = None;
        for (p, from) in choice.iter().enumerate() {
            let Some(from) = *from else { continue };
            let (a, a2) = (util[from], util[from] - step[from]);
            for (to, c) in team.iter().enumerate() {
                if to == from
                    || !has_room(c, planned[to])
                    || static_scores[p][to] < static_scores[p][from] - MOVE_TOLERANCE
                {
                    continue;
                }
                let (b, b2) = (util[to], util[to] + step[to]);
                let v =
                    variance(sum - a + a2 - b + b2, squares - a * a + a2 * a2 - b * b + b2 * b2);
                if v < current - 1e-9 && best.is_none_or(|(_, _, x)| v < x) {
                    best = Some((p, to, v));
                }
            }
        }
        let Some((p, to, _)) = best else { return choice };
        if let Some(from) = choice[p] {
            let (a, a2) = (util[from], util[from] - step[from]);
            let (b, b2) = (util[to], util[to] + step[to]);
            sum += a2 - a + b2 - b;
            squares += a2 * a2 - a * a + b2 * b2 - b * b;
            util[from] = a2;
            util[to] = b2;
            planned[from] -= 1;
            planned[to] += 1;
            choice[p] = Some(to);
        }
    }
}

/// How many points of utilization one patient is worth to a coordinator (0 for those who take none).
fn step_of(c: &PlanCoordinator) -> f64 {
    if takes_patients(&c.facts) { 100.0 / c.facts.max_caseload as f64 } else { 0.0 }
}

/// A chosen plan row as it will be assigned: its coordinator's facts with the rows before it already
/// on their caseload (so the stored score is the one the row had when the earlier rows were placed),
/// and whether it needs the manager's rationale: the coordinator is Unavailable, or this row takes them
/// past their maximum.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub coordinator_id: UserId,
    pub facts: CoordinatorFacts,
    pub needs_rationale: bool,
}

/// Each row in order (None: left waiting, or a coordinator not in the team).
pub fn placements(team: &[PlanCoordinator], chosen: &[Option<UserId>]) -> Vec<Option<Placement>> {
    let mut placed: Vec<i64> = vec![0; team.len()];
    chosen
        .iter()
        .map(|c| {
            let i = team.iter().position(|m| Some(m.id) == *c)?;
            let mut facts = team[i].facts.clone();
            facts.current_caseload += placed[i];
            placed[i] += 1;
            let needs_rationale = facts.availability == Availability::Unavailable
                || facts.current_caseload + 1 > facts.max_caseload;
            Some(Placement { coordinator_id: team[i].id, facts, needs_rationale })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patient::Program;

    /// A small deterministic generator so the generated teams are the same on every run.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn generated_team(rng: &mut Lcg, size: usize) -> Vec<PlanCoordinator> {
        let specs: [&[&str]; 4] = [
            &["CCM", "PCM", "Mental Health"],
            &["CCM", "Dementia"],
            &["PCM"],
            &["CCM", "Complex Medical"],
        ];
        (0..size)
            .map(|i| {
                let max = 20 + rng.next(20) as i64;
                PlanCoordinator {
                    id: UserId(i as i64 + 1),
                    facts: CoordinatorFacts {
                        current_caseload: rng.next(max as u64 + 1) as i64,
                        max_caseload: max,
                        avg_tasks_per_day: rng.next(30) as f64,
                        avg_minutes_per_patient: rng.next(90) as f64,
                        availability: match rng.next(8) {
                            0 => Availability::Unavailable,
                            1 => Availability::Limited,
                            _ => Availability::Available,
                        },
                        specializations: strings(specs[rng.next(4) as usize]),
                        languages: if rng.next(3) == 0 {
                            strings(&["English", "Spanish"])
                        } else {
                            strings(&["English"])
                        },
                        facilities: strings(&[["Acacia", "Violet", "Cedar"][rng.next(3) as usize]]),
                        performance_rating: Some(1.0 + rng.next(5) as f64),
                        avg_response_hours: Some(rng.next(8) as f64),
                        satisfaction: if rng.next(2) == 0 {
                            None
                        } else {
                            Some(1.0 + rng.next(5) as f64)
                        },
                    },
                }
            })
            .collect()
    }

    fn generated_queue(rng: &mut Lcg, size: usize) -> Vec<PlanPatient> {
        (0..size)
            .map(|i| PlanPatient {
                id: PatientId(1000 + i as i64),
                needs: PatientNeeds {
                    program: [Program::Ccm, Program::Pcm, Program::Both][rng.next(3) as usize],
                    special_needs: if rng.next(2) == 0 {
                        vec![]
                    } else {
                        strings(&[["Mental Health", "Dementia"][rng.next(2) as usize]])
                    },
                    language: if rng.next(4) == 0 { Some("Spanish".into()) } else { None },
                    facility: Some(["Acacia", "Violet", "Cedar"][rng.next(3) as usize].into()),
                },
            })
            .collect()
    }

    fn assert_within_capacity(team: &[PlanCoordinator], plan: &[Proposal]) {
        for (c, n) in team.iter().zip(planned_counts(team, plan)) {
            if n > 0 {
                assert!(
                    c.facts.current_caseload + n <= c.facts.max_caseload,
                    "coordinator {} over capacity: {n} more",
                    c.id
                );
                assert_ne!(
                    c.facts.availability,
                    Availability::Unavailable,
                    "coordinator {} is Unavailable",
                    c.id
                );
            }
        }
    }

    #[test]
    fn the_plan_never_exceeds_a_capacity_and_is_never_less_even_than_greedy() {
        let mut rng = Lcg(7);
        let mut strictly_better = 0;
        for round in 0..200 {
            let team = generated_team(&mut rng, 2 + round % 9);
            let queue_len = 1 + rng.next(40) as usize;
            let queue = generated_queue(&mut rng, queue_len);
            let plan = balanced_plan(&queue, &team, Weights::default());
            let greedy = greedy_top_match(&queue, &team, Weights::default());
            assert_within_capacity(&team, &plan);
            assert_within_capacity(&team, &greedy);
            let placed = |x: &[Proposal]| x.iter().filter(|p| p.coordinator_id.is_some()).count();
            assert_eq!(placed(&plan), placed(&greedy), "both place everyone there is room for");
            let (a, b) = (utilization_spread(&team, &plan), utilization_spread(&team, &greedy));
            assert!(a <= b + 1e-9, "round {round}: plan spread {a:.2} > greedy {b:.2}");
            if a < b - 0.5 {
                strictly_better += 1;
            }
        }
        assert!(
            strictly_better > 100,
            "the plan is more even in most generated queues ({strictly_better}/200)"
        );
    }

    #[test]
    fn on_a_generated_team_the_plan_is_more_even_than_greedy() {
        let mut rng = Lcg(2026);
        let team = generated_team(&mut rng, 8);
        let queue = generated_queue(&mut rng, 15);
        let plan = balanced_plan(&queue, &team, Weights::default());
        let greedy = greedy_top_match(&queue, &team, Weights::default());
        let (a, b) = (utilization_spread(&team, &plan), utilization_spread(&team, &greedy));
        assert!(a < b, "plan {a:.2} vs greedy {b:.2}");
        assert_within_capacity(&team, &plan);
    }

    #[test]
    fn a_full_team_leaves_patients_unplaced() {
        let mut rng = Lcg(1);
        let mut team = generated_team(&mut rng, 2);
        for c in &mut team {
            c.facts.availability = Availability::Available;
            c.facts.current_caseload = c.facts.max_caseload - 1;
        }
        let queue = generated_queue(&mut rng, 3);
        let plan = balanced_plan(&queue, &team, Weights::default());
        assert_eq!(plan.iter().filter(|p| p.coordinator_id.is_some()).count(), 2, "one room each");
        assert!(plan.iter().any(|p| p.coordinator_id.is_none() && p.score.is_none()));
        assert_within_capacity(&team, &plan);
    }

    #[test]
    fn an_unavailable_team_places_nobody_and_an_empty_queue_plans_nothing() {
        let mut rng = Lcg(3);
        let mut team = generated_team(&mut rng, 3);
        for c in &mut team {
            c.facts.availability = Availability::Unavailable;
            c.facts.current_caseload = 0;
        }
        let queue = generated_queue(&mut rng, 4);
        assert!(
            balanced_plan(&queue, &team, Weights::default())
                .iter()
                .all(|p| p.coordinator_id.is_none())
        );
        assert!(balanced_plan(&[], &team, Weights::default()).is_empty());
        assert!(
            balanced_plan(&queue, &[], Weights::default())
                .iter()
                .all(|p| p.coordinator_id.is_none())
        );
    }

    #[test]
    fn placements_count_the_rows_before_and_flag_the_ones_past_capacity() {
        let mut team = generated_team(&mut Lcg(7), 2);
        (team[0].facts.current_caseload, team[0].facts.max_caseload) = (8, 10);
        team[0].facts.availability = Availability::Available;
        (team[1].facts.current_caseload, team[1].facts.max_caseload) = (0, 5);
        team[1].facts.availability = Availability::Unavailable;
        let (a, b) = (Some(UserId(1)), Some(UserId(2)));
        let rows = placements(&team, &[a, None, a, a, b, Some(UserId(9))]);
        let caseloads: Vec<Option<(i64, bool)>> = rows
            .iter()
            .map(|p| p.as_ref().map(|p| (p.facts.current_caseload, p.needs_rationale)))
            .collect();
        assert_eq!(
            caseloads,
            vec![Some((8, false)), None, Some((9, false)), Some((10, true)), Some((0, true)), None],
            "the third patient for a 10-place coordinator holding 8 is the eleventh; Unavailable always asks"
        );
    }

    #[test]
    fn std_dev_of_known_values() {
        assert_eq!(std_dev(&[]), 0.0);
        assert_eq!(std_dev(&[50.0]), 0.0);
        assert!((std_dev(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]) - 2.0).abs() < 1e-12);
    }
}
