//! What the fake counted: requests, GraphQL points, REST calls, 304s,
//! refusals and violations per route, per token, per GraphQL operation and
//! per repository, and how many requests were in flight at once.
//!
//! Every field has a serde default, so accounting JSON written before a field
//! existed still parses.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the fake counted, per route and per token.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Accounting {
    /// All requests (control routes excluded).
    pub requests: u64,
    /// GraphQL points charged.
    pub graphql_points: u64,
    /// REST calls charged against `core` (304s and `/rate_limit` are free).
    pub rest_calls: u64,
    /// Conditional requests answered 304.
    pub not_modified: u64,
    /// Requests sent while the fake had told the token to wait.
    pub violations: u64,
    /// Requests in flight now (control routes excluded).
    pub in_flight: u64,
    /// Most requests in flight at once since the start or the last reset.
    pub max_in_flight: u64,
    /// Per route (`graphql`, `actions_runs`, `rate_limit`, `pypi`, `anaconda`).
    pub routes: BTreeMap<String, Counters>,
    /// Per token (GitHub routes only).
    pub tokens: BTreeMap<String, Counters>,
    /// Per GraphQL operation: the request's `operationName`, else the name of
    /// the document's first operation, else `(anonymous)`; `(invalid)` when
    /// the body is not JSON with a `query`.
    pub operations: BTreeMap<String, OperationCounters>,
    /// Each violation.
    pub violation_log: Vec<Violation>,
}

/// Counters of one route or token.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Counters {
    /// Requests.
    pub requests: u64,
    /// GraphQL points charged.
    pub graphql_points: u64,
    /// REST calls charged.
    pub rest_calls: u64,
    /// 304 answers.
    pub not_modified: u64,
    /// Primary-limit refusals (GraphQL `RATE_LIMITED`, REST 403/429).
    pub rate_limited: u64,
    /// Secondary-limit refusals.
    pub secondary_limited: u64,
    /// Requests sent while told to wait.
    pub violations: u64,
    /// Answers by status code.
    pub statuses: BTreeMap<String, u64>,
    /// Requests in flight now.
    pub in_flight: u64,
    /// Most requests in flight at once.
    pub max_in_flight: u64,
    /// Per repository, on the `graphql` and `actions_runs` routes (see
    /// [`RepoCounters`] for the keys); empty for tokens.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub repos: BTreeMap<String, RepoCounters>,
}

/// Counters of one GraphQL operation name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct OperationCounters {
    /// Requests sending this operation (including refused ones).
    pub requests: u64,
    /// GraphQL points charged.
    pub graphql_points: u64,
    /// Requests in flight now.
    pub in_flight: u64,
    /// Most requests in flight at once.
    pub max_in_flight: u64,
    /// Per repository node id, when the operation targets one object with a
    /// top-level `node(id:)` (a variable or a literal); a batch of aliased
    /// `node` fields counts for no repository.
    pub repos: BTreeMap<String, RepoCounters>,
}

/// Counters of one repository.
///
/// Keys: on GraphQL, the `id` of the only top-level `node(id:)`; on `actions_runs`,
/// the node id of the repository the path resolves to (a former name
/// included), else the path as asked (`owner/name` or `repositories/ID`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct RepoCounters {
    /// Requests.
    pub requests: u64,
    /// GraphQL points charged.
    pub graphql_points: u64,
    /// REST calls charged.
    pub rest_calls: u64,
    /// 304 answers.
    pub not_modified: u64,
}

/// One request sent while the fake had told its token to wait.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Violation {
    /// Token that sent it.
    pub token: String,
    /// Route.
    pub route: String,
    /// When it arrived.
    pub at: DateTime<Utc>,
    /// Until when the token had been told to wait.
    pub wait_until: DateTime<Utc>,
    /// `secondary`, `graphql` or `core`.
    pub reason: String,
}

/// What one request is about, for the per-operation and per-repository
/// counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    /// GraphQL operation name.
    pub operation: Option<String>,
    /// Repository key (see [`RepoCounters`]).
    pub repo: Option<String>,
}

fn enter_gauge(now: &mut u64, max: &mut u64) {
    *now += 1;
    *max = (*max).max(*now);
}

impl Accounting {
    /// Count a request arriving on `route` from `token` with `tags`, and
    /// count it in flight until [`Accounting::leave`].
    pub fn arrive(&mut self, route: &str, token: Option<&str>, tags: &Tags) {
        self.requests += 1;
        enter_gauge(&mut self.in_flight, &mut self.max_in_flight);
        let rc = self.routes.entry(route.to_string()).or_default();
        rc.requests += 1;
        enter_gauge(&mut rc.in_flight, &mut rc.max_in_flight);
        if let Some(repo) = &tags.repo {
            rc.repos.entry(repo.clone()).or_default().requests += 1;
        }
        if let Some(t) = token {
            let tc = self.tokens.entry(t.to_string()).or_default();
            tc.requests += 1;
            enter_gauge(&mut tc.in_flight, &mut tc.max_in_flight);
        }
        if let Some(op) = &tags.operation {
            let oc = self.operations.entry(op.clone()).or_default();
            oc.requests += 1;
            enter_gauge(&mut oc.in_flight, &mut oc.max_in_flight);
            if let Some(repo) = &tags.repo {
                oc.repos.entry(repo.clone()).or_default().requests += 1;
            }
        }
    }

