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
    /// Added latency in milliseconds for every request.
    pub latency_ms: u64,
    /// Probability of dropping the connection without a complete response.
    pub drop_rate: f64,
    /// The next N requests have their connection dropped.
    pub drop_next: u32,
    /// Probability of a 200 with a truncated (malformed) JSON body.
    pub malformed_rate: f64,
    /// The next N requests get a malformed body.
    pub malformed_next: u32,
}

impl Default for RouteFault {
    fn default() -> Self {
        Self {
            route: "*".into(),
            error_rate: 0.0,
            error_statuses: vec![500, 502, 503],
            fail_next: 0,
            latency_ms: 0,
            drop_rate: 0.0,
            drop_next: 0,
            malformed_rate: 0.0,
            malformed_next: 0,
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
    /// Whether this fault applies to a route.
    pub fn matches(&self, route: &str) -> bool {
        self.route == "*"
            || self.route == route
            || (self.route == "github"
                && matches!(route, "graphql" | "actions_runs" | "rate_limit"))
            || (self.route == "pypi" && route.starts_with("pypi"))
    }
}
