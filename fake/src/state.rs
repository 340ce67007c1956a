//! Mutable server state: rate-limit budgets, waits the fake imposed, fault
//! counters and accounting.
//!
//! Rate-limit windows run on the wall clock (GitHub's `x-ratelimit-reset` is
//! epoch seconds), independent of the world's `now`. Every wait the fake tells a
//! token to observe (a `retry-after`, or a reset after exhaustion) is remembered;
//! a request from that token before the wait has elapsed is a violation.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

pub use crate::accounting::{Accounting, Counters, Tags, Violation};
use crate::faults::{Faults, Latency, RouteFault};
use crate::world::Limits;

/// A primary budget of one token for one resource.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Points or calls per window.
    pub limit: u64,
    /// Used in the current window.
    pub used: u64,
    /// When the window resets (whole seconds).
    pub reset_at: DateTime<Utc>,
}

impl Budget {
    /// Remaining in the window.
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

/// Mutable state behind the server.
#[derive(Debug)]
pub struct State {
    /// Rate-limit settings.
    pub limits: Limits,
    /// Faults in force.
    pub faults: Faults,
    /// Accounting.
    pub accounting: Accounting,
    budgets: HashMap<(String, String), Budget>,
    holds: HashMap<(String, String), DateTime<Utc>>,
    exhausted_tokens: HashSet<(String, String)>,
    route_counts: HashMap<String, u64>,
    secondary_counts: HashMap<String, u64>,
    in_flight: u32,
    rng: ChaCha8Rng,
}

/// What a fault decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    /// Serve normally.
    None,
    /// Answer with this 5xx status.
    Error(u16),
    /// Drop the connection.
    Drop,
    /// Serve a truncated body.
    Malformed,
    /// Answer as a hostile upstream would.
    Hostile(crate::faults::Hostile),
}

/// Round a time up to a whole second, as `x-ratelimit-reset` can only say.
fn ceil_second(t: DateTime<Utc>) -> DateTime<Utc> {
    let secs = t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0);
    Utc.timestamp_opt(secs, 0).single().unwrap_or(t)
}

impl State {
    /// Fresh state.
    pub fn new(limits: Limits, faults: Faults) -> Self {
        let rng = ChaCha8Rng::seed_from_u64(faults.seed);
        let mut s = Self {
            limits,
            faults: Faults::default(),
            accounting: Accounting::default(),
            budgets: HashMap::new(),
            holds: HashMap::new(),
            exhausted_tokens: HashSet::new(),
            route_counts: HashMap::new(),
            secondary_counts: HashMap::new(),
            in_flight: 0,
            rng,
        };
        s.set_faults(faults);
        s
    }

    /// Replace the faults in force.
    pub fn set_faults(&mut self, faults: Faults) {
        self.rng = ChaCha8Rng::seed_from_u64(faults.seed);
        self.exhausted_tokens.clear();
        self.faults = faults;
    }

    /// Reset accounting to zero (the in-flight gauges stay).
    pub fn reset_accounting(&mut self) {
        self.accounting.reset();
    }

    /// Apply `f` to the counters of a route and of a token.
    pub fn counters(&mut self, route: &str, token: Option<&str>, f: impl Fn(&mut Counters)) {
        f(self.accounting.routes.entry(route.to_string()).or_default());
        if let Some(t) = token {
            f(self.accounting.tokens.entry(t.to_string()).or_default());
        }
    }

    /// Record the status of an answer.
    pub fn count_status(&mut self, route: &str, token: Option<&str>, status: u16) {
        let key = status.to_string();
        self.counters(route, token, |c| {
            *c.statuses.entry(key.clone()).or_default() += 1
        });
    }

    /// Record a violation if `token` was told to wait for `secondary` or
    /// for `resource` (`None`: the route is free of the primary limit).
    pub fn check_holds(&mut self, token: &str, route: &str, resource: Option<&str>) {
        let now = Utc::now();
        let mut reasons = vec!["secondary"];
        if let Some(r) = resource {
            reasons.push(r);
        }
        for reason in reasons {
            let key = (token.to_string(), reason.to_string());
            if let Some(&until) = self.holds.get(&key)
                && now < until
            {
                self.accounting.violations += 1;
                self.counters(route, Some(token), |c| c.violations += 1);
                self.accounting.violation_log.push(Violation {
                    token: token.to_string(),
                    route: route.to_string(),
                    at: now,
                    wait_until: until,
                    reason: reason.to_string(),
                });
                return;
            }
        }
    }

