//! The executor: walks a validated selection over world objects.
//!
//! Every object knows its GraphQL type name, so `__typename`, inline fragments
//! (`... on Commit`) and named fragments work on interfaces and unions. Field
//! errors become `null` plus an `errors` entry with the response path; a
//! `null` in a non-null field propagates to the nearest nullable parent, as
//! the GraphQL spec and GitHub do.
//!
//! The file is long (about 1,150 lines) because the resolvers of every type
//! share the object model and the pagination helpers defined here.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use graphql_parser::query::{Definition, Document, Field, Selection, SelectionSet, TypeCondition};
use serde_json::{Map, Value as Json, json};

use super::schema::{Schema, Ty};
use super::to_json;
use super::validate::GqlError;
use crate::util::{b64, fake_sha, fnv, git_ts, iso, unb64};
use crate::world::{
    Commit, CommitStatus, License, Person, PullRequest, Release, Repo, WorkflowRun, World,
    is_app_bot,
};

/// The numbers `rateLimit { ... }` reports (after charging this query).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateInfo {
    /// Cost of this query.
    pub cost: u64,
    /// Points per window.
    pub limit: u64,
    /// Points left.
    pub remaining: u64,
    /// Points used.
    pub used: u64,
    /// Window reset.
    pub reset_at: DateTime<Utc>,
    /// Possible nodes of this query.
    pub node_count: u64,
}

#[derive(Clone)]
enum Obj<'w> {
    Query,
    Repo(&'w Repo),
    Owner(&'w Repo),
    User(String),
    Bot(String),
    License(&'w License),
    Ref(&'w Repo),
    Commit(&'w Repo, usize),
    Actor(&'w Person, DateTime<Utc>),
    Blob(&'w Repo, &'w str, &'w str),
    /// A directory of the commit at a position: `(repo, commit, dir)`.
    Tree(&'w Repo, usize, String),
    /// `(path, is_dir, size, oid)`.
    Entry(String, bool, usize, String),
    Rollup(&'w Repo, &'w Commit),
    CheckRun(&'w Repo, &'w WorkflowRun),
    Status(&'w Repo, &'w CommitStatus),
    Release(&'w Repo, &'w Release),
    Pull(&'w Repo, &'w PullRequest),
    Rate(RateInfo),
    PageInfo(Page),
    Conn(Box<Conn<'w>>),
    Edge(Box<Item<'w>>, &'static str),
}

#[derive(Clone, Default)]
struct Page {
    start: Option<String>,
    end: Option<String>,
    next: bool,
    prev: bool,
}

#[derive(Clone)]
struct Item<'w> {
    cursor: String,
    node: Obj<'w>,
    starred_at: Option<DateTime<Utc>>,
}

#[derive(Clone)]
struct Conn<'w> {
    typename: &'static str,
    edge: &'static str,
    total: usize,
    items: Vec<Item<'w>>,
    page: Page,
    extras: Vec<(&'static str, Json)>,
}

enum Out<'w> {
    Json(Json),
    Obj(Obj<'w>),
    List(Vec<Out<'w>>),
    Err(GqlError),
}

impl Obj<'_> {
    fn typename(&self) -> &'static str {
        match self {
            Obj::Query => "Query",
            Obj::Repo(_) => "Repository",
            Obj::Owner(r) => {
                if r.owner_is_org {
                    "Organization"
                } else {
                    "User"
                }
            }
            Obj::User(_) => "User",
            Obj::Bot(_) => "Bot",
            Obj::License(_) => "License",
            Obj::Ref(_) => "Ref",
            Obj::Commit(..) => "Commit",
            Obj::Actor(..) => "GitActor",
            Obj::Blob(..) => "Blob",
            Obj::Tree(..) => "Tree",
            Obj::Entry(..) => "TreeEntry",
            Obj::Rollup(..) => "StatusCheckRollup",
            Obj::CheckRun(..) => "CheckRun",
            Obj::Status(..) => "StatusContext",
            Obj::Release(..) => "Release",
            Obj::Pull(..) => "PullRequest",
            Obj::Rate(_) => "RateLimit",
            Obj::PageInfo(_) => "PageInfo",
            Obj::Conn(c) => c.typename,
            Obj::Edge(_, t) => t,
        }
    }
}

type Fields<'a> = Vec<(String, Vec<&'a Field<'static, String>>)>;

struct Exec<'a, 'w> {
    schema: &'a Schema,
    doc: &'a Document<'static, String>,
    vars: &'a Map<String, Json>,
    world: &'w World,
    rate: RateInfo,
    errors: Vec<Json>,
}

/// Execute `set` (the operation's selection) and build the response body.
pub(crate) fn run(
    schema: &Schema,
    doc: &Document<'static, String>,
    set: &SelectionSet<'static, String>,
    vars: &Map<String, Json>,
    world: &World,
    rate: RateInfo,
) -> Json {
    let mut e = Exec {
        schema,
        doc,
        vars,
        world,
        rate,
        errors: Vec::new(),
    };
    let data = e.object(&Obj::Query, &[set], &mut Vec::new());
    let mut body = Map::new();
    body.insert("data".into(), data.unwrap_or(Json::Null));
    if !e.errors.is_empty() {
        body.insert("errors".into(), Json::Array(e.errors));
    }
    Json::Object(body)
}

fn s(v: impl Into<String>) -> Result<Out<'static>, GqlError> {
    Ok(Out::Json(Json::String(v.into())))
}

fn j<'w>(v: Json) -> Result<Out<'w>, GqlError> {
    Ok(Out::Json(v))
}

fn t(v: DateTime<Utc>) -> Json {
    json!(iso(v))
}

fn opt_t(v: Option<DateTime<Utc>>) -> Json {
    v.map_or(Json::Null, t)
}

fn node_id(prefix: &str, key: &str) -> String {
    format!("{prefix}_{}", b64(key))
}

fn db_id(key: &str) -> u64 {
    fnv(key, 7) % 200_000_000 + 1
}

fn repo_url(r: &Repo) -> String {
    format!("https://github.com/{}/{}", r.owner, r.name)
}

/// The contexts of a commit: the latest run per workflow and the latest
/// status per context.
fn contexts<'w>(r: &'w Repo, sha: &str) -> (Vec<&'w WorkflowRun>, Vec<&'w CommitStatus>) {
    let mut runs: BTreeMap<&str, &WorkflowRun> = BTreeMap::new();
    for run in r.workflow_runs.iter().filter(|w| w.head_sha == sha) {
        let e = runs.entry(run.name.as_str()).or_insert(run);
        if (run.created_at, run.run_attempt) > (e.created_at, e.run_attempt) {
            *e = run;
        }
    }
    let mut statuses: BTreeMap<&str, &CommitStatus> = BTreeMap::new();
    for st in r.statuses.iter().filter(|x| x.sha == sha) {
        let e = statuses.entry(st.context.as_str()).or_insert(st);
        if st.created_at > e.created_at {
            *e = st;
        }
    }
    (
        runs.into_values().collect(),
        statuses.into_values().collect(),
    )
}

fn rollup_state(runs: &[&WorkflowRun], statuses: &[&CommitStatus]) -> &'static str {
    let mut failure = false;
    let mut error = false;
    let mut pending = false;
    for r in runs {
        if r.status != "completed" {
            pending = true;
        } else if matches!(
            r.conclusion.as_deref(),
            Some("failure" | "timed_out" | "startup_failure" | "cancelled" | "action_required")
        ) {
            failure = true;
        }
    }
    for st in statuses {
        match st.state.as_str() {
            "failure" => failure = true,
            "error" => error = true,
            "pending" => pending = true,
            _ => {}
        }
    }
    if failure {
        "FAILURE"
    } else if error {
        "ERROR"
    } else if pending {
        "PENDING"
    } else {
        "SUCCESS"
    }
}

fn arg_i64(args: &Map<String, Json>, name: &str) -> Option<i64> {
    args.get(name).and_then(Json::as_i64)
}

fn arg_str<'m>(args: &'m Map<String, Json>, name: &str) -> Option<&'m str> {
    args.get(name).and_then(Json::as_str)
}

fn parse_ts(args: &Map<String, Json>, name: &str) -> Result<Option<DateTime<Utc>>, GqlError> {
    match arg_str(args, name) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| {
                GqlError::new(format!(
                    "Argument '{name}' on Field 'history' has an invalid value ({v}). Expected type 'GitTimestamp'."
                ))
                .ext(json!({"code": "argumentLiteralsIncompatible", "typeName": "Field", "argumentName": name}))
            }),
    }
}

