//! HTTP to the upstreams, with their rate limits obeyed.
//!
//! Two layers keep us within limits:
//!
//! 1. our own quota: a `governor` limiter per upstream host, from
//!    `[collect] requests_per_second`;
//! 2. what the upstream says: GitHub's `x-ratelimit-remaining` / `x-ratelimit-reset`,
//!    `retry-after`, 403/429 secondary limits and GraphQL `RATE_LIMITED` errors put
//!    the host on *hold*, and no request is sent to a held host until the hold is
//!    over. Holding per host rather than per request is deliberately conservative:
//!    GitHub's secondary limits are shared by REST and GraphQL, and continuing to
//!    send while limited can get an integration banned.
//!
//! The budget each answer announces is kept per (host, resource): the resource
//! is `x-ratelimit-resource` (`graphql`, `core`, ...), or the kind of API when
//! the header is missing. The pass records them at its end
//! ([`Http::take_budgets`], `Store::record_budgets`).
//!
//! Transient failures (5xx, dropped connections, malformed bodies) are retried
//! with exponential backoff; anything else is returned to the caller, which
//! records it and carries on with the next repository.
//!
//! Longer than 500 lines on purpose: quotas, in-flight limits, holds, retries
//! and budgets all act on the one send path. Its tests are in `http/tests.rs`.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use tokio::time::Instant;

use super::metrics::Metrics;
use crate::config::Secret;

/// Which budget a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// GitHub GraphQL (points).
    GithubGraphql,
    /// GitHub REST (requests).
    GithubRest,
    /// PyPI or Anaconda.
    Package,
}

/// A failed upstream call, with the evidence.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{call}: {kind}{}: {message}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
pub struct CallError {
    /// The call, e.g. `GET https://pypi.org/pypi/torch/json`.
    pub call: String,
    /// HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// Classification: `not_found`, `rate_limited`, `server`, `transport`, `parse`, `client`.
    pub kind: &'static str,
    /// What the upstream said (trimmed).
    pub message: String,
}

/// An answer from an upstream.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
    /// When it arrived.
    pub at: DateTime<Utc>,
}

/// A budget GitHub reported for one resource of one host: the `x-ratelimit-*`
/// headers of its latest answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// The API host (with its port when not the default).
    pub host: String,
    /// `x-ratelimit-resource` (`graphql`, `core`, `search`, ...); without the
    /// header, `graphql` for the GraphQL endpoint and `core` for REST.
    pub resource: String,
    /// `x-ratelimit-limit`.
    pub limit: i64,
    /// `x-ratelimit-remaining`.
    pub remaining: i64,
    /// `x-ratelimit-used`.
    pub used: i64,
    /// `x-ratelimit-reset` as an instant.
    pub reset_at: Option<DateTime<Utc>>,
    /// When the answer carrying it arrived.
    pub observed_at: DateTime<Utc>,
}

impl Budget {
    /// Reads the budget an answer announces; `None` when it carries no
    /// `x-ratelimit-limit` / `x-ratelimit-remaining` (PyPI, Anaconda, some errors).
    pub fn from_headers(api: Api, host: &str, h: &HeaderMap, at: DateTime<Utc>) -> Option<Self> {
        let limit = header_i64(h, "x-ratelimit-limit")?;
        let remaining = header_i64(h, "x-ratelimit-remaining")?;
        let resource = header(h, "x-ratelimit-resource")
            .map(|r| r.trim().to_ascii_lowercase())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| {
                match api {
                    Api::GithubGraphql => "graphql",
                    Api::GithubRest | Api::Package => "core",
                }
                .to_string()
            });
        Some(Self {
            host: host.to_string(),
            resource,
            limit,
            remaining,
            used: header_i64(h, "x-ratelimit-used").unwrap_or(limit - remaining),
            reset_at: header_i64(h, "x-ratelimit-reset")
                .and_then(|s| DateTime::from_timestamp(s, 0)),
            observed_at: at,
        })
    }
}

