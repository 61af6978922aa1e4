//! A coordinator's profile (seed 001 §3.2): what the match score reads, with the figures computed from
//! the record beside it; managers edit specializations, capacity, languages, hours, facilities and
//! availability.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::model::{Named, ProfileUpdate, TeamMember};
use carelog_app::team_facts::{availability_label, days_ago, facts};
use carelog_domain::assignment::{over_capacity_question, parse_max_caseload};
use carelog_domain::capacity::caseload_words;
use carelog_domain::ids::UserId;
use carelog_domain::patient::Availability;
use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use super::{Shell, Tab, render};
use crate::context::{AdminUser, CurrentUser, ManagerUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const SPECIALIZATIONS: [&str; 5] =
    ["CCM", "PCM", "Mental Health", "Dementia", "Complex Medical"];

#[derive(Template)]
#[template(path = "pages/profile.html")]
struct ProfilePage {
    shell: Shell,
    member: TeamMember,
    figures: ProfileFigures,
    facilities: Vec<(Named, bool)>,
    specializations: Vec<(&'static str, bool)>,
    form: ProfileUpdate,
    languages: String,
    error: Option<String>,
    saved: bool,
    /// Who manages them, in words, and (for an admin) the managers to choose from.
    manager: String,
    managers: Vec<carelog_app::model::NamedUser>,
    may_set_manager: bool,
}

impl ProfilePage {
    /// The form's maximum is below the caseload held: saving it asks for confirmation.
    fn over_capacity(&self) -> bool {
        i64::from(self.form.max_caseload) < self.member.caseload
    }
}

/// The coordinator's figures in words, each saying so when there is nothing to show yet.
struct ProfileFigures {
    availability: String,
    caseload: String,
    tasks_per_day: String,
    minutes_per_patient: String,
    response: String,
    rating: String,
    satisfaction: String,
    last_assignment: String,
}

fn profile_figures(m: &TeamMember, now: DateTime<Utc>, tz: Tz) -> ProfileFigures {
    let f = facts(m, now, tz);
    ProfileFigures {
        availability: availability_label(m),
        caseload: caseload_words(m.caseload, m.max_caseload),
        tasks_per_day: format!("{:.1}", f.avg_tasks_per_day),
        minutes_per_patient: format!("{:.0}", f.avg_minutes_per_patient),
        response: f
            .avg_response_hours
            .map(|h| format!("{h:.1} hours"))
            .unwrap_or_else(|| "no completed tasks in 30 days".into()),
        rating: f
            .performance_rating
            .map(|r| {
                format!("{r:.1}/5 from {}", carelog_domain::words::counted(m.reviews, "QA review"))
            })
            .unwrap_or_else(|| "no QA reviews yet".into()),
        satisfaction: f
            .satisfaction
            .map(|s| {
                format!("{s:.1}/5 from {}", carelog_domain::words::counted(m.surveys, "survey"))
            })
            .unwrap_or_else(|| "no surveys yet".into()),
        last_assignment: days_ago(m.last_assignment, now, tz),
    }
}

async fn member(state: &AppState, user: &CurrentUser, raw_id: &str) -> AppResult<TeamMember> {
    let id = raw_id.trim().parse::<UserId>().map_err(|_| AppError::NotFound)?;
    state
        .app
        .team_members(&user.actor())
        .await?
        .iter()
        .find(|m| m.id == id)
        .cloned()
        .ok_or(AppError::NotFound)
}

/// The profile form as the coordinator's profile stands.
fn profile_as_recorded(m: &TeamMember, all_facilities: &[Named]) -> ProfileUpdate {
    ProfileUpdate {
        max_caseload: i32::try_from(m.max_caseload).unwrap_or(0),
        availability: m.availability,
        work_start: m.work_start.clone(),
        work_end: m.work_end.clone(),
        specializations: m.specializations.clone(),
        languages: m.languages.clone(),
        facility_ids: all_facilities
            .iter()
            .filter(|f| m.facilities_served.contains(&f.name))
            .map(|f| f.id)
            .collect(),
    }
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    m: TeamMember,
    form: Option<ProfileUpdate>,
    error: Option<String>,
    saved: bool,
) -> AppResult<Response> {
    let all_facilities = state.app.facilities().await?;
    let form = form.unwrap_or_else(|| profile_as_recorded(&m, &all_facilities));
    super::audit(state, user, "team.profile_view", None, format!("coordinator {}", m.id)).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let managers = state.app.managers(&user.actor()).await?;
    let manager = m
        .manager_id
        .and_then(|id| managers.iter().find(|x| x.id == id))
        .map(|x| x.name.clone())
        .unwrap_or_else(|| "nobody (on no manager's team)".into());
    let page = ProfilePage {
        manager,
        managers,
        may_set_manager: user.role().administers(),
        shell: Shell::load(state, user, Tab::Team).await?,
        figures: profile_figures(&m, Utc::now(), state.settings.time_zone),
        facilities: all_facilities
            .into_iter()
            .map(|f| {
                let on = form.facility_ids.contains(&f.id);
                (f, on)
            })
            .collect(),
        specializations: SPECIALIZATIONS
            .iter()
            .map(|s| (*s, form.specializations.iter().any(|x| x == s)))
            .collect(),
        languages: form.languages.join(", "),
        form,
        member: m,
        error,
        saved,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Path(raw_id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let m = member(&state, &user, &raw_id).await?;
    let saved = q.iter().any(|(k, v)| k == "saved" && v == "1");
    show(&state, &user, m, None, None, saved).await
}

fn parse_time(field: &str, raw: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map_err(|_| format!("{field}: \"{}\" is not a time (HH:MM).", raw.trim()))
}

/// The profile form's rules, named in each refusal.
fn specializations_of(fields: &[(String, String)]) -> Result<Vec<String>, String> {
    let mut specializations = Vec::new();
    for (_, v) in fields.iter().filter(|(k, _)| k == "specialization") {
        let s =
            SPECIALIZATIONS.iter().find(|s| s.eq_ignore_ascii_case(v.trim())).ok_or_else(|| {
                format!(
                    "Specializations: \"{}\" is not one of {}.",
                    v.trim(),
                    SPECIALIZATIONS.join(", ")
                )
            })?;
        if !specializations.contains(&s.to_string()) {
            specializations.push(s.to_string());
        }
    }
    Ok(specializations)
}

/// Comma-separated language names, each capitalised once, at least one.
fn languages_of(raw: &str) -> Result<Vec<String>, String> {
    let mut languages: Vec<String> = Vec::new();
    for l in raw.split(',').map(str::trim).filter(|l| !l.is_empty()) {
        if l.chars().count() > 40 || !l.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '-') {
            return Err(format!(
                "Languages: \"{l}\" is not a language name (letters, spaces and hyphens, at most 40)."
            ));
        }
        let mut name: Vec<char> = l.chars().collect();
        if let Some(first) = name.first_mut() {
            *first = first.to_ascii_uppercase();
        }
        let name: String = name.into_iter().collect();
        if !languages.iter().any(|x| x.eq_ignore_ascii_case(&name)) {
            languages.push(name);
        }
    }
    if languages.is_empty() {
        return Err("Languages: list at least one language, separated by commas.".into());
    }
    Ok(languages)
}

fn facilities_of(fields: &[(String, String)], facility_ids: &[i64]) -> Result<Vec<i64>, String> {
    let mut chosen = Vec::new();
    for (_, v) in fields.iter().filter(|(k, _)| k == "facility") {
        let id = v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| facility_ids.contains(id))
            .ok_or_else(|| "Facilities served: choose from the list.".to_owned())?;
        if !chosen.contains(&id) {
            chosen.push(id);
        }
    }
    Ok(chosen)
}

pub fn parse_profile(
    fields: &[(String, String)],
    facility_ids: &[i64],
) -> Result<ProfileUpdate, String> {
    let one = |name: &str| {
        fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
    };
    let max_caseload = parse_max_caseload(&one("max_caseload"))?;
    let availability = Availability::parse(&one("availability"))
        .map_err(|_| "Availability: choose Available, Limited or Unavailable.".to_owned())?;
    let (start, end) = (
        parse_time("Working hours start", &one("work_start"))?,
        parse_time("Working hours end", &one("work_end"))?,
    );
    if start >= end {
        return Err(format!(
            "Working hours: the start ({}) must be before the end ({}).",
            start.format("%H:%M"),
            end.format("%H:%M")
        ));
    }
    let specializations = specializations_of(fields)?;
    let languages = languages_of(&one("languages"))?;
    let chosen = facilities_of(fields, facility_ids)?;
    Ok(ProfileUpdate {
        max_caseload,
        availability,
        work_start: start.format("%H:%M").to_string(),
        work_end: end.format("%H:%M").to_string(),
        specializations,
        languages,
        facility_ids: chosen,
    })
}

pub async fn save(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Path(raw_id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let m = member(&state, &user, &raw_id).await?;
    let facility_ids: Vec<i64> = state.app.facilities().await?.into_iter().map(|f| f.id).collect();
    let update = match parse_profile(&fields, &facility_ids) {
        Ok(u) => u,
        Err(message) => return show(&state, &user, m, None, Some(message), false).await,
    };
    let confirmed = fields.iter().any(|(k, v)| k == "confirm_over" && v == "1");
    if let Some(question) = over_capacity_question(&m.name, m.caseload, update.max_caseload)
        && !confirmed
    {
        return show(&state, &user, m, Some(update), Some(question), false).await;
    }
    let detail = format!(
        "{}: before max {} {} {}-{} [{}] [{}] [{}]; after {:?}",
        m.name,
        m.max_caseload,
        m.availability,
        m.work_start,
        m.work_end,
        m.specializations.join(", "),
        m.languages.join(", "),
        m.facilities_served.join(", "),
        update
    );
    state.app.update_profile(&user.actor(), m.id, &update, detail).await?;
    Ok(Redirect::to(&format!("/team/coordinators/{}?saved=1", m.id)).into_response())
}

#[derive(serde::Deserialize)]
pub struct ManagerForm {
    #[serde(default)]
    manager: String,
}

/// An admin sets who manages this person: a manager from the list, or nobody.
pub async fn set_manager(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(raw_id): Path<String>,
    Form(form): Form<ManagerForm>,
) -> AppResult<Response> {
    let m = member(&state, &user, &raw_id).await?;
    let manager = match super::listed_id::<UserId>("Manager", &form.manager) {
        Ok(manager) => manager,
        Err(AppError::BadRequest(message)) => {
            return show(&state, &user, m, None, Some(message), false).await;
        }
        Err(e) => return Err(e),
    };
    match state.app.set_manager(&user.actor(), m.id, manager).await {
        Ok(()) => Ok(Redirect::to(&format!("/team/coordinators/{}?saved=1", m.id)).into_response()),
        Err(carelog_app::ServiceError::Refused(message)) => {
            show(&state, &user, m, None, Some(message), false).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("max_caseload", "35"),
            ("availability", "Limited"),
            ("work_start", "08:00"),
            ("work_end", "16:30"),
            ("languages", "english, Spanish"),
        ]
    }

    #[test]
    fn a_valid_profile_is_normalised() {
        let mut f = base();
        f.extend([
            ("specialization", "ccm"),
            ("specialization", "Dementia"),
            ("specialization", "CCM"),
            ("facility", "2"),
        ]);
        let p = parse_profile(&form(&f), &[1, 2]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.specializations, vec!["CCM", "Dementia"]);
        assert_eq!(p.languages, vec!["English", "Spanish"]);
        assert_eq!(
            (p.max_caseload, p.availability.as_str(), p.facility_ids),
            (35, "Limited", vec![2])
        );
    }

    #[test]
    fn each_rule_is_named() {
        let cases: [(&str, &str, &str); 7] = [
            ("max_caseload", "501", "Maximum caseload"),
            ("max_caseload", "-1", "Maximum caseload"),
            ("availability", "At Capacity", "Availability"),
            ("work_end", "07:00", "must be before"),
            ("work_start", "8am", "not a time"),
            ("languages", " , ", "at least one language"),
            ("languages", "English; DROP", "not a language name"),
        ];
        for (field, value, rule) in cases {
            let f: Vec<(&str, &str)> = base()
                .into_iter()
                .map(|(k, v)| if k == field { (k, value) } else { (k, v) })
                .collect();
            let e = parse_profile(&form(&f), &[1]).err().unwrap_or_default();
            assert!(e.contains(rule), "{field}={value}: {e}");
        }
        let mut f = base();
        f.push(("specialization", "Cardiology"));
        assert!(
            parse_profile(&form(&f), &[1]).err().unwrap_or_default().contains("Specializations")
        );
        let mut f = base();
        f.push(("facility", "9"));
        assert!(parse_profile(&form(&f), &[1]).err().unwrap_or_default().contains("Facilities"));
    }
}
