//! When a login session ends: 15 minutes idle (a practice may choose 5–60), or 12 hours after
//! sign-in, whichever comes first.

use chrono::{DateTime, Duration, Utc};

pub const IDLE_TIMEOUT_MINUTES: i64 = 15;
pub const ABSOLUTE_TIMEOUT_HOURS: i64 = 12;
/// A session's last-seen time is written at most this often, so reads do not each cost a write.
pub const TOUCH_INTERVAL_SECONDS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Live { needs_touch: bool },
    IdleExpired,
    AbsoluteExpired,
}

/// The idle timeouts a practice may choose, in minutes.
pub const IDLE_TIMEOUT_RANGE: std::ops::RangeInclusive<i64> = 5..=60;

pub fn session_state(
    idle_timeout: Duration,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> SessionState {
    if now - created_at >= Duration::hours(ABSOLUTE_TIMEOUT_HOURS) {
        SessionState::AbsoluteExpired
    } else if now - last_seen_at >= idle_timeout {
        SessionState::IdleExpired
    } else {
        SessionState::Live {
            needs_touch: now - last_seen_at >= Duration::seconds(TOUCH_INTERVAL_SECONDS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn idle() -> Duration {
        Duration::minutes(IDLE_TIMEOUT_MINUTES)
    }

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 4, h, m, s).unwrap()
    }

    #[test]
    fn idle_boundary_is_fifteen_minutes() {
        let start = t(8, 0, 0);
        assert_eq!(
            session_state(idle(), start, start, t(8, 14, 59)),
            SessionState::Live { needs_touch: true }
        );
        assert_eq!(session_state(idle(), start, start, t(8, 15, 0)), SessionState::IdleExpired);
        let five = Duration::minutes(5);
        assert!(matches!(
            session_state(five, start, start, t(8, 4, 59)),
            SessionState::Live { .. }
        ));
        assert_eq!(session_state(five, start, start, t(8, 5, 0)), SessionState::IdleExpired);
    }

    #[test]
    fn absolute_boundary_is_twelve_hours_even_when_active() {
        let start = t(8, 0, 0);
        let just_seen = t(19, 59, 0);
        assert!(matches!(
            session_state(idle(), start, just_seen, t(19, 59, 59)),
            SessionState::Live { .. }
        ));
        assert_eq!(
            session_state(idle(), start, just_seen, t(20, 0, 0)),
            SessionState::AbsoluteExpired
        );
    }

    #[test]
    fn touch_only_after_a_minute() {
        let start = t(8, 0, 0);
        assert_eq!(
            session_state(idle(), start, start, t(8, 0, 59)),
            SessionState::Live { needs_touch: false }
        );
        assert_eq!(
            session_state(idle(), start, start, t(8, 1, 0)),
            SessionState::Live { needs_touch: true }
        );
    }
}
