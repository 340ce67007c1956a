//! The daemon's loop: a pass, a pause, a pass, until asked to stop.
//!
//! The first pass (and a `--once` pass) collects every target; later passes
//! collect what is due. Store trouble never ends the loop (the writer waits
//! and retries, see [`super::sink`]); only a writer that stopped for good (the
//! database was replaced by a newer one) does. A stop request lets the pass
//! in progress notice it between requests, and leaves after `grace` at most.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

use super::pass::{Collector, PassReport};
use crate::store::Result as StoreResult;

/// Something that runs passes (the collector, or a stand-in in tests).
pub trait Passes {
    /// Runs one pass; `force` collects every target whether due or not.
    fn run_pass(
        &self,
        kind: &str,
        force: bool,
        shutdown: watch::Receiver<bool>,
    ) -> impl Future<Output = StoreResult<PassReport>>;
}

impl Passes for Collector {
    fn run_pass(
        &self,
        kind: &str,
        force: bool,
        shutdown: watch::Receiver<bool>,
    ) -> impl Future<Output = StoreResult<PassReport>> {
        self.pass_with(kind, force, shutdown)
    }
}

/// How the loop runs.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// One pass, then return.
    pub once: bool,
    /// Pause between passes.
    pub pause: Duration,
    /// How long a stop request waits for the pass in progress.
    pub grace: Duration,
}

/// Runs passes until `shutdown` turns true (or after one with `once`).
pub async fn run(
    passes: &impl Passes,
    schedule: Schedule,
    shutdown: watch::Receiver<bool>,
) -> StoreResult<()> {
    let mut first = true;
    loop {
        let kind = if schedule.once { "once" } else { "daemon" };
        let force = schedule.once || first;
        first = false;
        let pass = passes.run_pass(kind, force, shutdown.clone());
        tokio::pin!(pass);
        let mut stop = shutdown.clone();
        tokio::select! {
            result = &mut pass => { result?; }
            _ = stop.wait_for(|s| *s) => {
                // Let the pass notice the stop and close its run; give up after the grace.
                if tokio::time::timeout(schedule.grace, &mut pass).await.is_err() {
                    tracing::warn!("pass did not stop in time; leaving (its run is closed at next start)");
                }
                return Ok(());
            }
        }
        if schedule.once || *shutdown.borrow() {
            return Ok(());
        }
        let mut stop = shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(schedule.pause) => {}
            _ = stop.wait_for(|s| *s) => return Ok(()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Counting {
        calls: Mutex<Vec<(String, bool)>>,
        work: Duration,
    }

    impl Passes for Counting {
        fn run_pass(
            &self,
            kind: &str,
            force: bool,
            _shutdown: watch::Receiver<bool>,
        ) -> impl Future<Output = StoreResult<PassReport>> {
            self.calls.lock().unwrap().push((kind.to_string(), force));
            let work = self.work;
            async move {
                tokio::time::sleep(work).await;
                Ok(PassReport::default())
            }
        }
    }

    fn schedule(once: bool) -> Schedule {
        Schedule {
            once,
            pause: Duration::from_secs(3600),
            grace: Duration::from_secs(3),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn once_runs_one_forced_pass() {
        let c = Counting::default();
        let (_tx, rx) = watch::channel(false);
        run(&c, schedule(true), rx).await.unwrap();
        assert_eq!(*c.calls.lock().unwrap(), vec![("once".to_string(), true)]);
    }

    #[tokio::test(start_paused = true)]
    async fn passes_repeat_after_the_pause_and_only_the_first_is_forced() {
        let c = Counting::default();
        let (tx, rx) = watch::channel(false);
        let stopper = async {
            // Three pauses and a bit: passes at 0 h, 1 h, 2 h and 3 h.
            tokio::time::sleep(Duration::from_secs(3 * 3600 + 60)).await;
            tx.send(true).unwrap();
        };
        let (result, ()) = tokio::join!(run(&c, schedule(false), rx), stopper);
        result.unwrap();
        let calls = c.calls.lock().unwrap().clone();
        assert_eq!(calls.len(), 4, "{calls:?}");
        assert!(calls[0].1, "the first pass collects everything");
        assert!(calls[1..].iter().all(|(k, f)| k == "daemon" && !f));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_during_a_long_pass_leaves_after_the_grace() {
        let c = Counting {
            work: Duration::from_secs(600),
            ..Counting::default()
        };
        let (tx, rx) = watch::channel(false);
        let started = tokio::time::Instant::now();
        let stopper = async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            tx.send(true).unwrap();
        };
        let (result, ()) = tokio::join!(run(&c, schedule(false), rx), stopper);
        result.unwrap();
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(13),
            "10 s, then 3 s of grace"
        );
    }
}
