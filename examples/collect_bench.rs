//! Benchmark of the collector against a slow upstream (run it; it is not a test):
//!
//! ```text
//! cargo run --example collect_bench -- [--projects 150] [--latency-ms 300] [--concurrency 1,8] [--one-host]
//! ```
//!
//! It generates a world of `--projects` repositories, serves it from the fake
//! upstream on loopback with `--latency-ms` added to every request, and runs
//! one first pass (backfill included) into a fresh database for each
//! concurrency listed, timing it and reading the fake's accounting: requests,
//! GraphQL points, secondary-limit answers and requests sent while told to
//! wait. Collection time is dominated by the upstream's latency, so the dev
//! profile measures it as well as a release build.
//!
//! GitHub and the package indexes are served by two fakes on their own ports,
//! so that, as in production, each is a host with its own limits
//! (`[collect] max_in_flight`); `--one-host` serves everything from one, which
//! then shares GitHub's limits with the indexes.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DurationRound, TimeDelta, Utc};
use tacometer_core::collect::pass::{Collector, SystemClock};
use tacometer_core::config::{Config, ConfigSource, Secret};
use tacometer_fake::{Faults, GenSpec, RouteFault, generate, start};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> anyhow::Result<()> {
    let projects: usize = arg("--projects").map_or(Ok(150), |s| s.parse())?;
    let latency: u64 = arg("--latency-ms").map_or(Ok(300), |s| s.parse())?;
    let levels: Vec<u32> = arg("--concurrency")
        .unwrap_or_else(|| "1,8".into())
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let now = Utc::now().duration_trunc(TimeDelta::hours(1))? - TimeDelta::hours(1);
    let world = generate(&GenSpec {
        seed: 150,
        repos: projects,
        years: 1,
        now,
        ..GenSpec::default()
    });
    let one_host = std::env::args().any(|a| a == "--one-host");
    let runtime = tokio::runtime::Runtime::new()?;
    let mut first = None;
    for level in levels {
        let dir = tempfile::tempdir()?;
        let mut text = format!(
            "[collect]\nbackfill_days = 365\nconcurrency = {level}\n\n\
             [collect.requests_per_second]\n\"127.0.0.1\" = 1000\n"
        );
        for p in &world.projects {
            text.push_str(&format!(
                "\n[[projects]]\nname = {:?}\nrepos = {:?}\npypi = {:?}\nconda = {:?}\n",
                p.name, p.repos, p.pypi, p.conda
            ));
        }
        let mut config = Config::parse(&text, ConfigSource::Builtin)?;
        config.store.path = dir.path().join("bench.duckdb");
        config.github.tokens = vec![Secret::new("bench-token")];
        let world = world.clone();
        let (report, acct, secs) = runtime.block_on(async move {
            let slow = Faults {
                seed: 1,
                routes: vec![RouteFault {
                    route: "*".into(),
                    latency_ms: latency,
                    ..RouteFault::default()
                }],
                ..Faults::default()
            };
            let fake = start(world.clone(), "127.0.0.1:0".parse()?).await?;
            fake.set_faults(slow.clone());
            let indexes = if one_host {
                None
            } else {
                let f = start(world, "127.0.0.1:0".parse()?).await?;
                f.set_faults(slow);
                Some(f)
            };
            let mut config = config;
            config.upstream.github_api_url = fake.base_url();
            let index_url = indexes
                .as_ref()
                .map_or_else(|| fake.base_url(), |f| f.base_url());
            config.upstream.pypi_url = index_url.clone();
            config.upstream.anaconda_api_url = index_url;
            let collector = Collector::new(config, Arc::new(SystemClock))?;
            let (_stop, rx) = tokio::sync::watch::channel(false);
            let t = Instant::now();
            let report = collector.pass("once", rx).await?;
            let secs = t.elapsed().as_secs_f64();
            let mut acct = fake.accounting();
            fake.shutdown().await;
            if let Some(f) = indexes {
                let more = f.accounting();
                acct.requests += more.requests;
                acct.violations += more.violations;
                for (route, c) in more.routes {
                    acct.routes.entry(route).or_default().secondary_limited += c.secondary_limited;
                }
                f.shutdown().await;
            }
            anyhow::Ok((report, acct, secs))
        })?;
        let secondary: u64 = acct.routes.values().map(|c| c.secondary_limited).sum();
        let speedup = first.map_or(1.0, |f: f64| f / secs);
        first.get_or_insert(secs);
        println!(
            "concurrency {level:>2}: {secs:6.1} s ({speedup:.1}x), {} repos ok, {} failed, \
             {} packages, {} requests, {} GraphQL points, {} secondary-limit answers, \
             {} requests sent while told to wait",
            report.repos_ok,
            report.repos_failed,
            report.packages_ok,
            acct.requests,
            acct.graphql_points,
            secondary,
            acct.violations
        );
    }
    Ok(())
}
