//! Commit history that always converges: walked page by page from fixed
//! commits, each page stored with the progress it makes.
//!
//! Two walks per repository (their state is [`HistoryProgress`]):
//!
//! * **Backfill.** On first sight, from the head back to `backfill_days` ago.
//!   A pass spends at most `[collect] item_timeout` asking GitHub for it per
//!   repository (waits for the database writer do not count); an
//!   unfinished backfill resumes at the next pass from its stored cursor, so
//!   a repository of any size is collected in a bounded number of passes and
//!   no stored page is fetched twice. Until the backfill reaches a window's
//!   start, counts over that window are `unknown` (`covered_from`).
//! * **Forward.** When the head moved, from the new head back to the stored
//!   head's committer date minus `[collect] history_overlap` (commits of a
//!   merged branch keep their older committer dates); when the stored head is
//!   met through single-parent commits only, the walk ends there, since the
//!   new commits are exactly those before it. If the walk does not meet
//!   the stored head, the branch was force-pushed: the counting window is read
//!   again from the new head and commits no longer reachable are recorded as
//!   removed (the one case where a walk is not resumable: removals need every
//!   page, so an interrupted re-read starts over).
//!
//! Walks start from a commit id, never from the branch, so their cursors stay
//! valid while the branch moves on.
//!
//! Longer than 500 lines on purpose: both walks share one page loop and one set
//! of progress rules, which read best side by side; the planning rules are pure
//! functions, tested in `tests.rs`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::allowance::Allowance;
use super::github::{Github, q};
use super::http::{CallError, Http};
use super::map;
use super::sink::Sink;
use crate::store::memory::HistoryProgress;
use crate::store::write::{CiRun, CommitRecord, Provenance, RepoWrite};

/// Commits per backfill page (about 3 points).
pub const BACKFILL_PAGE: i64 = 100;

/// Commits per forward page: 49 keeps a page at one point (1 + 3 x 49
/// requests, divided by 100 and rounded), so a head that moved by a few
/// commits costs one point.
pub const FORWARD_PAGE: i64 = 49;

/// The settings a walk needs, from `[collect]` and `[criteria]`.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How far the backfill reaches.
    pub backfill_days: u32,
    /// The counting window, re-read after a force push (plus a day).
    pub window_days: u32,
    /// How far a forward walk reaches before the stored head.
    pub overlap: Duration,
    /// Time limit of one request, and of one pass's share of a backfill
    /// (upstream time only, see [`Allowance`]).
    pub step: Duration,
}

/// A repository's head as the snapshot saw it.
#[derive(Debug, Clone, Copy)]
pub struct HeadAt<'a> {
    /// The head commit.
    pub oid: &'a str,
    /// Its committer date.
    pub committed_at: Option<DateTime<Utc>>,
}

/// History collected before progress was recorded: complete from
/// `backfill_days` before the first collection up to `head`.
#[derive(Debug, Clone)]
pub struct Legacy {
    /// First collection.
    pub first_seen: DateTime<Utc>,
    /// The head whose history is stored.
    pub head: String,
}

/// The progress to walk from: the stored one, or a new one.
pub fn initial(
    stored: Option<HistoryProgress>,
    node_id: &str,
    head: HeadAt<'_>,
    legacy: Option<Legacy>,
    now: DateTime<Utc>,
    s: &Settings,
) -> HistoryProgress {
    if let Some(p) = stored {
        return p;
    }
    if let Some(l) = legacy {
        let from = l.first_seen - chrono::Duration::days(i64::from(s.backfill_days));
        return HistoryProgress {
            node_id: node_id.to_string(),
            head_oid: Some(l.head.clone()),
            head_committed_at: None,
            synced_at: Some(l.first_seen),
            backfill_oid: l.head,
            backfill_since: from,
            covered_from: Some(from),
            backfill_done: true,
            started_at: l.first_seen,
            ..HistoryProgress::default()
        };
    }
    HistoryProgress {
        node_id: node_id.to_string(),
        head_oid: Some(head.oid.to_string()),
        head_committed_at: head.committed_at,
        synced_at: Some(now),
        backfill_oid: head.oid.to_string(),
        backfill_since: now - chrono::Duration::days(i64::from(s.backfill_days)),
        started_at: now,
        ..HistoryProgress::default()
    }
}