/// The cursor of the item with stable key `key` in a connection of `kind`.
fn cursor(kind: &str, key: &str) -> String {
    b64(&format!("cursor:{kind}:{key}"))
}

/// The page `[start, end)` that Relay arguments (`first`, `last`, `after`,
/// `before`) select from `total` ordered items; `find` gives the position
/// of the item with a cursor's key.
fn window(
    kind: &str,
    total: usize,
    find: impl Fn(&str) -> Option<usize>,
    args: &Map<String, Json>,
) -> Result<(usize, usize), GqlError> {
    let find = |c: &str| -> Result<usize, GqlError> {
        let prefix = format!("cursor:{kind}:");
        unb64(c)
            .and_then(|d| d.strip_prefix(&prefix).and_then(&find))
            .ok_or_else(|| {
                GqlError::new(format!("`{c}` does not appear to be a valid cursor."))
                    .kind("INVALID_CURSOR_ARGUMENTS")
            })
    };
    let mut lo = 0;
    let mut hi = total;
    if let Some(a) = arg_str(args, "after") {
        lo = find(a)? + 1;
    }
    if let Some(b) = arg_str(args, "before") {
        hi = find(b)?.max(lo);
    }
    let hi = hi.max(lo);
    let (start, end) = if let Some(n) = arg_i64(args, "first") {
        let n = usize::try_from(n).unwrap_or(0);
        (lo, (lo + n).min(hi))
    } else if let Some(n) = arg_i64(args, "last") {
        let n = usize::try_from(n).unwrap_or(0);
        (hi.saturating_sub(n).max(lo), hi)
    } else {
        (lo, hi)
    };
    Ok((start, end))
}

