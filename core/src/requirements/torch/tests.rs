//! `pytorch_support` on stored `requires_dist` entries: markers for the target
//! environment, extras, URL pins, several torch entries, and the bare
//! specifiers of rows written before entries were kept whole.

use chrono::TimeZone as _;

use super::*;
use crate::config::{PythonMinor, TargetPlatform};

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, d, 0, 0, 0)
        .single()
        .expect("valid")
}

/// torch 2.7, 2.8 and 2.9 (2.9.0 on day 10): the latest two minors are 2.9 and 2.8.
fn torch() -> Vec<TorchRelease> {
    [("2.7.0", 1), ("2.7.1", 3), ("2.8.0", 5), ("2.9.0", 10)]
        .iter()
        .map(|(v, d)| TorchRelease {
            version: v.to_string(),
            released_at: day(*d),
        })
        .collect()
}

fn seen(stored: Option<&str>) -> PackageSeen {
    PackageSeen {
        key: "pypi:pkg".into(),
        found: true,
        links: vec![],
        observed_at: day(9),
        collected_until: day(9),
        source: "fixture".into(),
        releases: Vec::new(),
        torch: Some(("1.0".into(), stored.map(String::from))),
        reconstructed: None,
    }
}

fn judge_on(stored: &str, target: &TargetEnvironment) -> Measure {
    pytorch_support(
        &[seen(Some(stored))],
        &["pypi:pkg".to_string()],
        &torch(),
        day(11),
        target,
    )
}

fn judge(stored: &str) -> Measure {
    judge_on(stored, &TargetEnvironment::default())
}

#[test]
fn markers_for_another_platform_or_python_are_ignored() {
    let stored = "torch>=2.9 ; sys_platform == 'linux'\n\
                  torch<2.5 ; sys_platform == 'darwin'\n\
                  torch<2.8 ; python_version < '3.10'";
    let m = judge(stored);
    assert_eq!(m.status, Status::Caution, "{}", m.detail);
    assert_eq!(m.value, Some(Value::Text("torch>=2.9".into())));
    assert!(
        m.detail
            .contains("requires torch>=2.9, which admits 2.9 but not 2.8"),
        "{}",
        m.detail
    );
    assert!(
        m.detail.contains("on linux x86_64, CPython 3.14"),
        "the environment is named: {}",
        m.detail
    );
    assert!(
        m.detail
            .contains("not for this environment: torch<2.5 ; sys_platform == 'darwin'"),
        "{}",
        m.detail
    );
    let mac = TargetEnvironment {
        platform: TargetPlatform::Macos,
        machine: "arm64".into(),
        python: PythonMinor(3, 14),
    };
    let m = judge_on(stored, &mac);
    assert_eq!(m.status, Status::Fail, "torch<2.5 on macOS: {}", m.detail);
    let old_python = TargetEnvironment {
        python: PythonMinor(3, 9),
        ..TargetEnvironment::default()
    };
    let m = judge_on(stored, &old_python);
    assert_eq!(
        m.status,
        Status::Fail,
        ">=2.9 and <2.8 both hold on Linux with Python 3.9: {}",
        m.detail
    );
    assert_eq!(m.value, Some(Value::Text("torch>=2.9, torch<2.8".into())));
}

#[test]
fn a_torch_entry_only_under_an_extra_is_no_base_requirement() {
    let m = judge("torch>=2.0 ; extra == \"cuda\"");
    assert_eq!(m.status, Status::Caution);
    assert_eq!(m.value, Some(Value::Text("no torch dependency".into())));
    assert!(
        m.detail
            .contains("declares no torch dependency for this environment")
            && m.detail.contains("extra == \"cuda\""),
        "{}",
        m.detail
    );
    let m = judge("torch>=2.8 ; extra != \"legacy\" and platform_machine == \"x86_64\"");
    assert_eq!(
        m.status,
        Status::Pass,
        "applies without extras: {}",
        m.detail
    );
    let m = judge("torch[opt]<2.9 ; extra == 'opt'\ntorch>=2.8");
    assert_eq!(m.status, Status::Pass, "only the base entry: {}", m.detail);
}

