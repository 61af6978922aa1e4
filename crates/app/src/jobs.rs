//! The jobs every server runs: each periodic run is claimed once per period (`job_runs`), and every
//! notification has a unique key, so several servers produce each reminder and alert once.

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::notifications::{
    Kind, NO_ACTIVITY_DAYS, Run, dedupe_key, email_text, runs_due,
};
use carelog_domain::practice_time::{UtcRange, local_date, start_of_day};
use carelog_domain::schedule::monday_of;
use carelog_domain::visit::{VisitStatus, visit_status};
use carelog_domain::words::counted;
use carelog_store::{NewNotification, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct JobSettings {
    pub time_zone: Tz,
    /// Where links in notifications point, e.g. `https://carelog.practice.example`.
    pub base_url: String,
    /// Whether e-mail is configured; without it notifications stay in-app.
    pub email_configured: bool,
    /// This server's name in `job_runs`.
    pub node: String,
    /// Sessions idle this long are removed by housekeeping.
    pub session_idle: chrono::Duration,
}

struct Maker<'a> {
    store: &'a Store,
    settings: &'a JobSettings,
    now: DateTime<Utc>,
    created: usize,
}

/// One notification to make: what, for which period (and patient), its title, link and count.
struct Notice<'a> {
    kind: Kind,
    period: &'a str,
    patient: Option<PatientId>,
    title: String,
    path: &'a str,
    count: i64,
}

impl Maker<'_> {
    async fn send(&mut self, user_id: UserId, notice: Notice<'_>) -> Result<(), StoreError> {
        let link = format!("{}{}", self.settings.base_url.trim_end_matches('/'), notice.path);
        let (email_subject, email_body) = email_text(notice.kind, notice.count, &link);
        let n = NewNotification {
            user_id,
            kind: notice.kind,
            title: notice.title,
            body: String::new(),
            link: notice.path.to_owned(),
            dedupe_key: dedupe_key(notice.kind, user_id, notice.period, notice.patient),
            email_subject,
            email_body,
        };
        if self.store.notify(&n, self.settings.email_configured, self.now).await? {
            self.created += 1;
            if notice.kind.supersedes_older() {
                self.store.mark_superseded(user_id, notice.kind, &n.dedupe_key, self.now).await?;
            }
        }
        Ok(())
    }
}

/// Runs the reminders and alerts due at `now` (practice time zone); returns how many notifications
/// were created. Tests pass the clock.
pub async fn run_due_jobs(
    store: &Store,
    settings: &JobSettings,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let tz = settings.time_zone;
    let local = now.with_timezone(&tz).naive_local();
    let mut maker = Maker { store, settings, now, created: 0 };
    for run in runs_due(local) {
        let period = run.period_key();
        if !store.claim_job(run.job(), &period, &settings.node, now).await? {
            continue;
        }
        match &run {
            Run::Daily(today) => {
                for due in store.task_counts_by_coordinator(*today, true).await? {
                    let n = due.n;
                    maker
                        .send(
                            due.coordinator_id,
                            Notice {
                                kind: Kind::OverdueDigest,
                                period: &period,
                                patient: None,
                                title: counted(n, "overdue task"),
                                path: "/tasks",
                                count: n,
                            },
                        )
                        .await?;
                }
                for due in store.task_counts_by_coordinator(*today, false).await? {
                    let n = due.n;
                    maker
                        .send(
                            due.coordinator_id,
                            Notice {
                                kind: Kind::DueToday,
                                period: &period,
                                patient: None,
                                title: format!("{} due today", counted(n, "task")),
                                path: "/tasks",
                                count: n,
                            },
                        )
                        .await?;
                }
                care_alerts(&mut maker, tz).await?;
            }
            Run::Weekly(_) => {
                let this_monday = monday_of(local.date());
                let last_week = UtcRange {
                    start: start_of_day(this_monday - Duration::days(7), tz),
                    end: start_of_day(this_monday, tz),
                };
                for logged in store.logged_by_coordinator(last_week).await? {
                    let (minutes, entries) = (logged.minutes, logged.entries);
                    let title = format!("Last week: {minutes} minutes in {entries} entries");
                    maker
                        .send(
                            logged.coordinator_id,
                            Notice {
                                kind: Kind::WeeklySummary,
                                period: &period,
                                patient: None,
                                title,
                                path: "/tasks",
                                count: entries,
                            },
                        )
                        .await?;
                }
            }
            Run::Monthly(month) => {
                // The month before is summarised once, here, under the admin's chosen rule set.
                let rules = store.billing_rule_set().await?;
                let summary = store.compute_billing_summary(*month, rules, tz).await?;
                let path = format!("/billing?month={month}");
                let title = format!(
                    "Billing for {month} is ready: {} of {} patient-months billable under {}, estimated {}{}",
                    summary.totals.billable,
                    summary.totals.patients,
                    summary.rule_set.key(),
                    summary.totals.reimbursement,
                    if summary.totals.fee_missing() { " plus codes without a fee" } else { "" }
                );
                for admin in store.admin_ids().await? {
                    maker
                        .send(
                            admin,
                            Notice {
                                kind: Kind::BillingReady,
                                period: &period,
                                patient: None,
                                title: title.clone(),
                                path: &path,
                                count: 1,
                            },
                        )
                        .await?;
                }
            }
        }
        store.finish_job(run.job(), &period, now).await?;
    }
    Ok(maker.created)
}

