//! PyPI's JSON API: `/pypi/{project}/json` and `/pypi/{project}/{version}/json`.

use axum::http::StatusCode;
use serde_json::{Map, Value as Json, json};

use crate::rest::Answer;
use crate::util::{fake_sha, fnv};
use crate::world::{PypiFile, PypiProject, PypiRelease, World};

fn not_found() -> Answer {
    Answer::Status(StatusCode::NOT_FOUND, json!({"message": "Not Found"}))
}

/// Answer a project (or, with `version`, a release) request. Unknown
/// projects, projects without releases and unknown versions are 404; a
/// spelling other than the stored name redirects (301) to it.
pub fn project(world: &World, base: &str, name: &str, version: Option<&str>) -> Answer {
    let Some(p) = world.pypi_project(name) else {
        return not_found();
    };
    if p.releases.is_empty() {
        return not_found();
    }
    if p.name != name {
        let location = match version {
            Some(v) => format!("{base}/pypi/{}/{v}/json", p.name),
            None => format!("{base}/pypi/{}/json", p.name),
        };
        return Answer::Moved {
            body: json!({"message": "Moved Permanently"}),
            location,
        };
    }
    let release = match version {
        Some(v) => match p.release(v) {
            Some(r) => r,
            None => return not_found(),
        },
        None => match p.latest() {
            Some(r) => r,
            None => return not_found(),
        },
    };
    let mut body = Map::new();
    body.insert("info".into(), info(p, release));
    body.insert("last_serial".into(), json!(fnv(&p.name, 4) % 30_000_000));
    if version.is_none() {
        let releases: Map<String, Json> = p
            .releases
            .iter()
            .map(|r| {
                (
                    r.version.clone(),
                    Json::Array(r.files.iter().map(|f| file(r, f)).collect()),
                )
            })
            .collect();
        body.insert("releases".into(), Json::Object(releases));
    }
    body.insert(
        "urls".into(),
        Json::Array(release.files.iter().map(|f| file(release, f)).collect()),
    );
    body.insert("vulnerabilities".into(), json!([]));
    Answer::Ok {
        body: Json::Object(body),
        link: None,
    }
}

fn info(p: &PypiProject, r: &PypiRelease) -> Json {
    let yanked = !r.files.is_empty() && r.files.iter().all(|f| f.yanked);
    let yanked_reason = r.files.iter().find_map(|f| f.yanked_reason.clone());
    json!({
        "author": "",
        "author_email": "",
        "bugtrack_url": null,
        "classifiers": p.classifiers,
        "description": format!("# {}\n\n{}", p.name, p.summary.clone().unwrap_or_default()),
        "description_content_type": "text/markdown",
        "docs_url": null,
        "download_url": "",
        "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
        "dynamic": null,
        "home_page": p.home_page,
        "keywords": "",
        "license": p.license,
        "license_expression": p.license_expression,
        "license_files": null,
        "maintainer": "",
        "maintainer_email": "",
        "name": p.name,
        "package_url": format!("https://pypi.org/project/{}/", p.name),
        "platform": null,
        "project_url": format!("https://pypi.org/project/{}/", p.name),
        "project_urls": p.project_urls,
        "provides_extra": null,
        "release_url": format!("https://pypi.org/project/{}/{}/", p.name, r.version),
        "requires_dist": r.requires_dist,
        "requires_python": r.requires_python,
        "summary": p.summary,
        "version": r.version,
        "yanked": yanked,
        "yanked_reason": if yanked { json!(yanked_reason) } else { Json::Null },
    })
}

fn file(r: &PypiRelease, f: &PypiFile) -> Json {
    let md5 = &fake_sha(&format!("md5:{}", f.filename))[..32];
    let blake =
        fake_sha(&format!("b2:{}", f.filename)) + &fake_sha(&format!("b2b:{}", f.filename))[..24];
    json!({
        "comment_text": "",
        "core-metadata": if f.packagetype == "bdist_wheel" { json!({"sha256": fake_sha(&format!("meta:{}", f.filename)) + &fake_sha(&f.filename)[..24]}) } else { json!(false) },
        "digests": {"blake2b_256": blake, "md5": md5, "sha256": f.sha256},
        "downloads": -1,
        "filename": f.filename,
        "has_sig": false,
        "md5_digest": md5,
        "packagetype": f.packagetype,
        "python_version": f.python_version,
        "requires_python": r.requires_python,
        "size": f.size,
        "upload_time": f.upload_time.format("%Y-%m-%dT%H:%M:%S").to_string(),
        "upload_time_iso_8601": f.upload_time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        "url": format!("https://files.pythonhosted.org/packages/{}/{}/{}", &blake[..2], &blake[2..4], f.filename),
        "yanked": f.yanked,
        "yanked_reason": f.yanked_reason,
    })
}
