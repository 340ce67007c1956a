//! Batched reads behind the requirement rules: one DuckDB query per measure for
//! a whole batch of probes (a probe is one project at one as-of instant).
//!
//! The SQL lives in `queries/sql/`; every query that looks at repositories
//! starts with the `probes.sql` prelude, so the window arithmetic, the counted
//! commits and the people behind them are written once; every package query
//! starts with `package_probes.sql`, which reads releases as of each instant.
//!
//! Longer than 500 lines on purpose: one function per batched query, each
//! with the type it fills, so a query and what reads its columns stay side
//! by side; the rules that judge the values are elsewhere.

use chrono::{DateTime, NaiveDateTime, Utc};
use duckdb::params;

use super::{LayoutFacts, Window};
use crate::store::{Result, Store, StoreError, text_list, texts};

const PRELUDE: &str = tacometer_queries::sql::PROBES;
const PACKAGE_PRELUDE: &str = tacometer_queries::sql::PACKAGE_PROBES;
const WINDOW_COUNTS: &str = tacometer_queries::sql::WINDOW_COUNTS;
const SNAPSHOT: &str = tacometer_queries::sql::SNAPSHOT;
const MERGERS: &str = tacometer_queries::sql::MERGERS;
const EMAIL_LOGINS: &str = tacometer_queries::sql::EMAIL_LOGINS;
const CI_WINDOW: &str = tacometer_queries::sql::CI_WINDOW;
const PACKAGES: &str = tacometer_queries::sql::PACKAGES;
const COMMIT_LIST: &str = tacometer_queries::sql::COMMIT_LIST;
const CONTRIBUTOR_LIST: &str = tacometer_queries::sql::CONTRIBUTOR_LIST;
const STAR_LIST: &str = tacometer_queries::sql::STAR_LIST;
const STAR_HISTORY: &str = tacometer_queries::sql::STAR_HISTORY;
const TREE_STATE: &str = tacometer_queries::sql::TREE_STATE;
const CI_LIST: &str = tacometer_queries::sql::CI_LIST;
const RELEASE_LIST: &str = tacometer_queries::sql::RELEASE_LIST;
const TORCH_RELEASES: &str = tacometer_queries::sql::TORCH_RELEASES;
const REPO_HEALTH: &str = tacometer_queries::sql::REPO_HEALTH;

/// Wraps a DuckDB error with what was being read (see [`StoreError::db`]).
pub(crate) fn db(context: &str) -> impl FnOnce(duckdb::Error) -> StoreError + '_ {
    move |error| StoreError::db(context, error)
}

/// With `TACOMETER_TRACE_SQL` set, says how long each batched query took.
fn trace(name: &str, probes: usize, started: std::time::Instant) {
    if std::env::var_os("TACOMETER_TRACE_SQL").is_some() {
        eprintln!(
            "tacometer: {name}: {probes} probes in {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// With `TACOMETER_PROFILE_SQL` naming a directory, has DuckDB write its
/// profile of the queries run on `store`'s connection until the guard drops to
/// `DIR/SEQ-NAME-PROBES.json`, `SEQ` counting the profiles of the process
/// (each operator's time and rows, the planner's and optimizer's time): what
/// a slow batched query spends its time on.
fn profile<'a>(store: &'a Store, name: &str, probes: usize) -> Option<Profiling<'a>> {
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    let dir = std::env::var_os("TACOMETER_PROFILE_SQL")?;
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::path::Path::new(&dir).join(format!("{seq:03}-{name}-{probes}.json"));
    let path = path.to_string_lossy().replace('\'', "''");
    match store.conn().execute_batch(&format!(
        "PRAGMA enable_profiling = 'json'; PRAGMA profiling_output = '{path}';"
    )) {
        Ok(()) => Some(Profiling(store)),
        Err(e) => {
            eprintln!("tacometer: cannot profile {name} into {path}: {e}");
            None
        }
    }
}

/// Switches DuckDB's profiling off again when dropped (see [`profile`]).
struct Profiling<'a>(&'a Store);

impl Drop for Profiling<'_> {
    fn drop(&mut self) {
        let _ = self.0.conn().execute_batch("PRAGMA disable_profiling;");
    }
}

pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// The repositories and packages of one probe, and its window.
#[derive(Debug, Clone)]
pub struct ProbeScope<'a> {
    /// Node ids of the repos in scope, primary first (unresolved repos left out).
    pub nodes: &'a [String],
    /// Whether `nodes[0]` is the project's primary repo (false when the primary
    /// never resolved: then nothing primary-only is known).
    pub primary_resolved: bool,
    /// Package keys (`pypi:name`, `conda:channel/name`).
    pub packages: &'a [String],
    /// The window.
    pub window: Window,
}

/// A batch of probes flattened into the parallel lists the SQL unnests.
pub struct Batch {
    k: Vec<String>,
    node: Vec<String>,
    primary: Vec<String>,
    start: Vec<String>,
    end: Vec<String>,
    bots: Vec<String>,
    pkg_k: Vec<String>,
    pkg_key: Vec<String>,
    pkg_at: Vec<String>,
    /// Number of probes.
    pub len: usize,
}