struct Gate {
    limiter: DefaultDirectRateLimiter,
    hold_until: Mutex<Option<Instant>>,
    /// Requests in flight to the host at once (`[collect] max_in_flight`).
    in_flight: tokio::sync::Semaphore,
}

/// Counters of what a pass spent.
#[derive(Debug, Default)]
pub struct Spent {
    /// GraphQL points (from `rateLimit.cost` or the `x-ratelimit-used` delta).
    pub graphql_points: AtomicI64,
    /// GitHub REST requests charged to the `core` budget: every answer except
    /// 304 Not Modified (free for conditional requests) and rate-limit refusals.
    pub rest_requests: AtomicI64,
    /// PyPI/Anaconda requests sent.
    pub other_requests: AtomicI64,
    /// GitHub REST answers that were 304 Not Modified.
    pub not_modified: AtomicI64,
}

tokio::task_local! {
    /// Upstream time left to the item whose calls run in this scope
    /// ([`within`]): [`Http::send`] ends each of them within it.
    static ITEM_LEFT: Duration;
}

/// Runs `calls` with at most `left` of upstream time for each call it makes
/// ([`super::allowance::Allowance::ask`] gives an item's calls what is left
/// of its allowance).
pub(crate) async fn within<F: std::future::Future>(left: Duration, calls: F) -> F::Output {
    ITEM_LEFT.scope(left, calls).await
}

/// Requests in flight at once to a host without a `[collect] max_in_flight` entry.
const DEFAULT_IN_FLIGHT: usize = 4;

/// Retry policy.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts per call, first included.
    pub attempts: u32,
    /// First backoff pause; doubled each retry.
    pub base: Duration,
    /// Longest pause between attempts (rate-limit holds excepted).
    pub max: Duration,
    /// Longest hold we accept before giving up on the call (it is retried next pass).
    pub max_hold: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 6,
            base: Duration::from_millis(250),
            max: Duration::from_secs(20),
            max_hold: Duration::from_secs(3600),
        }
    }
}

/// The HTTP client shared by all collectors.
pub struct Http {
    client: reqwest::Client,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
    quotas: HashMap<String, NonZeroU32>,
    default_rps: NonZeroU32,
    in_flight: HashMap<String, NonZeroU32>,
    tokens: Vec<Secret>,
    next_token: AtomicI64,
    /// The latest budget per (host, resource), until [`Http::take_budgets`].
    budgets: Mutex<BTreeMap<(String, String), Budget>>,
    retry: Retry,
    /// How long one call may take, its retries and the pauses between them
    /// included (rate-limit holds excepted): `[collect] item_timeout`.
    call_limit: Duration,
    /// The largest answer body read ([`MAX_BODY`]).
    max_body: usize,
    /// One answer at a time may be read past [`LARGE_BODY`].
    large_reads: tokio::sync::Semaphore,
    /// What this client has spent.
    pub spent: Spent,
    /// Budgets and requests, as they happen ([`Http::with_metrics`]).
    metrics: Arc<Metrics>,
}

/// The largest answer body the collector reads: the biggest real answers
/// (the JSON of a package with thousands of files) are a few megabytes;
/// anything past this is refused rather than held in memory. Up to
/// `max_in_flight` answers (4 per host by default) are read at once, so this
/// also bounds what a hostile upstream can make the daemon hold.
pub const MAX_BODY: usize = 32 << 20;

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("tokens", &self.tokens.len())
            .finish_non_exhaustive()
    }
}

/// Reads a header as text.
pub fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn header_i64(h: &HeaderMap, name: &str) -> Option<i64> {
    header(h, name).and_then(|v| v.trim().parse().ok())
}

fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_default()
}

