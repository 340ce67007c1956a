//! The Anaconda API: `/package/{owner}/{name}` (and `/files`).

use axum::http::StatusCode;
use serde_json::{Value as Json, json};

use crate::rest::Answer;
use crate::util::{anaconda_ts, fake_sha};
use crate::world::{CondaFile, CondaPackage, World};

/// Answer a package request (or its `files` array); 404 when unknown.
pub fn package(world: &World, owner: &str, name: &str, files_only: bool) -> Answer {
    let Some(p) = world.conda_package(owner, name) else {
        return Answer::Status(
            StatusCode::NOT_FOUND,
            json!({"error": format!("\"{owner}/{name}\" could not be found")}),
        );
    };
    let files: Vec<Json> = p.files.iter().map(|f| file(p, f)).collect();
    if files_only {
        return Answer::Ok {
            body: Json::Array(files),
            link: None,
        };
    }
    let mut versions: Vec<String> = Vec::new();
    for f in &p.files {
        if !versions.contains(&f.version) {
            versions.push(f.version.clone());
        }
    }
    let latest = p.files.last().map(|f| f.version.clone());
    let mut platforms = serde_json::Map::new();
    let mut subdirs: Vec<String> = Vec::new();
    for f in &p.files {
        platforms.insert(f.subdir.clone(), json!(f.version));
        if !subdirs.contains(&f.subdir) {
            subdirs.push(f.subdir.clone());
        }
    }
    let modified = p
        .files
        .iter()
        .map(|f| f.upload_time)
        .max()
        .unwrap_or(p.created_at);
    let body = json!({
        "name": p.name,
        "id": &fake_sha(&format!("conda:{}/{}", p.owner, p.name))[..24],
        "package_types": ["conda"],
        "summary": p.summary,
        "description": p.summary,
        "home": p.home.clone().unwrap_or_else(|| "None".into()),
        "public": true,
        "owner": {"login": p.owner, "name": p.owner, "user_type": "org", "created_at": "2015-09-18 21:41:59.933000+00:00"},
        "full_name": format!("{}/{}", p.owner, p.name),
        "url": format!("http://api.anaconda.org/packages/{}/{}", p.owner, p.name),
        "html_url": format!("http://anaconda.org/{}/{}", p.owner, p.name),
        "versions": versions,
        "latest_version": latest,
        "platforms": platforms,
        "conda_platforms": subdirs,
        "revision": p.files.len() * 3 + 1,
        "license": p.license,
        "license_url": null,
        "dev_url": p.dev_url,
        "doc_url": p.doc_url,
        "source_git_url": null,
        "source_git_tag": null,
        "builds": [],
        "releases": [],
        "watchers": 1,
        "upvoted": 0,
        "created_at": anaconda_ts(p.created_at),
        "modified_at": anaconda_ts(modified),
        "files": files,
    });
    Answer::Ok { body, link: None }
}

fn file(p: &CondaPackage, f: &CondaFile) -> Json {
    let ext = if f.upload_time.format("%Y").to_string().as_str() < "2022" {
        "tar.bz2"
    } else {
        "conda"
    };
    let basename = format!("{}/{}-{}-{}.{ext}", f.subdir, p.name, f.version, f.build);
    let real_sha = f
        .sha256
        .clone()
        .unwrap_or_else(|| fake_sha(&basename) + &fake_sha(&f.build)[..24]);
    let mut attrs = json!({
        "build": f.build,
        "build_number": f.build_number,
        "depends": f.depends,
        "license": p.license,
        "md5": f.md5,
        "sha256": real_sha,
        "name": p.name,
        "size": f.size,
        "subdir": f.subdir,
        "version": f.version,
        "platform": if f.subdir == "noarch" { Json::Null } else { json!(f.subdir.split('-').next().unwrap_or_default()) },
        "arch": if f.subdir == "noarch" { Json::Null } else { json!("x86_64") },
    });
    if let Some(a) = attrs.as_object_mut() {
        if f.has_timestamp {
            a.insert("timestamp".into(), json!(f.upload_time.timestamp_millis()));
        }
        if f.subdir == "noarch" {
            a.insert("noarch".into(), json!("python"));
        }
    }
    json!({
        "description": null,
        "dependencies": [],
        "distribution_type": "conda",
        "basename": basename,
        "attrs": attrs,
        "upload_time": anaconda_ts(f.upload_time),
        "md5": f.md5,
        "sha256": f.sha256.clone().unwrap_or_else(|| "None".into()),
        "size": f.size,
        "full_name": format!("{}/{}/{}/{}", p.owner, p.name, f.version, basename),
        "download_url": format!("//api.anaconda.org/download/{}/{}/{}/{}", p.owner, p.name, f.version, basename),
        "type": "conda",
        "version": f.version,
        "ndownloads": 143,
        "owner": p.owner,
        "labels": f.labels,
    })
}