/// A connection of `total` items whose page `[start, end)` is `page_items`.
fn page_conn<'w>(
    typename: &'static str,
    edge: &'static str,
    total: usize,
    page_items: Vec<Item<'w>>,
    (start, end): (usize, usize),
) -> Conn<'w> {
    let page = Page {
        start: page_items.first().map(|i| i.cursor.clone()),
        end: page_items.last().map(|i| i.cursor.clone()),
        next: end < total,
        prev: start > 0,
    };
    Conn {
        typename,
        edge,
        total,
        items: page_items,
        page,
        extras: Vec::new(),
    }
}

/// Relay pagination over `items` (already ordered), with cursors built
/// from each item's stable key.
fn paginate<'w>(
    kind: &str,
    typename: &'static str,
    edge: &'static str,
    items: Vec<(String, Obj<'w>, Option<DateTime<Utc>>)>,
    args: &Map<String, Json>,
) -> Result<Conn<'w>, GqlError> {
    let total = items.len();
    let (start, end) = window(
        kind,
        total,
        |key| items.iter().position(|(k, _, _)| k == key),
        args,
    )?;
    let page_items = items
        .into_iter()
        .skip(start)
        .take(end - start)
        .map(|(k, node, starred_at)| Item {
            cursor: cursor(kind, &k),
            node,
            starred_at,
        })
        .collect();
    Ok(page_conn(typename, edge, total, page_items, (start, end)))
}

/// The position of the commit `sha` in `r`, searched from `from` on first
/// (parents come after their children in newest-first order).
fn commit_position(r: &Repo, from: usize, sha: &str) -> Option<usize> {
    let from = from.min(r.commits.len());
    r.commits[from..]
        .iter()
        .position(|c| c.sha == sha)
        .map(|k| from + k)
        .or_else(|| r.commits[..from].iter().position(|c| c.sha == sha))
}

fn conn<'w>(c: Result<Conn<'w>, GqlError>) -> Result<Out<'w>, GqlError> {
    c.map(|c| Out::Obj(Obj::Conn(Box::new(c))))
}

fn actor_obj<'w>(login: &str) -> Obj<'w> {
    if is_app_bot(login) {
        Obj::Bot(login.to_string())
    } else {
        Obj::User(login.to_string())
    }
}

