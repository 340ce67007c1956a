//! Fault injection settings, from the world file or `POST /_fake/faults`.

use serde::{Deserialize, Serialize};

/// All faults the fake injects.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Faults {
    /// Seed of the random draws behind the `*_rate` settings.
    pub seed: u64,
    /// Per-route faults; the first entry whose `route` matches applies.
    pub routes: Vec<RouteFault>,
    /// GitHub secondary rate limits.
    pub secondary: Option<SecondaryLimit>,
    /// Exhaust a primary budget as soon as this is set.
    pub exhaust: Option<Exhaust>,
}

/// Faults of one route.
///
/// Routes: `graphql`, `actions_runs`, `rate_limit`, `pypi`, `anaconda`,
/// `github` (all three GitHub routes) or `*` (everything but `/_fake/`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct RouteFault {
    /// Which route this applies to.
    pub route: String,
    /// Probability of answering with one of `error_statuses`.
    pub error_rate: f64,
    /// Statuses to draw from (default 500, 502, 503).
    pub error_statuses: Vec<u16>,
    /// The next N requests fail with the first of `error_statuses`.
    pub fail_next: u32,
    /// Added latency in milliseconds for every request, before it is served.
    pub latency_ms: u64,
    /// Further latency in milliseconds per GraphQL point charged, after the
    /// answer is computed (dry runs and refused requests are charged nothing).
    pub latency_per_point_ms: u64,
    /// Further latency in microseconds per JSON object in a served answer
    /// (below `data` for GraphQL, below the top level otherwise): the
    /// repositories, commits, authors, connections, runs, files... returned.
    /// A 304 has no body and costs none of it.
    pub latency_per_object_us: u64,
    /// Probability of dropping the connection without a complete response.
    pub drop_rate: f64,
    /// The next N requests have their connection dropped.
    pub drop_next: u32,
    /// Probability of a 200 with a truncated (malformed) JSON body.
    pub malformed_rate: f64,
    /// The next N requests get a malformed body.
    pub malformed_next: u32,
    /// Answer every request of the route the way a hostile or broken
    /// upstream would, after this entry's latency (its other faults are
    /// not drawn).
    pub hostile: Option<Hostile>,
}

/// What a hostile upstream answers ([`RouteFault::hostile`]).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Hostile {
    /// 200 with a body that is not JSON.
    Malformed,
    /// 200 with `{"data": null}` (GraphQL) or `null`.
    DataNull,
    /// 200 with `{}`.
    Empty,
    /// 200 with a 300 MB body streamed without a length.
    Huge,
    /// 200 with a length of a megabyte, then one byte every 100 ms, never
    /// completing.
    Trickle,
    /// 200 streamed as fast as it is read, never ending.
    Endless,
    /// 429 (403 for REST) with the largest `retry-after` and
    /// `x-ratelimit-reset` a header can carry, and no budget left.
    ExtremeWait,
    /// 502 whose body echoes the request's `Authorization` header between
    /// terminal escapes (title, clear screen, a hyperlink) and spreadsheet
    /// formulas.
    Echo,
}

impl Default for RouteFault {
    fn default() -> Self {
        Self {
            route: "*".into(),
            error_rate: 0.0,
            error_statuses: vec![500, 502, 503],
            fail_next: 0,
            latency_ms: 0,
            latency_per_point_ms: 0,
            latency_per_object_us: 0,
            drop_rate: 0.0,
            drop_next: 0,
            malformed_rate: 0.0,
            malformed_next: 0,
            hostile: None,
        }
    }
}

/// GitHub's secondary rate limit: 403 (or 429) with `retry-after`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SecondaryLimit {
    /// Every Nth GitHub request (per token) is limited; 0 disables.
    pub every: u32,
    /// The next N GitHub requests are limited.
    pub next: u32,
    /// More than this many concurrent GitHub requests are limited; 0 disables.
    pub max_concurrent: u32,
    /// Seconds announced in `retry-after`.
    pub retry_after_secs: u64,
    /// Status for REST (403 or 429).
    pub status: u16,
    /// Status for GraphQL (403, or 200 with an error body).
    pub graphql_status: u16,
}

