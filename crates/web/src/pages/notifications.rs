//! The notification centre: every user's in-app notifications, and their e-mail choices per kind.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::model::NotificationRow;
use carelog_domain::notifications::Kind;
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

pub struct Line {
    pub row: NotificationRow,
    pub when: String,
}

#[derive(Template)]
#[template(path = "pages/notifications.html")]
struct CentrePage {
    shell: Shell,
    lines: Vec<Line>,
    preferences: Vec<(&'static str, &'static str, bool)>,
    email_configured: bool,
}

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let tz = state.settings.time_zone;
    let (rows, choices) = state.app.notification_centre(&user.actor()).await?;
    super::audit(&state, &user, "notifications.view", None, format!("{} shown", rows.len()))
        .await?;
    let lines = rows
        .into_iter()
        .map(|row| Line {
            when: row.created_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            row,
        })
        .collect();
    let preferences = choices.into_iter().map(|(k, on)| (k.key(), k.label(), on)).collect();
    let shell = Shell::load(&state, &user, Tab::Notifications).await?;
    Ok(render(&CentrePage {
        shell,
        lines,
        preferences,
        email_configured: state.settings.email_configured,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    id: String,
}

/// Marks one notification read (and follows its link), or all of them.
pub async fn read(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ReadForm>,
) -> AppResult<Response> {
    let id = form.id.trim().parse::<i64>().ok();
    let link = state.app.mark_read(&user.actor(), id).await?;
    Ok(Redirect::to(&link.unwrap_or_else(|| "/notifications".into())).into_response())
}

/// E-mail on or off per kind: a checkbox per kind, unticked means off.
pub async fn preferences(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let on: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|kind| fields.iter().any(|(k, v)| k == kind.key() && v == "1"))
        .collect();
    state.app.set_email_preferences(&user.actor(), &on).await?;
    Ok(Redirect::to("/notifications").into_response())
}
