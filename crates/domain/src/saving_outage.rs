//! A time when carelog could not save: from the first write the database refused for want of room
//! or a working disk to the first it took again. A server logs one at error level when it begins and
//! tells the admins once when it ends: only then can the news be stored.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    pub started_at: DateTime<Utc>,
    /// The database's own words for the first refusal.
    pub cause: String,
    /// Requests refused while it lasted.
    pub refused: u64,
}

/// Whether this server can save now, as its last writes and probes said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavingState {
    outage: Option<Outage>,
}

impl SavingState {
    /// A request's write was refused. True when this begins an outage (the moment to raise the alarm).
    pub fn refused(&mut self, at: DateTime<Utc>, cause: &str) -> bool {
        match &mut self.outage {
            Some(outage) => {
                outage.refused += 1;
                false
            }
            None => {
                self.outage = Some(Outage { started_at: at, cause: cause.to_owned(), refused: 1 });
                true
            }
        }
    }

    /// A probe's outcome. A failed probe begins an outage (true in the first place) or keeps it; a
    /// successful one ends it and hands it back (in the second), to be told.
    pub fn probed(
        &mut self,
        at: DateTime<Utc>,
        outcome: Result<(), &str>,
    ) -> (bool, Option<Outage>) {
        match outcome {
            Err(cause) if self.outage.is_none() => {
                self.outage = Some(Outage { started_at: at, cause: cause.to_owned(), refused: 0 });
                (true, None)
            }
            Err(_) => (false, None),
            Ok(()) => (false, self.outage.take()),
        }
    }

    pub fn outage(&self) -> Option<&Outage> {
        self.outage.as_ref()
    }
}

impl Outage {
    /// What the admins read when it is over, times in the practice's zone.
    pub fn title(&self, ended_at: DateTime<Utc>, tz: Tz) -> String {
        let (from, to) = (self.started_at.with_timezone(&tz), ended_at.with_timezone(&tz));
        let to_format =
            if from.date_naive() == to.date_naive() { "%H:%M" } else { "%Y-%m-%d %H:%M" };
        let lasted = match (ended_at - self.started_at).num_minutes() {
            0 => "under a minute".to_owned(),
            1 => "1 min".to_owned(),
            n => format!("{n} min"),
        };
        let refused = match self.refused {
            1 => "1 request was refused and not saved".to_owned(),
            n => format!("{n} requests were refused and none was saved"),
        };
        format!(
            "carelog could not save from {} to {} ({lasted}): {refused}",
            from.format("%Y-%m-%d %H:%M"),
            to.format(to_format),
        )
    }

    pub fn body(&self) -> String {
        format!(
            "The database had no room or could not write ({}). carelog saves again by itself; check the server's free disk space so it does not happen again.",
            self.cause
        )
    }

    /// What makes its notice unique: one outage, told once however many servers saw it end.
    pub fn event_key(&self) -> String {
        self.started_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_796_545_800 + seconds, 0).unwrap_or_default()
    }

    #[test]
    fn the_first_refusal_begins_an_outage_and_later_ones_count_in_it() {
        let mut state = SavingState::default();
        assert!(state.refused(at(0), "database or disk is full"));
        assert!(!state.refused(at(5), "database or disk is full"));
        assert!(!state.refused(at(9), "disk I/O error"));
        let outage = state.outage().cloned().unwrap();
        assert_eq!(
            outage,
            Outage { started_at: at(0), cause: "database or disk is full".into(), refused: 3 }
        );
    }

    #[test]
    fn a_failed_probe_begins_or_keeps_an_outage_and_a_good_one_ends_it_once() {
        let mut state = SavingState::default();
        assert_eq!(state.probed(at(0), Ok(())), (false, None), "nothing to end");
        assert_eq!(state.probed(at(1), Err("full")), (true, None));
        assert_eq!(state.probed(at(2), Err("full")), (false, None));
        assert!(!state.refused(at(3), "full"));
        let (began, ended) = state.probed(at(4), Ok(()));
        assert!(!began);
        assert_eq!(ended, Some(Outage { started_at: at(1), cause: "full".into(), refused: 1 }));
        assert_eq!(state.probed(at(5), Ok(())), (false, None), "told once");
        assert!(state.outage().is_none());
    }

    #[test]
    fn the_notice_names_the_times_in_the_practice_zone_and_the_refusals() {
        let outage =
            Outage { started_at: at(0), cause: "database or disk is full".into(), refused: 17 };
        let la = chrono_tz::America::Los_Angeles;
        // 1_796_545_800 is 2026-12-06 08:30 UTC, 00:30 in Los Angeles.
        assert_eq!(
            outage.title(at(180), la),
            "carelog could not save from 2026-12-06 00:30 to 00:33 (3 min): 17 requests were refused and none was saved"
        );
        assert!(outage.title(at(86_400), la).contains("to 2026-12-07 00:30 (1440 min)"));
        let one = Outage { refused: 1, ..outage.clone() };
        assert!(one.title(at(60), la).contains("(1 min): 1 request was refused and not saved"));
        assert!(one.title(at(59), la).contains("to 00:30 (under a minute)"));
        assert!(outage.body().contains("(database or disk is full)"));
        assert_eq!(outage.event_key(), "2026-12-06T08:30:00Z");
    }
}
