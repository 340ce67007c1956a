//! The static site of `tacometer site`: HTML pages that work from `file://`
//! and on any static host, with no server, no framework and nothing fetched
//! from the network.
//!
//! ```text
//! index.html                 every project x every requirement (sortable, filterable)
//! review.html                what `review` says: failing, since when, deadline, at risk
//! projects/<slug>.html       one project's `check`, its charts, forecast and evidence
//! charts/<slug>/<id>.svg     a year of a rolling count against its threshold
//! evidence/<slug>/*.csv      the project's evidence lists, as `export` writes them
//! site.css, site.js          the style, and the sorting and filtering
//! ```
//!
//! The pages are written here from the evaluations, the review and the
//! charts the command computed; every number on them is one the JSON of
//! `report`, `check` and `review` gives for the same database and as-of date.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use tacometer_core::output::Table;
use tacometer_core::requirements::{Evaluation, Measure, Status, Value};
use tacometer_core::review::Review;

use crate::chart::Chart;
use crate::commands::eval::{mark, value_text, when, window_text, word};

/// The site's style sheet.
const CSS: &str = include_str!("assets/site.css");
/// The sorting and filtering of the projects table.
const JS: &str = include_str!("assets/site.js");

/// One project on the site.
pub struct Page {
    /// Its evaluation as of the site's date.
    pub eval: Evaluation,
    /// The file-name-safe name its files are written under.
    pub slug: String,
    /// Landscape category, if any.
    pub category: Option<String>,
    /// A chart per rolling count: (requirement id, chart).
    pub charts: Vec<(&'static str, Chart)>,
    /// Evidence files, already written under `evidence/<slug>/` by the
    /// time the pages are: (file name, rows).
    pub evidence: Vec<(String, usize)>,
}

/// The whole site.
pub struct Site {
    /// The as-of instant.
    pub as_of: DateTime<Utc>,
    /// `[criteria] version`.
    pub criteria_version: String,
    /// The counting window in days.
    pub window_days: u32,
    /// Every tracked project, in the report's order.
    pub pages: Vec<Page>,
    /// The review as of the same instant.
    pub review: Review,
    /// The review as a table (what `review --format csv` prints) and its
    /// summary line.
    pub review_table: Table,
    /// The summary line under the review.
    pub review_footer: String,
    /// Whether e-mail addresses in the evidence were replaced by tokens.
    pub redacted: bool,
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A name safe in a file name and a URL: lower-case letters, digits and
/// dashes; `used` makes it unique (a second `foo` is `foo-2`).
pub fn slug(name: &str, used: &mut BTreeMap<String, usize>) -> String {
    let mut s = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let mut s = s.trim_matches('-').to_string();
    if s.is_empty() {
        s = "project".into();
    }
    let n = used.entry(s.clone()).or_insert(0);
    *n += 1;
    if *n > 1 { format!("{s}-{n}") } else { s }
}

/// The short column heading of each requirement on the index.
fn heading(id: &str) -> &str {
    match id {
        "contributors" => "people",
        "maintainers" => "maint.",
        "ci" => "CI %",
        "packages" => "pkgs",
        "pytorch_support" => "torch",
        "files.license" => "LICENSE",
        "files.readme" => "README",
        "files.contributing" => "CONTRIB.",
        "files.codeowners" => "OWNERS",
        "files.code_of_conduct" => "CoC",
        "governance" => "gov.",
        other => other,
    }
}

/// A status's sort rank: the worst first when ascending.
fn rank(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Unknown => 1,
        Status::Caution => 2,
        Status::Pass => 3,
    }
}

/// The status as a mark and a word, readable without colour.
fn badge(s: Status) -> String {
    format!(
        "<span class=\"badge {w}\"><span class=\"mark\" aria-hidden=\"true\">{}</span> {w}</span>",
        mark(s),
        w = word(s)
    )
}

/// A value as the `data-value` attribute holds it: the JSON value's text
/// (empty when unknown).
fn data_value(v: Option<&Value>) -> String {
    match v {
        Some(Value::Count(n)) => n.to_string(),
        Some(Value::Text(t)) => t.clone(),
        None => String::new(),
    }
}

/// The class that aligns a value: counts to the right.
fn align(v: Option<&Value>) -> &'static str {
    match v {
        Some(Value::Count(_)) => "num",
        _ => "text",
    }
}

