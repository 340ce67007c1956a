//! Properties of what is read from PyPI and Anaconda: the `requires_dist`
//! entries naming torch, repository links, Anaconda's timestamps, and the
//! files of releases; any answer is read or refused with the package named.

use chrono::{DateTime, SecondsFormat, Utc};
use proptest::prelude::*;
use serde_json::json;

use super::{anaconda_time, github_repos, parse_conda, parse_pypi, torch_requirements};
use crate::proptests::{cases, hostile_text};

/// `requires_dist` syntax, for hostile text.
const TOKENS: &[&str] = &[
    "torch",
    "Torch",
    "torchvision",
    "torch-",
    " ",
    "\n",
    "\r\n",
    ">=2",
    "(",
    ")",
    "[gpu]",
    " ; ",
    "extra == 'x'",
    " @ ",
    "https://github.com/",
    "GitHub.com/",
    "a/b",
    ".git",
    "#",
    "?",
    "é",
    "\u{0}",
];

/// The name of a `requires_dist` entry as PEP 508 reads it.
fn name(entry: &str) -> &str {
    let end = entry
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(entry.len());
    &entry[..end]
}

/// A `requires_dist` entry, and whether it names torch.
fn entry() -> impl Strategy<Value = (String, bool)> {
    let names = prop::sample::select(
        &[
            ("torch", true),
            ("Torch", true),
            ("TORCH", true),
            ("torchvision", false),
            ("torch-audio", false),
            ("torch_x", false),
            ("torch.x", false),
            ("pytorch", false),
            ("numpy", false),
        ][..],
    );
    let rest = prop::sample::select(
        &[
            "",
            ">=2.0",
            " (>=1.8)",
            "<3,>=2.4 ; sys_platform == 'linux'",
            " ; extra == 'gpu'",
            "[opt]>=2",
            " @ https://download.pytorch.org/whl/torch-2.5.1-cp312-none-any.whl",
            "==2.*",
            "\n>=2",
            "\r\nnumpy",
            " ; python_version < '3.9'\nnumpy",
        ][..],
    );
    (names, rest, "[ \t]{0,2}", "[ \t]{0,2}")
        .prop_map(|((n, torch), r, a, b)| (format!("{a}{n}{r}{b}"), torch))
}

