//! Every denial leaves an audit event of its own kind: a 403, a 404 to a signed-in user or token
//! (another's patient answers exactly like a missing one, but the log tells them apart by who
//! asked), a bad API token, a refused form. The response is unchanged.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use carelog_domain::ids::PatientId;

use crate::context::RequestContext;
use crate::state::AppState;

/// Set on a response by the layer that refused it, naming why (else the status does).
#[derive(Clone, Copy, Debug)]
pub struct Denied(pub &'static str);

/// The patient a path names (`/patients/12`, `/fhir/R4/Patient/12`, `/team/assign/12` …), so the
/// log filtered by patient finds attempts on them too.
fn patient_in(path: &str) -> Option<PatientId> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments.windows(2).find_map(|w| match w[0] {
        "patients" | "Patient" | "assign" | "assignments" => w[1].parse::<PatientId>().ok(),
        _ => None,
    })
}

fn bearer(req: &Request) -> Option<String> {
    req.headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

pub async fn audit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let context = req.extensions().get::<RequestContext>().cloned();
    let token = bearer(&req);
    let response = next.run(req).await;
    let status = response.status();
    if !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
        || path.starts_with("/static/")
    {
        return response;
    }
    let signed_in = context.as_ref().and_then(|c| c.signed_in.as_ref()).map(|s| s.user.clone());
    let address = context.map(|c| c.address).unwrap_or_default();
    let token_user = match (&signed_in, &token) {
        (None, Some(token)) => state.app.api_token_user(token).await.ok().flatten(),
        _ => None,
    };
    let user = signed_in.or(token_user);
    let marked = response.extensions().get::<Denied>().map(|d| d.0);
    let action = match (marked, status, &user, &token) {
        (Some(reason), ..) => reason,
        (None, StatusCode::UNAUTHORIZED, None, Some(_)) => "denied.token",
        (None, StatusCode::FORBIDDEN, ..) => "denied.forbidden",
        (None, StatusCode::NOT_FOUND, Some(_), _) => "denied.not_found",
        // Nobody asked (a signed-out page redirects instead; anonymous 404s are scanning noise).
        _ => return response,
    };
    let detail = match &token {
        Some(t) if user.is_none() => {
            format!("{method} {path} with token {}…", t.chars().take(10).collect::<String>())
        }
        _ => format!("{method} {path}"),
    };
    let who = user.as_ref().map(|u| (u.id, u.username.as_str()));
    if let Err(e) = state.app.audit_denial(who, &address, action, patient_in(&path), detail).await {
        tracing::error!(error = %e, "could not record a denial in the audit log");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patient_a_path_names_is_found() {
        assert_eq!(patient_in("/patients/12"), Some(PatientId(12)));
        assert_eq!(patient_in("/patients/12/history"), Some(PatientId(12)));
        assert_eq!(patient_in("/fhir/R4/Patient/7"), Some(PatientId(7)));
        assert_eq!(patient_in("/team/assignments/101/handoff.ics"), Some(PatientId(101)));
        assert_eq!(patient_in("/billing/patients/5"), Some(PatientId(5)));
        assert_eq!(patient_in("/admin/users"), None);
        assert_eq!(patient_in("/patients/abc"), None);
    }
}
