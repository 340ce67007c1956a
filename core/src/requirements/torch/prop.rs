//! PEP 440 and 508 properties: clauses hold as PEP 440 orders versions, a
//! specifier set is the intersection of its clauses, any stored requirement
//! text is judged without panicking, and `pytorch_support` admits exactly the
//! minors a simple model of the rule admits.

use std::str::FromStr;

use chrono::{DateTime, TimeZone as _, Utc};
use pep440_rs::{Version, VersionSpecifier, VersionSpecifiers};
use proptest::prelude::*;

use super::{
    PackageSeen, Status, TorchDemand, TorchRelease, demand, marker_environment, pytorch_support,
};
use crate::config::TargetEnvironment;
use crate::proptests::{cases, hostile_text};

/// PEP 440 and 508 syntax, for hostile text.
const TOKENS: &[&str] = &[
    "torch",
    "Torch",
    "torchvision",
    " ",
    "\n",
    ">=",
    "<=",
    "==",
    "!=",
    "~=",
    "===",
    "<",
    ">",
    ",",
    ".",
    "*",
    "2",
    "9",
    "0",
    "rc1",
    ".post1",
    ".dev0",
    "+cu121",
    "(",
    ")",
    "[",
    "]",
    ";",
    " ; ",
    "extra",
    "==",
    "'cuda'",
    "\"",
    "sys_platform",
    "python_version",
    "and",
    "or",
    "@",
    " @ ",
    "https://x/torch.whl",
    "file:///",
    "\\",
    "\u{0}",
    "é",
    "99999999999999999999999",
    "${CARGO_MANIFEST_DIR}",
    "${PATH}",
];

/// A version: 1 to 4 release numbers, maybe a pre-, post- or dev-release.
fn version() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(0..12u64, 1..5),
        prop::option::of((prop::sample::select(&["a", "b", "rc"][..]), 0..3u64)),
        prop::option::of(0..3u64),
        prop::option::of(0..3u64),
    )
        .prop_map(|(release, pre, post, dev)| {
            let mut v = release
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".");
            if let Some((kind, n)) = pre {
                v.push_str(&format!("{kind}{n}"));
            }
            if let Some(n) = post {
                v.push_str(&format!(".post{n}"));
            }
            if let Some(n) = dev {
                v.push_str(&format!(".dev{n}"));
            }
            v
        })
}

/// A final release: 1 to 4 release numbers.
fn final_version() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(0..12u64, 1..5)
}

fn dotted(release: &[u64]) -> String {
    release
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn v(text: &str) -> Version {
    Version::from_str(text).expect("a generated version")
}

fn holds(spec: &str, version: &Version) -> bool {
    VersionSpecifier::from_str(spec)
        .expect("a generated specifier")
        .contains(version)
}

/// An operator and version of a clause.
fn clause() -> impl Strategy<Value = String> {
    let op = prop::sample::select(&["==", "!=", ">=", "<=", ">", "<", "~="][..]);
    prop_oneof![
        (op, version()).prop_filter_map("~= needs two numbers", |(op, v)| {
            (op != "~=" || Version::from_str(&v).ok()?.release().len() >= 2)
                .then(|| format!("{op}{v}"))
        }),
        (prop::sample::select(&["==", "!="][..]), final_version())
            .prop_map(|(op, r)| format!("{op}{}.*", dotted(&r))),
    ]
}

/// A torch specifier clause over versions near torch's own.
#[derive(Debug, Clone)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
    EqStar,
    NeStar,
    Compatible,
}

/// One clause of the model: an operator and a release (1 to 3 numbers).
fn torch_clause() -> impl Strategy<Value = (Op, Vec<u64>)> {
    let op = prop::sample::select(
        &[
            Op::Ge,
            Op::Gt,
            Op::Le,
            Op::Lt,
            Op::Eq,
            Op::Ne,
            Op::EqStar,
            Op::NeStar,
            Op::Compatible,
        ][..],
    );
    (op, 1..4u64, 0..12u64, 0..3u64, 1..4usize).prop_map(|(op, major, minor, patch, len)| {
        let len = if matches!(op, Op::Compatible) {
            len.max(2)
        } else {
            len
        };
        (op, [major, minor, patch][..len].to_vec())
    })
}