impl Batch {
    /// Flattens `probes`; `bots` are the configured bot logins.
    pub fn new(probes: &[ProbeScope<'_>], bots: &[String]) -> Self {
        let mut b = Batch {
            k: Vec::new(),
            node: Vec::new(),
            primary: Vec::new(),
            start: Vec::new(),
            end: Vec::new(),
            bots: bots.iter().map(|b| b.to_lowercase()).collect(),
            pkg_k: Vec::new(),
            pkg_key: Vec::new(),
            pkg_at: Vec::new(),
            len: probes.len(),
        };
        for (k, p) in probes.iter().enumerate() {
            let (start, end) = (stamp(p.window.start), stamp(p.window.end));
            for (i, node) in p.nodes.iter().enumerate() {
                b.k.push(k.to_string());
                b.node.push(node.clone());
                b.primary.push((i == 0 && p.primary_resolved).to_string());
                b.start.push(start.clone());
                b.end.push(end.clone());
            }
            for key in p.packages {
                b.pkg_k.push(k.to_string());
                b.pkg_key.push(key.clone());
                b.pkg_at.push(end.clone());
            }
        }
        b
    }

    /// Runs one prelude query, handing each row to `row`.
    fn each<F>(&self, store: &Store, name: &str, body: &str, row: F) -> Result<()>
    where
        F: FnMut(&duckdb::Row<'_>) -> duckdb::Result<()>,
    {
        self.each_with(store, name, body, Vec::new(), row)
    }

    /// The package probes as the parallel lists (probe index, package key).
    pub(crate) fn package_lists(&self) -> (&[String], &[String]) {
        (&self.pkg_k, &self.pkg_key)
    }

    /// Runs one prelude query whose body takes parameters of its own after the
    /// prelude's six (`$7`, ...), handing each row to `row`.
    pub(crate) fn each_with<F>(
        &self,
        store: &Store,
        name: &str,
        body: &str,
        extra: Vec<duckdb::types::Value>,
        mut row: F,
    ) -> Result<()>
    where
        F: FnMut(&duckdb::Row<'_>) -> duckdb::Result<()>,
    {
        // Nothing to ask about (`review_changes.sql` also reads packages).
        if self.node.is_empty() && self.pkg_key.is_empty() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let sql = format!("WITH {PRELUDE}\n{body}");
        let _profiling = profile(store, name, self.len);
        let mut stmt = store.conn().prepare_cached(&sql).map_err(db(name))?;
        let mut values = vec![
            text_list(&self.k),
            text_list(&self.node),
            text_list(&self.primary),
            text_list(&self.start),
            text_list(&self.end),
            text_list(&self.bots),
        ];
        values.extend(extra);
        let mut rows = stmt
            .query(duckdb::params_from_iter(values))
            .map_err(db(name))?;
        while let Some(r) = rows.next().map_err(db(name))? {
            row(r).map_err(db(name))?;
        }
        trace(name, self.len, started);
        Ok(())
    }

    /// Runs one package query (after the `package_probes.sql` prelude), handing
    /// each row to `row`.
    fn each_package<F>(&self, store: &Store, name: &str, body: &str, mut row: F) -> Result<()>
    where
        F: FnMut(&duckdb::Row<'_>) -> duckdb::Result<()>,
    {
        if self.pkg_key.is_empty() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let sql = format!("WITH {PACKAGE_PRELUDE}\n{body}");
        let _profiling = profile(store, name, self.len);
        let mut stmt = store.conn().prepare_cached(&sql).map_err(db(name))?;
        let mut rows = stmt
            .query(params![
                text_list(&self.pkg_k),
                text_list(&self.pkg_key),
                text_list(&self.pkg_at)
            ])
            .map_err(db(name))?;
        while let Some(r) = rows.next().map_err(db(name))? {
            row(r).map_err(db(name))?;
        }
        trace(name, self.len, started);
        Ok(())
    }

    fn index(&self, r: &duckdb::Row<'_>) -> duckdb::Result<usize> {
        Ok(usize::try_from(r.get::<_, i32>(0)?).unwrap_or(usize::MAX))
    }
}

/// What the history says about a probe's window of commits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindowFacts {
    /// When the primary repo was first collected; `None`: never collected.
    pub primary_first_seen: Option<DateTime<Utc>>,
    /// The latest first collection among the repos in scope collected before
    /// history progress was recorded: their history reaches back
    /// `backfill_days` before it.
    pub latest_first_seen: Option<DateTime<Utc>>,
    /// The earliest, over the repos in scope, of when history was known up
    /// to the window's end: the first snapshot at or after it, else when
    /// history was last brought up to the head.
    pub last_observed: Option<DateTime<Utc>>,
    /// Distinct counted commits.
    pub commits: i64,
    /// Distinct people behind them.
    pub contributors: i64,
    /// When the counted commits were last fetched.
    pub fetched_at: Option<DateTime<Utc>>,
    /// The latest instant from which the recorded history of every walked
    /// repo in scope is complete (`history_progress.covered_from`).
    pub history_from: Option<DateTime<Utc>>,
    /// Walked repos in scope whose backfill has not stored a page yet.
    pub history_pending: i64,
    /// The committer date of the `min_commits`-th newest counted commit (the
    /// one whose ageing out takes the count below the floor), if there are
    /// that many.
    pub nth_commit_at: Option<DateTime<Utc>>,
    /// The latest commit of the `min_contributors`-th most recently active
    /// person, if there are that many.
    pub nth_person_at: Option<DateTime<Utc>>,
}

/// `window_counts.sql` for every probe; `floors` are the thresholds of
/// `commits` and `contributors` (for the day each count would fall below).
pub fn window_counts(store: &Store, b: &Batch, floors: (u32, u32)) -> Result<Vec<WindowFacts>> {
    let mut out = vec![WindowFacts::default(); b.len];
    let extra = vec![
        duckdb::types::Value::BigInt(i64::from(floors.0)),
        duckdb::types::Value::BigInt(i64::from(floors.1)),
    ];
    b.each_with(store, "window_counts.sql", WINDOW_COUNTS, extra, |r| {
        let k = b.index(r)?;
        if let Some(slot) = out.get_mut(k) {
            *slot = WindowFacts {
                primary_first_seen: r.get::<_, Option<NaiveDateTime>>(1)?.map(utc),
                latest_first_seen: r.get::<_, Option<NaiveDateTime>>(2)?.map(utc),
                last_observed: r.get::<_, Option<NaiveDateTime>>(3)?.map(utc),
                commits: r.get(4)?,
                contributors: r.get(5)?,
                fetched_at: r.get::<_, Option<NaiveDateTime>>(6)?.map(utc),
                history_from: r.get::<_, Option<NaiveDateTime>>(7)?.map(utc),
                history_pending: r.get(8)?,
                nth_commit_at: r.get::<_, Option<NaiveDateTime>>(9)?.map(utc),
                nth_person_at: r.get::<_, Option<NaiveDateTime>>(10)?.map(utc),
            };
        }
        Ok(())
    })?;
    Ok(out)
}

/// The primary repo's latest snapshot at or before the as-of instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Stargazers.
    pub stars: i64,
    /// License, layout files, declared maintainers, governance, when and where.
    pub layout: LayoutFacts,
    /// The head commit's combined CI state (`success`, `failure`, `pending`, ...).
    pub ci_head_state: Option<String>,
    /// The head commit.
    pub head_oid: Option<String>,
    /// The name the repo had then.
    pub name_with_owner: String,
}

/// `snapshot.sql` for every probe.
pub fn snapshots(store: &Store, b: &Batch) -> Result<Vec<Option<Snapshot>>> {
    let mut out = vec![None; b.len];
    b.each(store, "snapshot.sql", SNAPSHOT, |r| {
        let k = b.index(r)?;
        let snap = Snapshot {
            stars: r.get(1)?,
            layout: LayoutFacts {
                license: r.get(2)?,
                files: texts(r.get(3)?),
                codeowners_users: texts(r.get(4)?),
                codeowners_teams: texts(r.get(5)?),
                maintainers_users: texts(r.get(6)?),
                codeowners_emails: texts(r.get(14)?),
                readme_governance: r.get::<_, Option<bool>>(7)?.unwrap_or(false),
                observed_at: utc(r.get(12)?),
                source: r.get(13)?,
                license_unknown: None,
            },
            ci_head_state: r.get(8)?,
            head_oid: r.get(9)?,
            name_with_owner: r.get(11)?,
        };
        if let Some(slot) = out.get_mut(k) {
            *slot = Some(snap);
        }
        Ok(())
    })?;
    Ok(out)
}

/// `tree_state.sql` for every probe: the primary repo's layout facts
/// reconstructed from the tree of the commit that was the head at the
/// probe's end (`None`: a snapshot answers, or no past tree was read).
///
/// The license: none when that tree has no license files; the one GitHub
/// recognised at the first snapshot when its license files (name and blob)
/// are that head's; otherwise unknown, saying why.
pub fn tree_states(store: &Store, b: &Batch) -> Result<Vec<Option<LayoutFacts>>> {
    let mut out = vec![None; b.len];
    b.each(store, "tree_state.sql", TREE_STATE, |r| {
        let k = b.index(r)?;
        let oid: String = r.get(1)?;
        let committed_at = utc(r.get(2)?);
        let license_files = texts(r.get(4)?);
        let reference_files = texts(r.get(12)?);
        let reference_license: Option<String> = r.get(13)?;
        let reference_at: Option<NaiveDateTime> = r.get(14)?;
        let short = &oid[..oid.len().min(10)];
        let (license, license_unknown) = if license_files.is_empty() {
            (None, None)
        } else if license_files == reference_files && reference_at.is_some() {
            (reference_license, None)
        } else {
            (
                None,
                Some(format!(
                    "the license files of commit {short} ({}) differ from those of the \
                     head GitHub recognised a license for",
                    license_files.join(", ")
                )),
            )
        };
        let facts = LayoutFacts {
            license,
            files: texts(r.get(3)?),
            codeowners_users: texts(r.get(5)?),
            codeowners_teams: texts(r.get(6)?),
            codeowners_emails: texts(r.get(7)?),
            maintainers_users: texts(r.get(8)?),
            readme_governance: r.get::<_, Option<bool>>(9)?.unwrap_or(false),
            observed_at: utc(r.get(10)?),
            source: format!(
                "reconstructed from the tree of commit {short}, the head since {}; {}",
                crate::time::rfc3339(committed_at),
                r.get::<_, String>(11)?
            ),
            license_unknown,
        };
        if let Some(slot) = out.get_mut(k) {
            *slot = Some(facts);
        }
        Ok(())
    })?;
    Ok(out)
}

/// The primary repo's star count reconstructed from GitHub's `starredAt`
/// (migration 0005), for an as-of instant before its first snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct StarHistory {
    /// The stargazer count when the star list was first read.
    pub anchor_stars: i64,
    /// When it was read.
    pub anchored_at: DateTime<Utc>,
    /// Every star after this instant was read.
    pub covered_from: DateTime<Utc>,
    /// The reading is over.
    pub done: bool,
    /// It stopped at its page cap.
    pub capped: bool,
    /// That cap, in pages of 100 stars.
    pub max_pages: i64,
    /// Where it was to stop (`backfill_days` before the first collection).
    pub since: DateTime<Utc>,
    /// The upstream call.
    pub source: String,
    /// The end of the last whole UTC day at or before the as-of instant,
    /// when the count is taken (stars are stored per day).
    pub day_end: DateTime<Utc>,
    /// The anchor minus the stars read after `day_end`.
    pub stars: i64,
}

impl StarHistory {
    /// Every star after `day_end` was read, so `stars` is the count then.
    pub fn known(&self) -> bool {
        self.day_end >= self.covered_from
    }
}

/// `star_history.sql` for every probe (`None`: the star list was never read).
pub fn star_history(store: &Store, b: &Batch) -> Result<Vec<Option<StarHistory>>> {
    let mut out = vec![None; b.len];
    b.each(store, "star_history.sql", STAR_HISTORY, |r| {
        let k = b.index(r)?;
        let day: chrono::NaiveDate = r.get(9)?;
        let day_end = day
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(DateTime::<Utc>::MIN_UTC, |d| {
                d.and_utc() - chrono::Duration::microseconds(1)
            });
        let h = StarHistory {
            anchor_stars: r.get(1)?,
            anchored_at: utc(r.get(2)?),
            covered_from: utc(r.get(3)?),
            done: r.get(4)?,
            capped: r.get(5)?,
            max_pages: r.get(6)?,
            since: utc(r.get(7)?),
            source: r.get(8)?,
            day_end,
            stars: r.get(10)?,
        };
        if let Some(slot) = out.get_mut(k) {
            *slot = Some(h);
        }
        Ok(())
    })?;
    Ok(out)
}

/// `mergers.sql`: who merged pull requests in each probe's window, most first.
pub fn mergers(store: &Store, b: &Batch) -> Result<Vec<Vec<String>>> {
    let mut out = vec![Vec::new(); b.len];
    b.each(store, "mergers.sql", MERGERS, |r| {
        let k = b.index(r)?;
        if let Some(slot) = out.get_mut(k) {
            slot.push(r.get(1)?);
        }
        Ok(())
    })?;
    Ok(out)
}

/// `email_logins.sql`: for each probe, the e-mail addresses its primary
/// repo's CODEOWNERS declares that stored commits link to a GitHub login, as
/// `(e-mail, login)`, both lower case, by e-mail.
pub fn email_logins(store: &Store, b: &Batch) -> Result<Vec<Vec<(String, String)>>> {
    let mut out = vec![Vec::new(); b.len];
    b.each(store, "email_logins.sql", EMAIL_LOGINS, |r| {
        let k = b.index(r)?;
        if let Some(slot) = out.get_mut(k) {
            slot.push((r.get(1)?, r.get(2)?));
        }
        Ok(())
    })?;
    Ok(out)
}

/// CI runs in a window: all, judged (completed, not cancelled or skipped), green.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CiCounts {
    /// Runs, checks and statuses created in the window.
    pub runs: i64,
    /// Those with a verdict.
    pub judged: i64,
    /// Those that passed.
    pub green: i64,
}