impl<'a, 'w> Exec<'a, 'w> {
    fn collect(&self, typename: &str, sets: &[&'a SelectionSet<'static, String>]) -> Fields<'a> {
        let mut out: Fields<'a> = Vec::new();
        let mut seen = Vec::new();
        for set in sets {
            self.collect_into(typename, set, &mut out, &mut seen);
        }
        out
    }

    fn collect_into(
        &self,
        typename: &str,
        set: &'a SelectionSet<'static, String>,
        out: &mut Fields<'a>,
        seen: &mut Vec<&'a str>,
    ) {
        for sel in &set.items {
            match sel {
                Selection::Field(f) => {
                    let key = f.alias.as_ref().unwrap_or(&f.name);
                    match out.iter_mut().find(|(k, _)| k == key) {
                        Some((_, v)) => v.push(f),
                        None => out.push((key.clone(), vec![f])),
                    }
                }
                Selection::InlineFragment(inl) => {
                    let applies = match &inl.type_condition {
                        Some(TypeCondition::On(c)) => self.schema.satisfies(typename, c),
                        None => true,
                    };
                    if applies {
                        self.collect_into(typename, &inl.selection_set, out, seen);
                    }
                }
                Selection::FragmentSpread(sp) => {
                    let name = sp.fragment_name.as_str();
                    if seen.contains(&name) {
                        continue;
                    }
                    let frag = self.doc.definitions.iter().find_map(|d| match d {
                        Definition::Fragment(f) if f.name == name => Some(f),
                        _ => None,
                    });
                    if let Some(frag) = frag {
                        let TypeCondition::On(c) = &frag.type_condition;
                        if self.schema.satisfies(typename, c) {
                            seen.push(name);
                            self.collect_into(typename, &frag.selection_set, out, seen);
                        }
                    }
                }
            }
        }
    }

    fn object(
        &mut self,
        obj: &Obj<'w>,
        sets: &[&'a SelectionSet<'static, String>],
        path: &mut Vec<Json>,
    ) -> Option<Json> {
        let typename = obj.typename();
        let fields = self.collect(typename, sets);
        let mut map = Map::new();
        for (key, fs) in fields {
            let Some(f) = fs.first().copied() else {
                continue;
            };
            if f.name == "__typename" {
                map.insert(key, json!(typename));
                continue;
            }
            let non_null = self
                .schema
                .get(typename)
                .and_then(|t| t.fields.get(&f.name))
                .is_some_and(|d| matches!(d.ty, Ty::NonNull(_)));
            let args: Map<String, Json> = f
                .arguments
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v, self.vars)))
                .collect();
            path.push(json!(key));
            let subs: Vec<&'a SelectionSet<'static, String>> =
                fs.iter().map(|f| &f.selection_set).collect();
            let value = match self.resolve(obj, &f.name, &args) {
                Ok(out) => self.complete(out, &subs, path, f),
                Err(err) => {
                    self.error(err, path, f);
                    None
                }
            };
            path.pop();
            match value {
                Some(v) => {
                    map.insert(key, v);
                }
                None if non_null => return None,
                None => {
                    map.insert(key, Json::Null);
                }
            }
        }
        Some(Json::Object(map))
    }

    fn error(&mut self, err: GqlError, path: &[Json], f: &Field<'static, String>) {
        let err = if err.path.is_none() {
            err.path(path.to_vec())
        } else {
            err
        };
        let err = if err.location.is_none() {
            err.at(f.position)
        } else {
            err
        };
        self.errors.push(err.to_json());
    }

    fn complete(
        &mut self,
        out: Out<'w>,
        subs: &[&'a SelectionSet<'static, String>],
        path: &mut Vec<Json>,
        f: &Field<'static, String>,
    ) -> Option<Json> {
        match out {
            Out::Json(v) => Some(v),
            Out::Obj(o) => self.object(&o, subs, path),
            Out::Err(e) => {
                self.error(e, path, f);
                None
            }
            Out::List(items) => {
                let mut arr = Vec::with_capacity(items.len());
                for (i, it) in items.into_iter().enumerate() {
                    path.push(json!(i));
                    arr.push(self.complete(it, subs, path, f).unwrap_or(Json::Null));
                    path.pop();
                }
                Some(Json::Array(arr))
            }
        }
    }

    fn resolve(
        &mut self,
        obj: &Obj<'w>,
        field: &str,
        args: &Map<String, Json>,
    ) -> Result<Out<'w>, GqlError> {
        match obj {
            Obj::Query => self.query(field, args),
            Obj::Repo(r) => self.repo(r, field, args),
            Obj::Owner(r) => {
                let key = if r.owner_is_org { "O" } else { "U" };
                match field {
                    "id" => s(node_id(key, &r.owner)),
                    "login" => s(r.owner.clone()),
                    "url" => s(format!("https://github.com/{}", r.owner)),
                    "name" => s(r.owner.clone()),
                    "databaseId" => j(json!(db_id(&r.owner))),
                    // The owner's repository by name (its `.github` community
                    // defaults); a missing one is null with NOT_FOUND, as on GitHub.
                    "repository" => {
                        let mut at_owner = args.clone();
                        at_owner.insert("owner".into(), Json::String(r.owner.clone()));
                        self.query("repository", &at_owner)
                    }
                    _ => j(Json::Null),
                }
            }
            Obj::User(login) => match field {
                "id" => s(node_id("U", login)),
                "login" => s(login.clone()),
                "url" => s(format!("https://github.com/{login}")),
                "databaseId" => j(json!(db_id(login))),
                _ => j(Json::Null),
            },
            Obj::Bot(login) => {
                let short = login.trim_end_matches("[bot]");
                match field {
                    "id" => s(node_id("BOT", login)),
                    "login" => s(short),
                    "url" => s(format!("https://github.com/apps/{short}")),
                    "databaseId" => j(json!(db_id(login))),
                    _ => j(Json::Null),
                }
            }
            Obj::License(l) => match field {
                "id" => s(node_id("L", &l.key)),
                "key" => s(l.key.clone()),
                "name" => s(l.name.clone()),
                "spdxId" => j(json!(l.spdx_id)),
                "pseudoLicense" => j(json!(l.key == "other")),
                "url" => j(if l.key == "other" {
                    Json::Null
                } else {
                    json!(format!("http://choosealicense.com/licenses/{}/", l.key))
                }),
                _ => j(Json::Null),
            },
            Obj::Ref(r) => {
                let branch = r.default_branch.clone().unwrap_or_default();
                match field {
                    "id" => s(node_id("REF", &format!("{}:{branch}", r.id))),
                    "name" => s(branch),
                    "prefix" => s("refs/heads/"),
                    "target" => Ok(if r.commits.is_empty() {
                        Out::Json(Json::Null)
                    } else {
                        Out::Obj(Obj::Commit(r, 0))
                    }),
                    _ => j(Json::Null),
                }
            }
            Obj::Commit(r, i) => self.commit(r, *i, field, args),
            Obj::Actor(p, date) => match field {
                "name" => s(p.name.clone()),
                "email" => s(p.email.clone()),
                "date" => s(git_ts(*date)),
                "user" => Ok(match &p.login {
                    Some(l) if !is_app_bot(l) => Out::Obj(Obj::User(l.clone())),
                    _ => Out::Json(Json::Null),
                }),
                _ => j(Json::Null),
            },
            Obj::Blob(r, path, text) => match field {
                "id" => s(node_id("B", &format!("{}:{path}", r.id))),
                "oid" => s(fake_sha(text)),
                "abbreviatedOid" => s(fake_sha(text)[..7].to_string()),
                "text" => s(*text),
                "byteSize" => j(json!(text.len())),
                "isBinary" => j(json!(false)),
                "isTruncated" => j(json!(false)),
                _ => j(Json::Null),
            },
            Obj::Tree(r, at, dir) => match field {
                "id" => s(node_id("T", &format!("{}:{dir}", r.id))),
                "oid" => s(fake_sha(&format!("{}:{dir}", r.id))),
                "abbreviatedOid" => s(fake_sha(&format!("{}:{dir}", r.id))[..7].to_string()),
                "entries" => Ok(Out::List(
                    tree_entries(r, *at, dir)
                        .into_iter()
                        .map(|(p, is_dir, size, oid)| Out::Obj(Obj::Entry(p, is_dir, size, oid)))
                        .collect(),
                )),
                _ => j(Json::Null),
            },
            Obj::Entry(path, is_dir, size, oid) => {
                let name = path.rsplit('/').next().unwrap_or(path).to_string();
                match field {
                    "name" => s(name),
                    "path" => s(path.clone()),
                    "type" => s(if *is_dir { "tree" } else { "blob" }),
                    "mode" => j(json!(if *is_dir { 16384 } else { 33188 })),
                    "oid" => s(oid.clone()),
                    "size" => j(json!(size)),
                    "extension" => j(match name.rfind('.') {
                        Some(i) if !is_dir && i > 0 => json!(name[i..].to_string()),
                        _ => Json::Null,
                    }),
                    _ => j(Json::Null),
                }
            }
            Obj::Rollup(r, c) => {
                let (runs, statuses) = contexts(r, &c.sha);
                match field {
                    "id" => s(node_id("SCR", &format!("{}:{}", r.id, c.sha))),
                    "state" => s(rollup_state(&runs, &statuses)),
                    "contexts" => {
                        let (nr, ns) = (runs.len(), statuses.len());
                        let items =
                            runs.into_iter()
                                .map(|w| (format!("r{}", w.id), Obj::CheckRun(r, w), None))
                                .chain(statuses.into_iter().map(|st| {
                                    (format!("s{}", st.context), Obj::Status(r, st), None)
                                }))
                                .collect();
                        let mut c = paginate(
                            "contexts",
                            "StatusCheckRollupContextConnection",
                            "StatusCheckRollupContextEdge",
                            items,
                            args,
                        )?;
                        c.extras = vec![
                            ("checkRunCount", json!(nr)),
                            ("statusContextCount", json!(ns)),
                        ];
                        conn(Ok(c))
                    }
                    _ => j(Json::Null),
                }
            }
            Obj::CheckRun(r, w) => match field {
                "id" => s(node_id("CR", &w.id.to_string())),
                "databaseId" => j(json!(w.id)),
                "name" => s(w.name.clone()),
                "status" => s(w.status.to_uppercase()),
                "conclusion" => j(json!(w.conclusion.as_ref().map(|c| c.to_uppercase()))),
                "startedAt" => j(t(w.run_started_at.unwrap_or(w.created_at))),
                "completedAt" => j(if w.status == "completed" {
                    t(w.updated_at)
                } else {
                    Json::Null
                }),
                "url" | "detailsUrl" => s(format!("{}/actions/runs/{}", repo_url(r), w.id)),
                _ => j(Json::Null),
            },
            Obj::Status(r, st) => match field {
                "id" => s(node_id(
                    "SC",
                    &format!("{}:{}:{}", r.id, st.sha, st.context),
                )),
                "context" => s(st.context.clone()),
                "state" => s(st.state.to_uppercase()),
                "createdAt" => j(t(st.created_at)),
                "targetUrl" => j(json!(st.target_url)),
                "description" => j(json!(st.description)),
                _ => j(Json::Null),
            },
            Obj::Release(r, rel) => match field {
                "id" => s(node_id("RE", &format!("{}:{}", r.id, rel.tag_name))),
                "tagName" => s(rel.tag_name.clone()),
                "name" => j(json!(rel.name)),
                "createdAt" => j(t(rel.created_at)),
                "publishedAt" => j(opt_t(rel.published_at)),
                "isPrerelease" => j(json!(rel.prerelease)),
                "isDraft" => j(json!(rel.draft)),
                "isLatest" => j(json!(
                    latest_release(r).is_some_and(|l| l.tag_name == rel.tag_name)
                )),
                "url" => s(format!("{}/releases/tag/{}", repo_url(r), rel.tag_name)),
                _ => j(Json::Null),
            },
            Obj::Pull(r, pr) => match field {
                "id" => s(node_id("PR", &format!("{}:{}", r.id, pr.number))),
                "number" => j(json!(pr.number)),
                "title" => s(pr.title.clone()),
                "state" => s(pr_state(pr)),
                "createdAt" => j(t(pr.created_at)),
                "updatedAt" => j(t(pr.updated_at)),
                "merged" => j(json!(pr.merged_at.is_some())),
                "mergedAt" => j(opt_t(pr.merged_at)),
                "mergedBy" => Ok(match (&pr.merged_by, pr.merged_at) {
                    (Some(l), Some(_)) => Out::Obj(actor_obj(l)),
                    _ => Out::Json(Json::Null),
                }),
                "url" => s(format!("{}/pull/{}", repo_url(r), pr.number)),
                _ => j(Json::Null),
            },
            Obj::Rate(ri) => match field {
                "cost" => j(json!(ri.cost)),
                "limit" => j(json!(ri.limit)),
                "remaining" => j(json!(ri.remaining)),
                "used" => j(json!(ri.used)),
                "resetAt" => j(t(ri.reset_at)),
                "nodeCount" => j(json!(ri.node_count)),
                _ => j(Json::Null),
            },
            Obj::PageInfo(p) => match field {
                "startCursor" => j(json!(p.start)),
                "endCursor" => j(json!(p.end)),
                "hasNextPage" => j(json!(p.next)),
                "hasPreviousPage" => j(json!(p.prev)),
                _ => j(Json::Null),
            },
            Obj::Conn(c) => match field {
                "totalCount" => j(json!(c.total)),
                "pageInfo" => Ok(Out::Obj(Obj::PageInfo(c.page.clone()))),
                "nodes" => Ok(Out::List(
                    c.items.iter().map(|i| Out::Obj(i.node.clone())).collect(),
                )),
                "edges" => Ok(Out::List(
                    c.items
                        .iter()
                        .map(|i| Out::Obj(Obj::Edge(Box::new(i.clone()), c.edge)))
                        .collect(),
                )),
                other => j(c
                    .extras
                    .iter()
                    .find(|(k, _)| *k == other)
                    .map_or(Json::Null, |(_, v)| v.clone())),
            },
            Obj::Edge(item, _) => match field {
                "cursor" => s(item.cursor.clone()),
                "node" => Ok(Out::Obj(item.node.clone())),
                "starredAt" => j(opt_t(item.starred_at)),
                _ => j(Json::Null),
            },
        }
    }

    fn query(&mut self, field: &str, args: &Map<String, Json>) -> Result<Out<'w>, GqlError> {
        let world = self.world;
        match field {
            "rateLimit" => Ok(Out::Obj(Obj::Rate(self.rate))),
            "repository" => {
                let owner = arg_str(args, "owner").unwrap_or_default();
                let name = arg_str(args, "name").unwrap_or_default();
                let follow = args
                    .get("followRenames")
                    .and_then(Json::as_bool)
                    .unwrap_or(true);
                let found = world.repo_by_name(owner, name).filter(|r| {
                    !r.deleted
                        && (follow
                            || r.full_name()
                                .eq_ignore_ascii_case(&format!("{owner}/{name}")))
                });
                match found {
                    Some(r) => Ok(Out::Obj(Obj::Repo(r))),
                    None => Err(GqlError::new(format!(
                        "Could not resolve to a Repository with the name '{owner}/{name}'."
                    ))
                    .kind("NOT_FOUND")),
                }
            }
            "node" => {
                let id = arg_str(args, "id").unwrap_or_default();
                match self.node(id) {
                    Some(o) => Ok(Out::Obj(o)),
                    None => Err(not_found_node(id)),
                }
            }
            "nodes" => {
                let ids: Vec<String> = args
                    .get("ids")
                    .and_then(Json::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(Out::List(
                    ids.iter()
                        .map(|id| match self.node(id) {
                            Some(o) => Out::Obj(o),
                            None => Out::Err(not_found_node(id)),
                        })
                        .collect(),
                ))
            }
            _ => j(Json::Null),
        }
    }

    fn node(&self, id: &str) -> Option<Obj<'w>> {
        let world = self.world;
        if let Some(r) = world.repo_by_id(id) {
            return (!r.deleted).then_some(Obj::Repo(r));
        }
        let key = unb64(id.strip_prefix("C_")?)?;
        let (rid, sha) = key.rsplit_once(':')?;
        let r = world.repo_by_id(rid).filter(|r| !r.deleted)?;
        let i = r.commits.iter().position(|c| c.sha == sha)?;
        Some(Obj::Commit(r, i))
    }

    fn repo(
        &mut self,
        r: &'w Repo,
        field: &str,
        args: &Map<String, Json>,
    ) -> Result<Out<'w>, GqlError> {
        match field {
            "id" => s(r.id.clone()),
            "databaseId" => j(json!(r.database_id)),
            "name" => s(r.name.clone()),
            "nameWithOwner" => s(r.full_name()),
            "owner" => Ok(Out::Obj(Obj::Owner(r))),
            "url" => s(repo_url(r)),
            "description" => j(json!(r.description)),
            "stargazerCount" => j(json!(r.stars.len())),
            "forkCount" => j(json!(r.forks)),
            "isArchived" => j(json!(r.archived)),
            "isFork" => j(json!(r.fork)),
            "isEmpty" => j(json!(r.commits.is_empty())),
            "isDisabled" => j(json!(r.disabled)),
            "isPrivate" => j(json!(false)),
            "pushedAt" => j(opt_t(r.pushed_at)),
            "createdAt" => j(t(r.created_at)),
            "updatedAt" => j(t(r.updated_at())),
            "licenseInfo" => Ok(match &r.license {
                Some(l) => Out::Obj(Obj::License(l)),
                None => Out::Json(Json::Null),
            }),
            "defaultBranchRef" => Ok(match (&r.default_branch, r.commits.is_empty()) {
                (Some(_), false) => Out::Obj(Obj::Ref(r)),
                _ => Out::Json(Json::Null),
            }),
            "object" => Ok(resolve_object(r, args).map_or(Out::Json(Json::Null), Out::Obj)),
            "latestRelease" => Ok(latest_release(r)
                .map_or(Out::Json(Json::Null), |rel| Out::Obj(Obj::Release(r, rel)))),
            "releases" => {
                let mut rels: Vec<&Release> = r.releases.iter().filter(|x| !x.draft).collect();
                let (by_name, desc) = order(args, "NAME");
                if by_name {
                    rels.sort_by(|a, b| a.tag_name.cmp(&b.tag_name));
                } else {
                    rels.sort_by_key(|x| x.created_at);
                }
                if desc {
                    rels.reverse();
                }
                let items = rels
                    .into_iter()
                    .map(|x| (x.tag_name.clone(), Obj::Release(r, x), None))
                    .collect();
                conn(paginate(
                    "releases",
                    "ReleaseConnection",
                    "ReleaseEdge",
                    items,
                    args,
                ))
            }
            "stargazers" => {
                let mut idx: Vec<usize> = (0..r.stars.len()).collect();
                idx.sort_by_key(|&i| r.stars[i].starred_at);
                if order(args, "").1 {
                    idx.reverse();
                }
                let items = idx
                    .into_iter()
                    .map(|i| {
                        let st = &r.stars[i];
                        (
                            i.to_string(),
                            Obj::User(st.login.clone()),
                            Some(st.starred_at),
                        )
                    })
                    .collect();
                conn(paginate(
                    "stars",
                    "StargazerConnection",
                    "StargazerEdge",
                    items,
                    args,
                ))
            }
            "pullRequests" => {
                let states: Option<Vec<String>> =
                    args.get("states").and_then(Json::as_array).map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    });
                let mut prs: Vec<&PullRequest> = r
                    .pull_requests
                    .iter()
                    .filter(|p| {
                        states
                            .as_ref()
                            .is_none_or(|s| s.iter().any(|x| x == pr_state(p)))
                    })
                    .collect();
                let field_name = args
                    .get("orderBy")
                    .and_then(|o| o.get("field"))
                    .and_then(Json::as_str)
                    .unwrap_or("CREATED_AT");
                if field_name == "UPDATED_AT" {
                    prs.sort_by_key(|p| (p.updated_at, p.number));
                } else {
                    prs.sort_by_key(|p| (p.created_at, p.number));
                }
                if order(args, "").1 {
                    prs.reverse();
                }
                let items = prs
                    .into_iter()
                    .map(|p| (p.number.to_string(), Obj::Pull(r, p), None))
                    .collect();
                conn(paginate(
                    "pulls",
                    "PullRequestConnection",
                    "PullRequestEdge",
                    items,
                    args,
                ))
            }
            _ => j(Json::Null),
        }
    }

    fn commit(
        &mut self,
        r: &'w Repo,
        i: usize,
        field: &str,
        args: &Map<String, Json>,
    ) -> Result<Out<'w>, GqlError> {
        let Some(c) = r.commits.get(i) else {
            return j(Json::Null);
        };
        match field {
            "id" => s(node_id("C", &format!("{}:{}", r.id, c.sha))),
            "oid" => s(c.sha.clone()),
            "abbreviatedOid" => s(c.sha.chars().take(7).collect::<String>()),
            "committedDate" => j(t(c.committed_at)),
            "authoredDate" => j(t(c.authored_at)),
            "message" => s(c.message.clone()),
            "messageHeadline" => s(c.message.lines().next().unwrap_or_default()),
            "url" => s(format!("{}/commit/{}", repo_url(r), c.sha)),
            "author" => Ok(Out::Obj(Obj::Actor(&c.author, c.authored_at))),
            "committer" => Ok(Out::Obj(Obj::Actor(&c.committer, c.committed_at))),
            "authors" => {
                let items = c
                    .all_authors()
                    .enumerate()
                    .map(|(k, p)| (k.to_string(), Obj::Actor(p, c.authored_at), None))
                    .collect();
                conn(paginate(
                    "authors",
                    "GitActorConnection",
                    "GitActorEdge",
                    items,
                    args,
                ))
            }
            "parents" => {
                let items = c
                    .parents
                    .iter()
                    .filter_map(|p| commit_position(r, i + 1, p))
                    .map(|k| (r.commits[k].sha.clone(), Obj::Commit(r, k), None))
                    .collect();
                let mut cn = paginate("parents", "CommitConnection", "CommitEdge", items, args)?;
                cn.total = c.parents.len();
                conn(Ok(cn))
            }
            "history" => {
                let since = parse_ts(args, "since")?;
                let until = parse_ts(args, "until")?;
                // Positions only: a page builds its own items, so walking a
                // long history page by page stays linear in its length per page.
                let idx: Vec<usize> = (i..r.commits.len())
                    .filter(|&k| {
                        let at = r.commits[k].committed_at;
                        since.is_none_or(|s| at >= s) && until.is_none_or(|u| at <= u)
                    })
                    .collect();
                let find = |sha: &str| idx.iter().position(|&k| r.commits[k].sha == sha);
                let (start, end) = window("history", idx.len(), find, args)?;
                let items = idx[start..end]
                    .iter()
                    .map(|&k| Item {
                        cursor: cursor("history", &r.commits[k].sha),
                        node: Obj::Commit(r, k),
                        starred_at: None,
                    })
                    .collect();
                conn(Ok(page_conn(
                    "CommitHistoryConnection",
                    "CommitEdge",
                    idx.len(),
                    items,
                    (start, end),
                )))
            }
            "statusCheckRollup" => {
                let (runs, statuses) = contexts(r, &c.sha);
                Ok(if runs.is_empty() && statuses.is_empty() {
                    Out::Json(Json::Null)
                } else {
                    Out::Obj(Obj::Rollup(r, c))
                })
            }
            _ => j(Json::Null),
        }
    }
}