/// A coordinator's patients needing attention, by condition: the counts of one day's digest.
#[derive(Default)]
struct Attention {
    no_activity: i64,
    visit_overdue: i64,
    open_gaps: i64,
}

/// Patient care alerts as one digest per coordinator and condition ("15 patients overdue for a
/// visit"), linking to the panel filtered or sorted to show them. A digest comes again only when its
/// count changes within the month; a newer one marks the older unread one of its kind read.
async fn care_alerts(maker: &mut Maker<'_>, tz: Tz) -> Result<(), StoreError> {
    let today = local_date(maker.now, tz);
    let month = carelog_domain::practice_time::YearMonth::of(today).to_string();
    let quiet_since = maker.now - Duration::days(NO_ACTIVITY_DAYS);
    let mut by_coordinator: std::collections::BTreeMap<UserId, Attention> = Default::default();
    for p in maker.store.alert_candidates().await? {
        let attention = by_coordinator.entry(p.coordinator_id).or_default();
        if p.last_activity.is_none_or(|t| t < quiet_since) {
            attention.no_activity += 1;
        }
        let interval = u32::try_from(p.visit_interval_months).unwrap_or(1);
        if visit_status(p.last_visit, interval, today) == VisitStatus::Overdue {
            attention.visit_overdue += 1;
        }
        if p.open_gaps > 0 {
            attention.open_gaps += 1;
        }
    }
    for (coordinator, a) in by_coordinator {
        let digests = [
            (
                Kind::NoActivity,
                a.no_activity,
                format!(
                    "{} with no activity in {NO_ACTIVITY_DAYS} days",
                    counted(a.no_activity, "patient")
                ),
                "/panel?status=Active&sort=minutes",
            ),
            (
                Kind::VisitOverdue,
                a.visit_overdue,
                format!("{} overdue for a visit", counted(a.visit_overdue, "patient")),
                "/panel?status=Active&visit=overdue",
            ),
            (
                Kind::OpenCareGaps,
                a.open_gaps,
                format!("{} with open care gaps", counted(a.open_gaps, "patient")),
                "/panel?status=Active&sort=gaps&dir=desc",
            ),
        ];
        for (kind, count, title, path) in digests {
            if count == 0 {
                continue;
            }
            let period = format!("{month}:{count}");
            let notice = Notice { kind, period: &period, patient: None, title, path, count };
            maker.send(coordinator, notice).await?;
        }
    }
    Ok(())
}
