//! Who manages whom, and the team Tab 3 shows: a manager sees the team they manage (the whole
//! practice when they manage nobody yet); an admin sees every team and picks one, or the practice.

use carelog_domain::ids::UserId;
use carelog_domain::role::Role;
use carelog_store::{TeamListing, TeamOf, TeamRevisions};
use chrono::Utc;

use crate::actor::audit_event;
use crate::{Actor, App, ServiceError, ServiceResult};

/// The team a page is bounded by, and what the switcher offers.
pub struct TeamView {
    pub of: TeamOf,
    /// "Dana Reyes's team" or "Every team".
    pub name: String,
    /// Every team, for an admin's switcher (empty for a manager).
    pub teams: Vec<TeamListing>,
    /// Active coordinators no active manager manages (an admin is told).
    pub unmanaged: i64,
}

impl App {
    /// The team `actor` sees by default: a manager's own, else the whole practice.
    pub async fn default_team(&self, actor: &Actor) -> ServiceResult<TeamOf> {
        self.require_oversight(actor)?;
        if actor.role != Role::Manager {
            return Ok(TeamOf::Practice);
        }
        let revisions = self.figures.team_revisions().await?;
        self.default_team_under(actor, revisions).await
    }

    /// As `default_team`, under team counters already read.
    async fn default_team_under(
        &self,
        actor: &Actor,
        revisions: TeamRevisions,
    ) -> ServiceResult<TeamOf> {
        if actor.role == Role::Manager && self.figures.manages_anyone(revisions, actor.id).await? {
            Ok(TeamOf::LedBy(actor.id))
        } else {
            Ok(TeamOf::Practice)
        }
    }

    /// The team a page shows `actor`: `chosen` (a manager's id) is an admin's pick among the teams;
    /// a manager sees their own and is refused another.
    pub async fn team_view(
        &self,
        actor: &Actor,
        chosen: Option<UserId>,
        revisions: TeamRevisions,
    ) -> ServiceResult<TeamView> {
        self.require_oversight(actor)?;
        let own = self.default_team_under(actor, revisions).await?;
        if !actor.role.administers() {
            if chosen.is_some_and(|c| c != actor.id) {
                return Err(ServiceError::Refused(
                    "Team: a manager sees their own team; an admin sees every team.".into(),
                ));
            }
            let name = match own {
                TeamOf::LedBy(_) => format!("{}'s team", actor.display_name),
                TeamOf::Practice => "Every coordinator (you manage nobody yet)".into(),
            };
            return Ok(TeamView { of: own, name, teams: Vec::new(), unmanaged: 0 });
        }
        // An admin: every team listed, the practice unless one is chosen.
        let teams = self.store.teams().await?;
        let name_of = |id: UserId| {
            teams.iter().find(|t| t.manager_id == id).map(|t| format!("{}'s team", t.manager))
        };
        let (of, name) = match chosen {
            None => (TeamOf::Practice, "Every team".to_owned()),
            Some(id) => match name_of(id) {
                Some(name) => (TeamOf::LedBy(id), name),
                None => {
                    return Err(ServiceError::Refused("Team: choose a team from the list.".into()));
                }
            },
        };
        let unmanaged = self.store.unmanaged_coordinators().await?;
        Ok(TeamView { of, name, teams, unmanaged })
    }

    /// Every active manager, by name: who may manage a caseload holder.
    pub async fn managers(&self, actor: &Actor) -> ServiceResult<Vec<carelog_store::NamedUser>> {
        self.require_oversight(actor)?;
        let mut managers: Vec<carelog_store::NamedUser> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.is_active && u.role == Role::Manager)
            .map(|u| carelog_store::NamedUser { id: u.id, name: u.display_name })
            .collect();
        managers.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(managers)
    }

    /// An admin sets who manages a caseload holder: an active manager other than themselves, or
    /// nobody. Refusals name the rule.
    pub async fn set_manager(
        &self,
        actor: &Actor,
        user_id: UserId,
        manager: Option<UserId>,
    ) -> ServiceResult<()> {
        self.require_admin(actor)?;
        let person = self.store.user_by_id(user_id).await?.ok_or(ServiceError::NotFound)?;
        let manager_name = match manager {
            None => "nobody".to_owned(),
            Some(m) if m == user_id => {
                return Err(ServiceError::Refused(format!(
                    "Manager: {} cannot manage themselves.",
                    person.display_name
                )));
            }
            Some(m) => match self.store.user_by_id(m).await? {
                Some(u) if u.is_active && u.role == Role::Manager => u.display_name,
                _ => {
                    return Err(ServiceError::Refused(
                        "Manager: choose an active manager from the list.".into(),
                    ));
                }
            },
        };
        let detail = format!("{} ({}) managed by {manager_name}", person.display_name, user_id);
        let event = audit_event(actor, "team.manager_set", None, detail);
        Ok(self.store.set_manager(user_id, manager, &event, Utc::now()).await?)
    }
}