fn not_found_node(id: &str) -> GqlError {
    GqlError::new(format!(
        "Could not resolve to a node with the global id of '{id}'"
    ))
    .kind("NOT_FOUND")
}

/// `(order by the named field?, descending?)` from an `orderBy` argument.
fn order(args: &Map<String, Json>, named: &str) -> (bool, bool) {
    let o = args.get("orderBy");
    let field = o.and_then(|o| o.get("field")).and_then(Json::as_str);
    let dir = o.and_then(|o| o.get("direction")).and_then(Json::as_str);
    (field == Some(named), dir == Some("DESC"))
}

fn pr_state(p: &PullRequest) -> &'static str {
    if p.merged_at.is_some() {
        "MERGED"
    } else if p.closed {
        "CLOSED"
    } else {
        "OPEN"
    }
}

fn latest_release(r: &Repo) -> Option<&Release> {
    r.releases
        .iter()
        .filter(|x| !x.draft && !x.prerelease)
        .max_by_key(|x| x.created_at)
}

/// `object(expression: "REV:path")` / `object(oid:)`, where REV is HEAD,
/// the default branch or a commit's SHA (or a prefix of 7 or more): the
/// path is looked up in that commit's files.
fn resolve_object<'w>(r: &'w Repo, args: &Map<String, Json>) -> Option<Obj<'w>> {
    if r.commits.is_empty() {
        return None;
    }
    if let Some(oid) = arg_str(args, "oid") {
        return r
            .commits
            .iter()
            .position(|c| c.sha == oid)
            .map(|i| Obj::Commit(r, i));
    }
    let expr = arg_str(args, "expression")?;
    let (rev, path) = match expr.split_once(':') {
        Some((rev, path)) => (rev, Some(path)),
        None => (expr, None),
    };
    let branch = r.default_branch.as_deref().unwrap_or("HEAD");
    let commit = if rev == "HEAD" || rev == branch || rev == format!("refs/heads/{branch}") {
        Some(0)
    } else if rev.len() >= 7 {
        r.commits.iter().position(|c| c.sha.starts_with(rev))
    } else {
        None
    }?;
    let Some(path) = path else {
        return Some(Obj::Commit(r, commit));
    };
    let path = path.trim_matches('/');
    if path.is_empty() {
        return Some(Obj::Tree(r, commit, String::new()));
    }
    let files = r.files_at(commit);
    if let Some((p, text)) = files.get_key_value(path) {
        return Some(Obj::Blob(r, p, text));
    }
    let prefix = format!("{path}/");
    files
        .keys()
        .any(|k| k.starts_with(&prefix))
        .then(|| Obj::Tree(r, commit, path.to_string()))
}

/// Entries of a directory of the commit at position `at`: `(path, is_dir,
/// size, oid)`, sorted by name. A blob's oid is its content's, as in git.
fn tree_entries(r: &Repo, at: usize, dir: &str) -> Vec<(String, bool, usize, String)> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut out: BTreeMap<String, (bool, usize, String)> = BTreeMap::new();
    for (path, text) in r.files_at(at) {
        let Some(rest) = path.strip_prefix(&prefix) else {
            continue;
        };
        match rest.split_once('/') {
            Some((sub, _)) => {
                let p = format!("{prefix}{sub}");
                let oid = fake_sha(&format!("{}:{p}@{at}", r.id));
                out.insert(p, (true, 0, oid));
            }
            None => {
                out.insert(path.to_string(), (false, text.len(), fake_sha(text)));
            }
        }
    }
    out.into_iter().map(|(p, (d, n, o))| (p, d, n, o)).collect()
}
