//! Login throttling: backoff per account and address, a slower backoff per account from everywhere,
//! and a limit per address on how many accounts it may fail against (sprays).
//!
//! A lock-out that anyone can trigger locks the real user out too, so wrong passwords from one
//! address slow down only that address for that account; the real user elsewhere signs in as usual.
//! Failures counted here include attempts still being checked (reserved before the password is
//! verified), so concurrent guesses cannot slip past the count.

use chrono::{DateTime, Duration, Utc};

/// Failures older than this no longer count.
pub const WINDOW_MINUTES: i64 = 15;
/// Free attempts for one account from one address before the backoff starts.
pub const FREE_FAILURES: i64 = 5;
/// The first wait once the free attempts are used; it doubles with each further failure.
pub const FIRST_WAIT_SECONDS: i64 = 30;
/// Failures for one account from all addresses before every address waits (distributed guessing).
pub const ACCOUNT_FAILURES_FROM_EVERYWHERE: i64 = 50;
/// Accounts one address may fail against within the window (a password spray).
pub const MAX_ACCOUNTS_PER_ADDRESS: i64 = 20;

/// Recent failures (and attempts being checked), not counting the attempt being decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecentFailures {
    /// This account from this address.
    pub here: i64,
    pub last_here: Option<DateTime<Utc>>,
    /// This account from every address.
    pub everywhere: i64,
    pub last_everywhere: Option<DateTime<Utc>>,
    /// Distinct accounts that failed from this address (checked failures only).
    pub accounts_from_address: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    Allowed,
    /// Wait this long before the account may be tried again from here.
    AccountBackoff(Duration),
    /// Too many accounts failed from this address.
    AddressLocked,
}

/// How long after the last failure the next attempt must wait, given `failures` before it and
/// `free` failures allowed without waiting: 30 s, 1 min, 2 min … at most the window.
fn backoff(failures: i64, free: i64) -> Duration {
    if failures < free {
        return Duration::zero();
    }
    let doublings = u32::try_from(failures - free).unwrap_or(u32::MAX).min(10);
    Duration::seconds(FIRST_WAIT_SECONDS * (1 << doublings)).min(Duration::minutes(WINDOW_MINUTES))
}

/// Whether another attempt may be checked now.
pub fn login_throttle(recent: RecentFailures, now: DateTime<Utc>) -> Throttle {
    if recent.accounts_from_address >= MAX_ACCOUNTS_PER_ADDRESS {
        return Throttle::AddressLocked;
    }
    let waits = [
        (backoff(recent.here, FREE_FAILURES), recent.last_here),
        (backoff(recent.everywhere, ACCOUNT_FAILURES_FROM_EVERYWHERE), recent.last_everywhere),
    ];
    let left = waits
        .into_iter()
        .filter_map(|(wait, last)| last.map(|last| last + wait - now))
        .max()
        .unwrap_or_else(Duration::zero);
    if left > Duration::zero() { Throttle::AccountBackoff(left) } else { Throttle::Allowed }
}

/// "45 seconds", "2 minutes".
fn in_words(wait: Duration) -> String {
    let seconds = wait.num_seconds().max(1);
    if seconds < 90 {
        format!("{seconds} second{}", if seconds == 1 { "" } else { "s" })
    } else {
        format!("{} minutes", (seconds + 59) / 60)
    }
}

impl Throttle {
    pub fn message(self) -> Option<String> {
        match self {
            Throttle::Allowed => None,
            Throttle::AccountBackoff(wait) => Some(format!(
                "Too many failed sign-ins for this account from here. Try again in {}; each further failure doubles the wait. Forgot the password? Ask an administrator to reset it.",
                in_words(wait)
            )),
            Throttle::AddressLocked => Some(format!(
                "Too many accounts failed to sign in from this address ({MAX_ACCOUNTS_PER_ADDRESS} in {WINDOW_MINUTES} minutes). Try again later."
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + seconds, 0).unwrap_or_default()
    }

    fn here(n: i64, last: i64) -> RecentFailures {
        RecentFailures {
            here: n,
            last_here: Some(t(last)),
            everywhere: n,
            last_everywhere: Some(t(last)),
            accounts_from_address: 1,
        }
    }

    #[test]
    fn five_attempts_are_free_then_the_wait_doubles() {
        assert_eq!(login_throttle(here(4, 0), t(0)), Throttle::Allowed);
        assert_eq!(
            login_throttle(here(5, 0), t(0)),
            Throttle::AccountBackoff(Duration::seconds(30))
        );
        assert_eq!(
            login_throttle(here(5, 0), t(29)),
            Throttle::AccountBackoff(Duration::seconds(1))
        );
        assert_eq!(login_throttle(here(5, 0), t(30)), Throttle::Allowed);
        assert_eq!(
            login_throttle(here(6, 0), t(30)),
            Throttle::AccountBackoff(Duration::seconds(30))
        );
        assert_eq!(
            login_throttle(here(7, 0), t(119)),
            Throttle::AccountBackoff(Duration::seconds(1))
        );
        // Never longer than the window.
        assert_eq!(
            login_throttle(here(60, 0), t(0)),
            Throttle::AccountBackoff(Duration::minutes(WINDOW_MINUTES))
        );
    }

    #[test]
    fn failures_from_elsewhere_do_not_lock_the_real_user_out() {
        let attacked = RecentFailures {
            here: 0,
            last_here: None,
            everywhere: ACCOUNT_FAILURES_FROM_EVERYWHERE - 1,
            last_everywhere: Some(t(0)),
            accounts_from_address: 0,
        };
        assert_eq!(login_throttle(attacked, t(0)), Throttle::Allowed);
        // Guessing from many addresses at once slows every address, by seconds, not a lock-out.
        let spread = RecentFailures { everywhere: ACCOUNT_FAILURES_FROM_EVERYWHERE, ..attacked };
        assert_eq!(login_throttle(spread, t(10)), Throttle::AccountBackoff(Duration::seconds(20)));
        assert_eq!(login_throttle(spread, t(30)), Throttle::Allowed);
    }

    #[test]
    fn an_address_failing_against_twenty_accounts_is_stopped() {
        let spray = RecentFailures { accounts_from_address: 19, ..Default::default() };
        assert_eq!(login_throttle(spray, t(0)), Throttle::Allowed);
        let spray = RecentFailures { accounts_from_address: 20, ..Default::default() };
        assert_eq!(login_throttle(spray, t(0)), Throttle::AddressLocked);
        assert!(Throttle::AddressLocked.message().unwrap().contains("20"));
        assert!(Throttle::Allowed.message().is_none());
    }

    #[test]
    fn the_message_says_how_long_in_words() {
        let m = Throttle::AccountBackoff(Duration::seconds(30)).message().unwrap();
        assert!(m.contains("30 seconds"), "{m}");
        let m = Throttle::AccountBackoff(Duration::seconds(240)).message().unwrap();
        assert!(m.contains("4 minutes"), "{m}");
    }
}
