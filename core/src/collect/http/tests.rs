//! Tests of the rate-limited HTTP client (`super`).

use super::*;
use crate::collect::loopback;

/// One package request to `base` that fails (`why` says how), and how long
/// the call took.
async fn failed_package_call(http: &Http, base: &str, why: &str) -> (CallError, Duration) {
    let started = std::time::Instant::now();
    let err = http
        .send(
            Api::Package,
            Method::GET,
            &format!("{base}/pypi/x/json"),
            &[],
            None,
        )
        .await
        .expect_err(why);
    (err, started.elapsed())
}

#[tokio::test]
async fn a_trickled_answer_fails_at_the_call_limit_naming_it() {
    // A body that arrives a byte at a time and never ends: each byte
    // resets no timer, and the call is not retried past its limit.
    let (base, connections) = loopback::trickling(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n",
        Duration::from_millis(20),
    )
    .await;
    let http = loopback::client(Duration::from_secs(1));
    let (err, took) = failed_package_call(&http, &base, "never complete").await;
    assert_eq!(err.kind, "timeout", "{err}");
    assert!(
        err.message.contains("within 1s ([collect] item_timeout)"),
        "the limit is named: {err}"
    );
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_call_inside_an_allowance_ends_within_what_is_left_of_it() {
    let (base, _) = loopback::trickling(
        "HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n",
        Duration::from_millis(20),
    )
    .await;
    // The client alone would wait ten seconds.
    let http = loopback::client(Duration::from_secs(10));
    let mut allowance = super::super::allowance::Allowance::new(Duration::from_secs(1));
    allowance
        .ask(tokio::time::sleep(Duration::from_millis(600)))
        .await;
    let started = std::time::Instant::now();
    let err = allowance
        .ask(http.send(
            Api::Package,
            Method::GET,
            &format!("{base}/pypi/x/json"),
            &[],
            None,
        ))
        .await
        .expect_err("never complete");
    let took = started.elapsed();
    assert_eq!(err.kind, "timeout", "{err}");
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    assert!(!allowance.left());
}

#[tokio::test]
async fn retries_end_within_the_call_limit() {
    let body = "{\"message\":\"down\"}";
    let base = loopback::serving(
        format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
    .await;
    let http = loopback::client(Duration::from_secs(1));
    let (err, took) = failed_package_call(&http, &base, "always 503").await;
    // 0.25 s, then 0.5 s between attempts: the next pause (1 s) would end
    // past the limit, so the call fails with the last answer instead.
    assert_eq!((err.kind, err.status), ("server", Some(503)), "{err}");
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).expect("header value"));
    }
    h
}

#[test]
fn a_budget_is_read_per_resource_from_the_headers() {
    let at = Utc::now();
    let h = headers(&[
        ("x-ratelimit-limit", "5000"),
        ("x-ratelimit-remaining", "4990"),
        ("x-ratelimit-used", "10"),
        ("x-ratelimit-reset", "1790000000"),
        ("x-ratelimit-resource", "core"),
    ]);
    // The header names the resource, whatever endpoint answered.
    let b = Budget::from_headers(Api::GithubGraphql, "api.github.com", &h, at).expect("budget");
    assert_eq!(
        b,
        Budget {
            host: "api.github.com".into(),
            resource: "core".into(),
            limit: 5000,
            remaining: 4990,
            used: 10,
            reset_at: DateTime::from_timestamp(1_790_000_000, 0),
            observed_at: at,
        }
    );
    let h = headers(&[
        ("x-ratelimit-limit", "5000"),
        ("x-ratelimit-remaining", "4000"),
        ("x-ratelimit-resource", " GraphQL "),
    ]);
    let b = Budget::from_headers(Api::GithubRest, "h", &h, at).expect("budget");
    assert_eq!(
        (b.resource.as_str(), b.used, b.reset_at),
        ("graphql", 1000, None)
    );
}