/// Sets up a forward walk when the head moved and none is in progress;
/// returns whether a forward walk is to run.
pub fn plan_forward(
    p: &mut HistoryProgress,
    head: HeadAt<'_>,
    now: DateTime<Utc>,
    s: &Settings,
) -> bool {
    if p.forward_oid.is_some() {
        return true;
    }
    if p.head_oid.as_deref() == Some(head.oid) {
        return false;
    }
    let from = p.head_committed_at.unwrap_or_else(|| window_start(now, s));
    p.forward_oid = Some(head.oid.to_string());
    p.forward_committed_at = head.committed_at;
    p.forward_since = Some(from - overlap(s));
    p.forward_cursor = None;
    p.forward_met = p.head_oid.is_none();
    p.forward_reread = false;
    true
}

/// After a forward walk reached its end: either the history is up to its
/// commit (returns true), or the stored head was not met, which makes it a
/// re-read of the counting window (returns false).
pub fn finish_forward(p: &mut HistoryProgress, now: DateTime<Utc>, s: &Settings) -> bool {
    if p.forward_met || p.forward_reread {
        p.head_oid = p.forward_oid.take();
        p.head_committed_at = p.forward_committed_at.take();
        p.forward_since = None;
        p.forward_cursor = None;
        p.forward_met = false;
        p.forward_reread = false;
        p.synced_at = Some(now);
        true
    } else {
        p.forward_reread = true;
        p.forward_since = Some(window_start(now, s));
        p.forward_cursor = None;
        false
    }
}

/// Records a backfill page: its cursor, and how far history now reaches. A
/// walk ends at `backfill_since` or at the first commit (no parents), after
/// which nothing older exists and every window is covered.
pub fn note_backfill_page(p: &mut HistoryProgress, commits: &[CommitRecord], next: Option<String>) {
    p.pages += 1;
    p.commits += commits.len() as i64;
    let oldest = commits.iter().min_by_key(|c| c.committed_at);
    match next {
        Some(cursor) => {
            p.backfill_cursor = Some(cursor);
            if let Some(o) = oldest {
                p.covered_from = Some(
                    p.covered_from
                        .map_or(o.committed_at, |c| c.min(o.committed_at)),
                );
            }
        }
        None => {
            p.backfill_cursor = None;
            p.backfill_done = true;
            let root = commits.iter().any(|c| c.parent_count == 0);
            p.covered_from = Some(if root {
                DateTime::<Utc>::UNIX_EPOCH
            } else {
                p.backfill_since
            });
        }
    }
}

fn window_start(now: DateTime<Utc>, s: &Settings) -> DateTime<Utc> {
    now - chrono::Duration::days(i64::from(s.window_days) + 1)
}

fn overlap(s: &Settings) -> chrono::Duration {
    chrono::Duration::from_std(s.overlap).unwrap_or_else(|_| chrono::Duration::days(1))
}

/// What a repository's history step did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The progress after it (also written with each page).
    pub progress: HistoryProgress,
    /// History moved: first sight or a new head (files and merges are read again).
    pub moved: bool,
    /// Pages fetched.
    pub pages: usize,
    /// A window re-read after a force push: every commit reachable from the
    /// head since `since`, for the final write to record removals.
    pub reread: Option<(DateTime<Utc>, Vec<CommitRecord>, Vec<CiRun>)>,
}

/// One page of history.
struct Page {
    commits: Vec<(CommitRecord, Vec<CiRun>)>,
    next: Option<String>,
}

/// Walks a repository's history for one pass: forward up to the head, then
/// the backfill for at most `step`; pages are written through `sink` as they
/// arrive.
pub struct Walker<'a> {
    /// GitHub endpoints.
    pub github: &'a Github,
    /// The HTTP client.
    pub http: &'a Http,
    /// Where pages go.
    pub sink: &'a Sink,
    /// Configured bot logins.
    pub bots: &'a [String],
    /// The collection run.
    pub run_id: i64,
    /// Settings.
    pub settings: Settings,
    /// A stop request ends the walk between pages.
    pub shutdown: watch::Receiver<bool>,
    /// The clock for observation times.
    pub clock: &'a dyn super::pass::Clock,
}