#[test]
fn a_url_pin_admits_no_pypi_minor_and_says_so() {
    let url =
        "https://download.pytorch.org/whl/cu121/torch-2.9.0%2Bcu121-cp314-cp314-linux_x86_64.whl";
    let m = judge(&format!("torch @ {url} ; sys_platform == 'linux'"));
    assert_eq!(m.status, Status::Fail, "{}", m.detail);
    assert!(
        m.detail.contains("pins torch to a URL") && m.detail.contains(url),
        "{}",
        m.detail
    );
    assert_eq!(m.value, Some(Value::Text(format!("torch @ {url}"))));
    let m = judge(&format!(
        "torch @ {url} ; sys_platform == 'win32'\ntorch>=2.8"
    ));
    assert_eq!(
        m.status,
        Status::Pass,
        "a pin for another platform is ignored"
    );
}

#[test]
fn several_torch_entries_must_all_hold() {
    let m = judge("torch>=2.8\ntorch!=2.9.0");
    assert_eq!(
        m.status,
        Status::Caution,
        "2.9.0 is the only 2.9 release and is excluded: {}",
        m.detail
    );
    assert_eq!(
        m.value,
        Some(Value::Text("torch>=2.8, torch!=2.9.0".into()))
    );
    assert_eq!(judge("torch").status, Status::Pass, "no bounds");
    assert_eq!(
        judge("Torch (>=2.8, <3)").status,
        Status::Pass,
        "legacy parentheses"
    );
    let m = judge("torch>=2.8\ntorch >= banana");
    assert_eq!(m.status, Status::Caution, "{}", m.detail);
    assert!(
        m.detail.contains("cannot read torch >= banana"),
        "{}",
        m.detail
    );
}

#[test]
fn a_name_or_extra_ending_in_a_hyphen_is_unreadable_not_a_panic() {
    let m = judge("torch->=");
    assert_eq!(m.status, Status::Caution, "{}", m.detail);
    assert!(m.detail.contains("cannot read torch->="), "{}", m.detail);
    let m = judge("torch[2-\t");
    assert!(m.detail.contains("cannot read torch[2-"), "{}", m.detail);
    assert_eq!(judge("torch[gpu-] >= 2.8").status, Status::Caution);
    assert_eq!(judge("torch[cuda, gpu] >= 2.8").status, Status::Pass);
}

#[test]
fn an_unreadable_entry_with_multi_byte_characters_is_not_a_panic() {
    let m = judge("torch[0000000000000000000\u{85}¡");
    assert_eq!(m.status, Status::Caution, "{}", m.detail);
    assert!(m.detail.contains("cannot read torch[0"), "{}", m.detail);
}

#[test]
fn environment_variables_in_a_url_pin_are_not_expanded() {
    // cargo sets it for the test process; a `${VAR}` in a package's metadata
    // must not put this process's environment (a token) into the output
    let value = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let m = judge("torch @ https://example.org/${CARGO_MANIFEST_DIR}/torch.whl");
    assert_eq!(m.status, Status::Fail, "{}", m.detail);
    assert!(m.detail.contains("CARGO_MANIFEST_DIR"), "{}", m.detail);
    assert!(
        value.is_empty() || !m.detail.contains(&value),
        "{}",
        m.detail
    );
}

#[test]
fn bare_specifiers_of_older_rows_are_still_read() {
    assert_eq!(judge("").status, Status::Pass, "torch without bounds");
    let m = judge("<2.9,>=2.4");
    assert_eq!(m.status, Status::Caution);
    assert_eq!(m.value, Some(Value::Text("torch<2.9,>=2.4".into())));
    assert_eq!(judge(">=2.10").status, Status::Fail);
    assert_eq!(judge("~=banana").status, Status::Caution);
}

#[test]
fn the_marker_environment_follows_the_target() {
    let env = marker_environment(&TargetEnvironment {
        platform: TargetPlatform::Windows,
        machine: "AMD64".into(),
        python: PythonMinor(3, 12),
    })
    .expect("environment");
    let holds = |marker: &str| {
        Requirement::<pep508_rs::VerbatimUrl>::from_str(&format!("torch ; {marker}"))
            .expect("parses")
            .evaluate_markers(&env, &[])
    };
    assert!(holds("sys_platform == 'win32' and os_name == 'nt'"));
    assert!(holds(
        "platform_system == 'Windows' and platform_machine == 'AMD64'"
    ));
    assert!(holds(
        "python_version == '3.12' and python_full_version >= '3.12.0'"
    ));
    assert!(holds("implementation_name == 'cpython'"));
    assert!(holds("platform_python_implementation == 'CPython'"));
    assert!(!holds("python_version >= '3.13'"));
}
