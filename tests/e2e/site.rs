//! `tacometer site`: built from a collected fake world and opened in headless
//! Chromium. The numbers on the pages equal `report --format json`; sorting
//! and filtering change the DOM; charts load; nothing is requested outside
//! `file://` and nothing reaches the console as an error.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use sha2::Digest as _;

use crate::browser::{Browser, chromium_or_skip};
use crate::daemon::{Lab, world};
use crate::util::{run, stderr, stdout, tacometer};

/// `tacometer` on the lab's database and config.
fn on(lab: &Lab) -> std::process::Command {
    let mut cmd = tacometer();
    cmd.arg("--db")
        .arg(&lab.db)
        .arg("--config")
        .arg(&lab.config);
    cmd
}

/// The rows of the projects table as the DOM has them, in order:
/// (project, shown, overall status, [(requirement, status, value)]).
const ROWS_JS: &str = "JSON.stringify(Array.from(document.querySelectorAll('#projects tbody tr')).map(r => ({
    project: r.dataset.project,
    hidden: r.hidden,
    status: r.dataset.status,
    cells: Array.from(r.querySelectorAll('td[data-req]')).map(c => [c.dataset.req, c.dataset.status, c.dataset.value, c.dataset.key])
})))";

fn dom_rows(b: &mut Browser) -> Vec<Value> {
    let text = b.eval(ROWS_JS);
    serde_json::from_str::<Value>(text.as_str().expect("rows as text"))
        .expect("rows JSON")
        .as_array()
        .expect("array")
        .clone()
}

