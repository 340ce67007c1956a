//! How the layout files of generated repositories came to be: the changes
//! that make their past differ from HEAD (a CONTRIBUTING.md added last
//! spring, a CODEOWNERS that once named one owner, a license file that was
//! replaced, a code of conduct that was removed), so that evaluating an
//! as-of date before the first collection has a past to reconstruct.
//!
//! It draws from its own random stream per repository, so adding it left
//! every other generated fact as it was.

use chrono::Duration;
use rand::{Rng, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

use crate::world::{FileChange, Repo, World};

/// How far back changes are placed: inside a year's backfill.
const SPAN_DAYS: i64 = 330;

/// Adds file changes to every repository of `world` with commits.
pub fn add_history(world: &mut World, seed: u64) {
    let now = world.now;
    for repo in &mut world.repos {
        if repo.commits.is_empty() || repo.deleted {
            continue;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ repo.database_id.wrapping_mul(0x9e37_79b9));
        history(repo, &mut rng, now - Duration::days(SPAN_DAYS));
    }
}

fn history(repo: &mut Repo, rng: &mut ChaCha8Rng, from: chrono::DateTime<chrono::Utc>) {
    // Commits the changes may land on: inside the span, and not the oldest
    // commit (whose files are the repository's first).
    let last = repo.commits.len() - 1;
    let eligible: Vec<usize> = (0..last)
        .filter(|&i| repo.commits[i].committed_at >= from)
        .collect();
    if eligible.is_empty() {
        return;
    }
    let pick = |rng: &mut ChaCha8Rng| {
        repo.commits[eligible[rng.random_range(0..eligible.len())]]
            .sha
            .clone()
    };
    let mut changes = Vec::new();
    let present: Vec<(String, String)> = repo
        .files
        .iter()
        .map(|(p, t)| (p.clone(), t.clone()))
        .collect();
    for (path, text) in &present {
        let name = path.rsplit('/').next().unwrap_or(path).to_lowercase();
        let change = if name.starts_with("contributing") {
            match rng.random_range(0..10) {
                0..=2 => Some(None),
                3 => {
                    // Renamed from reStructuredText.
                    let sha = pick(rng);
                    changes.push(FileChange {
                        sha: sha.clone(),
                        path: path.replace(".md", ".rst"),
                        before: Some("Contributing\n============\n".into()),
                    });
                    changes.push(FileChange {
                        sha,
                        path: path.clone(),
                        before: None,
                    });
                    None
                }
                _ => None,
            }
        } else if name.starts_with("code_of_conduct")
            || name.starts_with("governance")
            || name.starts_with("maintainers")
        {
            rng.random_bool(0.35).then_some(None)
        } else if name == "codeowners" {
            match rng.random_range(0..10) {
                0..=1 => Some(None),
                2..=4 => {
                    // It once named only its first owner.
                    let first = text
                        .split_whitespace()
                        .find(|w| w.starts_with('@'))
                        .unwrap_or("@nobody");
                    Some(Some(format!("* {first}\n")))
                }
                _ => None,
            }
        } else if name.starts_with("license") {
            match rng.random_range(0..20) {
                0..=1 => Some(None),
                2..=3 => Some(Some("All rights reserved.\n".to_string())),
                _ => None,
            }
        } else {
            None
        };
        if let Some(before) = change {
            changes.push(FileChange {
                sha: pick(rng),
                path: path.clone(),
                before,
            });
        }
    }
    // A code of conduct that was there and is gone.
    if !present
        .iter()
        .any(|(p, _)| p.to_lowercase().contains("code_of_conduct"))
        && rng.random_bool(0.15)
    {
        changes.push(FileChange {
            sha: pick(rng),
            path: "CODE_OF_CONDUCT.md".into(),
            before: Some("# Code of Conduct\n".into()),
        });
    }
    repo.file_changes = changes;
}
