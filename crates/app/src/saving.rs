//! Whether this server can save now. Requests the database refused for want of room or a working
//! disk, and write probes (from `/healthz`, and every minute while an outage lasts), feed
//! `carelog_domain::saving_outage`: an outage is logged at error level once, when it begins, and told
//! to every admin once, when it ends, since only then can the notice be stored.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use carelog_domain::notifications::Kind;
use carelog_domain::saving_outage::{Outage, SavingState};
use carelog_store::StoreError;
use chrono::{DateTime, Utc};

use crate::App;
use crate::notify::Notice;

/// Probes closer together than this share one outcome: load balancers may ask every second.
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// Why the health check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CannotSave {
    /// The database refused to store anything: no room, a failing disk, a read-only file.
    Refused(String),
    /// The database did not answer as it should (unreachable, busy past the wait).
    Unavailable(String),
}

#[derive(Default)]
struct Watch {
    state: SavingState,
    last_probe: Option<(Instant, Result<(), CannotSave>)>,
}

/// This server's view; shared by every clone of the `App`.
#[derive(Clone)]
pub(crate) struct SavingWatch {
    watch: Arc<Mutex<Watch>>,
    /// This server's row in the probe table.
    node: Arc<str>,
}

impl Default for SavingWatch {
    fn default() -> Self {
        static SERVERS: AtomicU64 = AtomicU64::new(0);
        let node = format!("{}-{}", std::process::id(), SERVERS.fetch_add(1, Ordering::Relaxed));
        SavingWatch { watch: Arc::default(), node: node.into() }
    }
}

impl SavingWatch {
    fn with<T>(&self, f: impl FnOnce(&mut Watch) -> T) -> T {
        // The state is a few fields set in one step each, so a poisoned lock still holds a whole one.
        f(&mut self.watch.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl App {
    /// A request's write was refused because the database cannot write.
    pub fn saving_refused(&self, cause: &str) {
        let began = self.saving.with(|w| {
            // Newer than any probe: the next health check probes again.
            w.last_probe = None;
            w.state.refused(Utc::now(), cause)
        });
        if began {
            log_outage_began(cause);
        } else {
            tracing::debug!(cause = %cause, "request refused: the database cannot write");
        }
    }

    /// Whether an outage is under way, as far as this server knows.
    pub fn saving_outage(&self) -> Option<Outage> {
        self.saving.with(|w| w.state.outage().cloned())
    }

    /// Whether the database can store something now: a write probe, at most one every 2 s. A good
    /// probe ends an outage and tells the admins.
    pub async fn can_save(&self) -> Result<(), CannotSave> {
        let recent = self.saving.with(|w| {
            w.last_probe
                .as_ref()
                .filter(|(when, _)| when.elapsed() < PROBE_EVERY)
                .map(|(_, outcome)| outcome.clone())
        });
        if let Some(outcome) = recent {
            return outcome;
        }
        let now = Utc::now();
        let outcome = match self.store.probe_write(&self.saving.node, now).await {
            Ok(()) => Ok(()),
            Err(StoreError::CannotWrite(cause)) => Err(CannotSave::Refused(cause)),
            Err(other) => Err(CannotSave::Unavailable(other.to_string())),
        };
        let (began, ended) = self.saving.with(|w| {
            w.last_probe = Some((Instant::now(), outcome.clone()));
            match &outcome {
                Ok(()) => w.state.probed(now, Ok(())),
                Err(CannotSave::Refused(cause)) => w.state.probed(now, Err(cause)),
                // Not an outage of saving: the health check fails, the outage state stays.
                Err(CannotSave::Unavailable(_)) => (false, None),
            }
        });
        if began && let Err(CannotSave::Refused(cause)) = &outcome {
            log_outage_began(cause);
        }
        if let Some(outage) = ended {
            self.tell_outage_ended(&outage, now).await;
        }
        outcome
    }

    async fn tell_outage_ended(&self, outage: &Outage, now: DateTime<Utc>) {
        let title = outage.title(now, self.settings.time_zone);
        tracing::warn!(refused = outage.refused, "{title}; saving works again");
        let admins = match self.store.admin_ids().await {
            Ok(admins) => admins,
            Err(e) => {
                tracing::error!(error = %e, "cannot tell the admins that saving failed for a while");
                return;
            }
        };
        let (event, body) = (outage.event_key(), outage.body());
        for admin in admins {
            let notice = Notice {
                kind: Kind::SavingFailed,
                title: title.clone(),
                body: body.clone(),
                link: "/notifications",
                event: &event,
                patient_id: None,
            };
            if let Err(e) = self.notify(admin, notice, now).await {
                tracing::error!(error = %e, "cannot tell an admin that saving failed for a while");
            }
        }
    }
}

fn log_outage_began(cause: &str) {
    tracing::error!(
        cause = %cause,
        "carelog cannot save: the database refuses writes; requests that save are refused until it can write again"
    );
}