/// A requirement's value as the `data-value` attribute has it.
fn as_attribute(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn the_site_equals_the_report_and_sorts_and_filters_in_a_real_browser() {
    let Some(chromium) =
        chromium_or_skip("the_site_equals_the_report_and_sorts_and_filters_in_a_real_browser")
    else {
        return;
    };
    let lab = Lab::with_backfill(world(83, 9, 1), 200);
    lab.once();
    let as_of = tacometer_core::time::rfc3339(chrono::Utc::now());
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    let out = run(on(&lab)
        .args(["site", "--as-of", &as_of, "--out"])
        .arg(&site));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("index.html"), "{}", stdout(&out));
    // A second site into the same directory is refused without --force.
    let again = run(on(&lab)
        .args(["site", "--as-of", &as_of, "--out"])
        .arg(&site));
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));

    let report = run(on(&lab).args(["report", "--as-of", &as_of, "--format", "json"]));
    assert!(report.status.success(), "{}", stderr(&report));
    let report: Value = serde_json::from_str(&stdout(&report)).expect("report JSON");
    let report = report.as_array().expect("array");
    assert!(report.len() >= 5, "{} projects", report.len());

    let mut b = Browser::launch(&chromium);
    let url = |path: &Path| format!("file://{}", path.display());
    b.open(&url(&site.join("index.html")));

    // One row per project, and every value and status equal to the report's.
    let rows = dom_rows(&mut b);
    assert_eq!(rows.len(), report.len());
    let by_name: BTreeMap<&str, &Value> = report
        .iter()
        .map(|e| (e["project"].as_str().expect("name"), e))
        .collect();
    for row in &rows {
        let name = row["project"].as_str().expect("project");
        let e = by_name
            .get(name)
            .unwrap_or_else(|| panic!("{name} not in the report"));
        assert_eq!(row["status"], e["status"], "{name}");
        let cells = row["cells"].as_array().expect("cells");
        let reqs = e["requirements"].as_array().expect("requirements");
        assert_eq!(cells.len(), reqs.len(), "{name}");
        for (cell, m) in cells.iter().zip(reqs) {
            assert_eq!(cell[0], m["id"], "{name}");
            assert_eq!(cell[1], m["status"], "{name} {}", m["id"]);
            assert_eq!(
                cell[2].as_str().expect("value"),
                as_attribute(&m["value"]),
                "{name} {}",
                m["id"]
            );
        }
    }

    // Sorting: a click on the stars heading orders the rows by stars,
    // another click reverses them.
    let stars_column = |rows: &[Value]| -> Vec<i64> {
        rows.iter()
            .map(|r| {
                r["cells"]
                    .as_array()
                    .and_then(|c| c.iter().find(|c| c[0] == "stars"))
                    .and_then(|c| c[3].as_str())
                    .and_then(|k| k.parse().ok())
                    .unwrap_or(-1)
            })
            .collect()
    };
    let click_stars = "Array.from(document.querySelectorAll('#projects thead th')).find(th => th.title.startsWith('stars ')).querySelector('button').click(); \
                       Array.from(document.querySelectorAll('#projects thead th')).find(th => th.title.startsWith('stars ')).getAttribute('aria-sort')";
    assert_eq!(b.eval(click_stars), "ascending");
    let up = stars_column(&dom_rows(&mut b));
    assert!(up.windows(2).all(|w| w[0] <= w[1]), "ascending: {up:?}");
    assert_eq!(b.eval(click_stars), "descending");
    let down = stars_column(&dom_rows(&mut b));
    assert!(
        down.windows(2).all(|w| w[0] >= w[1]),
        "descending: {down:?}"
    );
    assert!(up.first() < up.last(), "the stars differ: {up:?}");

    let index_png = b.screenshot();

    // Filtering by overall status, then by name.
    let failing = report.iter().filter(|e| e["status"] == "fail").count();
    let shown = b.eval(
        "(() => { const s = document.getElementById('filter-status'); s.value = 'fail'; \
         s.dispatchEvent(new Event('change')); return document.getElementById('shown').textContent; })()",
    );
    assert_eq!(
        shown.as_str().expect("text"),
        format!("{failing} of {} projects shown", report.len())
    );
    let visible: Vec<Value> = dom_rows(&mut b)
        .into_iter()
        .filter(|r| r["hidden"] == false)
        .collect();
    assert_eq!(visible.len(), failing);
    assert!(visible.iter().all(|r| r["status"] == "fail"));
    // The project with the most commits: its charts have the most to show.
    let one = report
        .iter()
        .max_by_key(|e| e["requirements"][1]["value"].as_i64().unwrap_or(-1))
        .and_then(|e| e["project"].as_str())
        .expect("a project")
        .to_string();
    let needle = one.to_lowercase();
    b.eval(&format!(
        "(() => {{ const s = document.getElementById('filter-status'); s.value = ''; \
         s.dispatchEvent(new Event('change')); const n = document.getElementById('filter-name'); \
         n.value = {}; n.dispatchEvent(new Event('input')); return true; }})()",
        serde_json::to_string(&needle).expect("json")
    ));
    let visible: Vec<String> = dom_rows(&mut b)
        .into_iter()
        .filter(|r| r["hidden"] == false)
        .map(|r| r["project"].as_str().unwrap_or("").to_lowercase())
        .collect();
    assert!(
        !visible.is_empty() && visible.iter().all(|n| n.contains(&needle)),
        "{visible:?}"
    );

    // A project page: its requirements as `report` has them, four charts
    // that load, with alt text, and evidence files that exist.
    let href = b.eval(&format!(
        "Array.from(document.querySelectorAll('#projects tbody tr')).find(r => r.dataset.project === {}).querySelector('a').getAttribute('href')",
        serde_json::to_string(&one).expect("json")
    ));
    let page = site.join(href.as_str().expect("href"));
    b.open(&url(&page));
    let table = b.eval(
        "JSON.stringify(Array.from(document.querySelectorAll('#requirements-table tbody tr')).map(r => [r.dataset.req, r.dataset.status, r.dataset.value]))",
    );
    let table: Vec<Vec<String>> =
        serde_json::from_str(table.as_str().expect("text")).expect("table JSON");
    let e = by_name[one.as_str()];
    let want: Vec<Vec<String>> = e["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .map(|m| {
            vec![
                m["id"].as_str().unwrap_or("").to_string(),
                m["status"].as_str().unwrap_or("").to_string(),
                as_attribute(&m["value"]),
            ]
        })
        .collect();
    assert_eq!(table, want);
    let images = b.eval(
        "JSON.stringify(Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.alt]))",
    );
    let images: Vec<(bool, String)> =
        serde_json::from_str(images.as_str().expect("text")).expect("images JSON");
    assert_eq!(images.len(), 4, "{images:?}");
    for (loaded, alt) in &images {
        assert!(*loaded, "a chart did not load: {images:?}");
        assert!(alt.contains(&one) && alt.contains("points from"), "{alt}");
    }
    let links = b.eval(
        "JSON.stringify(Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href')).filter(h => h.includes('evidence/')))",
    );
    let links: Vec<String> = serde_json::from_str(links.as_str().expect("text")).expect("links");
    assert_eq!(
        links.len(),
        7,
        "summary, the five lists and the manifest: {links:?}"
    );
    for link in &links {
        let file = page.parent().expect("projects/").join(link);
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(text.lines().count() >= 1, "{link} has its header");
    }
    // The manifest holds each file's row count and SHA-256, as `export`'s does.
    let manifest_link = links
        .iter()
        .find(|l| l.ends_with("manifest.json"))
        .expect("a manifest");
    let manifest_path = page.parent().expect("projects/").join(manifest_link);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).expect("manifest"))
            .expect("manifest JSON");
    assert_eq!(manifest["redacted_emails"], true);
    let files = manifest["files"].as_array().expect("files");
    assert_eq!(files.len(), 6);
    for f in files {
        let path = manifest_path.with_file_name(f["file"].as_str().expect("name"));
        let bytes = std::fs::read(&path).expect("listed file");
        assert_eq!(f["bytes"].as_u64(), Some(bytes.len() as u64));
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        assert!(
            f["rows"].as_u64().is_some_and(|r| (r as usize) < lines),
            "{f} vs {lines} lines"
        );
        let digest = sha2::Sha256::digest(&bytes);
        assert_eq!(f["sha256"].as_str(), Some(format!("{digest:x}").as_str()));
    }
    // The evidence carries no e-mail address by default.
    for entry in walk(&site.join("evidence")) {
        let text = std::fs::read_to_string(&entry).expect("evidence");
        assert!(!has_email(&text), "{}", entry.display());
    }
    let project_png = b.screenshot();
    // ... which `--keep-emails` keeps (so the check above can fail).
    let kept = dir.path().join("kept");
    let out = run(on(&lab)
        .args(["site", "--as-of", &as_of, "--keep-emails", "--out"])
        .arg(&kept));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        walk(&kept.join("evidence"))
            .iter()
            .any(|f| has_email(&std::fs::read_to_string(f).expect("evidence"))),
        "the world's contributors have e-mail addresses"
    );

    // The review page lists what `review` lists.
    b.open(&url(&site.join("review.html")));
    let review = run(on(&lab).args(["review", "--as-of", &as_of, "--format", "csv"]));
    assert!(review.status.success(), "{}", stderr(&review));
    let findings = stdout(&review).lines().count().saturating_sub(1);
    let review_rows = b.eval("document.querySelectorAll('#review tbody tr').length");
    assert_eq!(review_rows.as_u64(), Some(findings as u64));

    // No console error, and nothing requested outside file://.
    assert!(b.errors.is_empty(), "console: {:?}", b.errors);
    assert!(
        b.requests.iter().all(|u| u.starts_with("file://")),
        "requests: {:?}",
        b.requests
    );
    assert!(b.requests.iter().any(|u| u.ends_with("site.js")));
    // The screenshots, for people to look at when asked for.
    if let Some(dir) = std::env::var_os("TACOMETER_SCREENSHOTS") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join("index.png"), &index_png).expect("write");
        std::fs::write(dir.join("project.png"), &project_png).expect("write");
    }
    assert!(index_png.starts_with(b"\x89PNG") && project_png.starts_with(b"\x89PNG"));
}

/// Whether `text` holds something shaped like an e-mail address: a word
/// character before an `@` and a dotted domain after it.
fn has_email(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &c)| {
        c == b'@'
            && i > 0
            && (bytes[i - 1].is_ascii_alphanumeric() || b"._+-]".contains(&bytes[i - 1]))
            && {
                let domain: String = text[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                    .collect();
                domain.contains('.') && !domain.ends_with('.')
            }
    })
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