/// A walk's failure: upstream (recorded, retried next pass) or the writer stopped.
#[derive(Debug)]
pub enum WalkError {
    /// The upstream call failed.
    Call(CallError),
    /// The writer stopped (shutdown).
    Stopped,
}

impl From<CallError> for WalkError {
    fn from(e: CallError) -> Self {
        Self::Call(e)
    }
}

impl Walker<'_> {
    fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Brings `p` up to `head` and continues its backfill.
    pub async fn run(
        &self,
        mut p: HistoryProgress,
        head: HeadAt<'_>,
        first_sight: bool,
    ) -> Result<Outcome, WalkError> {
        let mut allowance = Allowance::new(self.settings.step);
        let mut out = Outcome {
            moved: first_sight,
            ..Outcome::default()
        };
        let mut guard = 0;
        while plan_forward(&mut p, head, self.clock.now(), &self.settings) && !self.stopping() {
            guard += 1;
            if guard > 4 {
                break;
            }
            out.moved = true;
            if !self.forward(&mut p, head, &mut out, &mut allowance).await? {
                break;
            }
        }
        if p.head_oid.as_deref() == Some(head.oid) && p.forward_oid.is_none() {
            p.synced_at = Some(self.clock.now());
        }
        let mut restarts = 0;
        while !p.backfill_done && allowance.left() && !self.stopping() {
            let since = p.backfill_since;
            // The first page is a one-point page: a repository seen for the
            // first time with a few commits (a new or formerly empty one)
            // costs one point, like a head that moved.
            let size = if p.backfill_cursor.is_none() {
                FORWARD_PAGE
            } else {
                BACKFILL_PAGE
            };
            let page = allowance
                .ask(self.page(
                    &p.node_id,
                    &p.backfill_oid,
                    since,
                    p.backfill_cursor.clone(),
                    size,
                ))
                .await?;
            out.pages += 1;
            let Some(page) = page else {
                // The backfill's start commit is gone (force-pushed away and
                // collected): walk again from the current head.
                restarts += 1;
                if restarts > 1 {
                    break;
                }
                p.backfill_oid = head.oid.to_string();
                p.backfill_cursor = None;
                continue;
            };
            let (commits, ci): (Vec<CommitRecord>, Vec<Vec<CiRun>>) =
                page.commits.into_iter().unzip();
            note_backfill_page(&mut p, &commits, page.next);
            self.store_page(&p, commits, ci.into_iter().flatten().collect())
                .await?;
        }
        out.progress = p;
        Ok(out)
    }

    /// Runs the forward walk set up in `p`; returns whether it brought history
    /// up to its commit (false: it continues as a re-read, or was cut short).
    async fn forward(
        &self,
        p: &mut HistoryProgress,
        head: HeadAt<'_>,
        out: &mut Outcome,
        allowance: &mut Allowance,
    ) -> Result<bool, WalkError> {
        let mut reread: Vec<(CommitRecord, Vec<CiRun>)> = Vec::new();
        let mut restarts = 0;
        // Whether a merge came before the stored head; unknown for a walk
        // resumed from an earlier pass, so assumed.
        let mut merges = p.forward_cursor.is_some();
        loop {
            if self.stopping() {
                return Ok(false);
            }
            let (Some(oid), Some(since)) = (p.forward_oid.clone(), p.forward_since) else {
                return Ok(false);
            };
            let size = if p.forward_reread {
                BACKFILL_PAGE
            } else {
                FORWARD_PAGE
            };
            let page = allowance
                .ask(self.page(&p.node_id, &oid, since, p.forward_cursor.clone(), size))
                .await?;
            out.pages += 1;
            let Some(page) = page else {
                // The commit the walk started from is gone (pushed over again):
                // start from the current head.
                restarts += 1;
                if restarts > 1 {
                    return Ok(false);
                }
                p.forward_oid = Some(head.oid.to_string());
                p.forward_committed_at = head.committed_at;
                p.forward_cursor = None;
                reread.clear();
                continue;
            };
            let at = p
                .head_oid
                .as_deref()
                .and_then(|h| page.commits.iter().position(|(c, _)| c.sha == h));
            if !p.forward_met {
                let before = at.unwrap_or(page.commits.len());
                merges |= page.commits[..before]
                    .iter()
                    .any(|(c, _)| c.parent_count > 1);
            }
            p.forward_met |= at.is_some();
            // Met the stored head through single-parent commits only: the new
            // commits are exactly those before it, and the overlap (there for
            // merged branches whose commits keep older dates) has nothing to add.
            let linear = p.forward_met && !merges && !p.forward_reread;
            let done = page.next.is_none() || linear;
            p.forward_cursor = if done { None } else { page.next };
            if p.forward_reread {
                reread.extend(page.commits);
                if !done {
                    continue;
                }
                let since = p.forward_since.unwrap_or(since);
                let (commits, ci): (Vec<CommitRecord>, Vec<Vec<CiRun>>) =
                    std::mem::take(&mut reread).into_iter().unzip();
                p.pages += 1;
                p.commits += commits.len() as i64;
                let up_to_date = finish_forward(p, self.clock.now(), &self.settings);
                out.reread = Some((since, commits, ci.into_iter().flatten().collect()));
                return Ok(up_to_date);
            }
            p.pages += 1;
            p.commits += page.commits.len() as i64;
            let (commits, ci): (Vec<CommitRecord>, Vec<Vec<CiRun>>) =
                page.commits.into_iter().unzip();
            let up_to_date = done && finish_forward(p, self.clock.now(), &self.settings);
            self.store_page(p, commits, ci.into_iter().flatten().collect())
                .await?;
            if up_to_date {
                return Ok(true);
            }
            if done {
                tracing::warn!(
                    node_id = %p.node_id,
                    "the stored head is no longer on the default branch (force push): \
                     reading the counting window again"
                );
            }
        }
    }

    async fn store_page(
        &self,
        p: &HistoryProgress,
        commits: Vec<CommitRecord>,
        ci: Vec<CiRun>,
    ) -> Result<(), WalkError> {
        let prov = Provenance {
            run_id: self.run_id,
            observed_at: self.clock.now(),
            source: format!("github:{} (CommitHistory)", self.github.graphql_url),
        };
        let write = RepoWrite {
            node_id: p.node_id.clone(),
            commits,
            ci,
            progress: Some(p.clone()),
            ..RepoWrite::default()
        };
        self.sink
            .write(move |store| store.write_repo(&prov, &write))
            .await
            .map_err(|_| WalkError::Stopped)
    }

    /// One page of history from `oid`; `None` when GitHub no longer has that commit.
    async fn page(
        &self,
        node_id: &str,
        oid: &str,
        since: DateTime<Utc>,
        after: Option<String>,
        first: i64,
    ) -> Result<Option<Page>, CallError> {
        use q::commit_history as h;
        let vars = h::Variables {
            id: node_id.to_string(),
            oid: oid.to_string(),
            first,
            since: Some(crate::time::rfc3339(since)),
            after,
        };
        let call = || format!("POST {} (CommitHistory)", self.github.graphql_url);
        let answer = tokio::time::timeout(
            self.settings.step,
            self.github.query::<q::CommitHistory>(self.http, vars),
        )
        .await
        .map_err(|_| CallError {
            call: call(),
            status: None,
            kind: "timeout",
            message: format!(
                "no answer within {}s ([collect] item_timeout)",
                self.settings.step.as_secs()
            ),
        })?;
        let (data, errors) = answer?;
        let object = data.and_then(|d| d.node).and_then(|n| match n {
            h::CommitHistoryNode::Repository(r) => Some(r.object),
            _ => None,
        });
        let Some(object) = object else {
            return Err(CallError {
                call: call(),
                status: Some(200),
                kind: if errors.is_empty() {
                    "not_found"
                } else {
                    "graphql"
                },
                message: errors.first().map_or_else(
                    || format!("repository {node_id} is gone"),
                    |e| e.message.clone(),
                ),
            });
        };
        let history = match object {
            Some(h::CommitHistoryNodeOnRepositoryObject::Commit(c)) => c.history,
            _ => return Ok(None),
        };
        let commits = history
            .nodes
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .map(|c| map::commit(c, self.bots))
            .collect();
        let next = if history.page_info.has_next_page {
            history.page_info.end_cursor
        } else {
            None
        };
        Ok(Some(Page { commits, next }))
    }
}

#[cfg(test)]
mod tests;
