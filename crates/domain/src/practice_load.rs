//! Whether a server may start on the practice it finds: a demo practice loads over many
//! transactions, so a server that finds one still loading waits, and one that finds a load whose
//! server stopped refuses it rather than take half a practice for a whole one.

use chrono::{DateTime, Duration, Utc};

/// How often a loading server says it is still at work.
pub const HEARTBEAT_EVERY: Duration = Duration::seconds(5);
/// A load not heard from for this long was abandoned: its server stopped mid-load. Far above the
/// heartbeat, since a SQLite writer may wait behind one month of the load (seconds at scale).
pub const ABANDONED_AFTER: Duration = Duration::seconds(90);

/// What a server finds in the database at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PracticeLoad {
    /// No users and no load begun: the demo practice may be loaded.
    Empty,
    /// A demo load began and has not finished; `loader` names its server (HOST/PID).
    Loading { started_at: DateTime<Utc>, heartbeat_at: DateTime<Utc>, loader: String },
    /// A practice whose load finished, or one made another way (users exist, no load pending).
    Ready,
}

/// What the server does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartDecision {
    LoadDemo,
    /// Another server is loading: wait, then look again.
    Wait,
    Serve,
    /// The load stopped part way: refuse the practice, naming when it began and was last heard of.
    RefusePartial {
        started_at: DateTime<Utc>,
        heartbeat_at: DateTime<Utc>,
    },
}

/// `loader_gone`: the loading server is known to have stopped (on this host, its process is no
/// more), so there is no need to wait out its heartbeat.
pub fn decide(found: PracticeLoad, now: DateTime<Utc>, loader_gone: bool) -> StartDecision {
    match found {
        PracticeLoad::Empty => StartDecision::LoadDemo,
        PracticeLoad::Ready => StartDecision::Serve,
        PracticeLoad::Loading { started_at, heartbeat_at, .. } => {
            if loader_gone || now - heartbeat_at > ABANDONED_AFTER {
                StartDecision::RefusePartial { started_at, heartbeat_at }
            } else {
                StartDecision::Wait
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + seconds, 0).unwrap_or_default()
    }

    #[test]
    fn an_empty_database_loads_and_a_finished_one_serves() {
        assert_eq!(decide(PracticeLoad::Empty, at(0), false), StartDecision::LoadDemo);
        assert_eq!(decide(PracticeLoad::Ready, at(0), false), StartDecision::Serve);
    }

    fn loading(beat: i64) -> PracticeLoad {
        PracticeLoad::Loading { started_at: at(0), heartbeat_at: at(beat), loader: "h/1".into() }
    }

    #[test]
    fn a_load_heard_from_within_the_limit_is_waited_for_and_one_past_it_refused() {
        let limit = ABANDONED_AFTER.num_seconds();
        assert_eq!(decide(loading(100), at(100), false), StartDecision::Wait);
        assert_eq!(decide(loading(100), at(100 + limit), false), StartDecision::Wait);
        assert_eq!(
            decide(loading(100), at(101 + limit), false),
            StartDecision::RefusePartial { started_at: at(0), heartbeat_at: at(100) }
        );
        // A clock a little behind the loader's is still a live load.
        assert_eq!(decide(loading(100), at(90), false), StartDecision::Wait);
    }

    #[test]
    fn a_load_whose_server_is_known_gone_is_refused_at_once() {
        assert_eq!(
            decide(loading(100), at(100), true),
            StartDecision::RefusePartial { started_at: at(0), heartbeat_at: at(100) }
        );
        assert_eq!(decide(PracticeLoad::Ready, at(0), true), StartDecision::Serve);
    }

    #[test]
    fn the_heartbeat_comes_many_times_within_the_limit() {
        assert!(ABANDONED_AFTER >= HEARTBEAT_EVERY * 10);
    }
}
