//! `tacometer site --out DIR`: the static site of the whole ecosystem as of a
//! date (pages in `crate::site`).
//!
//! What goes on it is computed here, in a few batched reads: every tracked
//! project's evaluation (what `report` gives), the review (what `review`
//! gives), a year of weekly points of each rolling count for the charts
//! (only the reads those counts need), and each evidence list once for all
//! projects, split by project.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use tacometer_core::config::Config;
use tacometer_core::output::{Format, Table};
use tacometer_core::requirements::{
    Evaluation, ListSink, Scope, Status, Value, daily_rolling_counts, evaluate_only,
    export_evidence,
};
use tacometer_core::store::{REDACTION, Redactor};
use tacometer_core::time::rfc3339;

use super::eval;
use crate::chart::Chart;
use crate::site::{Page, Site};

/// Examples shown under `tacometer site --help`.
const EXAMPLES: &str = "\
Examples:
  tacometer site --out site/                       # as of now; open site/index.html
  tacometer site --out site/ --as-of 2026-06-30 --force";

/// Flags of `site`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The directory to write the site into (created when missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The site's date (its end, UTC) or RFC 3339 instant; default now.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Write into a directory that is not empty (files of an earlier site are
    /// replaced; others are left alone).
    #[arg(long)]
    force: bool,
    /// Keep e-mail addresses in the evidence files (by default each becomes a
    /// `sha256:` token, as `export --redact-emails` does: a site is for
    /// publishing).
    #[arg(long)]
    keep_emails: bool,
}

/// The rolling counts charted on each project page.
const CHARTED: [&str; 4] = ["commits", "contributors", "stars", "ci"];

/// Weekly points over a year: 53 instants, the last the as-of instant.
const WEEKS: i64 = 52;

/// Runs `site`.
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    super::refuse_non_empty(
        &args.out,
        args.force,
        "write the site into it anyway (it replaces the files of an earlier site and \
         leaves other files alone)",
    )?;
    let started = std::time::Instant::now();
    let as_of = eval::as_of(args.as_of.as_deref())?;
    let store = eval::open(config)?;
    let projects = eval::tracked(config);
    let scopes = eval::scopes(&store, &projects)?;
    let evals = eval::evaluate_at(&store, config, &scopes, as_of)?;
    let review = tacometer_core::review::review(&store, config, as_of)?;
    let redact = !args.keep_emails;
    let mut used = BTreeMap::new();
    let slugs: Vec<String> = evals
        .iter()
        .map(|e| crate::site::slug(&e.project, &mut used))
        .collect();
    // The evidence lists are read on a second connection while this thread
    // reads the charts' series, and written as they are read: a list is in
    // memory only until its projects' files are written.
    let second = store.second()?;
    let (charts, evidence) = std::thread::scope(|threads| {
        let (scopes, evals, slugs) = (&scopes, &evals, &slugs);
        let to = Evidence {
            dir: &args.out,
            slugs,
            redact,
        };
        let evidence = threads.spawn(move || evidence(&second, config, scopes, evals, as_of, &to));
        let charts = charts(&store, config, scopes, evals, as_of);
        let evidence = evidence
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (charts, evidence)
    });
    let (charts, evidence) = (charts?, evidence?);

    let mut charts = charts.into_iter();
    let mut evidence = evidence.into_iter();
    let pages: Vec<Page> = evals
        .into_iter()
        .zip(&projects)
        .zip(slugs)
        .map(|((e, p), slug)| Page {
            slug,
            category: p.category.clone(),
            charts: charts.next().unwrap_or_default(),
            evidence: evidence.next().unwrap_or_default(),
            eval: e,
        })
        .collect();
    let site = Site {
        as_of,
        criteria_version: config.criteria.version.clone(),
        window_days: config.criteria.window_days.get(),
        review_table: super::review::table(&review),
        review_footer: super::review::footer(&review),
        review,
        pages,
        redacted: redact,
    };
    let files = crate::site::write(&site, &args.out)?;
    writeln!(
        out,
        "wrote {files} files for {} projects into {} in {:.1} s; open {}",
        site.pages.len(),
        args.out.display(),
        started.elapsed().as_secs_f64(),
        args.out.join("index.html").display()
    )?;
    Ok(0)
}

