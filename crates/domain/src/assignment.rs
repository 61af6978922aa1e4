//! The coordinator match score (seed 001 §4.1–4.5): workload, specialization, experience and
//! language scores, each 0–100, weighted (admin-editable; default 0.3 / 0.3 / 0.2 / 0.2). Every input
//! is computed from recorded data by the caller; this module only scores.

use crate::patient::{Availability, Program};

#[derive(Debug, Clone, PartialEq)]
pub struct CoordinatorFacts {
    pub current_caseload: i64,
    pub max_caseload: i64,
    /// Log entries per working day, last 30 days.
    pub avg_tasks_per_day: f64,
    /// Minutes per patient on the caseload, last 30 days.
    pub avg_minutes_per_patient: f64,
    pub availability: Availability,
    pub specializations: Vec<String>,
    pub languages: Vec<String>,
    pub facilities: Vec<String>,
    /// 1–5 from managers' QA reviews; None before any review.
    pub performance_rating: Option<f64>,
    /// Hours from a task falling due to its completion; None without completed tasks.
    pub avg_response_hours: Option<f64>,
    /// 1–5 from recorded satisfaction surveys; None before any survey.
    pub satisfaction: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatientNeeds {
    pub program: Program,
    pub special_needs: Vec<String>,
    pub language: Option<String>,
    pub facility: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub workload: f64,
    pub specialization: f64,
    pub experience: f64,
    pub language: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { workload: 0.3, specialization: 0.3, experience: 0.2, language: 0.2 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchScore {
    pub workload: f64,
    pub specialization: f64,
    pub experience: f64,
    pub language: f64,
    pub total: f64,
    /// At capacity or Unavailable: shown, never recommended.
    pub recommendable: bool,
}

/// A rating or satisfaction not yet recorded counts as the middle of the scale, so a coordinator without
/// reviews is neither rewarded nor punished for it.
pub const NEUTRAL_RATING: f64 = 3.0;

/// The largest maximum caseload a profile may name.
pub const MAX_CASELOAD_LIMIT: i32 = 500;

/// A profile's maximum caseload: a whole number from 1 to 500 (domain.md: at least 1, so
/// utilization always has a denominator and "no room" is said as at or over capacity).
pub fn parse_max_caseload(text: &str) -> Result<i32, String> {
    text.trim().parse::<i32>().ok().filter(|m| (1..=MAX_CASELOAD_LIMIT).contains(m)).ok_or_else(|| {
        format!(
            "Maximum caseload: a whole number from 1 to {MAX_CASELOAD_LIMIT} (you entered \"{}\").",
            text.trim()
        )
    })
}

/// Lowering a maximum below the caseload held puts the coordinator over capacity: asked first.
pub fn over_capacity_question(name: &str, caseload: i64, new_max: i32) -> Option<String> {
    (caseload > i64::from(new_max)).then(|| {
        format!(
            "{name} holds {caseload} patients: a maximum of {new_max} puts them over capacity ({caseload}/{new_max}), and no patient is recommended to them until their caseload falls below it. Save anyway?"
        )
    })
}

pub fn at_capacity(c: &CoordinatorFacts) -> bool {
    c.current_caseload >= c.max_caseload
}

/// §4.1: prefer lower utilization; heavy task or time load costs 10 each; Available earns 10.
pub fn workload_score(c: &CoordinatorFacts) -> f64 {
    let utilization =
        if c.max_caseload > 0 { c.current_caseload as f64 / c.max_caseload as f64 } else { 1.0 };
    let mut score = 100.0 - utilization * 100.0;
    if c.avg_tasks_per_day > 20.0 {
        score -= 10.0;
    }
    if c.avg_minutes_per_patient > 60.0 {
        score -= 10.0;
    }
    if c.availability == Availability::Available && !at_capacity(c) {
        score += 10.0;
    }
    score.clamp(0.0, 100.0)
}

/// §4.2: the care type (two needs for CCM+PCM) and each special need, matched against specializations.
pub fn specialization_score(needs: &PatientNeeds, specializations: &[String]) -> f64 {
    let has = |s: &str| specializations.iter().any(|x| x.eq_ignore_ascii_case(s));
    let (mut matched, mut total) = match needs.program {
        Program::Ccm => (u32::from(has("CCM")), 1),
        Program::Pcm => (u32::from(has("PCM")), 1),
        Program::Both => (u32::from(has("CCM")) + u32::from(has("PCM")), 2),
    };
    for need in &needs.special_needs {
        total += 1;
        matched += u32::from(has(need));
    }
    if total > 0 { f64::from(matched) / f64::from(total) * 100.0 } else { 50.0 }
}

/// Experience as domain.md weighs seed 001 §4.3's inputs so the part can tell coordinators apart:
/// 50 × rating/5 + 30 × satisfaction/5, +15 if the coordinator serves the patient's facility, +10 for
/// an average response within 2 hours (+5 within 4), at most 100. (The seed's rating × 20 +
/// satisfaction × 10 passed 100 for any rated coordinator.)
pub fn experience_score(c: &CoordinatorFacts, facility: Option<&str>) -> f64 {
    experience_parts(c, facility).iter().map(|(_, points)| points).sum::<f64>().clamp(0.0, 100.0)
}

/// The experience part's inputs and the points each gives, in words a manager reads on the card.
pub fn experience_parts(c: &CoordinatorFacts, facility: Option<&str>) -> Vec<(String, f64)> {
    let rating = c.performance_rating.unwrap_or(NEUTRAL_RATING);
    let satisfaction = c.satisfaction.unwrap_or(NEUTRAL_RATING);
    let recorded = |v: Option<f64>, shown: f64| match v {
        Some(_) => format!("{shown:.1}/5"),
        None => format!("{shown:.0}/5, none recorded"),
    };
    let mut parts = vec![
        (format!("rating {}", recorded(c.performance_rating, rating)), 50.0 * rating / 5.0),
        (
            format!("satisfaction {}", recorded(c.satisfaction, satisfaction)),
            30.0 * satisfaction / 5.0,
        ),
    ];
    if let Some(f) = facility.filter(|f| c.facilities.iter().any(|x| x.eq_ignore_ascii_case(f))) {
        parts.push((format!("serves {f}"), 15.0));
    }
    match c.avg_response_hours {
        Some(h) if h <= 2.0 => parts.push((format!("responds in {h:.1} h"), 10.0)),
        Some(h) if h <= 4.0 => parts.push((format!("responds in {h:.1} h"), 5.0)),
        _ => {}
    }
    parts
}

/// §4.4: English or no preference: 100 if the coordinator speaks English, else 50; any other language:
/// 100 if spoken, else 0.
pub fn language_score(patient_language: Option<&str>, languages: &[String]) -> f64 {
    let speaks = |l: &str| languages.iter().any(|x| x.eq_ignore_ascii_case(l));
    match patient_language.map(str::trim).filter(|l| !l.is_empty()) {
        None => {
            if speaks("English") {
                100.0
            } else {
                50.0
            }
        }
        Some(l) if l.eq_ignore_ascii_case("English") => {
            if speaks("English") {
                100.0
            } else {
                50.0
            }
        }
        Some(l) => {
            if speaks(l) {
                100.0
            } else {
                0.0
            }
        }
    }
}

/// §4.5: the weighted sum, with its four parts for the manager to see.
pub fn match_score(needs: &PatientNeeds, c: &CoordinatorFacts, weights: Weights) -> MatchScore {
    let workload = workload_score(c);
    let specialization = specialization_score(needs, &c.specializations);
    let experience = experience_score(c, needs.facility.as_deref());
    let language = language_score(needs.language.as_deref(), &c.languages);
    MatchScore {
        workload,
        specialization,
        experience,
        language,
        total: workload * weights.workload
            + specialization * weights.specialization
            + experience * weights.experience
            + language * weights.language,
        recommendable: !at_capacity(c) && c.availability != Availability::Unavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The seed's sample card (§3.5): 28/35 patients, 4.7/5, 2.3 hours, English and Spanish, Acacia.
    fn seed_card() -> CoordinatorFacts {
        CoordinatorFacts {
            current_caseload: 28,
            max_caseload: 35,
            avg_tasks_per_day: 15.2,
            avg_minutes_per_patient: 45.0,
            availability: Availability::Available,
            specializations: strings(&["CCM", "PCM", "Mental Health"]),
            languages: strings(&["English", "Spanish"]),
            facilities: strings(&["Acacia"]),
            performance_rating: Some(4.7),
            avg_response_hours: Some(2.3),
            satisfaction: Some(4.6),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_seed_sample_coordinator_scores_part_by_part() {
        let needs = PatientNeeds {
            program: Program::Both,
            special_needs: strings(&["Mental Health"]),
            language: Some("Spanish".into()),
            facility: Some("Acacia".into()),
        };
        let s = match_score(&needs, &seed_card(), Weights::default());
        assert!(close(s.workload, 30.0), "100 − 80 + 10 for Available: {}", s.workload);
        assert!(close(s.specialization, 100.0), "CCM, PCM and Mental Health all matched");
        assert!(close(s.experience, 94.6), "47 + 27.6 + 15 + 5: {}", s.experience);
        assert!(close(s.language, 100.0));
        assert!(close(s.total, 30.0 * 0.3 + 100.0 * 0.3 + 94.6 * 0.2 + 100.0 * 0.2));
        assert!(s.recommendable);
    }

    #[test]
    fn workload_penalties_bonus_and_bounds() {
        let c = seed_card();
        assert!(close(
            workload_score(&CoordinatorFacts {
                avg_tasks_per_day: 20.5,
                avg_minutes_per_patient: 61.0,
                ..c.clone()
            }),
            10.0
        ));
        assert!(close(
            workload_score(&CoordinatorFacts { availability: Availability::Limited, ..c.clone() }),
            20.0
        ));
        assert!(
            close(workload_score(&CoordinatorFacts { current_caseload: 0, ..c.clone() }), 100.0),
            "100 + 10 is capped at 100"
        );
        assert!(
            close(workload_score(&CoordinatorFacts { current_caseload: 40, ..c.clone() }), 0.0),
            "over capacity floors at 0"
        );
        assert!(
            close(
                workload_score(&CoordinatorFacts { max_caseload: 0, current_caseload: 0, ..c }),
                0.0
            ),
            "no capacity is full"
        );
    }

    #[test]
    fn no_special_needs_scores_the_care_type_alone() {
        let ccm = PatientNeeds {
            program: Program::Ccm,
            special_needs: vec![],
            language: None,
            facility: None,
        };
        assert!(close(specialization_score(&ccm, &strings(&["CCM"])), 100.0));
        assert!(close(specialization_score(&ccm, &strings(&["PCM"])), 0.0));
        let both = PatientNeeds { program: Program::Both, ..ccm.clone() };
        assert!(close(specialization_score(&both, &strings(&["PCM"])), 50.0));
        let dementia =
            PatientNeeds { special_needs: strings(&["Dementia", "Mental Health"]), ..ccm };
        assert!(
            close(specialization_score(&dementia, &strings(&["ccm", "dementia"])), 200.0 / 3.0),
            "matching ignores case"
        );
    }

    #[test]
    fn no_language_preference_reads_as_english() {
        assert!(close(language_score(None, &strings(&["English"])), 100.0));
        assert!(close(language_score(Some(""), &strings(&["Vietnamese"])), 50.0));
        assert!(close(language_score(Some("english"), &strings(&["Spanish"])), 50.0));
        assert!(close(language_score(Some("Tagalog"), &strings(&["English", "Tagalog"])), 100.0));
        assert!(close(language_score(Some("Tagalog"), &strings(&["English"])), 0.0));
    }

    #[test]
    fn experience_bonuses_and_neutral_missing_records() {
        let c = CoordinatorFacts {
            performance_rating: None,
            satisfaction: None,
            avg_response_hours: None,
            facilities: vec![],
            ..seed_card()
        };
        assert!(close(experience_score(&c, Some("Acacia")), 48.0), "30 + 18 for no records yet");
        let serves = CoordinatorFacts { facilities: strings(&["Acacia"]), ..c.clone() };
        assert!(close(experience_score(&serves, Some("acacia")), 63.0), "+ 15 for the facility");
        let fast = CoordinatorFacts { avg_response_hours: Some(2.0), ..c.clone() };
        assert!(close(experience_score(&fast, None), 58.0), "+ 10 within 2 hours");
        let slow = CoordinatorFacts {
            performance_rating: Some(1.0),
            satisfaction: Some(1.0),
            avg_response_hours: Some(4.0),
            ..c.clone()
        };
        assert!(close(experience_score(&slow, None), 21.0), "10 + 6 + 5");
        let slower = CoordinatorFacts { avg_response_hours: Some(4.1), ..slow };
        assert!(close(experience_score(&slower, Some("Violet")), 16.0));
        let best = CoordinatorFacts {
            performance_rating: Some(5.0),
            satisfaction: Some(5.0),
            avg_response_hours: Some(1.0),
            ..serves
        };
        assert!(close(experience_score(&best, Some("Acacia")), 100.0), "105 capped at 100");
    }

    #[test]
    fn a_maximum_caseload_is_at_least_one_and_lowering_below_the_caseload_is_asked() {
        assert_eq!(parse_max_caseload(" 35 "), Ok(35));
        assert_eq!(parse_max_caseload("1"), Ok(1));
        assert_eq!(parse_max_caseload("500"), Ok(500));
        for bad in ["0", "-3", "501", "", "ten", "3.5"] {
            let message = parse_max_caseload(bad).unwrap_err();
            assert!(message.contains("from 1 to 500"), "{bad}: {message}");
        }
        assert_eq!(over_capacity_question("Vesna", 33, 33), None, "at capacity is not over it");
        let asked = over_capacity_question("Vesna", 33, 20).unwrap_or_default();
        assert!(asked.contains("over capacity (33/20)"), "{asked}");
    }

    #[test]
    fn reviews_move_the_experience_part_for_rated_coordinators() {
        // The seed's formula gave 100 to both: rating 3.6 and satisfaction 4.2 already summed to 114.
        let good = CoordinatorFacts {
            performance_rating: Some(4.8),
            satisfaction: Some(4.6),
            ..seed_card()
        };
        let poor = CoordinatorFacts {
            performance_rating: Some(3.6),
            satisfaction: Some(4.2),
            ..seed_card()
        };
        let (g, p) = (experience_score(&good, None), experience_score(&poor, None));
        assert!(close(g, 48.0 + 27.6 + 5.0) && close(p, 36.0 + 25.2 + 5.0), "{g} {p}");
        assert!(g - p > 10.0);
        let words: Vec<String> =
            experience_parts(&poor, Some("Acacia")).into_iter().map(|(w, _)| w).collect();
        assert_eq!(
            words,
            ["rating 3.6/5", "satisfaction 4.2/5", "serves Acacia", "responds in 2.3 h"]
        );
        let new = CoordinatorFacts { performance_rating: None, ..poor };
        assert_eq!(experience_parts(&new, None)[0].0, "rating 3/5, none recorded");
    }

    #[test]
    fn an_unavailable_or_full_coordinator_is_scored_but_not_recommended() {
        let needs = PatientNeeds {
            program: Program::Ccm,
            special_needs: vec![],
            language: None,
            facility: None,
        };
        let away = match_score(
            &needs,
            &CoordinatorFacts { availability: Availability::Unavailable, ..seed_card() },
            Weights::default(),
        );
        assert!(!away.recommendable && away.total > 0.0);
        assert!(close(away.workload, 20.0), "no Available bonus");
        let full = match_score(
            &needs,
            &CoordinatorFacts { current_caseload: 35, ..seed_card() },
            Weights::default(),
        );
        assert!(!full.recommendable);
        assert!(close(full.workload, 0.0));
    }

    #[test]
    fn every_part_and_the_total_stay_within_0_and_100() {
        let needs = PatientNeeds {
            program: Program::Both,
            special_needs: strings(&["Dementia"]),
            language: Some("Mandarin".into()),
            facility: Some("Acacia".into()),
        };
        for caseload in [0, 10, 35, 70] {
            for rating in [None, Some(1.0), Some(5.0)] {
                for hours in [None, Some(0.5), Some(3.0), Some(50.0)] {
                    let c = CoordinatorFacts {
                        current_caseload: caseload,
                        performance_rating: rating,
                        satisfaction: rating,
                        avg_response_hours: hours,
                        ..seed_card()
                    };
                    let s = match_score(&needs, &c, Weights::default());
                    for part in [s.workload, s.specialization, s.experience, s.language, s.total] {
                        assert!((0.0..=100.0).contains(&part), "{s:?}");
                    }
                }
            }
        }
    }
}
