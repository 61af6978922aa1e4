//! A demo patient's enrollment records: consent with its method, ICD-10-CM diagnoses and care plan
//! versions, drawn from a stream of their own per patient so the rest of the demo stays as it was.

use carelog_domain::icd10cm::{billable, chronic_by_default};
use carelog_domain::patient::{CarePlanState, CarePlanStatus, ConsentMethod, GoalStatus};
use carelog_store::{
    CarePlanSections, DemoCarePlanVersion, DemoConsent, DemoDiagnosis, DemoEnrollment, NewGoal,
};
use chrono::{Duration, NaiveDate};

use crate::demo::Rng;

/// Common chronic conditions of a Medicare CCM panel, and what a care plan says about each.
const CHRONIC: &[(&str, &str, &str)] = &[
    ("E11.9", "HbA1c below 8% at the next check", "Metformin as prescribed; glucose log reviewed"),
    ("I10", "Blood pressure below 140/90 at home readings", "Lisinopril; home cuff readings"),
    ("E78.5", "LDL below 100 at the next lipid panel", "Atorvastatin nightly"),
    ("I50.9", "No heart-failure admission in 6 months", "Daily weights; furosemide as directed"),
    ("J44.9", "No COPD exacerbation needing steroids", "Tiotropium daily; rescue inhaler on hand"),
    ("N18.30", "eGFR stable at the next lab", "Avoid NSAIDs; renal dosing reviewed"),
    ("F32.A", "PHQ-9 below 10 within 3 months", "Sertraline; counselling referral"),
    ("I48.91", "Rate controlled, no bleeding events", "Apixaban twice daily; metoprolol"),
    ("M17.9", "Walks 20 minutes a day without stopping", "Acetaminophen; physical therapy"),
    ("E03.9", "TSH within range at the next check", "Levothyroxine before breakfast"),
    ("J45.909", "No night-time symptoms more than twice a month", "Inhaled steroid daily"),
    ("I25.10", "No chest pain on exertion", "Aspirin and statin; cardiac rehab"),
    ("M81.0", "No fracture; bone density rechecked in 2 years", "Alendronate weekly; calcium"),
];

/// Short illnesses that come and go: recorded, not chronic, resolved.
const ACUTE: &[&str] = &["J06.9", "N39.0"];

/// Consent obtained on `consent_date` (when there is one), `chronic` chronic diagnoses, and a care
/// plan in the state the demo drew (Needs Review: active with its review date passed).
pub fn records(
    patient: usize,
    chronic: i32,
    consent_date: Option<NaiveDate>,
    plan: CarePlanStatus,
    today: NaiveDate,
) -> DemoEnrollment {
    let mut rng = Rng::new(0xE10_0000 + patient as u64);
    let consent = consent_date.map(|obtained_on| DemoConsent {
        obtained_on,
        method: *rng.weighted(&[(ConsentMethod::Verbal, 70), (ConsentMethod::Written, 30)]),
        // A few patients stopped: the withdrawal shows as the reason their later months do not bill.
        withdrawn_on: (today - obtained_on > Duration::days(150) && rng.chance(4))
            .then(|| today - Duration::days(rng.range(40, 100))),
    });
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < usize::try_from(chronic).unwrap_or(0).min(CHRONIC.len()) {
        let pick = rng.range(0, CHRONIC.len() as i64 - 1) as usize;
        if !chosen.contains(&pick) {
            chosen.push(pick);
        }
    }
    let mut diagnoses: Vec<DemoDiagnosis> = chosen
        .iter()
        .filter_map(|&i| {
            diagnosis(CHRONIC[i].0, Some(today - Duration::days(rng.range(400, 4000))), None)
        })
        .collect();
    if rng.chance(20) {
        let onset = today - Duration::days(rng.range(60, 300));
        let code = *rng.pick(ACUTE);
        diagnoses.extend(diagnosis(
            code,
            Some(onset),
            Some(onset + Duration::days(rng.range(7, 21))),
        ));
    }
    let started =
        consent_date.map(|c| c + Duration::days(rng.range(2, 14))).filter(|d| *d <= today);
    let plan_sections = |review: NaiveDate| sections(&chosen, review);
    let plan_goals = |rng: &mut Rng| goals(&chosen, today, rng);
    let care_plan = match (plan, started) {
        (CarePlanStatus::Active | CarePlanStatus::NeedsReview, Some(first)) => {
            let review_passed = plan == CarePlanStatus::NeedsReview;
            let next_review = if review_passed {
                today - Duration::days(rng.range(1, 30))
            } else {
                today + Duration::days(rng.range(10, 170))
            };
            let mut versions = Vec::new();
            // A third were revised once since, the first version superseded on the revision's day.
            let revised = (today - first > Duration::days(200) && rng.chance(33))
                .then(|| first + Duration::days(rng.range(90, (today - first).num_days() - 30)));
            if let Some(revised_on) = revised {
                versions.push(DemoCarePlanVersion {
                    state: CarePlanState::Superseded,
                    activated_on: Some(first),
                    ended_on: Some(revised_on),
                    copy_given_on: Some(first),
                    sections: plan_sections(revised_on),
                    goals: plan_goals(&mut rng),
                });
            }
            let active_from = revised.unwrap_or(first);
            versions.push(DemoCarePlanVersion {
                state: CarePlanState::Active,
                activated_on: Some(active_from),
                ended_on: None,
                copy_given_on: rng.chance(85).then_some(active_from),
                sections: plan_sections(next_review),
                goals: plan_goals(&mut rng),
            });
            versions
        }
        (CarePlanStatus::Draft, _)
        | (CarePlanStatus::Active | CarePlanStatus::NeedsReview, None) => {
            vec![DemoCarePlanVersion {
                state: CarePlanState::Draft,
                activated_on: None,
                ended_on: None,
                copy_given_on: None,
                sections: plan_sections(today + Duration::days(180)),
                goals: plan_goals(&mut rng),
            }]
        }
        (CarePlanStatus::NotStarted, _) => Vec::new(),
    };
    DemoEnrollment { consent, diagnoses, care_plan, enrolled_on: started }
}

