//! What is due, and when to try again: pure functions over the scheduler's
//! memory (`collection_state`, loaded as [`TargetMemory`]).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::memory::TargetMemory;

/// Whether a target is collected in this pass: always when `force` (a
/// `--once` pass, or the daemon's first), else when it was never collected
/// or its next due time (interval, or backoff after failures) has come.
pub fn is_due(force: bool, memory: Option<&TargetMemory>, now: DateTime<Utc>) -> bool {
    force || memory.is_none_or(|m| m.next_due.is_none_or(|d| d <= now))
}

/// When to try a target again after its `failures`-th consecutive failure
/// (counting this one from zero): 1, 2, 4, ... minutes, at most `interval`.
pub fn retry_at(now: DateTime<Utc>, failures: i64, interval: Duration) -> DateTime<Utc> {
    let pause = Duration::from_secs(60u64.saturating_mul(1u64 << failures.clamp(0, 10) as u32))
        .min(interval);
    now + chrono::Duration::from_std(pause).unwrap_or_else(|_| chrono::Duration::minutes(1))
}

/// When a target collected successfully at `now` is due again.
pub fn next_due(now: DateTime<Utc>, interval: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(interval).unwrap_or_else(|_| chrono::Duration::hours(1))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + min * 60, 0).unwrap()
    }

    #[test]
    fn due_when_forced_new_or_time_has_come() {
        let later = TargetMemory {
            failures: 0,
            next_due: Some(t(10)),
        };
        assert!(is_due(true, Some(&later), t(0)));
        assert!(is_due(false, None, t(0)));
        assert!(!is_due(false, Some(&later), t(9)));
        assert!(
            is_due(false, Some(&later), t(10)),
            "due exactly at its time"
        );
        assert!(is_due(false, Some(&TargetMemory::default()), t(0)));
    }

    #[test]
    fn backoff_doubles_up_to_the_interval() {
        let hour = Duration::from_secs(3600);
        assert_eq!(retry_at(t(0), 0, hour), t(1));
        assert_eq!(retry_at(t(0), 1, hour), t(2));
        assert_eq!(retry_at(t(0), 3, hour), t(8));
        assert_eq!(retry_at(t(0), 9, hour), t(60), "capped at the interval");
        assert_eq!(retry_at(t(0), -5, hour), t(1));
        assert_eq!(next_due(t(0), hour), t(60));
    }
}