/// A JSON cell as text.
fn cell_text(v: &Json) -> String {
    match v {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        Json::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// The head of every page: `root` is the way back to the site's top
/// (`""` or `"../"`), `current` the navigation entry to mark.
fn head(title: &str, root: &str, current: &str, site: &Site) -> String {
    let nav = [("index.html", "Projects"), ("review.html", "Review")]
        .iter()
        .map(|(href, label)| {
            let here = if *href == current {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!("<li><a href=\"{root}{href}\"{here}>{label}</a></li>")
        })
        .collect::<String>();
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<link rel=\"stylesheet\" href=\"{root}site.css\">\n</head>\n<body>\n\
         <header>\n<p class=\"meta\">tacometer · PyTorch Ecosystem requirements as of \
         <time datetime=\"{}\">{}</time> · criteria <code>{}</code> · {}-day window</p>\n\
         <nav aria-label=\"Site\"><ul>{nav}</ul></nav>\n</header>\n<main>\n",
        esc(title),
        tacometer_core::time::rfc3339(site.as_of),
        esc(&when(site.as_of)),
        esc(&site.criteria_version),
        site.window_days,
    )
}

/// The foot of every page.
fn foot(site: &Site, script: Option<&str>) -> String {
    let script = script.map_or(String::new(), |src| {
        format!("<script src=\"{src}\"></script>\n")
    });
    format!(
        "</main>\n<footer>\n<p>Written by <code>tacometer site --as-of {}</code> from the \
         history tacometerd collected; the same numbers as <code>tacometer report</code>, \
         <code>check</code> and <code>review</code> for that date.</p>\n</footer>\n{script}</body>\n</html>\n",
        esc(&crate::commands::eval::as_of_flag(site.as_of)),
    )
}

/// One requirement's cell on the index.
fn index_cell(m: &Measure) -> String {
    let (class, key) = match &m.value {
        Some(Value::Count(n)) => ("num", n.to_string()),
        Some(Value::Text(t)) => ("text", format!("{} {}", rank(m.status), t)),
        None => ("num", String::new()),
    };
    // Counts and the license show their value; the files, packages and
    // governance their mark alone (the word is there for screen readers).
    let shown = match (&m.value, m.id) {
        (Some(Value::Count(n)), _) => n.to_string(),
        (Some(Value::Text(t)), "license") => t.clone(),
        (None, _) if matches!(m.threshold, Value::Count(_)) => "?".into(),
        _ => String::new(),
    };
    let mut title = format!("{}: {}", m.id, value_text(m.value.as_ref()));
    let _ = write!(title, " (threshold {}", value_text(Some(&m.threshold)));
    if let Some(margin) = m.margin {
        let _ = write!(title, ", margin {margin:+}");
    }
    let _ = write!(title, "): {}", word(m.status));
    if !m.detail.is_empty() {
        let _ = write!(title, ". {}", m.detail);
    }
    format!(
        "<td class=\"{} {class}\" data-req=\"{}\" data-status=\"{}\" data-value=\"{}\" \
         data-threshold=\"{}\" data-key=\"{}\" title=\"{}\"><span class=\"mark\" \
         aria-hidden=\"true\">{}</span> {}<span class=\"visually-hidden\"> {}</span></td>",
        word(m.status),
        esc(m.id),
        word(m.status),
        esc(&data_value(m.value.as_ref())),
        esc(&data_value(Some(&m.threshold))),
        esc(&key),
        esc(&title),
        mark(m.status),
        esc(&shown),
        word(m.status),
    )
}

/// `index.html`.
pub fn index(site: &Site) -> String {
    let mut html = head(
        "tacometer: every project against every requirement",
        "",
        "index.html",
        site,
    );
    let count = |s: Status| site.pages.iter().filter(|p| p.eval.status == s).count();
    let _ = write!(
        html,
        "<h1>Every tracked project against every requirement</h1>\n<p>{} projects: {} pass, \
         {} caution, {} unknown, {} fail. Each cell shows the value and a mark (✓ pass, ! \
         caution, ? unknown, ✗ fail); hover or focus it for the threshold and the detail, \
         open a project for its evidence.</p>\n",
        site.pages.len(),
        count(Status::Pass),
        count(Status::Caution),
        count(Status::Unknown),
        count(Status::Fail)
    );
    let mut categories: Vec<&str> = site
        .pages
        .iter()
        .filter_map(|p| p.category.as_deref())
        .collect();
    categories.sort_unstable();
    categories.dedup();
    let options = |items: &[&str]| -> String {
        items
            .iter()
            .map(|c| format!("<option value=\"{0}\">{0}</option>", esc(c)))
            .collect()
    };
    let _ = write!(
        html,
        "<form class=\"filters\" role=\"search\" aria-label=\"Filter projects\" onsubmit=\"return false\">\n\
         <label for=\"filter-status\">Overall status<select id=\"filter-status\"><option value=\"\">all</option>{}</select></label>\n\
         <label for=\"filter-category\">Category<select id=\"filter-category\"><option value=\"\">all</option>{}</select></label>\n\
         <label for=\"filter-name\">Name contains<input id=\"filter-name\" type=\"search\" autocomplete=\"off\"></label>\n\
         <p id=\"shown\" aria-live=\"polite\">{n} of {n} projects shown</p>\n</form>\n",
        options(&["pass", "caution", "unknown", "fail"]),
        options(&categories),
        n = site.pages.len(),
    );
    html.push_str(
        "<div class=\"scroll\">\n<table id=\"projects\">\n<caption>Projects by requirement as of \
         the date above. Select a column heading to sort by it; select it again to reverse.</caption>\n<thead><tr>",
    );
    html.push_str(
        "<th scope=\"col\" aria-sort=\"none\" data-kind=\"text\"><button type=\"button\">Project</button></th>\
         <th scope=\"col\" aria-sort=\"none\" data-kind=\"number\"><button type=\"button\">Status</button></th>\
         <th scope=\"col\" aria-sort=\"none\" data-kind=\"text\"><button type=\"button\">Category</button></th>",
    );
    let ids: Vec<&str> = site
        .pages
        .first()
        .map(|p| p.eval.requirements.iter().map(|m| m.id).collect())
        .unwrap_or_else(|| tacometer_core::requirements::REQUIREMENT_IDS.to_vec());
    let thresholds: BTreeMap<&str, String> = site
        .pages
        .first()
        .map(|p| {
            p.eval
                .requirements
                .iter()
                .map(|m| (m.id, value_text(Some(&m.threshold))))
                .collect()
        })
        .unwrap_or_default();
    for id in &ids {
        let counts = site
            .pages
            .first()
            .and_then(|p| p.eval.measure(id))
            .is_some_and(|m| matches!(m.threshold, Value::Count(_)));
        let kind = if counts { "number" } else { "text" };
        let _ = write!(
            html,
            "<th scope=\"col\" aria-sort=\"none\" data-kind=\"{kind}\" title=\"{} (threshold {})\">\
             <button type=\"button\">{}</button></th>",
            esc(id),
            esc(thresholds.get(id).map_or("", String::as_str)),
            esc(heading(id)),
        );
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for p in &site.pages {
        let e = &p.eval;
        let category = p.category.as_deref().unwrap_or("");
        let _ = write!(
            html,
            "<tr data-project=\"{}\" data-name=\"{}\" data-status=\"{}\" data-category=\"{}\">\
             <th scope=\"row\" data-key=\"{}\"><a href=\"projects/{}.html\">{}</a></th>\
             <td class=\"{}\" data-key=\"{}\"><span class=\"mark\" aria-hidden=\"true\">{}</span> {}</td>\
             <td data-key=\"{}\">{}</td>",
            esc(&e.project),
            esc(&e.project.to_lowercase()),
            word(e.status),
            esc(category),
            esc(&e.project.to_lowercase()),
            esc(&p.slug),
            esc(&e.project),
            word(e.status),
            rank(e.status),
            mark(e.status),
            word(e.status),
            esc(category),
            esc(category),
        );
        for id in &ids {
            match e.measure(id) {
                Some(m) => html.push_str(&index_cell(m)),
                None => html.push_str("<td data-key=\"\">-</td>"),
            }
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n</div>\n");
    html.push_str(&foot(site, Some("site.js")));
    html
}

/// `projects/<slug>.html`.
pub fn project(site: &Site, p: &Page) -> String {
    let e = &p.eval;
    let mut html = head(&format!("{}: tacometer", e.project), "../", "", site);
    let repos: Vec<String> = e
        .repos
        .iter()
        .map(|r| format!("<a href=\"https://github.com/{0}\">{0}</a>", esc(r)))
        .collect();
    let _ = write!(
        html,
        "<h1>{}</h1>\n<p>Overall {} as of {} · window {} · repositories: {}{}</p>\n\
         <p>The same as <code>tacometer check {} --as-of {}</code>.</p>\n",
        esc(&e.project),
        badge(e.status),
        esc(&when(e.as_of)),
        esc(&window_text(e.window.start, e.window.end)),
        if repos.is_empty() {
            "none resolved".to_string()
        } else {
            repos.join(", ")
        },
        p.category
            .as_ref()
            .map_or(String::new(), |c| format!(" · category {}", esc(c))),
        esc(&tacometer_core::output::shell_word(&e.project)),
        esc(&crate::commands::eval::as_of_flag(e.as_of)),
    );
    html.push_str(
        "<h2 id=\"requirements\">Requirements</h2>\n<div class=\"scroll\">\n<table id=\"requirements-table\">\n\
         <caption>Each requirement: its status, the value measured, the threshold, and where the value came from.</caption>\n\
         <thead><tr><th scope=\"col\">Requirement</th><th scope=\"col\">Status</th><th scope=\"col\">Value</th>\
         <th scope=\"col\">Threshold</th><th scope=\"col\">Margin</th><th scope=\"col\">Falls below on</th>\
         <th scope=\"col\">Detail</th><th scope=\"col\">Observed</th><th scope=\"col\">Source</th></tr></thead>\n<tbody>\n",
    );
    for m in &e.requirements {
        let _ = writeln!(
            html,
            "<tr data-req=\"{}\" data-status=\"{}\" data-value=\"{}\"><th scope=\"row\"><code>{}</code></th>\
             <td class=\"{}\"><span class=\"mark\" aria-hidden=\"true\">{}</span> {}</td>\
             <td class=\"{}\">{}</td><td class=\"{}\">{}</td><td class=\"num\">{}</td><td>{}</td>\
             <td class=\"detail\">{}</td><td>{}</td><td class=\"source\">{}</td></tr>",
            esc(m.id),
            word(m.status),
            esc(&data_value(m.value.as_ref())),
            esc(m.id),
            word(m.status),
            mark(m.status),
            word(m.status),
            align(m.value.as_ref()),
            esc(&value_text(m.value.as_ref())),
            align(Some(&m.threshold)),
            esc(&value_text(Some(&m.threshold))),
            m.margin.map_or(String::new(), |x| format!("{x:+}")),
            m.falls_below_on.map_or(String::new(), |d| d.to_string()),
            esc(&m.detail),
            m.observed_at.map_or(String::new(), |t| esc(&when(t))),
            esc(&m.source),
        );
    }
    html.push_str("</tbody>\n</table>\n</div>\n");

    html.push_str("<h2 id=\"forecast\">Forecast</h2>\n");
    let falling: Vec<&Measure> = e
        .requirements
        .iter()
        .filter(|m| m.falls_below_on.is_some())
        .collect();
    if falling.is_empty() {
        html.push_str(
            "<p>No rolling count is due to fall below its threshold: each is already below \
             it, unknown, or held up by commits and people that stay in the window.</p>\n",
        );
    } else {
        html.push_str("<ul>\n");
        for m in falling {
            let _ = writeln!(
                html,
                "<li><code>{}</code> ({} now, threshold {}) falls below its threshold on \
                 <strong>{}</strong> if nothing new lands.</li>",
                esc(m.id),
                esc(&value_text(m.value.as_ref())),
                esc(&value_text(Some(&m.threshold))),
                m.falls_below_on.map_or(String::new(), |d| d.to_string()),
            );
        }
        html.push_str("</ul>\n");
    }

    html.push_str(
        "<h2 id=\"charts\">Rolling counts over the last year</h2>\n<div class=\"charts\">\n",
    );
    let (w, h) = crate::chart::SIZE;
    for (id, chart) in &p.charts {
        let _ = writeln!(
            html,
            "<figure><img src=\"../charts/{}/{}.svg\" width=\"{w}\" height=\"{h}\" alt=\"{}\">\
             <figcaption>{}</figcaption></figure>",
            esc(&p.slug),
            esc(id),
            esc(&chart.description()),
            esc(&chart.description()),
        );
    }
    html.push_str("</div>\n");

    html.push_str("<h2 id=\"evidence\">Evidence</h2>\n");
    let _ = writeln!(
        html,
        "<p>The lists behind the numbers, as <code>tacometer export</code> writes them{}:</p>\n<ul>",
        if site.redacted {
            " (e-mail addresses replaced by <code>sha256:</code> tokens)"
        } else {
            ""
        }
    );
    for (file, rows) in &p.evidence {
        let what = if file.ends_with(".json") {
            "what was exported, and each file's SHA-256".to_string()
        } else {
            format!("{rows} rows")
        };
        let _ = writeln!(
            html,
            "<li><a href=\"../evidence/{}/{}\">{}</a> ({what})</li>",
            esc(&p.slug),
            esc(file),
            esc(file),
        );
    }
    html.push_str("</ul>\n");
    html.push_str(&foot(site, None));
    html
}

/// `review.html`.
pub fn review(site: &Site, slugs: &BTreeMap<String, String>) -> String {
    let mut html = head("tacometer: review", "", "review.html", site);
    let r = &site.review;
    let _ = write!(
        html,
        "<h1>Review as of {}</h1>\n<p>{}</p>\n",
        esc(&when(r.as_of)),
        esc(&site.review_footer)
    );
    let t = &site.review_table;
    if t.rows.is_empty() {
        html.push_str("<p>Every active project meets every requirement.</p>\n");
    } else {
        html.push_str(
            "<div class=\"scroll\">\n<table id=\"review\">\n<caption>Per project: each failing \
             requirement with the day it began and the deadline, then counts at risk, cautions, \
             unknowns and gaps in tacometer's own configuration.</caption>\n<thead><tr>",
        );
        for c in &t.columns {
            let _ = write!(html, "<th scope=\"col\">{}</th>", esc(c));
        }
        html.push_str("</tr></thead>\n<tbody>\n");
        for row in &t.rows {
            let finding = row.get(2).map(cell_text).unwrap_or_default();
            let class = match finding.as_str() {
                "fail" => "fail",
                "at risk" | "caution" => "caution",
                "unknown" | "config problem" => "unknown",
                _ => "",
            };
            html.push_str("<tr>");
            for (i, v) in row.iter().enumerate() {
                let text = cell_text(v);
                match i {
                    0 => {
                        let link = slugs.get(&text).map_or_else(
                            || esc(&text),
                            |s| format!("<a href=\"projects/{}.html\">{}</a>", esc(s), esc(&text)),
                        );
                        let _ = write!(html, "<th scope=\"row\">{link}</th>");
                    }
                    2 => {
                        let _ = write!(html, "<td class=\"{class}\">{}</td>", esc(&text));
                    }
                    _ => {
                        let _ = write!(html, "<td>{}</td>", esc(&text));
                    }
                }
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody>\n</table>\n</div>\n");
    }
    html.push_str(&foot(site, None));
    html
}

/// Writes `bytes` to `path`, creating its directory; an error names the path.
pub fn put(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// Where a project's evidence file goes under the site's directory.
pub fn evidence_path(dir: &Path, slug: &str, file: &str) -> std::path::PathBuf {
    dir.join("evidence").join(slug).join(file)
}

/// Writes the site into `dir` (created when missing): every page and chart,
/// then the style and the script (the evidence files were written as they
/// were read). Returns the files of the site, evidence included.
pub fn write(site: &Site, dir: &Path) -> anyhow::Result<usize> {
    let slugs: BTreeMap<String, String> = site
        .pages
        .iter()
        .map(|p| (p.eval.project.clone(), p.slug.clone()))
        .collect();
    // Each project's page, charts and evidence; the projects are shared out
    // among the cores (drawing a thousand projects' charts takes seconds).
    let one = |p: &Page| -> anyhow::Result<usize> {
        put(
            &dir.join("projects").join(format!("{}.html", p.slug)),
            project(site, p).as_bytes(),
        )?;
        for (id, chart) in &p.charts {
            put(
                &dir.join("charts").join(&p.slug).join(format!("{id}.svg")),
                chart.svg()?.as_bytes(),
            )?;
        }
        Ok(1 + p.charts.len() + p.evidence.len())
    };
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let share = site.pages.len().div_ceil(workers).max(1);
    let mut files = std::thread::scope(|threads| {
        let handles: Vec<_> = site
            .pages
            .chunks(share)
            .map(|pages| {
                threads.spawn(move || pages.iter().map(one).sum::<anyhow::Result<usize>>())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .sum::<anyhow::Result<usize>>()
    })?;
    put(&dir.join("index.html"), index(site).as_bytes())?;
    put(&dir.join("review.html"), review(site, &slugs).as_bytes())?;
    put(&dir.join("site.css"), CSS.as_bytes())?;
    put(&dir.join("site.js"), JS.as_bytes())?;
    files += 4;
    Ok(files)
}