    /// Tell `token` to wait until `until` for `reason`.
    pub fn hold(&mut self, token: &str, reason: &str, until: DateTime<Utc>) {
        let key = (token.to_string(), reason.to_string());
        let entry = self.holds.entry(key).or_insert(until);
        if *entry < until {
            *entry = until;
        }
    }

    /// The budget of `token` for `resource` (`graphql` or `core`), rolling
    /// the window over and applying a pending exhaustion.
    pub fn budget(&mut self, token: &str, resource: &str) -> Budget {
        let now = Utc::now();
        let limit = if resource == "graphql" {
            self.limits.graphql
        } else {
            self.limits.core
        };
        let window = Duration::seconds(i64::try_from(self.limits.window_secs).unwrap_or(3600));
        let key = (token.to_string(), resource.to_string());
        let b = self.budgets.entry(key.clone()).or_insert(Budget {
            limit,
            used: 0,
            reset_at: ceil_second(now + window),
        });
        if now >= b.reset_at {
            *b = Budget {
                limit,
                used: 0,
                reset_at: ceil_second(now + window),
            };
        }
        if let Some(ex) = &self.faults.exhaust {
            let applies = ex.resource == resource && ex.token.as_deref().is_none_or(|t| t == token);
            if applies && self.exhausted_tokens.insert(key) {
                let secs = i64::try_from(ex.reset_in_secs).unwrap_or(1);
                b.used = b.limit;
                b.reset_at = ceil_second(now + Duration::seconds(secs));
            }
        }
        *b
    }

    /// Charge `amount` against a budget.
    pub fn charge(&mut self, token: &str, resource: &str, amount: u64) -> Budget {
        let mut b = self.budget(token, resource);
        b.used += amount;
        self.budgets
            .insert((token.to_string(), resource.to_string()), b);
        b
    }

    /// Decide the route fault for this request; returns it and the latency.
    pub fn route_fault(&mut self, route: &str) -> (FaultAction, Latency) {
        let Some(idx) = self.faults.routes.iter().position(|f| f.matches(route)) else {
            return (FaultAction::None, Latency::default());
        };
        let roll_err: f64 = self.rng.random();
        let roll_drop: f64 = self.rng.random();
        let roll_bad: f64 = self.rng.random();
        let pick: usize = self.rng.random_range(0..1000);
        let f: &mut RouteFault = &mut self.faults.routes[idx];
        let latency = f.latency();
        let first_status = f.error_statuses.first().copied().unwrap_or(500);
        let action = if let Some(h) = f.hostile {
            FaultAction::Hostile(h)
        } else if f.drop_next > 0 {
            f.drop_next -= 1;
            FaultAction::Drop
        } else if f.fail_next > 0 {
            f.fail_next -= 1;
            FaultAction::Error(first_status)
        } else if f.malformed_next > 0 {
            f.malformed_next -= 1;
            FaultAction::Malformed
        } else if roll_drop < f.drop_rate {
            FaultAction::Drop
        } else if roll_err < f.error_rate {
            let statuses = if f.error_statuses.is_empty() {
                vec![500]
            } else {
                f.error_statuses.clone()
            };
            FaultAction::Error(statuses[pick % statuses.len()])
        } else if roll_bad < f.malformed_rate {
            FaultAction::Malformed
        } else {
            FaultAction::None
        };
        *self.route_counts.entry(route.to_string()).or_default() += 1;
        (action, latency)
    }

    /// Whether this GitHub request hits the secondary limit; returns the
    /// `retry-after` seconds and remembers the wait.
    pub fn secondary(&mut self, token: &str) -> Option<u64> {
        let s = self.faults.secondary.as_mut()?;
        let n = self.secondary_counts.entry(token.to_string()).or_default();
        *n += 1;
        let hit = if s.next > 0 {
            s.next -= 1;
            true
        } else {
            (s.every > 0 && n.is_multiple_of(u64::from(s.every)))
                || (s.max_concurrent > 0 && self.in_flight > s.max_concurrent)
        };
        if !hit {
            return None;
        }
        let secs = s.retry_after_secs;
        let until = Utc::now() + Duration::seconds(i64::try_from(secs).unwrap_or(1));
        self.hold(token, "secondary", until);
        Some(secs)
    }

    /// One more GitHub request in flight.
    pub fn enter(&mut self) {
        self.in_flight += 1;
    }

    /// One GitHub request fewer in flight.
    pub fn leave(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }
}
