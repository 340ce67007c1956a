//! The one writer: every read and write of the database by the collector goes
//! through one thread that owns it.
//!
//! Why a thread: DuckDB calls block, and a lock wait sleeps; neither may run
//! on the async runtime, where they would stall every request in flight. Why
//! one: DuckDB locks the file per process, so two connections of ours would
//! fight over it, and one ordered queue keeps each history page's write before
//! the progress that follows it.
//!
//! Why it never gives up: a reader that holds the file (a long `tacometer sql`,
//! a notebook), a failed write or a full disk must not stop collection nor lose
//! what was collected. A job that fails is kept at the head of the queue and
//! retried with backoff (logged each time, and recorded in
//! `collection_errors` once the database takes writes again); the queue is
//! bounded, so collection slows down rather than piling up memory. Only a
//! shutdown request ends the retries, losing at most the in-flight writes.
//!
//! The file is opened for each batch of queued jobs and closed right after,
//! so readers get in between batches.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use super::metrics::Metrics;
use super::pass::Clock;
use crate::store::write::{FailureRecord, Provenance};
use crate::store::{Result as StoreResult, Store, StoreError};

/// A unit of database work; run again after a failure, so it must be repeatable
/// (each runs in its own transaction, or is idempotent).
type Job = Box<dyn FnMut(&mut Store) -> StoreResult<()> + Send>;

/// How many jobs may wait before senders are slowed down.
const QUEUE: usize = 256;

/// How many queued jobs one open of the file runs.
const BATCH: usize = 64;

/// The writer's handle, cheap to clone.
#[derive(Clone)]
pub struct Sink {
    /// Jobs, and `None` to wake an idle writer for a stop request.
    tx: mpsc::Sender<Option<Job>>,
    shared: Arc<Shared>,
}

struct Shared {
    stop: AtomicBool,
    run_id: AtomicI64,
    /// Interrupts the query of the file open now, if any ([`Sink::stop`]).
    interrupt: Mutex<Option<Arc<duckdb::InterruptHandle>>>,
    /// The writer thread, until [`Sink::join`] takes it.
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// Locks `m`, also after a panic elsewhere (what it guards stays usable).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sink").finish_non_exhaustive()
    }
}

/// The sink could not take the job: it was stopped.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the database writer has stopped")]
pub struct Stopped;

impl Sink {
    /// Starts the writer thread for the database at `db`; each open waits up to
    /// `lock_wait` for the file's lock before the job is retried later.
    /// Its waits and failed writes count in `metrics`.
    pub fn start(
        db: PathBuf,
        lock_wait: Duration,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let (tx, rx) = mpsc::channel::<Option<Job>>(QUEUE);
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            run_id: AtomicI64::new(0),
            interrupt: Mutex::new(None),
            thread: Mutex::new(None),
        });
        let inner = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("tacometer-writer".into())
            .spawn(move || writer(db, lock_wait, rx, inner, clock, metrics));
        match spawned {
            Ok(handle) => *lock(&shared.thread) = Some(handle),
            // Without a thread every job fails with `Stopped`, which the pass reports.
            Err(e) => tracing::error!(error = %e, "could not start the database writer"),
        }
        Self { tx, shared }
    }

    /// Tells the writer which run its recorded store failures belong to.
    pub fn set_run(&self, run_id: i64) {
        self.shared.run_id.store(run_id, Ordering::Relaxed);
    }

    /// Stops the writer: the query running now is interrupted (its
    /// transaction rolls back), and jobs still queued are dropped (the
    /// in-flight writes of a pass that is being interrupted; what they would
    /// have written is collected again next pass).
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(h) = lock(&self.shared.interrupt).as_ref() {
            h.interrupt();
        }
        // An idle writer waits for a job: wake it (a full queue means it is
        // busy, and sees the request before its next job).
        let _ = self.tx.try_send(None);
    }

    /// Waits up to `wait` for the writer thread to end after [`Sink::stop`],
    /// so that the process never leaves while DuckDB is running a query
    /// (its C++ state is torn down at exit). Whether it ended.
    pub fn join(&self, wait: Duration) -> bool {
        let Some(handle) = lock(&self.shared.thread).take() else {
            return true;
        };
        let started = std::time::Instant::now();
        while !handle.is_finished() {
            if started.elapsed() >= wait {
                tracing::warn!("the database writer did not stop in time");
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = handle.join();
        true
    }

    /// Queues a write; waits while the queue is full.
    pub async fn write(
        &self,
        job: impl FnMut(&mut Store) -> StoreResult<()> + Send + 'static,
    ) -> Result<(), Stopped> {
        self.tx.send(Some(Box::new(job))).await.map_err(|_| Stopped)
    }

    /// Runs `f` on the database and returns its answer, after every write queued before it.
    pub async fn call<T: Send + 'static>(
        &self,
        mut f: impl FnMut(&mut Store) -> StoreResult<T> + Send + 'static,
    ) -> Result<T, Stopped> {
        let (tx, rx) = oneshot::channel();
        let mut tx = Some(tx);
        self.write(move |store| {
            let value = f(store)?;
            if let Some(tx) = tx.take() {
                let _ = tx.send(value);
            }
            Ok(())
        })
        .await?;
        rx.await.map_err(|_| Stopped)
    }

    /// Waits until every write queued so far is in the database.
    pub async fn flush(&self) -> Result<(), Stopped> {
        self.call(|_| Ok(())).await
    }
}