/// The visit that began care management, by the patient's provider a few weeks before it: an annual
/// wellness visit or an office visit; a few patients have none on record (their months are flagged).
pub fn initiating_visit(
    patient: usize,
    enrolled_on: Option<NaiveDate>,
) -> Option<(NaiveDate, &'static str)> {
    let mut rng = Rng::new(0x1A1_0000 + patient as u64);
    let start = enrolled_on?;
    rng.chance(95).then(|| {
        let kind = *rng.pick(&["Annual Wellness", "Office Visit"]);
        (start - Duration::days(rng.range(7, 60)), kind)
    })
}

fn diagnosis(
    code: &str,
    onset_on: Option<NaiveDate>,
    resolved_on: Option<NaiveDate>,
) -> Option<DemoDiagnosis> {
    let found = billable(code).ok()?;
    Some(DemoDiagnosis {
        code: found.code.to_owned(),
        description: found.description.to_owned(),
        chronic: chronic_by_default(found.code),
        onset_on,
        resolved_on,
    })
}

fn sections(chosen: &[usize], next_review_on: NaiveDate) -> CarePlanSections {
    let problems: Vec<String> = chosen
        .iter()
        .filter_map(|&i| billable(CHRONIC[i].0).ok())
        .map(|c| format!("{} {}", c.code, c.description))
        .collect();
    let medications: Vec<&str> = chosen.iter().map(|&i| CHRONIC[i].2).collect();
    CarePlanSections {
        problem_list: problems.join("\n"),
        expected_outcome: "Stable at home with fewer urgent visits; prognosis fair with adherence."
            .into(),
        symptom_management: "Call the care team for new shortness of breath, chest pain or falls."
            .into(),
        interventions:
            "Monthly coordinator call (care coordinator); medication review (pharmacist); \
                        provider visit every 3 months (provider)."
                .into(),
        medication_management: medications.join("\n"),
        community_services: "Meals on Wheels offered; transport to appointments arranged.".into(),
        coordination: "Cardiology and nephrology notes requested after each visit.".into(),
        next_review_on: Some(next_review_on),
    }
}

fn goals(chosen: &[usize], today: NaiveDate, rng: &mut Rng) -> Vec<NewGoal> {
    chosen
        .iter()
        .take(3)
        .map(|&i| NewGoal {
            goal: CHRONIC[i].1.to_owned(),
            target_on: Some(today + Duration::days(rng.range(30, 240))),
            status: *rng.weighted(&[
                (GoalStatus::InProgress, 60),
                (GoalStatus::NotStarted, 20),
                (GoalStatus::Met, 15),
                (GoalStatus::NotMet, 5),
            ]),
        })
        .collect()
}