/// `ci_window.sql` for every probe.
pub fn ci_counts(store: &Store, b: &Batch) -> Result<Vec<CiCounts>> {
    let mut out = vec![CiCounts::default(); b.len];
    b.each(store, "ci_window.sql", CI_WINDOW, |r| {
        let k = b.index(r)?;
        if let Some(slot) = out.get_mut(k) {
            *slot = CiCounts {
                runs: r.get(1)?,
                judged: r.get(2)?,
                green: r.get(3)?,
            };
        }
        Ok(())
    })?;
    Ok(out)
}

/// A configured package as last seen at or before the as-of instant.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageSeen {
    /// `pypi:name` or `conda:channel/name`.
    pub key: String,
    /// The index knows it.
    pub found: bool,
    /// GitHub repos (`owner/name`, lower case) its metadata links to.
    pub links: Vec<String>,
    /// When observed.
    pub observed_at: DateTime<Utc>,
    /// The package's latest snapshot at any time: before the as-of instant,
    /// its collection had ended by then.
    pub collected_until: DateTime<Utc>,
    /// From which call.
    pub source: String,
    /// Its releases published by then and not yanked as of then, by version text.
    pub releases: Vec<ReleaseSeen>,
    /// The latest release's torch requirement seen with the snapshot (PyPI):
    /// `(version, None)` when no `requires_dist` entry names torch, else
    /// `(version, Some(entries))`: the entries naming torch, one per line
    /// (or, in rows written before they were kept whole, a bare specifier,
    /// `""` for torch without bounds).
    pub torch: Option<(String, Option<String>)>,
    /// `None`: observed in a snapshot at or before the as-of instant. `Some`:
    /// no snapshot was taken by then, and the fields above are reconstructed
    /// from release history (see [`reconstruct`]), with what it cannot tell.
    pub reconstructed: Option<Gaps>,
}