impl Http {
    /// A client with per-host quotas (`host -> requests per second`), per-host
    /// limits on requests in flight, and GitHub tokens.
    pub fn new(
        quotas: HashMap<String, NonZeroU32>,
        in_flight: HashMap<String, NonZeroU32>,
        tokens: Vec<Secret>,
        retry: Retry,
        timeout: Duration,
    ) -> Result<Self, CallError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("tacometer/", env!("CARGO_PKG_VERSION")))
            // A backstop only: [`Http::send_within`] bounds every call first.
            .timeout(timeout.saturating_add(Duration::from_secs(5)))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| CallError {
                call: "build HTTP client".into(),
                status: None,
                kind: "transport",
                message: e.to_string(),
            })?;
        Ok(Self {
            client,
            gates: Mutex::new(HashMap::new()),
            quotas,
            default_rps: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
            in_flight,
            tokens,
            next_token: AtomicI64::new(0),
            budgets: Mutex::new(BTreeMap::new()),
            retry,
            call_limit: timeout,
            max_body: MAX_BODY,
            large_reads: tokio::sync::Semaphore::new(1),
            spent: Spent::default(),
            metrics: Arc::new(Metrics::new(Utc::now(), timeout)),
        })
    }

    /// The same client reporting its budgets and requests to `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// The metrics this client reports to.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The same client reading at most `bytes` of an answer.
    #[cfg(test)]
    pub(crate) fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The latest budget seen per (host, resource) since the last call, in
    /// host and resource order; the slots are emptied, so each is recorded once.
    pub fn take_budgets(&self) -> Vec<Budget> {
        let mut slots = match self.budgets.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        std::mem::take(&mut *slots).into_values().collect()
    }

    fn gate(&self, host: &str) -> Arc<Gate> {
        let mut gates = match self.gates.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        gates
            .entry(host.to_string())
            .or_insert_with(|| {
                let rps = self
                    .quotas
                    .get(host)
                    .or_else(|| self.quotas.get(host.split(':').next().unwrap_or(host)))
                    .copied()
                    .unwrap_or(self.default_rps);
                let in_flight = self
                    .in_flight
                    .get(host)
                    .or_else(|| self.in_flight.get(host.split(':').next().unwrap_or(host)))
                    .map_or(DEFAULT_IN_FLIGHT, |n| n.get() as usize);
                Arc::new(Gate {
                    limiter: RateLimiter::direct(Quota::per_second(rps)),
                    hold_until: Mutex::new(None),
                    in_flight: tokio::sync::Semaphore::new(in_flight),
                })
            })
            .clone()
    }

    /// Puts a host on hold: nothing is sent to it before `until`.
    fn hold(&self, host: &str, until: Instant) {
        let gate = self.gate(host);
        let mut h = match gate.hold_until.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if h.is_none_or(|cur| cur < until) {
            *h = Some(until);
        }
    }

    /// Waits for the host's hold and quota; fails if the hold is longer than we accept.
    async fn admit(&self, host: &str, call: &str) -> Result<(), CallError> {
        let gate = self.gate(host);
        loop {
            let hold = match gate.hold_until.lock() {
                Ok(g) => *g,
                Err(poisoned) => *poisoned.into_inner(),
            };
            match hold {
                Some(until) if until > Instant::now() => {
                    let wait = until - Instant::now();
                    if wait > self.retry.max_hold {
                        return Err(CallError {
                            call: call.to_string(),
                            status: None,
                            kind: "rate_limited",
                            message: format!(
                                "the upstream asked us to wait {}s, longer than we hold a call",
                                wait.as_secs()
                            ),
                        });
                    }
                    tracing::info!(
                        host,
                        wait_ms = wait.as_millis() as u64,
                        "holding for rate limit"
                    );
                    tokio::time::sleep_until(until).await;
                }
                _ => break,
            }
        }
        gate.limiter.until_ready().await;
        Ok(())
    }

    fn token(&self) -> Option<&Secret> {
        if self.tokens.is_empty() {
            return None;
        }
        let i = self.next_token.fetch_add(1, Ordering::Relaxed);
        self.tokens.get((i as usize) % self.tokens.len())
    }

    /// Sends one logical request, retrying transient failures and obeying holds.
    /// 2xx, 304 and 4xx other than rate limits are returned as answers. The
    /// whole call, retries included, takes at most `[collect] item_timeout`
    /// of upstream time, less when the item's allowance has less left.
    pub async fn send(
        &self,
        api: Api,
        method: Method,
        url: &str,
        extra: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, CallError> {
        // Inside an item's allowance, no call outlives what is left of it.
        let limit = ITEM_LEFT
            .try_with(|left| *left)
            .map_or(self.call_limit, |left| left.min(self.call_limit));
        self.send_within(api, method, url, extra, body, limit).await
    }

    /// [`Http::send`] given at most `limit` of upstream time: the attempts
    /// and the pauses between them count, waiting for a rate-limit hold or the
    /// host's quota does not. An answer still incomplete then (a trickle, a
    /// body that never ends) fails the call as a `timeout` naming the limit.
    async fn send_within(
        &self,
        api: Api,
        method: Method,
        url: &str,
        extra: &[(&str, String)],
        body: Option<Vec<u8>>,
        limit: Duration,
    ) -> Result<Answer, CallError> {
        let host = host_of(url);
        let call = format!("{method} {url}");
        // One slot of the host's in-flight limit for the whole call, retries
        // and rate-limit holds included.
        let gate = self.gate(&host);
        let _slot = gate.in_flight.acquire().await.map_err(|_| CallError {
            call: call.clone(),
            status: None,
            kind: "client",
            message: "the HTTP client is shutting down".into(),
        })?;
        let mut attempt = 0;
        let mut pause = self.retry.base;
        // Upstream time spent on this call so far.
        let mut spent = Duration::ZERO;
        // The last answer was a rate limit (what a call ended by its limit
        // reports then).
        let mut rate_limited: Option<CallError> = None;
        let timed_out = |attempt: u32| CallError {
            call: call.clone(),
            status: None,
            kind: "timeout",
            message: format!(
                "no complete answer within {} ([collect] item_timeout) after {attempt} attempt{}",
                humantime::format_duration(Duration::from_millis(
                    u64::try_from(limit.as_millis()).unwrap_or(u64::MAX)
                )),
                if attempt == 1 { "" } else { "s" }
            ),
        };
        loop {
            attempt += 1;
            self.admit(&host, &call).await?;
            let Some(left) = limit.checked_sub(spent).filter(|d| !d.is_zero()) else {
                return Err(rate_limited.unwrap_or_else(|| timed_out(attempt - 1)));
            };
            rate_limited = None;
            let started = Instant::now();
            let mut req = self.client.request(method.clone(), url);
            if api != Api::Package {
                req = req
                    .header("accept", "application/vnd.github+json")
                    .header("x-github-api-version", "2022-11-28");
                if let Some(token) = self.token() {
                    let mut value = HeaderValue::from_str(&format!("bearer {}", token.expose()))
                        .map_err(|_| CallError {
                            call: call.clone(),
                            status: None,
                            kind: "client",
                            message: "the GitHub token contains characters not allowed in a header"
                                .into(),
                        })?;
                    value.set_sensitive(true);
                    req = req.header("authorization", value);
                }
            } else {
                req = req.header("accept", "application/json");
            }
            for (k, v) in extra {
                req = req.header(*k, v.as_str());
            }
            if let Some(b) = &body {
                req = req
                    .header("content-type", "application/json")
                    .body(b.clone());
            }
            if api == Api::Package {
                self.spent.other_requests.fetch_add(1, Ordering::Relaxed);
                self.metrics.package_request();
            }
            // The request and its whole body within what is left.
            let outcome = match tokio::time::timeout(left, async {
                match req.send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        let headers = resp.headers().clone();
                        let read = read_body(resp, self.max_body, &self.large_reads).await;
                        Ok((status, headers, read))
                    }
                    Err(e) => Err(e),
                }
            })
            .await
            {
                Ok(outcome) => outcome,
                Err(_) => return Err(timed_out(attempt)),
            };
            spent += started.elapsed();
            let transient = |message: String, status: Option<u16>, kind: &'static str| CallError {
                call: call.clone(),
                status,
                kind,
                message,
            };
            let err = match outcome {
                Err(e) => transient(e.without_url().to_string(), None, "transport"),
                Ok((status, headers, read)) => {
                    if api != Api::Package {
                        self.note_budget(api, &host, &headers);
                    }
                    let bytes = match read {
                        Ok(Some(b)) => b,
                        Ok(None) => {
                            // The same answer would come again: not retried.
                            return Err(CallError {
                                call: call.clone(),
                                status: Some(status.as_u16()),
                                kind: "too_large",
                                message: format!(
                                    "the answer is larger than {} MB; not read",
                                    self.max_body >> 20
                                ),
                            });
                        }
                        Err(e) => {
                            let e = transient(
                                e.without_url().to_string(),
                                Some(status.as_u16()),
                                "transport",
                            );
                            if attempt >= self.retry.attempts || spent + pause >= limit {
                                return Err(e);
                            }
                            tokio::time::sleep(pause).await;
                            spent += pause;
                            pause = (pause * 2).min(self.retry.max);
                            continue;
                        }
                    };
                    if api != Api::Package && self.rate_limited(&host, status, &headers, &bytes) {
                        // Held; the next attempt waits for the hold in `admit`.
                        let limited =
                            transient(self.snippet(&bytes), Some(status.as_u16()), "rate_limited");
                        if attempt >= self.retry.attempts + 4 {
                            return Err(limited);
                        }
                        // If the limit runs out first, this is why.
                        rate_limited = Some(limited);
                        continue;
                    }
                    if api == Api::GithubRest {
                        let counter = if status == StatusCode::NOT_MODIFIED {
                            &self.spent.not_modified
                        } else {
                            &self.spent.rest_requests
                        };
                        counter.fetch_add(1, Ordering::Relaxed);
                        self.metrics.rest_answer(status == StatusCode::NOT_MODIFIED);
                    }
                    if status.is_server_error() {
                        transient(self.snippet(&bytes), Some(status.as_u16()), "server")
                    } else {
                        return Ok(Answer {
                            status,
                            headers,
                            body: bytes,
                            at: Utc::now(),
                        });
                    }
                }
            };
            tracing::debug!(call = %err.call, attempt, error = %err.message, "transient upstream failure");
            // No pause that would end past the limit: the call fails now.
            if attempt >= self.retry.attempts || spent + pause >= limit {
                return Err(err);
            }
            tokio::time::sleep(pause).await;
            spent += pause;
            pause = (pause * 2).min(self.retry.max);
        }
    }

    /// Keeps the answer's budget in its (host, resource) slot, and holds the
    /// host when that budget is spent.
    fn note_budget(&self, api: Api, host: &str, h: &HeaderMap) {
        let Some(b) = Budget::from_headers(api, host, h, Utc::now()) else {
            return;
        };
        if b.remaining <= 0 {
            self.hold(host, instant_for(b.reset_at, Duration::from_secs(60)));
        }
        self.metrics.budget(&b);
        let mut slots = match self.budgets.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        slots.insert((b.host.clone(), b.resource.clone()), b);
    }

    /// Classifies rate-limit answers (REST 403/429, GraphQL errors) and holds the host.
    fn rate_limited(&self, host: &str, status: StatusCode, h: &HeaderMap, body: &[u8]) -> bool {
        let retry_after =
            header_i64(h, "retry-after").map(|s| Duration::from_secs(s.max(0) as u64));
        let remaining = header_i64(h, "x-ratelimit-remaining");
        let reset_at =
            header_i64(h, "x-ratelimit-reset").and_then(|s| DateTime::from_timestamp(s, 0));
        let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_lowercase();
        let graphql_limited = status == StatusCode::OK
            && (text.contains("\"rate_limited\"") || text.contains("\"rate_limit\""));
        let limited = status == StatusCode::TOO_MANY_REQUESTS
            || graphql_limited
            || (status == StatusCode::FORBIDDEN
                && (retry_after.is_some() || remaining == Some(0) || text.contains("rate limit")));
        if !limited {
            return false;
        }
        let until = match (retry_after, remaining) {
            (Some(d), _) => after(d),
            (None, Some(0)) => instant_for(reset_at, Duration::from_secs(60)),
            _ if graphql_limited => instant_for(reset_at, Duration::from_secs(60)),
            _ => after(Duration::from_secs(60)),
        };
        tracing::warn!(
            host,
            status = status.as_u16(),
            wait_ms = (until - Instant::now()).as_millis() as u64,
            "rate limited by upstream"
        );
        self.hold(host, until);
        true
    }
}