proptest! {
    #![proptest_config(cases(2048))]

    /// Exactly the entries named torch (in any case) are kept, trimmed and in
    /// order, one per line: every line kept names torch, and keeping again
    /// changes nothing.
    #[test]
    fn the_entries_naming_torch_are_kept_one_per_line(
        entries in prop::collection::vec(entry(), 0..6)
    ) {
        let texts: Vec<String> = entries.iter().map(|(e, _)| e.clone()).collect();
        let kept = torch_requirements(&texts);
        let expected: Vec<String> = entries
            .iter()
            .filter(|(_, torch)| *torch)
            .map(|(e, _)| e.trim().replace(['\r', '\n'], " "))
            .collect();
        prop_assert_eq!(
            kept.clone(),
            (!expected.is_empty()).then(|| expected.join("\n")),
            "{:?}",
            texts
        );
        if let Some(kept) = kept {
            prop_assert!(kept.lines().all(|l| name(l.trim()).eq_ignore_ascii_case("torch")), "{kept:?}");
            let again: Vec<String> = kept.lines().map(str::to_string).collect();
            prop_assert_eq!(torch_requirements(&again), Some(kept));
        }
    }

    /// Any entries are read without panicking, and every line kept names torch.
    #[test]
    fn any_entries_keep_only_lines_naming_torch(
        entries in prop::collection::vec(hostile_text(TOKENS), 0..4)
    ) {
        if let Some(kept) = torch_requirements(&entries) {
            prop_assert!(kept.lines().all(|l| name(l.trim()).eq_ignore_ascii_case("torch")), "{kept:?}");
        }
    }

    /// Every github.com repository URL yields its `owner/name`, lower-cased,
    /// once, in order: whatever the scheme, the host's case, a `www.`, a
    /// `.git`, a path, query or fragment after it; other URLs yield nothing.
    #[test]
    fn every_repository_url_yields_its_repository(
        urls in prop::collection::vec(
            (
                any::<bool>(),
                prop::sample::select(&["https://", "http://", "git+https://", ""][..]),
                prop::sample::select(&["github.com", "GitHub.com", "www.github.com", "GITHUB.COM"][..]),
                "[A-Za-z0-9][A-Za-z0-9-]{0,10}",
                "[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}[A-Za-z0-9_]",
                prop::sample::select(&["", ".git", "/", "/tree/main", "#readme", "?tab=1", "/issues"][..]),
            ),
            0..5,
        ),
    ) {
        let mut expected: Vec<String> = Vec::new();
        let mut texts = Vec::new();
        for (repo, scheme, host, owner, name, tail) in &urls {
            if *repo {
                texts.push(format!("{scheme}{host}/{owner}/{name}{tail}"));
                let slug = format!("{owner}/{name}").to_lowercase();
                if !expected.contains(&slug) {
                    expected.push(slug);
                }
            } else {
                texts.push(format!("{scheme}docs.example.org/{owner}/{name}{tail}"));
            }
        }
        let found = github_repos(texts.iter().map(String::as_str).collect());
        prop_assert_eq!(found, expected, "{:?}", texts);
    }

    /// Any link text is read without panicking into lower-cased `owner/name`s.
    #[test]
    fn any_link_text_yields_lower_case_slugs(links in prop::collection::vec(hostile_text(TOKENS), 0..4)) {
        for slug in github_repos(links.iter().map(String::as_str).collect()) {
            prop_assert_eq!(slug.matches('/').count(), 1, "{}", slug);
            prop_assert_eq!(&slug, &slug.to_lowercase());
        }
    }

    /// Anaconda's timestamps (a space, not `T`, microseconds, an offset) and
    /// RFC 3339 read as the instant they print; any text reads without panicking.
    #[test]
    fn anaconda_times_read_as_the_instant_they_print(
        secs in 0..4_102_444_800i64,
        micros in 0..1_000_000u32,
        junk in hostile_text(&["2025-02-07", " ", "T", "15:05:00", ".099000", "+00:00", "Z", "-"]),
    ) {
        let t = DateTime::from_timestamp(secs, micros * 1000).expect("in range");
        let anaconda = t.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string();
        prop_assert_eq!(anaconda_time(&anaconda), Some(t), "{}", anaconda);
        let naive = t.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
        prop_assert_eq!(anaconda_time(&naive), Some(t), "{}", naive);
        let rfc = t.to_rfc3339_opts(SecondsFormat::Micros, true);
        prop_assert_eq!(anaconda_time(&rfc), Some(t), "{}", rfc);
        let _ = anaconda_time(&junk);
    }

    /// A release is yanked when every file is; its binary and sdist are judged
    /// among the files not yanked (all of them when all are); it was released
    /// at its earliest upload.
    #[test]
    fn pypi_releases_are_judged_by_their_files(
        releases in prop::collection::btree_map(
            "[0-9]{1,2}\\.[0-9]{1,2}",
            prop::collection::vec(
                (
                    prop::sample::select(&["bdist_wheel", "sdist", "bdist_egg"][..]),
                    prop::option::of(0..2_000_000_000i64),
                    any::<bool>(),
                ),
                0..4,
            ),
            0..5,
        ),
    ) {
        let doc = json!({
            "info": {"name": "pkg", "version": null},
            "releases": releases.iter().map(|(v, files)| {
                let files: Vec<_> = files.iter().map(|(kind, at, yanked)| json!({
                    "packagetype": kind,
                    "upload_time_iso_8601": at.and_then(|s| DateTime::from_timestamp(s, 0))
                        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
                    "yanked": yanked,
                })).collect();
                (v.clone(), json!(files))
            }).collect::<serde_json::Map<_, _>>(),
        });
        let info = parse_pypi(doc.to_string().as_bytes(), "pkg").expect("a generated answer");
        prop_assert_eq!(info.releases.len(), releases.len());
        for r in &info.releases {
            let files = &releases[&r.version];
            let live: Vec<_> = files.iter().filter(|f| !f.2).collect();
            let considered = if live.is_empty() { files.iter().collect() } else { live };
            prop_assert_eq!(r.yanked, !files.is_empty() && files.iter().all(|f| f.2));
            prop_assert_eq!(r.has_binary, considered.iter().any(|f| f.0 == "bdist_wheel"));
            prop_assert_eq!(r.has_sdist, considered.iter().any(|f| f.0 == "sdist"));
            let first: Option<DateTime<Utc>> = files
                .iter()
                .filter_map(|f| f.1.and_then(|s| DateTime::from_timestamp(s, 0)))
                .min();
            prop_assert_eq!(r.released_at, first);
        }
    }

    /// Any answer is read or refused with an error naming the package.
    #[test]
    fn any_answer_is_read_or_refused_naming_the_package(
        body in prop_oneof![
            hostile_text(&["{", "}", "[", "]", "\"info\"", "\"name\"", ":", ",", "\"x\"", "null", "\"releases\"", "\"files\""]),
            Just(r#"{"info": {"name": "x"}, "releases": {"1": [{"packagetype": 5}]}}"#.to_string()),
        ]
    ) {
        if let Err(e) = parse_pypi(body.as_bytes(), "pkg-name") {
            prop_assert!(e.to_string().starts_with("cannot read PyPI JSON of pkg-name: "), "{e}");
        }
        if let Err(e) = parse_conda(body.as_bytes(), "chan/pkg") {
            prop_assert!(e.to_string().starts_with("cannot read Anaconda JSON of chan/pkg: "), "{e}");
        }
    }
}