/// What release history cannot tell about a package before its first
/// snapshot (`None`: it can).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gaps {
    /// Why `packages` cannot be judged.
    pub package: Option<String>,
    /// Why the torch requirement of the latest release is not known.
    pub torch: Option<String>,
}

/// A release's own metadata as read once (migration 0007).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseMetadataSeen {
    /// The entries naming torch (`None`: no entry names torch).
    pub torch: Option<String>,
    /// GitHub repos (`owner/name`, lower case) it links to.
    pub links: Vec<String>,
    /// When it was read.
    pub observed_at: DateTime<Utc>,
    /// From which call.
    pub source: String,
}

/// One release of a package as of the as-of instant (not yanked then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseSeen {
    /// The version as published.
    pub version: String,
    /// Its earliest upload, when the index said.
    pub released_at: Option<DateTime<Utc>>,
    /// It has a wheel or conda file.
    pub binary: bool,
    /// It has an sdist.
    pub sdist: bool,
    /// The index marks it a pre-release (`None`: not said; PyPI and conda do
    /// not, and the version's PEP 440 form decides).
    pub prerelease: Option<bool>,
    /// Its own metadata, when read (read for reconstructions only).
    pub metadata: Option<ReleaseMetadataSeen>,
}

/// The `releases` list of `packages.sql`: a list of structs.
fn release_list(v: duckdb::types::Value) -> Vec<ReleaseSeen> {
    use duckdb::types::Value as V;
    let V::List(items) = v else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| {
            let V::Struct(fields) = item else {
                return None;
            };
            let field = |name: &str| fields.get(&name.to_string());
            let flag = |name: &str| match field(name) {
                Some(V::Boolean(b)) => Some(*b),
                _ => None,
            };
            Some(ReleaseSeen {
                version: match field("version") {
                    Some(V::Text(t)) => t.clone(),
                    _ => return None,
                },
                released_at: match field("released_us") {
                    Some(V::BigInt(us)) => DateTime::from_timestamp_micros(*us),
                    _ => None,
                },
                binary: flag("binary").unwrap_or(false),
                sdist: flag("sdist").unwrap_or(false),
                prerelease: flag("prerelease"),
                metadata: match (flag("requires_torch"), field("meta_us")) {
                    (Some(requires), Some(V::BigInt(us))) => Some(ReleaseMetadataSeen {
                        torch: match field("torch") {
                            Some(V::Text(t)) if requires => Some(t.clone()),
                            _ if requires => Some(String::new()),
                            _ => None,
                        },
                        links: match field("links") {
                            Some(V::List(l)) => l
                                .iter()
                                .filter_map(|x| match x {
                                    V::Text(t) => Some(t.to_lowercase()),
                                    _ => None,
                                })
                                .collect(),
                            _ => Vec::new(),
                        },
                        observed_at: DateTime::from_timestamp_micros(*us)
                            .unwrap_or(DateTime::<Utc>::MIN_UTC),
                        source: match field("meta_source") {
                            Some(V::Text(t)) => t.clone(),
                            _ => String::new(),
                        },
                    }),
                    _ => None,
                },
            })
        })
        .collect()
}