/// A store failure waiting to be recorded once the database takes writes again.
struct Noted {
    at: DateTime<Utc>,
    message: String,
    attempt: i64,
}

fn writer(
    db: PathBuf,
    lock_wait: Duration,
    mut rx: mpsc::Receiver<Option<Job>>,
    shared: Arc<Shared>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
) {
    let mut noted: Vec<Noted> = Vec::new();
    let mut batch: Vec<Job> = Vec::new();
    let mut attempt: u32 = 0;
    loop {
        if batch.is_empty() {
            match rx.blocking_recv() {
                Some(Some(job)) => batch.push(job),
                // A wake-up: see whether a stop was requested.
                Some(None) => {}
                None => return,
            }
        }
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(Some(job)) => batch.push(job),
                Ok(None) => {}
                Err(_) => break,
            }
        }
        if shared.stop.load(Ordering::Relaxed) {
            return stopping(batch.len());
        }
        if batch.is_empty() {
            continue;
        }
        let failure = match Store::open_write(&db, lock_wait) {
            Ok(mut store) => {
                *lock(&shared.interrupt) = Some(store.conn().interrupt_handle());
                if !noted.is_empty() {
                    record_noted(
                        &mut store,
                        &mut noted,
                        shared.run_id.load(Ordering::Relaxed),
                    );
                }
                let mut failure = None;
                while !batch.is_empty() {
                    if shared.stop.load(Ordering::Relaxed) {
                        break;
                    }
                    match (batch[0])(&mut store) {
                        Ok(()) => drop(batch.remove(0)),
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
                *lock(&shared.interrupt) = None;
                failure
            }
            Err(e) => Some(e),
        };
        if shared.stop.load(Ordering::Relaxed) {
            return stopping(batch.len());
        }
        let Some(e) = failure else {
            if attempt > 0 {
                tracing::info!("the database takes writes again; caught up");
            }
            attempt = 0;
            continue;
        };
        if matches!(
            e,
            StoreError::TooNew { .. }
                | StoreError::MigrationChanged { .. }
                | StoreError::Foreign { .. }
                | StoreError::Damaged { .. }
        ) {
            // Not something waiting fixes; the daemon checked this at start, so
            // the file was replaced under us.
            tracing::error!(error = %e, "the database can no longer be written; stopping the writer");
            return;
        }
        attempt += 1;
        let pause = backoff(attempt);
        let locked = matches!(e, StoreError::Locked { .. });
        metrics.store_retry(locked);
        tracing::warn!(
            error = %e,
            attempt,
            retry_in_ms = pause.as_millis() as u64,
            waiting = batch.len(),
            "{}",
            if locked {
                "waiting for the database: another process holds its lock"
            } else {
                "a database write failed; retrying"
            }
        );
        if noted.len() < 100 {
            noted.push(Noted {
                at: clock.now(),
                message: e.to_string(),
                attempt: i64::from(attempt),
            });
        }
        sleep_unless_stopped(pause, &shared.stop);
    }
}

/// The writer's end after a stop request, with `dropped` writes not made
/// (they are collected again next pass).
fn stopping(dropped: usize) {
    if dropped > 0 {
        tracing::warn!(
            jobs = dropped,
            "stopping: writes still waiting for the database are dropped"
        );
    }
}

/// Backoff between attempts: 0.5 s doubling to at most 30 s.
pub fn backoff(attempt: u32) -> Duration {
    let ms = 500u64.saturating_mul(1u64 << attempt.saturating_sub(1).min(6));
    Duration::from_millis(ms.min(30_000))
}

fn sleep_unless_stopped(pause: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut left = pause;
    while !left.is_zero() && !stop.load(Ordering::Relaxed) {
        let d = left.min(step);
        std::thread::sleep(d);
        left -= d;
    }
}

fn record_noted(store: &mut Store, noted: &mut Vec<Noted>, run_id: i64) {
    let mut kept = Vec::new();
    for n in noted.drain(..) {
        let p = Provenance {
            run_id,
            observed_at: n.at,
            source: "store".into(),
        };
        let rec = FailureRecord {
            source: "store".into(),
            http_status: None,
            kind: "store".into(),
            message: n.message.clone(),
        };
        if let Err(e) = store.record_error(&p, "store", &rec, n.attempt) {
            tracing::warn!(error = %e, "could not record a store failure");
            kept.push(n);
        }
    }
    *noted = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_millis(1000));
        assert_eq!(backoff(4), Duration::from_millis(4000));
        assert_eq!(backoff(7), Duration::from_secs(30));
        assert_eq!(backoff(60), Duration::from_secs(30));
    }
}
