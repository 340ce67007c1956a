//! GitHub: GraphQL for repository state, history, files and merges; REST for
//! Actions workflow runs (with ETags, so an unchanged answer costs nothing).
//!
//! The documents live in `queries/github/` (the `tacometer-queries` crate);
//! `graphql_client` types the answers against the project's subset schema
//! `queries/schema/github.graphql`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use graphql_client::GraphQLQuery;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{Answer, Api, CallError, Http};

/// GitHub's `DateTime` scalar.
pub type DateTimeUtc = DateTime<Utc>;
/// The typed queries (generated from `queries/github/*.graphql` by the
/// queries crate).
pub use tacometer_queries::github::typed as q;

/// The aliased name-resolution document's fragment.
const FIND_REPOS: &str = tacometer_queries::github::FIND_REPOS;

/// A GraphQL error as GitHub sends it (`type` at the top level).
#[derive(Debug, Clone, Deserialize)]
pub struct GqlError {
    /// `NOT_FOUND`, `RATE_LIMITED`, ...
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// Where in the answer it applies (aliases, list indexes).
    #[serde(default)]
    pub path: Vec<Value>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: Option<T>,
    #[serde(default)]
    errors: Vec<GqlError>,
}

/// GitHub's GraphQL and REST endpoints.
#[derive(Debug, Clone)]
pub struct Github {
    /// REST base, e.g. `https://api.github.com`.
    pub api_url: String,
    /// GraphQL endpoint.
    pub graphql_url: String,
}

/// A repository's identity as resolved by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// GitHub node id.
    pub node_id: String,
    /// Numeric id.
    pub database_id: Option<i64>,
    /// Current `owner/name` (after renames).
    pub name_with_owner: String,
}

impl Github {
    /// Posts a document; returns data (possibly partial) and GraphQL errors.
    pub async fn post<T: for<'de> Deserialize<'de>>(
        &self,
        http: &Http,
        operation: &str,
        body: Value,
    ) -> Result<(Option<T>, Vec<GqlError>), CallError> {
        let bytes = serde_json::to_vec(&body).map_err(|e| CallError {
            call: format!("graphql {operation}"),
            status: None,
            kind: "client",
            message: e.to_string(),
        })?;
        let mut last_err = None;
        // Malformed bodies are transient too: retry a few times before giving up.
        for _ in 0..4 {
            let answer = http
                .send(
                    Api::GithubGraphql,
                    Method::POST,
                    &self.graphql_url,
                    &[],
                    Some(bytes.clone()),
                )
                .await?;
            let call = format!("POST {} ({operation})", self.graphql_url);
            if !answer.status.is_success() {
                return Err(CallError {
                    call,
                    status: Some(answer.status.as_u16()),
                    kind: if answer.status.as_u16() == 401 {
                        "auth"
                    } else {
                        "client"
                    },
                    message: String::from_utf8_lossy(&answer.body)
                        .chars()
                        .take(300)
                        .collect(),
                });
            }
            match serde_json::from_slice::<Envelope<T>>(&answer.body) {
                Ok(env) => {
                    note_cost(http, &answer);
                    return Ok((env.data, env.errors));
                }
                Err(e) => {
                    last_err = Some(CallError {
                        call,
                        status: Some(answer.status.as_u16()),
                        kind: "parse",
                        message: e.to_string(),
                    });
                }
            }
        }
        Err(last_err.unwrap_or_else(|| CallError {
            call: operation.to_string(),
            status: None,
            kind: "parse",
            message: "no answer".into(),
        }))
    }

    /// Runs a typed query.
    pub async fn query<Q: GraphQLQuery>(
        &self,
        http: &Http,
        variables: Q::Variables,
    ) -> Result<(Option<Q::ResponseData>, Vec<GqlError>), CallError>
    where
        Q::ResponseData: for<'de> Deserialize<'de>,
    {
        let body = Q::build_query(variables);
        let name = body.operation_name;
        let value = serde_json::to_value(&body).map_err(|e| CallError {
            call: format!("graphql {name}"),
            status: None,
            kind: "client",
            message: e.to_string(),
        })?;
        self.post(http, name, value).await
    }