impl Default for SecondaryLimit {
    fn default() -> Self {
        Self {
            every: 0,
            next: 0,
            max_concurrent: 0,
            retry_after_secs: 1,
            status: 403,
            graphql_status: 403,
        }
    }
}

/// Exhaust a primary budget now, resetting after `reset_in_secs`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Exhaust {
    /// `graphql` or `core`.
    pub resource: String,
    /// Seconds until the budget resets.
    pub reset_in_secs: u64,
    /// Status of REST answers while exhausted (403 or 429).
    pub status: u16,
    /// Only this token; `None` means every token.
    pub token: Option<String>,
    /// Spell the GraphQL error the 2026 way (`RATE_LIMIT`) instead of `RATE_LIMITED`.
    pub new_style: bool,
}

impl Default for Exhaust {
    fn default() -> Self {
        Self {
            resource: "graphql".into(),
            reset_in_secs: 2,
            status: 403,
            token: None,
            new_style: false,
        }
    }
}

impl RouteFault {
    /// Latency like GitHub's, for `route` (`graphql`, `actions_runs`, `github`,
    /// ...): 100 ms a request plus 1.5 ms per object returned, so a
    /// `CommitHistory` page of 100 commits with their authors (about 530
    /// objects) takes about 0.9 s, more with many CI contexts, and a
    /// `FindRepos` batch of 100 about 0.25 s. No other fault.
    pub fn github_latency(route: &str) -> Self {
        Self {
            route: route.into(),
            latency_ms: 100,
            latency_per_object_us: 1500,
            ..Self::default()
        }
    }

    /// The latency settings of this fault.
    pub fn latency(&self) -> Latency {
        Latency {
            fixed_ms: self.latency_ms,
            per_point_ms: self.latency_per_point_ms,
            per_object_us: self.latency_per_object_us,
        }
    }

    /// Whether this fault applies to a route.
    pub fn matches(&self, route: &str) -> bool {
        self.route == "*"
            || self.route == route
            || (self.route == "github"
                && matches!(route, "graphql" | "actions_runs" | "rate_limit"))
            || (self.route == "pypi" && route.starts_with("pypi"))
    }
}

/// The latency of one request, fixed by the route fault in force when it
/// arrived: `fixed_ms` before it is served, then [`Latency::after`] once the
/// answer is known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Latency {
    /// Milliseconds before the request is served.
    pub fixed_ms: u64,
    /// Milliseconds per GraphQL point charged.
    pub per_point_ms: u64,
    /// Microseconds per JSON object in the answer.
    pub per_object_us: u64,
}

impl Latency {
    /// Milliseconds an answer adds after it is computed, for `points`
    /// charged and `objects` in its body.
    pub fn after(&self, points: u64, objects: u64) -> u64 {
        let per_point = self.per_point_ms.saturating_mul(points);
        let per_object = self.per_object_us.saturating_mul(objects) / 1000;
        per_point.saturating_add(per_object)
    }
}

/// JSON objects in `v`, not counting `v` itself: what an answer returned.
pub fn count_objects(v: &serde_json::Value) -> u64 {
    fn walk(v: &serde_json::Value) -> u64 {
        match v {
            serde_json::Value::Object(m) => 1 + m.values().map(walk).sum::<u64>(),
            serde_json::Value::Array(a) => a.iter().map(walk).sum(),
            _ => 0,
        }
    }
    match v {
        serde_json::Value::Object(m) => m.values().map(walk).sum(),
        serde_json::Value::Array(a) => a.iter().map(walk).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_after_an_answer_adds_points_and_objects() {
        let l = RouteFault {
            latency_ms: 5,
            latency_per_point_ms: 100,
            latency_per_object_us: 1500,
            ..RouteFault::default()
        }
        .latency();
        assert_eq!(l.fixed_ms, 5);
        assert_eq!(l.after(2, 10), 200 + 15);
        assert_eq!(l.after(0, 0), 0);
        let body = serde_json::json!({"data": {"a": [{"b": {}}, {"c": 1}], "d": null}});
        assert_eq!(count_objects(&body), 4);
        assert_eq!(count_objects(&body["data"]), 3);
    }
}