/// `packages.sql` for every probe.
pub fn packages(store: &Store, b: &Batch) -> Result<Vec<Vec<PackageSeen>>> {
    let mut out = vec![Vec::new(); b.len];
    b.each_package(store, "packages.sql", PACKAGES, |r| {
        let k = b.index(r)?;
        let torch = match (r.get::<_, Option<String>>(8)?, r.get::<_, Option<bool>>(9)?) {
            (Some(version), Some(true)) => Some((
                version,
                Some(r.get::<_, Option<String>>(10)?.unwrap_or_default()),
            )),
            (Some(version), Some(false)) => Some((version, None)),
            _ => None,
        };
        let mut seen = PackageSeen {
            key: format!("{}:{}", r.get::<_, String>(1)?, r.get::<_, String>(2)?),
            found: r.get(3)?,
            links: texts(r.get(4)?)
                .into_iter()
                .map(|l| l.to_lowercase())
                .collect(),
            observed_at: utc(r.get(5)?),
            collected_until: utc(r.get(13)?),
            source: r.get(6)?,
            releases: {
                // (`packages.sql` aggregates them in no particular order)
                let mut releases = release_list(r.get(7)?);
                releases.sort_by(|a, b| a.version.cmp(&b.version));
                releases
            },
            torch,
            reconstructed: None,
        };
        if r.get::<_, bool>(11)? {
            super::packages::reconstruct(&mut seen, r.get(12)?);
        }
        if let Some(slot) = out.get_mut(k) {
            slot.push(seen);
        }
        Ok(())
    })?;
    Ok(out)
}

/// The primary repo's head at an as-of instant as history tells it (the
/// latest stored default-branch commit committed by then), with the state of
/// its CI then (`ci_head.sql`), for `ci` before the first snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiHead {
    /// The head commit then.
    pub sha: String,
    /// Its committer date.
    pub committed_at: DateTime<Utc>,
    /// Its CI contexts created by then (Actions runs, else check runs, and
    /// commit statuses; the latest per workflow or context).
    pub contexts: i64,
    /// One of them had failed by then.
    pub failure: bool,
    /// A commit status was `error`.
    pub error: bool,
    /// One had not completed by then.
    pub pending: bool,
    /// The latest observation used.
    pub observed_at: Option<DateTime<Utc>>,
}

