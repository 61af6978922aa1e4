//! The notification centre: every user's in-app notifications, and their e-mail choices per kind.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_domain::notifications::Kind;
use carelog_store::NotificationRow;
use chrono::Utc;
use serde::Deserialize;

use super::{Shell, Tab, audit, render};
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
    let lines = state
        .store
        .notifications(user.id(), 200)
        .await?
        .into_iter()
        .map(|row| Line {
            when: row.created_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            row,
        })
        .collect();
    let preferences = state
        .store
        .email_preferences(user.id())
        .await?
        .into_iter()
        .filter(|(k, _)| !k.admins_only() || user.role().sees_billing())
        .map(|(k, on)| (k.key(), k.label(), on))
        .collect();
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
    match form.id.trim().parse::<i64>().ok() {
        Some(id) => {
            state.store.mark_read(user.id(), Some(id), Utc::now()).await?;
            let link = state
                .store
                .notification_link(user.id(), id)
                .await?
                .filter(|l| l.starts_with('/') && !l.starts_with("//"));
            Ok(Redirect::to(&link.unwrap_or_else(|| "/notifications".into())).into_response())
        }
        None => {
            state.store.mark_read(user.id(), None, Utc::now()).await?;
            Ok(Redirect::to("/notifications").into_response())
        }
    }
}

/// E-mail on or off per kind: a checkbox per kind, unticked means off.
pub async fn preferences(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let mut changes = Vec::new();
    for kind in Kind::ALL {
        let on = fields.iter().any(|(k, v)| k == kind.key() && v == "1");
        state.store.set_email_preference(user.id(), kind, on).await?;
        if !on {
            changes.push(kind.key());
        }
    }
    audit(
        &state,
        &user,
        "notifications.preferences",
        None,
        format!(
            "e-mail off for: {}",
            if changes.is_empty() { "none".to_owned() } else { changes.join(", ") }
        ),
    )
    .await?;
    Ok(Redirect::to("/notifications").into_response())
}
