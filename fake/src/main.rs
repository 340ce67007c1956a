//! `tacometer-fake`: serve a world, or write one.
//!
//! - `tacometer-fake --world FILE --listen ADDR` serves (prints the base URL).
//! - `tacometer-fake generate --seed N --repos N --years N --out FILE` writes a
//!   generated world (and `--projects FILE` the project list as JSON).
//! - `tacometer-fake edge --out FILE` writes the hand-written edge-case world.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tacometer_fake::{GenSpec, World};

#[derive(Parser, Debug)]
#[command(
    name = "tacometer-fake",
    about = "Fake GitHub, PyPI and Anaconda upstream on loopback"
)]
struct Cli {
    /// World file (JSON) to serve.
    #[arg(long, env = "TACOMETER_FAKE_WORLD")]
    world: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0", env = "TACOMETER_FAKE_LISTEN")]
    listen: SocketAddr,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a world.
    Generate {
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of repositories.
        #[arg(long, default_value_t = 50)]
        repos: usize,
        /// Years of history.
        #[arg(long, default_value_t = 3)]
        years: u32,
        /// The world's now (RFC 3339); default 2026-06-01T00:00:00Z.
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::Utc>>,
        /// Output world file.
        #[arg(long)]
        out: PathBuf,
        /// Also write the project list as JSON here.
        #[arg(long)]
        projects: Option<PathBuf>,
    },
    /// Write the hand-written edge-case world.
    Edge {
        /// Output world file.
        #[arg(long)]
        out: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Generate {
            seed,
            repos,
            years,
            now,
            out,
            projects,
        }) => {
            let mut spec = GenSpec {
                seed,
                repos,
                years,
                ..GenSpec::default()
            };
            if let Some(now) = now {
                spec.now = now;
            }
            let world = tacometer_fake::generate(&spec);
            world.save(&out)?;
            if let Some(p) = projects {
                let text = serde_json::to_string_pretty(&world.projects)?;
                std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
            }
            Ok(())
        }
        Some(Command::Edge { out }) => tacometer_fake::edge::edge_world().save(&out),
        None => {
            let world = match &cli.world {
                Some(p) => World::load(p)?,
                None => anyhow::bail!("--world FILE is required to serve"),
            };
            let server = tacometer_fake::start(world, cli.listen).await?;
            println!("{}", server.base_url());
            tokio::signal::ctrl_c()
                .await
                .context("waiting for Ctrl-C")?;
            server.shutdown().await;
            Ok(())
        }
    }
}
