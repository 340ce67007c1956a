//! A pass's share of a one-time backfill: how long it may spend asking
//! upstream, `[collect] item_timeout` per repository (history, trees), per
//! package (its past releases' metadata) or per pass (stars).
//!
//! Only time spent waiting for GitHub counts. Time spent waiting for the
//! database writer does not: when the writer is behind (a reader holds the
//! file, the disk is slow, many pages arrived at once), a wall-clock limit
//! would cut the backfills short without having asked GitHub for anything,
//! and the next pass, which should cost next to nothing, would pay for them.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// Upstream time left to a backfill in this pass.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    limit: Duration,
    spent: Duration,
}

impl Allowance {
    /// An allowance of `limit` of upstream time.
    pub fn new(limit: Duration) -> Self {
        Self {
            limit,
            spent: Duration::ZERO,
        }
    }

    /// Whether some of it is left, so another request may start.
    pub fn left(&self) -> bool {
        self.spent < self.limit
    }

    /// Upstream time left (zero once spent).
    pub fn remaining(&self) -> Duration {
        self.limit.saturating_sub(self.spent)
    }

    /// Upstream time spent so far.
    pub fn spent(&self) -> Duration {
        self.spent
    }

    /// Runs `ask` (requests upstream) and counts the time it took; no
    /// request it makes outlives what is left of the allowance.
    pub async fn ask<F: Future>(&mut self, ask: F) -> F::Output {
        let started = Instant::now();
        let out = super::http::within(self.remaining(), ask).await;
        self.spent += started.elapsed();
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn only_time_spent_asking_counts() {
        let mut a = Allowance::new(Duration::from_secs(10));
        a.ask(tokio::time::sleep(Duration::from_secs(4))).await;
        // Waiting for the writer, however long, is not counted.
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(a.left());
        assert_eq!(a.spent(), Duration::from_secs(4));
        assert_eq!(a.remaining(), Duration::from_secs(6));
        let v = a.ask(async { 7 }).await;
        assert_eq!(v, 7);
        a.ask(tokio::time::sleep(Duration::from_secs(6))).await;
        assert!(!a.left(), "ten seconds asked: nothing left");
        assert_eq!(a.remaining(), Duration::ZERO);
    }
}
