//! The one-time star backfill: star counts before a repository's first
//! snapshot, reconstructed from when each of today's stargazers starred.
//!
//! GitHub keeps no star count history, but lists a repository's stargazers
//! with `starredAt`. Read newest first, the list gives, for any instant T
//! after the oldest star read, how many of today's stargazers had starred by
//! T: the count when the first page was read (the anchor) minus the stars
//! read after T. That is a lower bound (people who unstarred are not listed),
//! and what evaluation uses before the first snapshot (migration 0005).
//!
//! Cost. A page is one connection of 100, which GitHub's formula counts as
//! one request; one query carries the next page of up to [`BATCH`]
//! repositories as aliased fields and costs one point. So a pass's first
//! round reads the newest 100 stars of 50 repositories for a point, and
//! only repositories with many stars take further rounds. A repository reads
//! at most `[collect] star_history_max_points` pages: each page costs at
//! most one point (exactly one once it is the last repository still
//! reading), so that is the most the repository can cost.
//!
//! Where a walk stops: at the first star (the whole list is read), at
//! `backfill_days` before the repository's first collection (evaluation
//! answers as far back as the commit backfill does), or at the page cap, in
//! which case stars before the oldest one read stay unknown, saying why.
//!
//! Each round's pages are written with the progress they make in one
//! transaction, so a walk cut short (the pass's `item_timeout` of upstream
//! time, SIGTERM, `kill -9`) resumes from its stored cursor and reads no page
//! twice.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::allowance::Allowance;
use super::http::CallError;
use super::pass::Collector;
use super::sink::Stopped;
use crate::store::memory::{CollectorMemory, StarProgress};
use crate::store::write::{Provenance, StarPage};

/// Repositories whose next page one query reads: 50 requests cost one point.
pub const BATCH: usize = 50;

/// The document, whose `StarPage` fragment is inlined once per repository.
const STARGAZERS: &str = tacometer_queries::github::STARGAZERS;

/// A repository whose star list is to be read this pass.
#[derive(Debug, Clone)]
pub struct StarWork {
    /// `repo:owner/name`, for errors.
    pub target: String,
    /// Its node id.
    pub node_id: String,
}

/// One page as GitHub answered it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// `totalCount`: the stargazer count now.
    pub total: i64,
    /// `starredAt` of each star of the page, newest first.
    pub starred: Vec<DateTime<Utc>>,
    /// The cursor of the next page, if any.
    pub next: Option<String>,
}

/// A new walk: nothing read yet, stopping at `since` or after `max_pages`.
pub fn start(
    node_id: &str,
    since: DateTime<Utc>,
    max_pages: i64,
    now: DateTime<Utc>,
    source: &str,
) -> StarProgress {
    StarProgress {
        node_id: node_id.to_string(),
        anchor_stars: 0,
        anchored_at: now,
        since,
        max_pages,
        cursor: None,
        pages: 0,
        stars_read: 0,
        covered_from: now,
        done: false,
        capped: false,
        source: source.to_string(),
        started_at: now,
    }
}

/// Whether a stored walk is to go on this pass: not done, or capped by a
/// smaller cap than `max_pages` (raising the cap resumes it).
pub fn resume(mut p: StarProgress, max_pages: i64) -> Option<StarProgress> {
    if p.capped && max_pages > p.max_pages && p.cursor.is_some() {
        p.max_pages = max_pages;
        p.capped = false;
        p.done = false;
    }
    (!p.done).then_some(p)
}

/// Records a page read at `now`: the anchor (first page), how far the list
/// is covered, and whether the walk is over. Returns the page's per-day counts.
pub fn note_page(p: &mut StarProgress, page: &Page, now: DateTime<Utc>) -> Vec<(NaiveDate, i64)> {
    if p.pages == 0 {
        p.anchor_stars = page.total;
        p.anchored_at = now;
    }
    p.pages += 1;
    p.stars_read += page.starred.len() as i64;
    let mut days: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for t in &page.starred {
        *days.entry(t.date_naive()).or_default() += 1;
    }
    let oldest = page.starred.iter().min().copied();
    match (&page.next, oldest) {
        (Some(cursor), Some(oldest)) => {
            p.cursor = Some(cursor.clone());
            p.covered_from = p.covered_from.min(oldest);
            if oldest <= p.since {
                p.done = true;
            } else if p.pages >= p.max_pages {
                p.done = true;
                p.capped = true;
            }
        }
        _ => {
            // The list's end: every star is read, and before the first one
            // there were none.
            p.cursor = None;
            p.covered_from = DateTime::<Utc>::UNIX_EPOCH;
            p.done = true;
        }
    }
    days.into_iter().collect()
}