fn clause_text((op, r): &(Op, Vec<u64>)) -> String {
    let v = dotted(r);
    match op {
        Op::Ge => format!(">={v}"),
        Op::Gt => format!(">{v}"),
        Op::Le => format!("<={v}"),
        Op::Lt => format!("<{v}"),
        Op::Eq => format!("=={v}"),
        Op::Ne => format!("!={v}"),
        Op::EqStar => format!("=={v}.*"),
        Op::NeStar => format!("!={v}.*"),
        Op::Compatible => format!("~={v}"),
    }
}

/// Releases compared as PEP 440 compares final releases: padded with zeros.
fn cmp(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    let pad = |r: &[u64]| {
        (0..n)
            .map(|i| r.get(i).copied().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    pad(a).cmp(&pad(b))
}

/// `release` starts with `prefix` (a missing number is zero).
fn prefixed(release: &[u64], prefix: &[u64]) -> bool {
    prefix
        .iter()
        .enumerate()
        .all(|(i, p)| release.get(i).copied().unwrap_or(0) == *p)
}

/// What the model says a clause admits of a final release.
fn model_holds((op, r): &(Op, Vec<u64>), release: &[u64]) -> bool {
    use std::cmp::Ordering::*;
    let c = cmp(release, r);
    match op {
        Op::Ge => c != Less,
        Op::Gt => c == Greater,
        Op::Le => c != Greater,
        Op::Lt => c == Less,
        Op::Eq => c == Equal,
        Op::Ne => c != Equal,
        Op::EqStar => prefixed(release, r),
        Op::NeStar => !prefixed(release, r),
        Op::Compatible => c != Less && prefixed(release, &r[..r.len() - 1]),
    }
}

/// A marker, and whether it holds on the default target (Linux, x86_64,
/// CPython 3.14, no extras).
fn marker() -> impl Strategy<Value = (String, bool)> {
    prop::sample::select(
        &[
            ("", true),
            (" ; sys_platform == 'linux'", true),
            (" ; sys_platform == \"darwin\"", false),
            (" ; python_version >= '3.10'", true),
            (" ; python_version < '3.9'", false),
            (" ; extra == 'cuda'", false),
            (
                " ; platform_machine == 'x86_64' and os_name == 'posix'",
                true,
            ),
            (
                " ; sys_platform == 'win32' or python_full_version >= '3.14.0'",
                true,
            ),
        ][..],
    )
    .prop_map(|(m, h)| (m.to_string(), h))
}

fn day(n: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + n * 86_400, 0)
        .single()
        .expect("a day")
}

fn seen(stored: &str) -> PackageSeen {
    PackageSeen {
        key: "pypi:pkg".into(),
        found: true,
        links: vec![],
        observed_at: day(0),
        collected_until: day(0),
        source: "prop".into(),
        releases: Vec::new(),
        torch: Some(("1.0".into(), Some(stored.to_string()))),
        reconstructed: None,
    }
}

proptest! {
    #![proptest_config(cases(2048))]

    /// A version satisfies `>=`, `<=` and `==` itself, and neither `!=`, `<`
    /// nor `>` itself; a final release `X` admits every `X.Y` under `==X.*`
    /// and none under `!=X.*`, and `~=X.Y` admits `X.Y.Z` and `X.(Y+1)` but
    /// not `X+1`.
    #[test]
    fn a_clause_holds_of_its_own_version(text in version(), r in final_version(), y in 0..12u64) {
        let x = v(&text);
        for op in [">=", "<=", "=="] {
            prop_assert!(holds(&format!("{op}{text}"), &x), "{op}{text}");
        }
        for op in ["!=", "<", ">"] {
            prop_assert!(!holds(&format!("{op}{text}"), &x), "{op}{text}");
        }
        let base = dotted(&r);
        let below = v(&format!("{base}.{y}"));
        prop_assert!(holds(&format!("=={base}.*"), &below), "=={}.* of {}", base, below);
        prop_assert!(!holds(&format!("!={base}.*"), &below), "!={}.* of {}", base, below);
        prop_assert!(holds(&format!("=={base}.*"), &v(&base)), "=={}.*", base);
        if r.len() >= 2 {
            let (major, rest) = (r[0], &r[1..]);
            let compatible = format!("~={base}");
            prop_assert!(holds(&compatible, &v(&format!("{base}.{y}"))), "{compatible}");
            let next = format!("{major}.{}", rest[0] + 1);
            prop_assert!(holds(&compatible, &v(&next)) == (r.len() == 2), "{compatible} {next}");
            prop_assert!(!holds(&compatible, &v(&format!("{}", major + 1))), "{compatible}");
        }
    }

    /// `>=a` and `<=a` hold exactly as PEP 440 orders versions; between final
    /// releases `<a` and `>a` do too.
    #[test]
    fn ordered_clauses_follow_the_order_of_versions(a in version(), b in version()) {
        let (va, vb) = (v(&a), v(&b));
        prop_assert_eq!(holds(&format!(">={a}"), &vb), vb >= va, ">={} of {}", a, b);
        prop_assert_eq!(holds(&format!("<={a}"), &vb), vb <= va, "<={} of {}", a, b);
        if !va.any_prerelease() && !vb.any_prerelease() && va.post().is_none() && vb.post().is_none() {
            prop_assert_eq!(holds(&format!("<{a}"), &vb), vb < va, "<{} of {}", a, b);
            prop_assert_eq!(holds(&format!(">{a}"), &vb), vb > va, ">{} of {}", a, b);
        }
    }

    /// A specifier set admits a version exactly when each of its clauses does.
    #[test]
    fn a_specifier_set_is_the_intersection_of_its_clauses(
        clauses in prop::collection::vec(clause(), 1..5),
        text in version(),
    ) {
        let x = v(&text);
        let set = VersionSpecifiers::from_str(&clauses.join(", ")).expect("a generated set");
        let each = clauses.iter().all(|c| holds(c, &x));
        prop_assert_eq!(set.contains(&x), each, "{} of {:?}", text, clauses);
    }

    /// Any stored text is judged without panicking; an unreadable entry is
    /// quoted as stored (one of its lines, or `torch` and a bare specifier),
    /// and no `${VAR}` is expanded from this process's environment.
    #[test]
    fn any_stored_requirement_is_judged_and_an_unreadable_one_quoted(
        text in prop_oneof![
            hostile_text(TOKENS),
            hostile_text(TOKENS).prop_map(|t| format!("torch{t}")),
        ]
    ) {
        let env = marker_environment(&TargetEnvironment::default()).expect("the default target");
        let mut ignored = Vec::new();
        match demand(Some(&text), &env, &mut ignored) {
            TorchDemand::Unreadable(entry, message) => {
                let a_line = text.lines().any(|l| l.trim() == entry);
                prop_assert!(a_line || entry == format!("torch{text}"), "{entry:?}");
                prop_assert!(!message.is_empty());
            }
            TorchDemand::Url(req) => prop_assert!(req.contains('@'), "{req}"),
            TorchDemand::None(_) | TorchDemand::Versions(..) => {}
        }
        for line in &ignored {
            prop_assert!(text.lines().any(|l| l.trim() == line), "{line:?}");
        }
        let judged = pytorch_support(
            &[seen(&text)],
            &["pypi:pkg".to_string()],
            &[
                TorchRelease { version: "2.8.0".into(), released_at: day(-2) },
                TorchRelease { version: "2.9.0".into(), released_at: day(-1) },
            ],
            day(1),
            &TargetEnvironment::default(),
        );
        prop_assert!(judged.status != Status::Unknown, "{}", judged.detail);
        // nothing of this process's environment is expanded into the output
        for var in ["CARGO_MANIFEST_DIR", "PATH"] {
            let value = std::env::var(var).unwrap_or_default();
            prop_assert!(
                value.len() < 4 || text.contains(&value) || !judged.detail.contains(&value),
                "{} expanded: {}", var, judged.detail
            );
        }
    }

    /// `pytorch_support` admits a minor of the latest two exactly when one of
    /// its final releases satisfies every clause of every entry whose marker
    /// holds on the target: pass for both, caution for one or when no entry
    /// applies, fail for neither. Pre-releases and releases after the as-of
    /// date are not torch's minors.
    #[test]
    fn pytorch_support_admits_what_every_applying_entry_admits(
        patches in prop::collection::vec((0..4u64, 0..3u64), 0..10),
        first in (0..4u64, 0..3u64),
        other in (1..4u64, 0..3u64),
        late in prop::option::of(0..12u64),
        entries in prop::collection::vec(
            (prop::collection::vec(torch_clause(), 0..3), marker(), any::<bool>()),
            1..4,
        ),
    ) {
        // torch 2.minor.patch, released one day apart, then an rc and a release after T;
        // `first` and `other` make two minors at least
        let mut patches = patches;
        patches.push(first);
        patches.push(((first.0 + other.0) % 4, other.1));
        let mut releases: Vec<Vec<u64>> = patches.iter().map(|&(m, p)| vec![2, m + 4, p]).collect();
        releases.sort();
        releases.dedup();
        let mut torch: Vec<TorchRelease> = releases
            .iter()
            .enumerate()
            .map(|(i, r)| TorchRelease { version: dotted(r), released_at: day(i as i64 - 100) })
            .collect();
        torch.push(TorchRelease { version: "2.99.0rc1".into(), released_at: day(-1) });
        if let Some(m) = late {
            torch.push(TorchRelease { version: format!("2.{}.0", m + 20), released_at: day(5) });
        }
        let mut minors: Vec<(u64, u64)> = releases.iter().map(|r| (r[0], r[1])).collect();
        minors.sort_unstable_by(|a, b| b.cmp(a));
        minors.dedup();
        minors.truncate(2);
        prop_assert_eq!(minors.len(), 2);

        let stored = entries
            .iter()
            .map(|(clauses, (marker, _), parens)| {
                let spec = clauses.iter().map(clause_text).collect::<Vec<_>>().join(",");
                match (*parens && !spec.is_empty(), spec.is_empty()) {
                    (true, _) => format!("torch ({spec}){marker}"),
                    (false, true) => format!("torch{marker}"),
                    (false, false) => format!("torch{spec}{marker}"),
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let counted: Vec<&Vec<(Op, Vec<u64>)>> = entries
            .iter()
            .filter(|(_, (_, applies), _)| *applies)
            .map(|(clauses, ..)| clauses)
            .collect();
        let admitted = minors
            .iter()
            .filter(|&&(maj, min)| {
                releases.iter().filter(|r| (r[0], r[1]) == (maj, min)).any(|r| {
                    counted.iter().all(|clauses| clauses.iter().all(|c| model_holds(c, r)))
                })
            })
            .count();
        let expected = match (counted.is_empty(), admitted) {
            (true, _) => Status::Caution,
            (false, 2) => Status::Pass,
            (false, 1) => Status::Caution,
            (false, _) => Status::Fail,
        };
        let m = pytorch_support(
            &[seen(&stored)],
            &["pypi:pkg".to_string()],
            &torch,
            day(1),
            &TargetEnvironment::default(),
        );
        prop_assert_eq!(m.status, expected, "{}\n{}", stored, m.detail);
    }
}
