//! Login throttling per account and per address, counted over a sliding window of failures.

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    Allowed,
    AccountLocked,
    AddressLocked,
}

/// Decides whether another login attempt may be checked, given the failures in the last window.
pub fn login_throttle(account_failures: i64, address_failures: i64) -> Throttle {
    if account_failures >= MAX_FAILURES_PER_ACCOUNT {
        Throttle::AccountLocked
    } else if address_failures >= MAX_FAILURES_PER_ADDRESS {
        Throttle::AddressLocked
    } else {
        Throttle::Allowed
    }
}

impl Throttle {
    pub fn message(self) -> Option<String> {
        match self {
            Throttle::Allowed => None,
            Throttle::AccountLocked => Some(format!(
                "Too many failed sign-ins for this account ({MAX_FAILURES_PER_ACCOUNT} in {WINDOW_MINUTES} minutes). Try again in {WINDOW_MINUTES} minutes or ask an administrator to reset your password."
            )),
            Throttle::AddressLocked => Some(format!(
                "Too many failed sign-ins from this address ({MAX_FAILURES_PER_ADDRESS} in {WINDOW_MINUTES} minutes). Try again in {WINDOW_MINUTES} minutes."
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_locks_at_the_fifth_failure() {
        assert_eq!(login_throttle(4, 0), Throttle::Allowed);
        assert_eq!(login_throttle(5, 0), Throttle::AccountLocked);
    }

    #[test]
    fn address_locks_at_the_twentieth_failure() {
        assert_eq!(login_throttle(0, 19), Throttle::Allowed);
        assert_eq!(login_throttle(0, 20), Throttle::AddressLocked);
        assert!(Throttle::AddressLocked.message().unwrap().contains("20"));
        assert!(Throttle::Allowed.message().is_none());
    }
}