/// The longest wait an upstream's answer can set. `retry-after` and reset
/// times are whatever number the upstream sends; past a day it is not a wait
/// but a broken answer (and [`Http::admit`] refuses any hold longer than
/// `[collect] max_hold` anyway, with the wait asked for in its message).
const LONGEST_WAIT: Duration = Duration::from_secs(24 * 3600);

/// The instant `wait` from now, however large the upstream's number: every
/// hold the upstream sets goes through here.
fn after(wait: Duration) -> Instant {
    Instant::now() + wait.min(LONGEST_WAIT)
}

/// A tokio instant for a wall-clock reset time (at least one second ahead), or `fallback` from now.
fn instant_for(reset_at: Option<DateTime<Utc>>, fallback: Duration) -> Instant {
    match reset_at {
        Some(t) => {
            let ms = (t - Utc::now()).num_milliseconds().max(0) as u64;
            after(Duration::from_millis(ms).saturating_add(Duration::from_secs(1)))
        }
        None => after(fallback),
    }
}

/// Past this many bytes, an answer is read on only once no other answer
/// that large is being read ([`Http::large_reads`]).
const LARGE_BODY: usize = 4 << 20;

/// Reads `resp`'s body, or `None` when it is larger than `cap` bytes (told
/// by its length up front, or found while reading it: reading stops there).
/// An answer growing past [`LARGE_BODY`] waits for `large` first: however
/// many answers are being read, at most one holds more than that, so what a
/// hostile upstream can make the collector hold while reading is about `cap`
/// plus [`LARGE_BODY`] per call in flight. (The wait counts against the
/// call's time limit: a large answer behind a slow one may time out, and is
/// read again next pass.)
async fn read_body(
    mut resp: reqwest::Response,
    cap: usize,
    large: &tokio::sync::Semaphore,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Ok(None);
    }
    // The bytes are copied into blocks of a megabyte as they arrive, and the
    // blocks joined once at the end: a doubling buffer would hold its old
    // copy while it grows, and keeping the pieces as received would pin the
    // read buffers they were cut from.
    const BLOCK: usize = 1 << 20;
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let mut len = 0usize;
    let mut permit = None;
    while let Some(chunk) = resp.chunk().await? {
        len += chunk.len();
        if len > cap {
            return Ok(None);
        }
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            if blocks.last().is_none_or(|b| b.len() == BLOCK) {
                blocks.push(Vec::with_capacity(BLOCK.min(rest.len().max(64 << 10))));
            }
            let Some(block) = blocks.last_mut() else {
                break;
            };
            let room = BLOCK - block.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            block.extend_from_slice(now);
            rest = later;
        }
        drop(chunk);
        if len > LARGE_BODY && permit.is_none() {
            // Closed only when the client is dropped: then read on.
            permit = Some(large.acquire().await.ok());
        }
    }
    drop(permit);
    let mut body = Vec::with_capacity(len);
    for block in blocks {
        body.extend_from_slice(&block);
    }
    Ok(Some(body))
}

impl Http {
    /// The start of an answer's body for an error message, cleaned
    /// ([`crate::output::shown`]) before it is cut, so that a token the
    /// upstream echoed is redacted whole, never left as a long prefix.
    fn snippet(&self, body: &[u8]) -> String {
        let secrets: Vec<&str> = self.tokens.iter().map(Secret::expose).collect();
        let text = crate::output::shown(
            &String::from_utf8_lossy(&body[..body.len().min(4096)]),
            &secrets,
        );
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        words.chars().take(300).collect()
    }
}

#[cfg(test)]
mod tests;