impl CiHead {
    /// The combined state, as GitHub's `statusCheckRollup` names it (`None`:
    /// no CI context by then).
    pub fn state(&self) -> Option<&'static str> {
        if self.contexts == 0 {
            None
        } else if self.failure {
            Some("failure")
        } else if self.error {
            Some("error")
        } else if self.pending {
            Some("pending")
        } else {
            Some("success")
        }
    }
}

const CI_HEAD: &str = tacometer_queries::sql::CI_HEAD;

/// `ci_head.sql` for every probe (`None`: no stored commit by then).
pub fn ci_heads(store: &Store, b: &Batch) -> Result<Vec<Option<CiHead>>> {
    let mut out = vec![None; b.len];
    b.each(store, "ci_head.sql", CI_HEAD, |r| {
        let k = b.index(r)?;
        let head = CiHead {
            sha: r.get(1)?,
            committed_at: utc(r.get(2)?),
            contexts: r.get(3)?,
            failure: r.get(4)?,
            error: r.get(5)?,
            pending: r.get(6)?,
            observed_at: r.get::<_, Option<NaiveDateTime>>(7)?.map(utc),
        };
        if let Some(slot) = out.get_mut(k) {
            *slot = Some(head);
        }
        Ok(())
    })?;
    Ok(out)
}

/// One configured repository of a probe, for [`repo_health`].
#[derive(Debug, Clone)]
pub struct RepoProbe<'a> {
    /// The probe's index in the batch.
    pub k: usize,
    /// The repository as configured (`owner/name`).
    pub slug: &'a str,
    /// The node id it resolved to, if it ever did.
    pub node: Option<&'a str>,
    /// The probe's as-of instant.
    pub at: DateTime<Utc>,
}

/// The latest recorded failure of a collection target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Its kind (`not_found`, `server`, `rate_limited`, ...).
    pub kind: String,
    /// What the upstream said.
    pub message: String,
}

/// What collection knew about a configured repository by a probe's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoHealth {
    /// The repository as configured, lower case.
    pub slug: String,
    /// Its latest failure by then.
    pub failure: Option<Failure>,
    /// Its latest snapshot by then.
    pub seen_at: Option<DateTime<Utc>>,
}

/// `repo_health.sql`: for each of `len` probes, what collection knew about its
/// configured repositories by its end.
pub fn repo_health(
    store: &Store,
    repos: &[RepoProbe<'_>],
    len: usize,
) -> Result<Vec<Vec<RepoHealth>>> {
    let mut out = vec![Vec::new(); len];
    if repos.is_empty() {
        return Ok(out);
    }
    let started = std::time::Instant::now();
    let name = "repo_health.sql";
    let list =
        |f: &dyn Fn(&RepoProbe<'_>) -> String| text_list(repos.iter().map(f).collect::<Vec<_>>());
    let _profiling = profile(store, name, len);
    let mut stmt = store.conn().prepare_cached(REPO_HEALTH).map_err(db(name))?;
    let mut rows = stmt
        .query(params![
            list(&|r| r.k.to_string()),
            list(&|r| r.slug.to_lowercase()),
            list(&|r| r.node.unwrap_or_default().to_string()),
            list(&|r| stamp(r.at)),
        ])
        .map_err(db(name))?;
    while let Some(r) = rows.next().map_err(db(name))? {
        let k = usize::try_from(r.get::<_, i32>(0).map_err(db(name))?).unwrap_or(usize::MAX);
        let failure = match r.get::<_, Option<NaiveDateTime>>(2).map_err(db(name))? {
            Some(at) => Some(Failure {
                at: utc(at),
                kind: r.get(3).map_err(db(name))?,
                message: r.get(4).map_err(db(name))?,
            }),
            None => None,
        };
        let health = RepoHealth {
            slug: r.get(1).map_err(db(name))?,
            failure,
            seen_at: r
                .get::<_, Option<NaiveDateTime>>(5)
                .map_err(db(name))?
                .map(utc),
        };
        if let Some(slot) = out.get_mut(k) {
            slot.push(health);
        }
    }
    trace(name, len, started);
    Ok(out)
}

/// A torch release: version and publication time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TorchRelease {
    /// Version as published.
    pub version: String,
    /// Publication time (observation time when PyPI did not say).
    pub released_at: DateTime<Utc>,
}

/// Every torch release the history knows.
pub fn torch_releases(store: &Store) -> Result<Vec<TorchRelease>> {
    let mut stmt = store
        .conn()
        .prepare_cached(TORCH_RELEASES)
        .map_err(db("read torch_releases"))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(TorchRelease {
                version: r.get(0)?,
                released_at: utc(r.get(1)?),
            })
        })
        .map_err(db("read torch_releases"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("read torch_releases"))
}

/// Rows of one evidence list, as text cells (for CSV and Parquet), per probe.
pub type ListRows = Vec<Vec<Vec<serde_json::Value>>>;

