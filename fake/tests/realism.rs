//! Realism for load tests, over real loopback HTTP: latency per request,
//! per point and per object; accounting per GraphQL operation and per
//! repository, and the in-flight gauges; a world with one big repository
//! walked in full; force-pushes, workflow re-runs and yanks.
//!
//! Wall-time assertions are lower bounds only. One file (about 580 lines) so
//! the scenarios share one test binary: each binary costs a link.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tacometer_fake::edge::edge_world;
use tacometer_fake::faults::count_objects;
use tacometer_fake::truth::{Ask, expected};
use tacometer_fake::{
    ChangeSpec, Faults, GenSpec, Rerun, RouteFault, World, Yank, big_repo_world, generate,
};

mod common;
use common::{client, get_as, repo_id, serve};

const TOKEN: &str = "ghp_realism";
const COMMIT_HISTORY: &str = tacometer_queries::github::COMMIT_HISTORY;
const FIND_REPO: &str = tacometer_queries::github::FIND_REPOS;
const STARGAZERS: &str = tacometer_queries::github::STARGAZERS;

/// POST a GraphQL body; the answer's JSON.
async fn post(base: &str, body: &Value) -> Value {
    client()
        .post(format!("{base}/graphql"))
        .bearer_auth(TOKEN)
        .json(body)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

/// The head commit of a repository, where a history walk starts.
fn head(world: &World, id: &str) -> String {
    world
        .repo_by_id(id)
        .and_then(|r| r.commits.first())
        .map(|c| c.sha.clone())
        .expect("the repository has commits")
}

fn history(body: &Value) -> &Value {
    &body["data"]["node"]["object"]["history"]
}

// ---------------------------------------------------------------- latency --

#[tokio::test]
async fn latency_grows_with_points_and_objects_from_every_source() {
    // From the world file: a fixed part and a part per point.
    let mut world = edge_world();
    world.faults = Faults {
        routes: vec![RouteFault {
            route: "graphql".into(),
            latency_ms: 100,
            latency_per_point_ms: 150,
            ..RouteFault::default()
        }],
        ..Faults::default()
    };
    let id = repo_id(&world, "edge/window");
    let oid = head(&world, &id);
    let fake = serve(world).await;
    let base = fake.base_url();
    let t = Instant::now();
    let r = post(&base, &json!({"query": "{ rateLimit { cost } }"})).await;
    assert_eq!(r["data"]["rateLimit"]["cost"], 1);
    assert!(
        t.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t.elapsed()
    );
    // A dry run is charged nothing, so only the fixed part applies; its
    // lower bound is all a test can say.
    let t = Instant::now();
    let r = post(
        &base,
        &json!({"query": "{ rateLimit(dryRun: true) { cost } }"}),
    )
    .await;
    assert_eq!(r["data"]["rateLimit"]["cost"], 1);
    assert!(t.elapsed() >= Duration::from_millis(100));

    // Through the control route: a part per object returned.
    let faults = json!({"routes": [{"route": "graphql", "latency_per_object_us": 2000}]});
    let set: Value = client()
        .post(format!("{base}/_fake/faults"))
        .json(&faults)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(set["routes"][0]["latency_per_object_us"], 2000);
    assert_eq!(set["routes"][0]["latency_per_point_ms"], 0);
    let body = json!({"query": COMMIT_HISTORY, "variables": {"id": id, "oid": oid, "first": 100}});
    let t = Instant::now();
    let r = post(&base, &body).await;
    let took = t.elapsed();
    let objects = count_objects(&r["data"]);
    assert!(objects >= 20, "a page of commits: {objects} objects");
    assert!(
        took >= Duration::from_millis(2 * objects),
        "{objects} objects in {took:?}"
    );

    // Through the library: REST answers too, per object of the body.
    fake.set_faults(Faults {
        routes: vec![RouteFault {
            route: "actions_runs".into(),
            latency_per_object_us: 5000,
            ..RouteFault::default()
        }],
        ..Faults::default()
    });
    let t = Instant::now();
    let runs: Value = client()
        .get(format!("{base}/repos/edge/window/actions/runs"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let objects = count_objects(&runs);
    assert!(objects > 0);
    assert!(t.elapsed() >= Duration::from_millis(5 * objects));
    fake.shutdown().await;
}

#[test]
fn the_github_latency_preset_makes_a_history_page_take_about_a_second() {
    let world = big_repo_world(500, 365, 3);
    let r = world.repos.last().expect("big repo");
    // What a CommitHistory page of 100 commits returns, object by object,
    // as the executor builds it: measured through the executor itself.
    let schema = tacometer_fake::graphql::subset_schema();
    let vars = json!({"id": r.id, "oid": r.commits[0].sha, "first": 100});
    let p =
        tacometer_fake::graphql::prepare(schema, COMMIT_HISTORY, Some(&vars), None).expect("valid");
    let rate = tacometer_fake::graphql::RateInfo {
        cost: p.cost,
        limit: 5000,
        remaining: 5000,
        used: 0,
        reset_at: world.now,
        node_count: p.node_count,
    };
    let out = tacometer_fake::graphql::execute(&p, &world, rate);
    assert_eq!(history(&out)["nodes"].as_array().map(Vec::len), Some(100));
    let l = RouteFault::github_latency("graphql").latency();
    let ms = l.fixed_ms + l.after(p.cost, count_objects(&out["data"]));
    assert!((700..=1500).contains(&ms), "{ms} ms a page");
}

// ------------------------------------------------------------- accounting --

#[tokio::test]
async fn operations_repositories_and_304s_are_accounted() {
    let world = edge_world();
    let window = repo_id(&world, "edge/window");
    let renamed = repo_id(&world, "edge/renamed");
    let (window_head, renamed_head) = (head(&world, &window), head(&world, &renamed));
    let fake = serve(world).await;
    let base = fake.base_url();
    for (id, oid) in [
        (&window, &window_head),
        (&window, &window_head),
        (&renamed, &renamed_head),
    ] {
        let r = post(
            &base,
            &json!({"query": COMMIT_HISTORY, "variables": {"id": id, "oid": oid, "first": 100}, "operationName": "CommitHistory"}),
        )
        .await;
        assert!(r.get("errors").is_none(), "{r}");
    }
    // No operationName: the document's first operation names it.
    let r = post(
        &base,
        &json!({"query": FIND_REPO, "variables": {"owner": "edge", "name": "window"}}),
    )
    .await;
    assert_eq!(r["data"]["repository"]["id"], json!(window));
    post(&base, &json!({"query": "{ rateLimit { cost } }"})).await;
    post(&base, &json!({"nothing": true})).await;
    // A literal node id counts for that repository too.
    let literal = format!("query Literal {{ node(id: \"{renamed}\") {{ id }} }}");
    post(&base, &json!({"query": literal})).await;

    let acct = fake.accounting();
    let ch = &acct.operations["CommitHistory"];
    assert_eq!(ch.requests, 3);
    assert_eq!(ch.repos[&window].requests, 2);
    assert_eq!(ch.repos[&renamed].requests, 1);
    assert!(ch.repos[&window].graphql_points >= 2);
    assert_eq!(
        ch.graphql_points,
        ch.repos.values().map(|r| r.graphql_points).sum::<u64>()
    );
    assert_eq!(acct.operations["FindRepo"].requests, 1);
    assert!(acct.operations["FindRepo"].repos.is_empty());
    assert_eq!(acct.operations["(anonymous)"].requests, 1);
    assert_eq!(acct.operations["(anonymous)"].graphql_points, 1);
    assert_eq!(acct.operations["(invalid)"].requests, 1);
    assert_eq!(acct.operations["Literal"].repos[&renamed].requests, 1);
    let op_points: u64 = acct.operations.values().map(|o| o.graphql_points).sum();
    assert_eq!(op_points, acct.graphql_points);
    assert_eq!(
        acct.routes["graphql"].repos[&window].graphql_points,
        ch.repos[&window].graphql_points
    );

    // REST per repository: a former name counts for the same repository,
    // and a conditional request's 304 is counted beside the charged call.
    let c = client();
    let url = format!("{base}/repos/edge/window/actions/runs");
    let first = get_as(&c, &url, TOKEN).await;
    let tag = first.headers()["etag"].to_str().expect("etag").to_string();
    let again = c
        .get(&url)
        .bearer_auth(TOKEN)
        .header("if-none-match", tag)
        .send()
        .await
        .expect("send");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let moved = get_as(
        &c,
        format!("{base}/repos/edge/renamed-old/actions/runs"),
        TOKEN,
    )
    .await;
    assert_eq!(moved.status(), StatusCode::OK, "followed the redirect");
    get_as(&c, format!("{base}/repos/no/such/actions/runs"), TOKEN).await;
    let acct = fake.accounting();
    let runs = &acct.routes["actions_runs"].repos;
    assert_eq!(runs[&window].requests, 2);
    assert_eq!(runs[&window].rest_calls, 1);
    assert_eq!(runs[&window].not_modified, 1);
    assert_eq!(
        runs[&renamed].requests, 2,
        "the 301 and the request it names"
    );
    assert_eq!(runs["no/such"].requests, 1);
    assert!(acct.tokens[TOKEN].repos.is_empty());

    // The JSON route carries the same, and a reset zeroes it.
    let json: Value = c
        .get(format!("{base}/_fake/accounting"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(json["operations"]["CommitHistory"]["requests"], 3);
    assert_eq!(
        json["routes"]["actions_runs"]["repos"][&window]["not_modified"],
        1
    );
    fake.reset_accounting();
    assert!(fake.accounting().operations.is_empty());
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_flight_gauges_show_concurrency() {
    let mut world = edge_world();
    world.faults.routes = vec![RouteFault {
        route: "graphql".into(),
        latency_ms: 400,
        ..RouteFault::default()
    }];
    let fake = serve(world).await;
    let base = fake.base_url();
    let body = json!({"query": "query Cheap { rateLimit { cost } }"});
    // One after another: never more than one in flight.
    for _ in 0..2 {
        post(&base, &body).await;
    }
    let acct = fake.accounting();
    assert_eq!(acct.max_in_flight, 1);
    assert_eq!(acct.routes["graphql"].max_in_flight, 1);
    fake.reset_accounting();
    // Five at once, each held 400 ms: they overlap.
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let base = base.clone();
            let body = body.clone();
            tokio::spawn(async move { post(&base, &body).await })
        })
        .collect();
    for c in calls {
        c.await.expect("join");
    }
    let acct = fake.accounting();
    assert!(acct.max_in_flight >= 2, "{}", acct.max_in_flight);
    assert!(acct.max_in_flight <= 5);
    assert_eq!(acct.routes["graphql"].max_in_flight, acct.max_in_flight);
    assert_eq!(acct.operations["Cheap"].max_in_flight, acct.max_in_flight);
    assert_eq!(acct.tokens[TOKEN].max_in_flight, acct.max_in_flight);
    assert_eq!(acct.in_flight, 0);
    assert_eq!(acct.routes["graphql"].in_flight, 0);
    fake.shutdown().await;
}

// ---------------------------------------------------------- star history --

/// The stargazers document's page, inlined once per repository as the
/// collector batches it (`s{i}: node(id: $i{i})` with `$after` as `$a{i}`).
fn star_batch(ids: &[String]) -> Value {
    let fragment = STARGAZERS
        .split("fragment StarPage on Node")
        .nth(1)
        .expect("the StarPage fragment")
        .trim();
    let mut decls = Vec::new();
    let mut fields = String::new();
    let mut vars = serde_json::Map::new();
    for (i, id) in ids.iter().enumerate() {
        decls.push(format!("$i{i}: ID!, $a{i}: String"));
        fields.push_str(&format!(
            "s{i}: node(id: $i{i}) {}\n",
            fragment.replace("$after", &format!("$a{i}"))
        ));
        vars.insert(format!("i{i}"), json!(id));
    }
    let query = format!(
        "query Stargazers({}) {{ rateLimit {{ cost }} {fields} }}",
        decls.join(", ")
    );
    json!({"query": query, "variables": vars, "operationName": "Stargazers"})
}

#[tokio::test]
async fn star_pages_of_fifty_repositories_cost_a_point_and_rebuild_any_days_count() {
    let world = generate(&GenSpec {
        seed: 3,
        repos: 60,
        median_stars: 150.0,
        ..GenSpec::default()
    });
    let fake = serve(world.clone()).await;
    let base = fake.base_url();
    // The newest page of 50 repositories in one query: 50 connections of
    // 100, 50 requests in GitHub's formula, one point.
    let ids: Vec<String> = world.repos.iter().take(50).map(|r| r.id.clone()).collect();
    let r = post(&base, &star_batch(&ids)).await;
    assert!(r.get("errors").is_none(), "{r}");
    assert_eq!(r["data"]["rateLimit"]["cost"], 1);
    for (i, repo) in world.repos.iter().take(50).enumerate() {
        let page = &r["data"][format!("s{i}")]["stargazers"];
        assert_eq!(page["totalCount"], repo.stars.len(), "{}", repo.full_name());
        let read: Vec<&str> = page["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["starredAt"].as_str().expect("starredAt"))
            .collect();
        assert_eq!(read.len(), repo.stars.len().min(100));
        assert!(read.windows(2).all(|w| w[0] >= w[1]), "newest first");
    }
    let acct = fake.accounting();
    assert_eq!(acct.operations["Stargazers"].graphql_points, 1);
    assert!(
        acct.operations["Stargazers"].repos.is_empty(),
        "a batch belongs to no one repository"
    );
    // The longest list, walked to its end with the document as written: the
    // count of any instant is the total minus the stars read after it.
    let repo = world
        .repos
        .iter()
        .max_by_key(|r| r.stars.len())
        .expect("repos");
    assert!(repo.stars.len() > 300, "{}", repo.stars.len());
    let mut after: Option<String> = None;
    let mut read: Vec<chrono::DateTime<chrono::Utc>> = Vec::new();
    let mut total: usize;
    loop {
        let vars = json!({"id": repo.id, "after": after});
        let r = post(
            &base,
            &json!({"query": STARGAZERS, "variables": vars, "operationName": "Stargazers"}),
        )
        .await;
        assert!(r.get("errors").is_none(), "{r}");
        assert_eq!(r["data"]["rateLimit"]["cost"], 1);
        let page = &r["data"]["node"]["stargazers"];
        total = page["totalCount"].as_u64().expect("total") as usize;
        for e in page["edges"].as_array().expect("edges") {
            let t = e["starredAt"].as_str().expect("starredAt");
            read.push(
                chrono::DateTime::parse_from_rfc3339(t)
                    .expect("time")
                    .with_timezone(&chrono::Utc),
            );
        }
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(read.len(), total);
    for days in [0, 30, 182, 365, 700] {
        let at = world.now - chrono::Duration::days(days);
        let rebuilt = total - read.iter().filter(|t| **t > at).count();
        assert_eq!(rebuilt, repo.stars_at(at), "{days} days back");
    }
    fake.shutdown().await;
}

// -------------------------------------------------------------- big repo --

#[tokio::test]
async fn a_big_repository_is_walked_in_full_page_by_page() {
    let t = Instant::now();
    let world = big_repo_world(20_000, 365, 7);
    let generated = t.elapsed();
    let repo = world.repos.last().expect("big repo").clone();
    let project = world.projects.last().expect("entry").clone();
    let now = world.now;
    let since = now - chrono::Duration::days(365);
    let truth = expected(
        &world,
        &project,
        &Ask {
            as_of: now,
            window_days: 365,
            collected_at: now,
            bots: &[],
            permissive: &["BSD-3-Clause".to_string()],
            backfill_days: 365,
            star_pages: 100,
        },
    );
    assert_eq!(truth["commits"]["value"], 20_000);
    assert!(truth["contributors"]["value"].as_u64().unwrap_or(0) > 50);
    let fake = serve(world).await;
    let base = fake.base_url();
    let t = Instant::now();
    let mut after: Option<String> = None;
    let mut seen = BTreeSet::new();
    let mut pages = 0;
    loop {
        let vars = json!({"id": repo.id, "oid": repo.commits[0].sha, "first": 100, "since": since.to_rfc3339(), "after": after});
        let r = post(
            &base,
            &json!({"query": COMMIT_HISTORY, "variables": vars, "operationName": "CommitHistory"}),
        )
        .await;
        assert!(r.get("errors").is_none(), "{r}");
        let h = history(&r);
        for n in h["nodes"].as_array().expect("nodes") {
            seen.insert(n["oid"].as_str().expect("oid").to_string());
        }
        pages += 1;
        if h["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = h["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    let walked = t.elapsed();
    println!("generated 20,000 commits in {generated:?}; walked {pages} pages in {walked:?}");
    assert_eq!(pages, 200);
    assert_eq!(seen.len(), 20_000);
    let acct = fake.accounting();
    let ch = &acct.operations["CommitHistory"];
    assert_eq!(ch.repos[&repo.id].requests, 200);
    assert_eq!(ch.repos[&repo.id].graphql_points, ch.graphql_points);
    fake.shutdown().await;
}

// ------------------------------------------------------------------ push --

#[tokio::test]
async fn force_pushes_reruns_and_yanks() {
    let world = edge_world();
    let id = repo_id(&world, "edge/window");
    let before = world.repo_by_id(&id).expect("repo").clone();
    let run = before.workflow_runs.first().expect("a run").clone();
    let fake = serve(world).await;
    let base = fake.base_url();
    let c = client();

    // Force-push: two commits dropped, one new on top of what is left.
    let res: Value = c
        .post(format!("{base}/_fake/change"))
        .json(&json!({"repo": "edge/window", "drop_commits": 2, "commits": 1}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        res["dropped"],
        json!([before.commits[0].sha, before.commits[1].sha])
    );
    let q = json!({"query": COMMIT_HISTORY, "variables": {"id": id, "oid": res["commits"][0], "first": 100}});
    let r = post(&base, &q).await;
    let oids: Vec<&str> = history(&r)["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["oid"].as_str())
        .collect();
    assert_eq!(oids.first().copied(), res["commits"][0].as_str());
    assert_eq!(oids.get(1).copied(), Some(before.commits[2].sha.as_str()));
    assert!(!oids.contains(&before.commits[0].sha.as_str()));
    assert_eq!(oids.len(), (before.commits.len() - 1).min(100));
    // A drop alone moves the head back.
    let res = fake
        .change(&ChangeSpec {
            repo: id.clone(),
            drop_commits: 1,
            ..ChangeSpec::default()
        })
        .expect("force-push");
    assert_eq!(res.commits.len(), 0);
    assert_eq!(
        fake.with_world(|w| w
            .repo_by_id(&id)
            .and_then(|r| r.head())
            .map(|c| c.sha.clone())),
        Some(before.commits[2].sha.clone())
    );

    // Re-run: same id and created_at, one more attempt, a later update.
    let res = fake
        .change(&ChangeSpec {
            reruns: vec![Rerun {
                run_id: run.id,
                conclusion: "failure".into(),
                ..Rerun::default()
            }],
            ..ChangeSpec::default()
        })
        .expect("rerun");
    assert!(res.repo_id.is_empty());
    let runs: Value = get_as(
        &c,
        format!("{base}/repos/edge/window/actions/runs?per_page=100"),
        TOKEN,
    )
    .await
    .json()
    .await
    .expect("json");
    let again = runs["workflow_runs"]
        .as_array()
        .expect("runs")
        .iter()
        .find(|w| w["id"] == run.id)
        .expect("same id");
    assert_eq!(again["run_attempt"], run.run_attempt + 1);
    assert_eq!(again["conclusion"], "failure");
    assert_eq!(again["status"], "completed");
    assert_eq!(again["run_number"], run.run_number);
    assert_eq!(
        again["created_at"],
        json!(tacometer_fake::util::iso(run.created_at))
    );
    let updated = again["updated_at"].as_str().expect("updated_at");
    assert!(updated > tacometer_fake::util::iso(run.updated_at).as_str());
    assert!(
        again["run_started_at"].as_str().expect("started")
            > again["created_at"].as_str().expect("created")
    );
    assert!(again["previous_attempt_url"].as_str().is_some());
    // A re-run under way has no conclusion yet.
    fake.change(&ChangeSpec {
        reruns: vec![Rerun {
            run_id: run.id,
            status: "in_progress".into(),
            ..Rerun::default()
        }],
        ..ChangeSpec::default()
    })
    .expect("rerun");
    let w = fake.world();
    let now_run = w
        .repos
        .iter()
        .flat_map(|r| r.workflow_runs.iter())
        .find(|w| w.id == run.id)
        .expect("run");
    assert_eq!(now_run.run_attempt, run.run_attempt + 2);
    assert_eq!(now_run.conclusion, None);

    // Yank and un-yank a PyPI release, by any spelling of its name.
    let release = |v: &'static str| {
        let c = c.clone();
        let base = base.clone();
        async move {
            c.get(format!("{base}/pypi/edge-window/{v}/json"))
                .send()
                .await
                .expect("send")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    assert_eq!(release("1.0.0").await["info"]["yanked"], false);
    let yank =
        json!({"yank": [{"project": "Edge_Window", "version": "1.0.0", "reason": "broken"}]});
    let r = c
        .post(format!("{base}/_fake/change"))
        .json(&yank)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    let info = release("1.0.0").await;
    assert_eq!(info["info"]["yanked"], true);
    assert_eq!(info["info"]["yanked_reason"], "broken");
    assert!(
        info["urls"]
            .as_array()
            .expect("urls")
            .iter()
            .all(|f| f["yanked"] == true)
    );
    fake.change(&ChangeSpec {
        yank: vec![Yank {
            project: "edge-window".into(),
            version: "1.0.0".into(),
            undo: true,
            ..Yank::default()
        }],
        ..ChangeSpec::default()
    })
    .expect("unyank");
    assert_eq!(release("1.0.0").await["info"]["yanked"], false);

    // Refused pushes change nothing.
    let world_before = fake.world();
    for (bad, status) in [
        (
            json!({"reruns": [{"run_id": 424242}]}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"yank": [{"project": "edge-window", "version": "9.9"}]}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"repo": "edge/window", "drop_commits": 100000}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"commits": 1}), StatusCode::NOT_FOUND),
    ] {
        let r = c
            .post(format!("{base}/_fake/change"))
            .json(&bad)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), status, "{bad}");
    }
    assert_eq!(fake.world(), world_before);
    fake.shutdown().await;
}