    /// A request counted by [`Accounting::arrive`] has been answered.
    pub fn leave(&mut self, route: &str, token: Option<&str>, tags: &Tags) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if let Some(rc) = self.routes.get_mut(route) {
            rc.in_flight = rc.in_flight.saturating_sub(1);
        }
        if let Some(tc) = token.and_then(|t| self.tokens.get_mut(t)) {
            tc.in_flight = tc.in_flight.saturating_sub(1);
        }
        if let Some(oc) = tags
            .operation
            .as_ref()
            .and_then(|o| self.operations.get_mut(o))
        {
            oc.in_flight = oc.in_flight.saturating_sub(1);
        }
    }

    /// Charge GraphQL points to the route, token, operation and repository.
    pub fn charge_points(&mut self, token: &str, tags: &Tags, points: u64) {
        self.graphql_points += points;
        let rc = self.routes.entry("graphql".into()).or_default();
        rc.graphql_points += points;
        if let Some(repo) = &tags.repo {
            rc.repos.entry(repo.clone()).or_default().graphql_points += points;
        }
        self.tokens
            .entry(token.to_string())
            .or_default()
            .graphql_points += points;
        if let Some(op) = &tags.operation {
            let oc = self.operations.entry(op.clone()).or_default();
            oc.graphql_points += points;
            if let Some(repo) = &tags.repo {
                oc.repos.entry(repo.clone()).or_default().graphql_points += points;
            }
        }
    }

    /// Apply `f` to the counters of `repo` on `route`, if tagged.
    pub fn repo(&mut self, route: &str, tags: &Tags, f: impl Fn(&mut RepoCounters)) {
        if let Some(repo) = &tags.repo {
            f(self
                .routes
                .entry(route.to_string())
                .or_default()
                .repos
                .entry(repo.clone())
                .or_default());
        }
    }

    /// Zero every counter but keep the in-flight gauges, so requests still
    /// in flight leave them right; each maximum restarts at its gauge.
    pub fn reset(&mut self) {
        let mut fresh = Accounting {
            in_flight: self.in_flight,
            max_in_flight: self.in_flight,
            ..Accounting::default()
        };
        let gauge = |c: &Counters| Counters {
            in_flight: c.in_flight,
            max_in_flight: c.in_flight,
            ..Counters::default()
        };
        for (k, c) in self.routes.iter().filter(|(_, c)| c.in_flight > 0) {
            fresh.routes.insert(k.clone(), gauge(c));
        }
        for (k, c) in self.tokens.iter().filter(|(_, c)| c.in_flight > 0) {
            fresh.tokens.insert(k.clone(), gauge(c));
        }
        for (k, c) in self.operations.iter().filter(|(_, c)| c.in_flight > 0) {
            fresh.operations.insert(
                k.clone(),
                OperationCounters {
                    in_flight: c.in_flight,
                    max_in_flight: c.in_flight,
                    ..OperationCounters::default()
                },
            );
        }
        *self = fresh;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_track_the_most_in_flight_and_survive_a_reset() {
        let mut a = Accounting::default();
        let tags = Tags {
            operation: Some("CommitHistory".into()),
            repo: Some("R_1".into()),
        };
        a.arrive("graphql", Some("t"), &tags);
        a.arrive("graphql", Some("t"), &tags);
        a.arrive("pypi", None, &Tags::default());
        a.leave("pypi", None, &Tags::default());
        assert_eq!((a.in_flight, a.max_in_flight), (2, 3));
        assert_eq!(a.routes["graphql"].max_in_flight, 2);
        assert_eq!(a.operations["CommitHistory"].max_in_flight, 2);
        a.charge_points("t", &tags, 3);
        assert_eq!(a.operations["CommitHistory"].repos["R_1"].graphql_points, 3);
        assert_eq!(a.routes["graphql"].repos["R_1"].requests, 2);
        a.reset();
        assert_eq!(a.requests, 0);
        assert_eq!((a.in_flight, a.max_in_flight), (2, 2));
        a.leave("graphql", Some("t"), &tags);
        a.leave("graphql", Some("t"), &tags);
        assert_eq!(a.in_flight, 0);
        assert_eq!(a.routes["graphql"].in_flight, 0);
        assert_eq!(a.operations["CommitHistory"].in_flight, 0);
        assert_eq!(a.operations["CommitHistory"].requests, 0);
    }

    #[test]
    fn old_accounting_json_still_parses() {
        let old = r#"{"requests": 3, "routes": {"pypi": {"requests": 3, "statuses": {"200": 3}}}}"#;
        let a: Accounting = serde_json::from_str(old).expect("parses");
        assert_eq!(a.routes["pypi"].requests, 3);
        assert!(a.operations.is_empty());
    }
}
