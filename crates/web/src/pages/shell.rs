//! The frame around every signed-in page: the role's tabs, the user's name and this month's figures.

use carelog_domain::role::Role;

use crate::context::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Panel,
    Tasks,
    Team,
    Billing,
    Admin,
    /// Not a tab: the notification centre, reached from the header.
    Notifications,
}

impl Tab {
    fn href(self) -> &'static str {
        match self {
            Tab::Panel => "/panel",
            Tab::Tasks => "/tasks",
            Tab::Team => "/team",
            Tab::Billing => "/billing",
            Tab::Admin => "/admin",
            Tab::Notifications => "/notifications",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tab::Panel => "Patient Panel",
            Tab::Tasks => "Daily Tasks",
            Tab::Team => "Coordinator Assignment & Oversight",
            Tab::Billing => "Billing",
            Tab::Admin => "Admin",
            Tab::Notifications => "Notifications",
        }
    }

    /// The tabs a role sees, in order (seed 000 §5.1, seed 001 "Tab Structure Overview").
    pub fn for_role(role: Role) -> Vec<Tab> {
        let mut tabs = vec![Tab::Panel, Tab::Tasks];
        if role.sees_team_oversight() {
            tabs.push(Tab::Team);
        }
        if role.sees_billing() {
            tabs.push(Tab::Billing);
        }
        if role.administers() {
            tabs.push(Tab::Admin);
        }
        tabs
    }
}

pub struct TabLink {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

pub struct Shell {
    pub user_name: String,
    pub role_label: &'static str,
    pub tabs: Vec<TabLink>,
    pub summary_label: &'static str,
    pub month_minutes: i64,
    pub month_patients: i64,
    pub csrf_token: String,
    pub unread: i64,
    /// The demo practice says so on every page.
    pub demo: bool,
    /// The running timer, on every page.
    pub timer: Option<HeaderTimer>,
    /// The user's id, naming their drafts in the browser.
    pub user_id: i64,
    /// Seconds a session lives without a request (the idle-timeout prompt comes before).
    pub idle_seconds: i64,
}

/// The running timer in the header: what it times, and since when (the browser ticks it).
pub struct HeaderTimer {
    pub label: String,
    pub patient: Option<carelog_domain::ids::PatientId>,
    pub started_iso: String,
}

impl HeaderTimer {
    fn of(badge: carelog_app::model::TimerBadge) -> HeaderTimer {
        let patient = match (&badge.patient_last, &badge.patient_first) {
            (Some(last), Some(first)) => carelog_domain::patient::display_name(last, first),
            _ => "no patient".into(),
        };
        let label = match badge.task_type {
            Some(t) => format!("{t} — {patient}"),
            None => patient,
        };
        HeaderTimer { label, patient: badge.patient_id, started_iso: badge.started_at.to_rfc3339() }
    }
}

impl Shell {
    /// Whether the running timer is on this patient.
    pub fn times(&self, patient: &carelog_domain::ids::PatientId) -> bool {
        self.timer.as_ref().is_some_and(|t| t.patient.as_ref() == Some(patient))
    }

    pub async fn load(state: &AppState, user: &CurrentUser, active: Tab) -> AppResult<Shell> {
        let header = state.app.header(&user.actor()).await?;
        Ok(Shell {
            user_name: user.user.display_name.clone(),
            role_label: user.role().label(),
            tabs: Tab::for_role(user.role())
                .into_iter()
                .map(|t| TabLink { href: t.href(), label: t.label(), active: t == active })
                .collect(),
            summary_label: header.label,
            month_minutes: header.month.minutes,
            month_patients: header.month.patients,
            csrf_token: user.csrf_token.clone(),
            unread: header.unread,
            demo: state.app.is_demo_practice().await?,
            timer: header.timer.map(HeaderTimer::of),
            user_id: user.id().get(),
            idle_seconds: state.settings.session_idle.num_seconds(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_gets_its_tabs() {
        assert_eq!(Tab::for_role(Role::Coordinator), vec![Tab::Panel, Tab::Tasks]);
        assert_eq!(Tab::for_role(Role::Manager), vec![Tab::Panel, Tab::Tasks, Tab::Team]);
        assert_eq!(
            Tab::for_role(Role::Admin),
            vec![Tab::Panel, Tab::Tasks, Tab::Team, Tab::Billing, Tab::Admin]
        );
    }
}