/// The named evidence list for every probe: its column names and rows.
/// `name` is one of `commits`, `contributors`, `stars`, `ci`, `releases`.
pub fn evidence_list(store: &Store, b: &Batch, name: &str) -> Result<(Vec<String>, ListRows)> {
    let (file, sql, packages) = list_query(name)?;
    let mut columns = Vec::new();
    let mut out: ListRows = vec![Vec::new(); b.len];
    let mut take = |r: &duckdb::Row<'_>| -> duckdb::Result<()> {
        let stmt = r.as_ref();
        let n = stmt.column_count();
        if columns.is_empty() {
            columns = (1..n)
                .map(|i| stmt.column_name(i).map(|s| s.to_string()))
                .collect::<duckdb::Result<_>>()?;
        }
        let k = b.index(r)?;
        let cells = (1..n)
            .map(|i| {
                r.get::<_, duckdb::types::Value>(i)
                    .map(crate::store::to_json)
            })
            .collect::<duckdb::Result<Vec<_>>>()?;
        if let Some(slot) = out.get_mut(k) {
            slot.push(cells);
        }
        Ok(())
    };
    if packages {
        b.each_package(store, file, sql, &mut take)?;
    } else {
        b.each(store, file, sql, &mut take)?;
    }
    if columns.is_empty() {
        columns = list_columns(name);
    }
    Ok((columns, out))
}

/// One evidence list as `export` writes it: every probe's rows under a
/// `project` column, typed as its query returns them.
#[derive(Debug, Clone)]
pub struct ExportedList {
    /// The query file it comes from (`queries/sql/commit_list.sql`, ...).
    pub query: &'static str,
    /// Column names, `project` first.
    pub columns: Vec<String>,
    /// DuckDB's type of each column (`VARCHAR`, `BIGINT`, `TIMESTAMP`, `VARCHAR[]`, ...).
    pub types: Vec<String>,
    /// The rows as JSON values (by the rules of [`crate::store::to_json`]);
    /// empty when the list went straight to Parquet.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// How many rows the list has (written, for Parquet).
    pub count: usize,
}

/// Where [`export_list`] puts a list.
#[derive(Debug, Clone, Copy)]
pub enum ListSink<'a> {
    /// Read its rows back (for CSV).
    Rows,
    /// Have DuckDB write it to this Parquet file (`COPY ... TO`).
    Parquet(&'a std::path::Path),
}

/// The named evidence list for every probe of `b`, labelled with
/// `labels[k]` (the project of probe `k`) in a first `project` column: the
/// same query as [`evidence_list`], read back as rows or written by DuckDB
/// straight to Parquet, so a bundle's CSV and Parquet have the same columns
/// and rows (times TIMESTAMP, counts BIGINT, flags BOOLEAN, the commit's
/// authors a `VARCHAR[]`). With `redact`, every e-mail address in a text or
/// list-of-text column is replaced in the query
/// ([`crate::store::redact_sql`]), before any row leaves DuckDB.
pub fn export_list(
    store: &Store,
    b: &Batch,
    name: &str,
    labels: &[String],
    redact: bool,
    sink: ListSink<'_>,
) -> Result<ExportedList> {
    let (file, body, packages) = list_query(name)?;
    let query = match file {
        "commit_list.sql" => "queries/sql/commit_list.sql",
        "contributor_list.sql" => "queries/sql/contributor_list.sql",
        "star_list.sql" => "queries/sql/star_list.sql",
        "ci_list.sql" => "queries/sql/ci_list.sql",
        _ => "queries/sql/release_list.sql",
    };
    let (prelude, mut params) = if packages {
        (
            PACKAGE_PRELUDE,
            vec![
                text_list(&b.pkg_k),
                text_list(&b.pkg_key),
                text_list(&b.pkg_at),
            ],
        )
    } else {
        (
            PRELUDE,
            vec![
                text_list(&b.k),
                text_list(&b.node),
                text_list(&b.primary),
                text_list(&b.start),
                text_list(&b.end),
                text_list(&b.bots),
            ],
        )
    };
    let label = params.len() + 1;
    let inner = format!("WITH {prelude}\n{body}\n");
    // The list's own columns and their types, from a run that returns no rows.
    let schema = {
        let mut stmt = store
            .conn()
            .prepare(&format!("SELECT * FROM ({inner}) AS evidence LIMIT 0"))
            .map_err(db(file))?;
        stmt.query_arrow(duckdb::params_from_iter(params.clone()))
            .map_err(db(file))?
            .get_schema()
    };
    // Column 0 is the probe index `k`, replaced by the project's name.
    let fields = schema.fields().iter().skip(1);
    let mut columns = vec!["project".to_string()];
    let mut types = vec!["VARCHAR".to_string()];
    let mut select = vec![format!("(${label}::VARCHAR[])[evidence.k + 1] AS project")];
    for field in fields {
        let quoted = crate::store::quote_ident(field.name());
        let expr = format!("evidence.{quoted}");
        let expr = if redact {
            crate::store::redact_column_sql(&expr, field.data_type())
        } else {
            expr
        };
        select.push(format!("{expr} AS {quoted}"));
        columns.push(field.name().clone());
        types.push(crate::store::sql_type(field.data_type()));
    }
    params.push(text_list(labels));
    let sql = format!("SELECT {} FROM ({inner}) AS evidence", select.join(", "));
    let started = std::time::Instant::now();
    let mut rows = Vec::new();
    let count = match sink {
        ListSink::Parquet(path) => {
            let copy = format!(
                "COPY ({sql}) TO {} (FORMAT parquet)",
                crate::store::quote_text(&path.display().to_string())
            );
            let mut stmt = store.conn().prepare(&copy).map_err(db(file))?;
            stmt.execute(duckdb::params_from_iter(params))
                .map_err(db(file))?
        }
        ListSink::Rows => {
            let mut stmt = store.conn().prepare(&sql).map_err(db(file))?;
            let mut result = stmt
                .query(duckdb::params_from_iter(params))
                .map_err(db(file))?;
            while let Some(r) = result.next().map_err(db(file))? {
                let cells = (0..columns.len())
                    .map(|i| {
                        r.get::<_, duckdb::types::Value>(i)
                            .map(crate::store::to_json)
                    })
                    .collect::<duckdb::Result<Vec<_>>>()
                    .map_err(db(file))?;
                rows.push(cells);
            }
            rows.len()
        }
    };
    trace(file, b.len, started);
    Ok(ExportedList {
        query,
        columns,
        types,
        rows,
        count,
    })
}