#[test]
fn without_the_resource_header_the_api_decides() {
    let at = Utc::now();
    let h = headers(&[("x-ratelimit-limit", "60"), ("x-ratelimit-remaining", "59")]);
    let gql = Budget::from_headers(Api::GithubGraphql, "h", &h, at).expect("budget");
    let rest = Budget::from_headers(Api::GithubRest, "h", &h, at).expect("budget");
    assert_eq!(
        (gql.resource.as_str(), rest.resource.as_str()),
        ("graphql", "core")
    );
    let partial = headers(&[
        ("x-ratelimit-limit", "60"),
        ("x-ratelimit-resource", "core"),
    ]);
    assert_eq!(
        Budget::from_headers(Api::GithubRest, "h", &partial, at),
        None
    );
    let junk = headers(&[
        ("x-ratelimit-limit", "lots"),
        ("x-ratelimit-remaining", "1"),
    ]);
    assert_eq!(Budget::from_headers(Api::GithubRest, "h", &junk, at), None);
}

/// Issue 11, item 8: a 300 MB PyPI answer was read whole (1.09 GB RSS).
#[tokio::test]
async fn an_answer_past_the_size_cap_is_refused_not_read() {
    let cap = 1 << 20;
    let answer = |head: String, len: usize| {
        let mut bytes = head.into_bytes();
        bytes.resize(bytes.len() + len, b'x');
        bytes
    };
    let told = loopback::serving(answer(
        format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", 8 * cap),
        8 * cap,
    ))
    .await;
    let untold = loopback::serving(answer(
        "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_string(),
        8 * cap,
    ))
    .await;
    let small = loopback::serving(answer(
        "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n".to_string(),
        100,
    ))
    .await;
    let http = loopback::client(Duration::from_secs(10)).with_max_body(cap);
    for url in [&told, &untold] {
        let e = http
            .send(Api::Package, Method::GET, url, &[], None)
            .await
            .expect_err("too large");
        assert_eq!(e.kind, "too_large", "{url}: {e}");
    }
    let ok = http
        .send(Api::Package, Method::GET, &small, &[], None)
        .await
        .expect("a small answer is read");
    assert_eq!(ok.body.len(), 100);
}

/// Issue 11, item 1: `retry-after: 9223372036854775807` made the daemon
/// panic ("overflow when adding duration to instant").
#[test]
fn an_absurd_wait_from_upstream_holds_the_host_a_day_at_most() {
    let http = loopback::client(Duration::from_secs(1));
    let answers = [
        (
            StatusCode::TOO_MANY_REQUESTS,
            ("retry-after", "9223372036854775807"),
        ),
        (
            StatusCode::FORBIDDEN,
            ("retry-after", "18446744073709551615"),
        ),
        (
            StatusCode::FORBIDDEN,
            ("x-ratelimit-reset", "8210298412799"),
        ),
        (
            StatusCode::FORBIDDEN,
            ("x-ratelimit-reset", "9223372036854775807"),
        ),
    ];
    for (i, (status, header)) in answers.into_iter().enumerate() {
        let host = format!("h{i}");
        let h = headers(&[header, ("x-ratelimit-remaining", "0")]);
        assert!(
            http.rate_limited(&host, status, &h, b""),
            "{header:?} is a limit"
        );
        let hold = (*http.gate(&host).hold_until.lock().expect("lock")).expect("held");
        assert!(
            hold <= Instant::now() + LONGEST_WAIT,
            "{header:?} holds at most a day"
        );
    }
}

#[test]
fn each_resource_keeps_its_own_slot_until_taken() {
    let http = loopback::client(Duration::from_secs(1));
    let answer = |resource: &str, remaining: &str| {
        headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", remaining),
            ("x-ratelimit-resource", resource),
        ])
    };
    http.note_budget(
        Api::GithubGraphql,
        "api.github.com",
        &answer("graphql", "4900"),
    );
    http.note_budget(Api::GithubRest, "api.github.com", &answer("core", "4999"));
    http.note_budget(
        Api::GithubGraphql,
        "api.github.com",
        &answer("graphql", "4800"),
    );
    let taken: Vec<(String, i64)> = http
        .take_budgets()
        .into_iter()
        .map(|b| (b.resource, b.remaining))
        .collect();
    assert_eq!(
        taken,
        [("core".to_string(), 4999), ("graphql".to_string(), 4800)]
    );
    assert!(http.take_budgets().is_empty(), "each budget is taken once");
}
