//! Benchmark of the query side over a generated history (run it; it is not a test):
//!
//! ```text
//! cargo run --release --example bench -- [--projects 1000] [--years 3] [--db FILE]
//! ```
//!
//! It generates a world of `--projects` repositories with `--years` of history,
//! serves it from the fake upstream on loopback, collects it once with the
//! daemon's collector (backfilling the whole history), then adds one snapshot
//! per repository per day for the whole period (copies of the collected one
//! with shifted times and drifting stars), stored in time order as the
//! daemon's passes append them, so the store holds a realistic 3-year history. With `--db` naming an existing file, it skips all that and
//! measures that file. It then times, in process, what the CLI runs:
//! `report` (every project at one as-of instant), `check` of one project, a
//! 52-point weekly `trend` and the `review` (every failing project on every
//! day of the look-back), each several times, and prints the figures. With
//! `--db`, the world's config is written beside the database (`FILE.toml`), so
//! the CLI can be timed on the same history:
//! `time tacometer --db FILE --config FILE.toml report --format json > /dev/null`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DurationRound, TimeDelta, Utc};
use tacometer_core::collect::pass::{Collector, SystemClock};
use tacometer_core::config::{Config, ConfigSource, Secret};
use tacometer_core::requirements::{Scope, evaluate, evaluate_at, resolve_scopes};
use tacometer_core::store::Store;
use tacometer_fake::{GenSpec, generate, start};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    times.sort();
    let out = last.expect("at least one run");
    (times[0], times[times.len() / 2], out)
}

/// mimalloc serves every allocation of the process, DuckDB's C++ included
/// (the `override` feature replaces `malloc`): DuckDB's operators allocate
/// and free many small blocks, and with it `review` runs about 15% faster
/// with a lower peak resident set than with the C library's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let projects: usize = arg("--projects").map_or(Ok(1000), |s| s.parse())?;
    let years: u32 = arg("--years").map_or(Ok(3), |s| s.parse())?;
    let db = arg("--db").map(PathBuf::from);
    let now = Utc::now().duration_trunc(TimeDelta::hours(1))?;
    let mut world = generate(&GenSpec {
        seed: 1000,
        repos: projects,
        years,
        now,
        ..GenSpec::default()
    });
    world.limits.graphql = 10_000_000;
    world.limits.core = 10_000_000;
    let mut text = format!(
        "[collect]\nbackfill_days = {}\n\n[collect.requests_per_second]\n\"127.0.0.1\" = 100000\n",
        366 * years
    );
    for p in &world.projects {
        text.push_str(&format!(
            "\n[[projects]]\nname = {:?}\nrepos = {:?}\npypi = {:?}\nconda = {:?}\n",
            p.name, p.repos, p.pypi, p.conda
        ));
    }
    let mut config = Config::parse(&text, ConfigSource::Builtin)?;
    if let Some(path) = &db {
        // The projects beside the database, for timing the CLI on it too.
        std::fs::write(path.with_extension("toml"), &text)?;
    }
    let (path, _dir) = match &db {
        Some(p) if p.exists() => (p.clone(), None),
        other => {
            let dir = tempfile::tempdir()?;
            let path = other
                .clone()
                .unwrap_or_else(|| dir.path().join("bench.duckdb"));
            config.store.path = path.clone();
            config.github.tokens = vec![Secret::new("bench-token")];
            let t = Instant::now();
            let runtime = tokio::runtime::Runtime::new()?;
            let report = runtime.block_on({
                let config = config.clone();
                async move {
                    let fake = start(world, "127.0.0.1:0".parse()?).await?;
                    let mut config = config;
                    config.upstream.github_api_url = fake.base_url();
                    config.upstream.pypi_url = fake.base_url();
                    config.upstream.anaconda_api_url = fake.base_url();
                    let collector = Collector::new(config, Arc::new(SystemClock))?;
                    let (_stop, rx) = tokio::sync::watch::channel(false);
                    anyhow::Ok(collector.pass("once", rx).await?)
                }
            })?;
            println!(
                "collected {} repos ({} failed), {} packages in {:.1} s ({} GraphQL points)",
                report.repos_ok,
                report.repos_failed,
                report.packages_ok,
                t.elapsed().as_secs_f64(),
                report.graphql_points
            );
            let t = Instant::now();
            let store = Store::open_write(&path, Duration::from_secs(5))?;
            // One snapshot per repo per day for the whole period, the stars
            // drifting down into the past.
            store.densify_snapshots_for_bench(366 * years)?;
            println!(
                "densified snapshots to daily in {:.1} s",
                t.elapsed().as_secs_f64()
            );
            (path, Some(dir))
        }
    };
    config.store.path = path.clone();
    let store = Store::open_read(&path, Duration::from_secs(5))?;
    let count = |table: &str| store.row_count(table);
    println!(
        "history: {} repo snapshots, {} commits, {} commit authors, {} CI runs, {} releases; {:.0} MB",
        count("repo_snapshots")?,
        count("commits")?,
        count("commit_authors")?,
        count("ci_runs")?,
        count("releases")?,
        std::fs::metadata(&path)?.len() as f64 / 1e6
    );
    let tracked: Vec<_> = config.projects.iter().collect();
    let backfill = config.collect.backfill_days.get();
    let as_of = Utc::now();
    let (scopes_min, _, scopes): (_, _, Vec<Scope>) =
        timed(3, || resolve_scopes(&store, &tracked).expect("scopes"));
    let (min, median, evals) = timed(5, || {
        let scopes = resolve_scopes(&store, &tracked).expect("scopes");
        evaluate_at(&store, &config.criteria, backfill, &scopes, as_of).expect("report")
    });
    println!(
        "report: {} projects x {} requirements: min {:.0} ms, median {:.0} ms (resolving scopes: {:.0} ms)",
        evals.len(),
        evals.first().map_or(0, |e| e.requirements.len()),
        min.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        scopes_min.as_secs_f64() * 1e3
    );
    let one = &scopes[scopes.len() / 2];
    let (min, median, _) = timed(10, || {
        evaluate_at(
            &store,
            &config.criteria,
            backfill,
            std::slice::from_ref(one),
            as_of,
        )
        .expect("check")
    });
    println!(
        "check {}: min {:.1} ms, median {:.1} ms",
        one.project,
        min.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3
    );
    let probes: Vec<(&Scope, _)> = (0..52)
        .rev()
        .map(|i| (one, as_of - chrono::Duration::weeks(i)))
        .collect();
    let (min, median, _) = timed(5, || {
        evaluate(&store, &config.criteria, backfill, &probes).expect("trend")
    });
    println!(
        "trend {} (52 weekly points): min {:.0} ms, median {:.0} ms",
        one.project,
        min.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3
    );
    let (min, median, review) = timed(7, || {
        tacometer_core::review::review(&store, &config, as_of).expect("review")
    });
    let failing = review.projects.iter().filter(|p| !p.failing.is_empty());
    println!(
        "review: {} active projects, {} failing ({} failing requirements), {} days back: \
         min {:.0} ms, median {:.0} ms",
        review.projects.len(),
        failing.clone().count(),
        failing.map(|p| p.failing.len()).sum::<usize>(),
        review.lookback_days,
        min.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3
    );
    Ok(())
}