    /// Resolves `owner/name` slugs to node ids, many per request. Missing
    /// repositories map to `None` (GitHub answered NOT_FOUND for them).
    pub async fn find_repos(
        &self,
        http: &Http,
        slugs: &[String],
    ) -> Result<BTreeMap<String, Option<Identity>>, CallError> {
        let fragment = FIND_REPOS
            .split("fragment RepoIdentity")
            .nth(1)
            .map(|rest| format!("fragment RepoIdentity{rest}"))
            .unwrap_or_default();
        let mut out = BTreeMap::new();
        for chunk in slugs.chunks(50) {
            let mut fields = String::new();
            for (i, slug) in chunk.iter().enumerate() {
                let (owner, name) = slug.split_once('/').unwrap_or((slug.as_str(), ""));
                fields.push_str(&format!(
                    "  r{i}: repository(owner: {}, name: {}) {{ ...RepoIdentity }}\n",
                    json!(owner),
                    json!(name)
                ));
            }
            let doc = format!("query FindRepos {{\n{fields}}}\n{fragment}");
            let (data, errors): (Option<BTreeMap<String, Option<RepoIdentityJson>>>, _) = self
                .post(
                    http,
                    "FindRepos",
                    json!({"query": doc, "operationName": "FindRepos"}),
                )
                .await?;
            let data = data.unwrap_or_default();
            for (i, slug) in chunk.iter().enumerate() {
                let alias = format!("r{i}");
                match data.get(&alias).cloned().flatten() {
                    Some(r) => {
                        out.insert(
                            slug.clone(),
                            Some(Identity {
                                node_id: r.id,
                                database_id: r.database_id,
                                name_with_owner: r.name_with_owner,
                            }),
                        );
                    }
                    None => {
                        let missing = errors.iter().any(|e| {
                            e.kind.as_deref() == Some("NOT_FOUND")
                                && e.path.first().and_then(Value::as_str) == Some(alias.as_str())
                        });
                        if missing {
                            out.insert(slug.clone(), None);
                        } else {
                            // An error, or an answer that says nothing about
                            // this repository (`{"data": null}`, `{}`): a
                            // failure to record, never a repository dropped.
                            return Err(CallError {
                                call: format!("POST {} (FindRepos)", self.graphql_url),
                                status: Some(200),
                                kind: "graphql",
                                message: errors.first().map_or_else(
                                    || {
                                        format!(
                                            "the answer held neither {slug} nor an error for it"
                                        )
                                    },
                                    |e| e.message.clone(),
                                ),
                            });
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// The first page's URL of [`Github::workflow_runs`] (the key of its ETag).
    pub fn runs_url(api_url: &str, slug: &str, branch: &str, since: DateTime<Utc>) -> String {
        format!(
            "{api_url}/repos/{slug}/actions/runs?branch={}&created={}&per_page=100",
            urlencode(branch),
            urlencode(&format!(">={}", since.format("%Y-%m-%dT%H:%M:%SZ")))
        )
    }

    /// Fetches Actions workflow runs of the default branch created since
    /// `since`: the first page with the stored ETag (a 304 costs nothing and
    /// means no change), then older pages until one reaches back to `stop_at`
    /// (the newest stored run's creation minus an overlap). `since` stays the
    /// same from pass to pass (the backfill's start), and the URL with it, so
    /// an unchanged repository answers 304 and a changed one costs a page or two.
    pub async fn workflow_runs(
        &self,
        http: &Http,
        slug: &str,
        branch: &str,
        etag: Option<&str>,
        since: DateTime<Utc>,
        stop_at: DateTime<Utc>,
    ) -> Result<RunsPage, CallError> {
        let mut url = Self::runs_url(&self.api_url, slug, branch, since);
        let mut runs = Vec::new();
        let mut first_etag = None;
        let mut first = true;
        loop {
            let extra: Vec<(&str, String)> = match (first, etag) {
                (true, Some(tag)) => vec![("if-none-match", tag.to_string())],
                _ => Vec::new(),
            };
            let answer = http
                .send(Api::GithubRest, Method::GET, &url, &extra, None)
                .await?;
            if first && answer.status.as_u16() == 304 {
                return Ok(RunsPage {
                    not_modified: true,
                    etag: etag.map(str::to_string),
                    runs: Vec::new(),
                });
            }
            if !answer.status.is_success() {
                return Err(rest_error(&url, &answer));
            }
            if first {
                first_etag = super::http::header(&answer.headers, "etag");
            }
            let page: RunsJson = serde_json::from_slice(&answer.body).map_err(|e| CallError {
                call: format!("GET {url}"),
                status: Some(answer.status.as_u16()),
                kind: "parse",
                message: e.to_string(),
            })?;
            let oldest = page.workflow_runs.iter().map(|r| r.created_at).min();
            runs.extend(page.workflow_runs);
            let next = super::http::header(&answer.headers, "link").and_then(|l| next_link(&l));
            first = false;
            match (next, oldest) {
                (Some(n), Some(o)) if o > stop_at.max(since) => url = n,
                _ => break,
            }
        }
        Ok(RunsPage {
            not_modified: false,
            etag: first_etag,
            runs,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RepoIdentityJson {
    id: String,
    database_id: Option<i64>,
    name_with_owner: String,
}

/// A workflow run from the REST API.
#[derive(Debug, Clone, Deserialize)]
pub struct RunJson {
    /// Run id.
    pub id: i64,
    /// Workflow name.
    #[serde(default)]
    pub name: Option<String>,
    /// Branch.
    #[serde(default)]
    pub head_branch: Option<String>,
    /// Commit.
    #[serde(default)]
    pub head_sha: Option<String>,
    /// Event.
    #[serde(default)]
    pub event: Option<String>,
    /// Lifecycle status.
    #[serde(default)]
    pub status: Option<String>,
    /// Outcome.
    #[serde(default)]
    pub conclusion: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Web link.
    #[serde(default)]
    pub html_url: Option<String>,
}

#[derive(Deserialize)]
struct RunsJson {
    #[serde(default)]
    workflow_runs: Vec<RunJson>,
}

/// Workflow runs as fetched.
#[derive(Debug, Clone)]
pub struct RunsPage {
    /// The first page answered 304.
    pub not_modified: bool,
    /// ETag of the first page, to send next time.
    pub etag: Option<String>,
    /// Runs, newest first.
    pub runs: Vec<RunJson>,
}

fn rest_error(url: &str, answer: &Answer) -> CallError {
    CallError {
        call: format!("GET {url}"),
        status: Some(answer.status.as_u16()),
        kind: if answer.status.as_u16() == 404 {
            "not_found"
        } else {
            "client"
        },
        message: String::from_utf8_lossy(&answer.body)
            .chars()
            .take(300)
            .collect(),
    }
}

/// The `rel="next"` URL of a `link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"next\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Adds the points a GraphQL answer cost: `x-ratelimit-used` moves by the cost,
/// but with a token pool it can move for other reasons, so `rateLimit.cost` in
/// the body is preferred when the query asked for it.
fn note_cost(http: &Http, answer: &Answer) {
    #[derive(Deserialize)]
    struct Cost {
        data: Option<CostData>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct CostData {
        rate_limit: Option<RateLimitCost>,
    }
    #[derive(Deserialize)]
    struct RateLimitCost {
        cost: i64,
    }
    let cost = serde_json::from_slice::<Cost>(&answer.body)
        .ok()
        .and_then(|c| c.data)
        .and_then(|d| d.rate_limit)
        .map_or(1, |r| r.cost);
    http.spent
        .graphql_points
        .fetch_add(cost, std::sync::atomic::Ordering::Relaxed);
    http.metrics().graphql_spent(cost);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::loopback;
    use std::time::Duration;

    /// Issue 11, item 5: `{"data": null}` or `{}` to the name resolution made
    /// every repository vanish with no error recorded.
    #[tokio::test]
    async fn an_answer_without_data_is_an_error_not_an_empty_world() {
        for body in [r#"{"data": null}"#, "{}", r#"{"data": {}}"#] {
            let base = loopback::serving(loopback::ok_json(body)).await;
            let http = loopback::client(Duration::from_secs(5));
            let github = Github {
                api_url: base.clone(),
                graphql_url: format!("{base}/graphql"),
            };
            let answer = github
                .find_repos(&http, &["pytorch/ignite".to_string()])
                .await;
            let e = answer.expect_err(body);
            assert_eq!(e.kind, "graphql", "{body}");
            assert!(
                e.message.contains("pytorch/ignite"),
                "{body}: {}",
                e.message
            );
        }
    }

    #[test]
    fn next_link_is_followed_as_given() {
        let link = "<http://h/repos/o/r/actions/runs?page=2&per_page=100>; rel=\"next\", \
                    <http://h/repos/o/r/actions/runs?page=5&per_page=100>; rel=\"last\"";
        assert_eq!(
            next_link(link).as_deref(),
            Some("http://h/repos/o/r/actions/runs?page=2&per_page=100")
        );
        assert_eq!(next_link("<http://h/x?page=1>; rel=\"prev\""), None);
        assert_eq!(urlencode("release/2.x"), "release/2.x");
        assert_eq!(urlencode("a b"), "a%20b");
    }
}