/// Per project (in `evals`' order), a chart of each rolling count over the
/// year up to `as_of`, with the threshold, the as-of instant and the
/// forecast marked. `commits` and `contributors` are weekly points of their
/// daily series (one query for every project); `stars` and `ci` are
/// evaluated every other week (the reads those two need, and no more).
fn charts(
    store: &tacometer_core::store::Store,
    config: &Config,
    scopes: &[Scope],
    evals: &[Evaluation],
    as_of: DateTime<Utc>,
) -> anyhow::Result<Vec<Vec<(&'static str, Chart)>>> {
    let criteria = &config.criteria;
    let backfill = config.collect.backfill_days.get();
    let days = u32::try_from(WEEKS * 7).unwrap_or(364);
    let daily = daily_rolling_counts(store, criteria, backfill, scopes, as_of, days)?;
    let fortnights: Vec<DateTime<Utc>> = (0..=WEEKS / 2)
        .rev()
        .map(|i| as_of - Duration::weeks(2 * i))
        .collect();
    let probes: Vec<(&Scope, DateTime<Utc>)> = scopes
        .iter()
        .flat_map(|s| fortnights.iter().map(move |d| (s, *d)))
        .collect();
    let sampled = evaluate_only(store, criteria, backfill, &probes, &["stars", "ci"])?;
    let window = criteria.window_days.get();
    let threshold = |m: Option<&tacometer_core::requirements::Measure>| {
        m.and_then(|m| match m.threshold {
            Value::Count(n) => Some(n),
            Value::Text(_) => None,
        })
    };
    Ok(evals
        .iter()
        .zip(&daily)
        .zip(sampled.chunks(fortnights.len()))
        .map(|((e, daily), sampled)| {
            CHARTED
                .iter()
                .map(|id| {
                    let now = e.measure(id);
                    let floor = threshold(now);
                    let points = match *id {
                        "commits" | "contributors" => (0..=WEEKS)
                            .rev()
                            .map(|w| {
                                let n = usize::try_from(w * 7).unwrap_or(0);
                                let (commits, people) = daily.get(n).copied().unwrap_or_default();
                                let value = if *id == "commits" { commits } else { people };
                                let status = match (value, floor) {
                                    (Some(v), Some(t)) => Status::for_count(v, t),
                                    _ => Status::Unknown,
                                };
                                (as_of - Duration::weeks(w), value, status)
                            })
                            .collect(),
                        _ => sampled
                            .iter()
                            .map(|p| {
                                let m = p.measure(id);
                                let value = match m.and_then(|m| m.value.as_ref()) {
                                    Some(Value::Count(n)) => Some(*n),
                                    _ => None,
                                };
                                (p.as_of, value, m.map_or(Status::Unknown, |m| m.status))
                            })
                            .collect(),
                    };
                    let chart = Chart {
                        title: format!("{id} of {} ({window}-day rolling window)", e.project),
                        points,
                        threshold: floor,
                        as_of: Some(as_of),
                        falls_below_on: now.and_then(|m| m.falls_below_on),
                    };
                    (*id, chart)
                })
                .collect()
        })
        .collect())
}

/// Where the evidence goes: the site's directory, each project's slug (in
/// `evals`' order), and whether e-mail addresses become tokens.
struct Evidence<'a> {
    dir: &'a std::path::Path,
    slugs: &'a [String],
    redact: bool,
}

/// A written evidence file, for the page and the manifest.
struct Written {
    file: String,
    rows: usize,
    bytes: usize,
    sha256: String,
}

impl Evidence<'_> {
    /// Writes project `i`'s `file`.
    fn write(&self, i: usize, file: String, text: &str, rows: usize) -> anyhow::Result<Written> {
        let path = crate::site::evidence_path(self.dir, &self.slugs[i], &file);
        crate::site::put(&path, text.as_bytes())?;
        Ok(Written {
            file,
            rows,
            bytes: text.len(),
            sha256: format!("{:x}", Sha256::digest(text.as_bytes())),
        })
    }
}