/// The query file, the query and whether it reads packages, of an evidence list.
fn list_query(name: &str) -> Result<(&'static str, &'static str, bool)> {
    Ok(match name {
        "commits" => ("commit_list.sql", COMMIT_LIST, false),
        "contributors" => ("contributor_list.sql", CONTRIBUTOR_LIST, false),
        "stars" => ("star_list.sql", STAR_LIST, false),
        "ci" => ("ci_list.sql", CI_LIST, false),
        "releases" => ("release_list.sql", RELEASE_LIST, true),
        other => {
            return Err(StoreError::Invalid(format!(
                "no evidence list named {other}"
            )));
        }
    })
}

/// Column names of an evidence list, for when it has no rows.
fn list_columns(name: &str) -> Vec<String> {
    let cols: &[&str] = match name {
        "commits" => &[
            "sha",
            "committed_at",
            "repo",
            "is_merge",
            "authors",
            "observed_at",
            "source",
        ],
        "contributors" => &[
            "identity",
            "name",
            "commits",
            "first_commit",
            "last_commit",
            "observed_at",
            "source",
        ],
        "stars" => &["observed_at", "stars", "name_with_owner", "source"],
        "ci" => &[
            "provider",
            "name",
            "head_sha",
            "branch",
            "event",
            "status",
            "conclusion",
            "created_at",
            "url",
            "observed_at",
            "source",
        ],
        _ => &[
            "ecosystem",
            "package",
            "version",
            "released_at",
            "is_prerelease",
            "yanked",
            "has_binary",
            "has_sdist",
            "observed_at",
            "source",
        ],
    };
    cols.iter().map(|c| c.to_string()).collect()
}

const DAILY_COUNTS: &str = tacometer_queries::sql::DAILY_COUNTS;

/// One project of a [`daily_counts`] call: its repos in scope and the instant
/// the days are counted back from.
#[derive(Debug, Clone)]
pub struct DailyProbe<'a> {
    /// Node ids of the repos in scope.
    pub nodes: &'a [String],
    /// The instant T; day `n` is the window ending `n` days before it.
    pub at: DateTime<Utc>,
}

/// `daily_counts.sql`: for each probe and each day `n` in `0..=days`, the
/// `(commits, contributors)` of the `window_days` window ending `n` days before
/// the probe's instant. Indexed `[probe][n]`; a day without commits is (0, 0).
pub fn daily_counts(
    store: &Store,
    probes: &[DailyProbe<'_>],
    days: u32,
    window_days: u32,
    bots: &[String],
) -> Result<Vec<Vec<(i64, i64)>>> {
    let width = days as usize + 1;
    let mut out = vec![vec![(0, 0); width]; probes.len()];
    let (mut k, mut node, mut at) = (Vec::new(), Vec::new(), Vec::new());
    for (i, p) in probes.iter().enumerate() {
        for n in p.nodes {
            k.push(i.to_string());
            node.push(n.clone());
            at.push(stamp(p.at));
        }
    }
    if node.is_empty() {
        return Ok(out);
    }
    let started = std::time::Instant::now();
    let name = "daily_counts.sql";
    let bots: Vec<String> = bots.iter().map(|b| b.to_lowercase()).collect();
    let _profiling = profile(store, name, probes.len());
    let mut stmt = store
        .conn()
        .prepare_cached(DAILY_COUNTS)
        .map_err(db(name))?;
    let mut rows = stmt
        .query(params![
            text_list(&k),
            text_list(&node),
            text_list(&at),
            i32::try_from(days).unwrap_or(i32::MAX),
            i32::try_from(window_days).unwrap_or(i32::MAX),
            text_list(&bots)
        ])
        .map_err(db(name))?;
    while let Some(r) = rows.next().map_err(db(name))? {
        let i = usize::try_from(r.get::<_, i32>(0).map_err(db(name))?).unwrap_or(usize::MAX);
        let n = usize::try_from(r.get::<_, i32>(1).map_err(db(name))?).unwrap_or(usize::MAX);
        let counts = (
            r.get::<_, i64>(2).map_err(db(name))?,
            r.get::<_, i64>(3).map_err(db(name))?,
        );
        if let Some(slot) = out.get_mut(i).and_then(|row| row.get_mut(n)) {
            *slot = counts;
        }
    }
    trace(name, probes.len(), started);
    Ok(out)
}