/// The document asking for the next page of each walk, as aliases `s0`, `s1`, ...
pub fn batch_document(walks: &[StarProgress]) -> (String, Value) {
    let fragment = STARGAZERS
        .split("fragment StarPage on Node")
        .nth(1)
        .map(str::trim)
        .unwrap_or("{ __typename }");
    let mut decls = Vec::new();
    let mut fields = String::new();
    let mut vars = serde_json::Map::new();
    for (i, w) in walks.iter().enumerate() {
        decls.push(format!("$i{i}: ID!, $a{i}: String"));
        fields.push_str(&format!(
            "  s{i}: node(id: $i{i}) {}\n",
            fragment.replace("$after", &format!("$a{i}"))
        ));
        vars.insert(format!("i{i}"), json!(w.node_id));
        vars.insert(format!("a{i}"), json!(w.cursor));
    }
    let doc = format!(
        "query Stargazers({}) {{\n  rateLimit {{ cost remaining resetAt }}\n{fields}}}\n",
        decls.join(", ")
    );
    (doc, Value::Object(vars))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StarNode {
    stargazers: Option<Connection>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection {
    total_count: i64,
    page_info: PageInfo,
    #[serde(default)]
    edges: Vec<Option<Edge>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Edge {
    starred_at: DateTime<Utc>,
}

/// One alias of a batch's answer: its page, or why there is none.
pub fn parse_alias(
    data: &serde_json::Map<String, Value>,
    errors: &[super::github::GqlError],
    alias: &str,
) -> Result<Page, (&'static str, String)> {
    let error = || {
        errors
            .iter()
            .find(|e| e.path.first().and_then(Value::as_str) == Some(alias))
            .map(|e| {
                let kind = if e.kind.as_deref() == Some("NOT_FOUND") {
                    "not_found"
                } else {
                    "graphql"
                };
                (kind, e.message.clone())
            })
            .unwrap_or(("graphql", format!("no answer for {alias}")))
    };
    let Some(value) = data.get(alias).filter(|v| !v.is_null()) else {
        return Err(error());
    };
    let node: StarNode =
        serde_json::from_value(value.clone()).map_err(|e| ("parse", e.to_string()))?;
    let Some(c) = node.stargazers else {
        return Err(("not_found", format!("{alias} is not a repository")));
    };
    Ok(Page {
        total: c.total_count,
        starred: c
            .edges
            .into_iter()
            .flatten()
            .map(|e| e.starred_at)
            .collect(),
        next: if c.page_info.has_next_page {
            c.page_info.end_cursor
        } else {
            None
        },
    })
}

impl Collector {
    /// Reads the star lists of `repos` that have not been read (or whose
    /// reading is unfinished), a page of each per round, for at most
    /// `[collect] item_timeout` of upstream time (waits for the writer do not
    /// count); what is not finished resumes next pass.
    /// Upstream failures are recorded and retried next pass.
    pub(crate) async fn star_backfills(
        &self,
        run_id: i64,
        repos: &[StarWork],
        memory: &CollectorMemory,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(), Stopped> {
        let max_pages = i64::from(self.config().collect.star_history_max_points);
        if max_pages == 0 || repos.is_empty() {
            return Ok(());
        }
        let now = self.clock().now();
        let backfill = chrono::Duration::days(i64::from(self.config().collect.backfill_days.get()));
        let source = format!("github:{} (Stargazers)", self.github().graphql_url);
        let mut walks: Vec<(String, StarProgress)> = repos
            .iter()
            .filter_map(|w| {
                let p = match memory.stars.get(&w.node_id) {
                    Some(p) => resume(p.clone(), max_pages)?,
                    None => {
                        let first = memory.first_seen.get(&w.node_id).copied().unwrap_or(now);
                        start(&w.node_id, first - backfill, max_pages, now, &source)
                    }
                };
                Some((w.target.clone(), p))
            })
            .collect();
        let mut allowance = Allowance::new(self.config().collect.item_timeout.0);
        let concurrency = self.config().collect.concurrency.get() as usize;
        while !walks.is_empty() && allowance.left() && !*shutdown.borrow() {
            let chunks: Vec<Vec<(String, StarProgress)>> =
                walks.chunks(BATCH).map(<[_]>::to_vec).collect();
            let rounds: Vec<_> = allowance
                .ask(
                    futures_util::stream::iter(chunks)
                        .map(|chunk| self.star_round(chunk))
                        .buffer_unordered(concurrency)
                        .collect::<Vec<_>>(),
                )
                .await;
            let mut pages = Vec::new();
            let mut failed = Vec::new();
            let mut next = Vec::new();
            for round in rounds {
                for (target, p, outcome) in round {
                    match outcome {
                        Ok(days) => {
                            if !p.done {
                                next.push((target, p.clone()));
                            }
                            pages.push(StarPage { progress: p, days });
                        }
                        Err(e) => failed.push((target, e)),
                    }
                }
            }
            let at = self.clock().now();
            let prov = Provenance {
                run_id,
                observed_at: at,
                source: source.clone(),
            };
            self.sink()
                .write(move |store| store.write_star_pages(&prov, &pages))
                .await?;
            for (target, e) in failed {
                tracing::warn!(target, error = %self.cleaned(&e), "star history read failed; retried next pass");
                self.record_call_error(run_id, at, target, &e).await?;
            }
            walks = next;
        }
        Ok(())
    }

    /// One query: the next page of each walk of `chunk`, noted in its progress.
    async fn star_round(
        &self,
        chunk: Vec<(String, StarProgress)>,
    ) -> Vec<(
        String,
        StarProgress,
        Result<Vec<(NaiveDate, i64)>, CallError>,
    )> {
        let walks: Vec<StarProgress> = chunk.iter().map(|(_, p)| p.clone()).collect();
        let (doc, vars) = batch_document(&walks);
        let call = format!("POST {} (Stargazers)", self.github().graphql_url);
        let answer = self
            .github()
            .post::<serde_json::Map<String, Value>>(
                self.http(),
                "Stargazers",
                json!({"query": doc, "variables": vars, "operationName": "Stargazers"}),
            )
            .await;
        let now = self.clock().now();
        match answer {
            Err(e) => chunk
                .into_iter()
                .map(|(t, p)| (t, p, Err(e.clone())))
                .collect(),
            Ok((data, errors)) => {
                let data = data.unwrap_or_default();
                chunk
                    .into_iter()
                    .enumerate()
                    .map(|(i, (target, mut p))| {
                        let outcome = match parse_alias(&data, &errors, &format!("s{i}")) {
                            Ok(page) => Ok(note_page(&mut p, &page, now)),
                            Err((kind, message)) => Err(CallError {
                                call: call.clone(),
                                status: Some(200),
                                kind,
                                message,
                            }),
                        };
                        (target, p, outcome)
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, d, h, 0, 0).unwrap()
    }

    fn page(total: i64, starred: &[DateTime<Utc>], next: Option<&str>) -> Page {
        Page {
            total,
            starred: starred.to_vec(),
            next: next.map(String::from),
        }
    }

    #[test]
    fn the_first_page_anchors_and_pages_become_day_counts() {
        let mut p = start("R_1", t(1, 0), 10, t(20, 12), "s");
        let days = note_page(
            &mut p,
            &page(5, &[t(19, 9), t(19, 3), t(18, 23)], Some("c1")),
            t(20, 12),
        );
        assert_eq!(p.anchor_stars, 5);
        assert_eq!(p.anchored_at, t(20, 12));
        assert_eq!(
            days,
            vec![(t(18, 0).date_naive(), 1), (t(19, 0).date_naive(), 2)]
        );
        assert_eq!((p.pages, p.stars_read, p.done), (1, 3, false));
        assert_eq!(p.covered_from, t(18, 23));
        assert_eq!(p.cursor.as_deref(), Some("c1"));
        // The end of the list: covered from the beginning of time.
        let days = note_page(&mut p, &page(6, &[t(2, 1), t(2, 0)], None), t(20, 13));
        assert_eq!(days, vec![(t(2, 0).date_naive(), 2)]);
        assert_eq!(p.anchor_stars, 5, "the anchor is the first page's count");
        assert!(p.done && !p.capped);
        assert_eq!(p.covered_from, DateTime::<Utc>::UNIX_EPOCH);
        assert_eq!(p.cursor, None);
    }

    #[test]
    fn a_walk_stops_at_its_since_or_at_the_cap() {
        let mut p = start("R_1", t(10, 0), 10, t(20, 0), "s");
        note_page(
            &mut p,
            &page(900, &[t(12, 0), t(10, 0)], Some("c")),
            t(20, 0),
        );
        assert!(p.done && !p.capped, "reached since");
        assert_eq!(p.covered_from, t(10, 0));

        let mut p = start("R_1", t(1, 0), 2, t(20, 0), "s");
        note_page(&mut p, &page(900, &[t(15, 0)], Some("c1")), t(20, 0));
        assert!(!p.done);
        note_page(&mut p, &page(900, &[t(14, 0)], Some("c2")), t(20, 0));
        assert!(p.done && p.capped, "two pages is the cap");
        assert_eq!(p.covered_from, t(14, 0));
        // A higher cap resumes it; the same cap does not.
        assert!(resume(p.clone(), 2).is_none());
        let r = resume(p, 5).expect("resumes");
        assert!(!r.done && !r.capped && r.max_pages == 5);
        assert_eq!(r.cursor.as_deref(), Some("c2"));
    }

    #[test]
    fn an_empty_list_is_read_in_one_page() {
        let mut p = start("R_1", t(1, 0), 10, t(20, 0), "s");
        let days = note_page(&mut p, &page(0, &[], None), t(20, 0));
        assert!(days.is_empty());
        assert!(p.done);
        assert_eq!(
            (p.anchor_stars, p.covered_from),
            (0, DateTime::<Utc>::UNIX_EPOCH)
        );
    }

    #[test]
    fn the_batch_inlines_the_fragment_once_per_repository() {
        let mut a = start("R_a", t(1, 0), 10, t(20, 0), "s");
        a.cursor = Some("cur".into());
        let b = start("R_b", t(1, 0), 10, t(20, 0), "s");
        let (doc, vars) = batch_document(&[a, b]);
        assert!(doc.starts_with("query Stargazers($i0: ID!, $a0: String, $i1: ID!, $a1: String)"));
        assert!(doc.contains("s0: node(id: $i0)") && doc.contains("s1: node(id: $i1)"));
        assert!(doc.contains("after: $a1") && !doc.contains("$after"));
        assert_eq!(vars["i0"], "R_a");
        assert_eq!(vars["a0"], "cur");
        assert!(vars["a1"].is_null());
    }

    #[test]
    fn an_alias_answers_a_page_or_why_not() {
        let data: serde_json::Map<String, Value> = serde_json::from_value(json!({
            "s0": {"__typename": "Repository", "stargazers": {"totalCount": 3,
                   "pageInfo": {"hasNextPage": true, "endCursor": "x"},
                   "edges": [{"starredAt": "2026-05-19T09:00:00Z"}]}},
            "s1": null
        }))
        .unwrap();
        let errors: Vec<super::super::github::GqlError> = serde_json::from_value(json!([
            {"type": "NOT_FOUND", "message": "Could not resolve", "path": ["s1"]}
        ]))
        .unwrap();
        let p = parse_alias(&data, &errors, "s0").expect("page");
        assert_eq!((p.total, p.next.as_deref()), (3, Some("x")));
        assert_eq!(p.starred, vec![t(19, 9)]);
        assert_eq!(
            parse_alias(&data, &errors, "s1").unwrap_err().0,
            "not_found"
        );
    }
}