/// Writes, per project (in `evals`' order), its evidence files:
/// `summary.csv`, each list `export` writes, as CSV, and `manifest.json`.
/// Each list is read once for every project, split by its `project` column
/// and written before the next is read. Returns each project's files and
/// their rows.
fn evidence(
    store: &tacometer_core::store::Store,
    config: &Config,
    scopes: &[Scope],
    evals: &[Evaluation],
    as_of: DateTime<Utc>,
    to: &Evidence<'_>,
) -> anyhow::Result<Vec<Vec<(String, usize)>>> {
    let redact = to.redact;
    let redactor = if redact { Some(Redactor::new()?) } else { None };
    let index: BTreeMap<&str, usize> = evals
        .iter()
        .enumerate()
        .map(|(i, e)| (e.project.as_str(), i))
        .collect();
    let mut files: Vec<Vec<Written>> = Vec::with_capacity(evals.len());
    for (i, e) in evals.iter().enumerate() {
        let mut summary = eval::long_table(std::slice::from_ref(e));
        if let Some(r) = &redactor {
            r.table(&mut summary)?;
        }
        let rows = summary.rows.len();
        let text = summary.render(Format::Csv);
        files.push(vec![to.write(i, "summary.csv".into(), &text, rows)?]);
    }
    let mut queries: Vec<&'static str> = Vec::new();
    for list in super::export::LISTS {
        let exported = export_evidence(
            store,
            &config.criteria,
            scopes,
            as_of,
            list,
            redact,
            ListSink::Rows,
        )?;
        let mut split: Vec<Table> = (0..evals.len())
            .map(|_| Table::new(exported.columns.iter().cloned()))
            .collect();
        for row in exported.rows {
            let project = row.first().and_then(|v| v.as_str()).unwrap_or("");
            if let Some(&i) = index.get(project) {
                split[i].rows.push(row);
            }
        }
        for (i, t) in split.into_iter().enumerate() {
            let rows = t.rows.len();
            let text = t.render(Format::Csv);
            drop(t);
            files[i].push(to.write(i, format!("{list}.csv"), &text, rows)?);
        }
        queries.push(exported.query);
    }
    // Each project's `manifest.json`, as `export` writes one: what was
    // exported, as of when, under which criteria, and each file's rows,
    // size and SHA-256.
    let window =
        tacometer_core::requirements::Window::ending_at(as_of, config.criteria.window_days.get());
    let mut out = Vec::with_capacity(evals.len());
    for (i, (e, files)) in evals.iter().zip(files).enumerate() {
        let entries: Vec<serde_json::Value> = files
            .iter()
            .enumerate()
            .map(|(n, w)| {
                let mut entry = json!({
                    "file": w.file,
                    "table": w.file.trim_end_matches(".csv"),
                    "rows": w.rows,
                    "bytes": w.bytes,
                    "sha256": w.sha256,
                });
                if let Some(query) = n.checked_sub(1).and_then(|q| queries.get(q)) {
                    entry["query"] = json!(query);
                }
                entry
            })
            .collect();
        let mut manifest = json!({
            "tool": format!("tacometer {}", env!("CARGO_PKG_VERSION")),
            "as_of": rfc3339(as_of),
            "window": window,
            "criteria_version": config.criteria.version,
            "format": "csv",
            "redacted_emails": redact,
            "projects": [{"project": e.project, "repos": e.repos, "status": e.status}],
            "files": entries,
        });
        if redact {
            manifest["redaction"] = json!(REDACTION);
        }
        let text = format!("{}\n", serde_json::to_string_pretty(&manifest)?);
        let mut listed: Vec<(String, usize)> =
            files.into_iter().map(|w| (w.file, w.rows)).collect();
        to.write(i, "manifest.json".into(), &text, 0)?;
        listed.push(("manifest.json".into(), 0));
        out.push(listed);
    }
    Ok(out)
}
