//! GitHub's GraphQL API over a [`World`]: validation against the subset
//! schema, GitHub's cost formula, and a small generic executor.

pub mod exec;
pub mod schema;
pub mod validate;

use std::sync::OnceLock;

use graphql_parser::query::{
    Definition, Document, OperationDefinition, Selection, SelectionSet, TypeCondition, Value,
};
use serde_json::{Map, Value as Json, json};

use crate::world::World;
pub use exec::RateInfo;
pub use schema::Schema;
pub use validate::GqlError;

/// The subset schema the fake serves (`schema/github.graphql`).
pub const SUBSET_SDL: &str = tacometer_queries::github::SCHEMA;

/// GitHub's node limit per query.
pub const MAX_NODES: u64 = 500_000;

/// The parsed subset schema.
pub fn subset_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        Schema::parse(SUBSET_SDL).expect("schema/github.graphql is valid SDL (tested)")
    })
}

/// A validated request, ready to charge and run.
#[derive(Debug)]
pub struct Prepared {
    doc: Document<'static, String>,
    op: usize,
    vars: Map<String, Json>,
    /// GitHub's cost of the query in points.
    pub cost: u64,
    /// Requests summed over connections (before dividing by 100).
    pub requests: u64,
    /// Possible nodes (GitHub's node limit counts these).
    pub node_count: u64,
    /// `rateLimit(dryRun: true)` was asked: charge nothing.
    pub dry_run: bool,
}

/// Parse, validate, pick the operation, coerce variables and compute the
/// cost. Errors come back as GitHub's `errors` array entries.
pub fn prepare(
    schema: &Schema,
    query: &str,
    variables: Option<&Json>,
    operation_name: Option<&str>,
) -> Result<Prepared, Vec<GqlError>> {
    let doc = graphql_parser::parse_query::<String>(query)
        .map_err(|e| vec![validate::parse_error(&e)])?
        .into_static();
    let errors = validate::validate(schema, &doc);
    if !errors.is_empty() {
        return Err(errors);
    }
    let ops: Vec<(usize, Option<&str>)> = doc
        .definitions
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match d {
            Definition::Operation(OperationDefinition::Query(q)) => Some((i, q.name.as_deref())),
            Definition::Operation(OperationDefinition::SelectionSet(_)) => Some((i, None)),
            _ => None,
        })
        .collect();
    let op = match operation_name {
        Some(name) => ops.iter().find(|(_, n)| *n == Some(name)).map(|(i, _)| *i),
        None if ops.len() == 1 => ops.first().map(|(i, _)| *i),
        None => {
            return Err(vec![GqlError::new(
                "An operation name is required when sending multiple operations.",
            )]);
        }
    };
    let Some(op) = op else {
        return Err(vec![GqlError::new(format!(
            "No operation named \"{}\"",
            operation_name.unwrap_or_default()
        ))]);
    };
    let vars = coerce_variables(&doc, op, variables)?;
    let mut p = Prepared {
        doc,
        op,
        vars,
        cost: 0,
        requests: 0,
        node_count: 0,
        dry_run: false,
    };
    let mut c = Cost {
        schema,
        doc: &p.doc,
        vars: &p.vars,
        requests: 0,
        nodes: 0,
        dry_run: false,
        errors: Vec::new(),
    };
    let set = operation_set(&p.doc, op);
    let mut stack = Vec::new();
    c.walk(&schema.query, set, 1, &mut Vec::new(), &mut stack);
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let (requests, nodes, dry_run) = (c.requests, c.nodes, c.dry_run);
    if nodes > MAX_NODES {
        return Err(vec![
            GqlError::new(format!(
                "This query requests up to {nodes} possible nodes which exceeds the maximum limit of {MAX_NODES}."
            ))
            .kind("MAX_NODE_LIMIT_EXCEEDED"),
        ]);
    }
    p.requests = requests;
    p.node_count = nodes;
    p.cost = ((requests + 50) / 100).max(1);
    p.dry_run = dry_run;
    Ok(p)
}

/// The selection set of operation `op`.
fn operation_set<'a>(
    doc: &'a Document<'static, String>,
    op: usize,
) -> &'a SelectionSet<'static, String> {
    static EMPTY: OnceLock<SelectionSet<'static, String>> = OnceLock::new();
    match doc.definitions.get(op) {
        Some(Definition::Operation(OperationDefinition::Query(q))) => &q.selection_set,
        Some(Definition::Operation(OperationDefinition::SelectionSet(s))) => s,
        _ => EMPTY.get_or_init(|| SelectionSet {
            span: Default::default(),
            items: Vec::new(),
        }),
    }
}

fn coerce_variables(
    doc: &Document<'static, String>,
    op: usize,
    given: Option<&Json>,
) -> Result<Map<String, Json>, Vec<GqlError>> {
    let defs = match doc.definitions.get(op) {
        Some(Definition::Operation(OperationDefinition::Query(q))) => &q.variable_definitions[..],
        _ => &[][..],
    };
    let given = given.and_then(Json::as_object);
    let mut out = Map::new();
    let mut errors = Vec::new();
    for d in defs {
        let v = given
            .and_then(|g| g.get(&d.name).cloned())
            .or_else(|| d.default_value.as_ref().map(|dv| to_json(dv, &Map::new())))
            .unwrap_or(Json::Null);
        let non_null = matches!(d.var_type, graphql_parser::query::Type::NonNullType(_));
        if non_null && v.is_null() {
            errors.push(
                GqlError::new(format!(
                    "Variable ${} of type {} was provided invalid value",
                    d.name, d.var_type
                ))
                .at(d.position)
                .ext(json!({"value": null, "problems": [{"path": [], "explanation": "Expected value to not be null"}]})),
            );
        }
        out.insert(d.name.clone(), v);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// An argument value as JSON, with variables substituted.
pub fn to_json(v: &Value<'_, String>, vars: &Map<String, Json>) -> Json {
    match v {
        Value::Variable(n) => vars.get(n).cloned().unwrap_or(Json::Null),
        Value::Int(i) => json!(i.as_i64()),
        Value::Float(f) => json!(f),
        Value::String(s) => json!(s),
        Value::Boolean(b) => json!(b),
        Value::Null => Json::Null,
        Value::Enum(e) => json!(e),
        Value::List(l) => Json::Array(l.iter().map(|x| to_json(x, vars)).collect()),
        Value::Object(o) => Json::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), to_json(x, vars)))
                .collect(),
        ),
    }
}

struct Cost<'a> {
    schema: &'a Schema,
    doc: &'a Document<'static, String>,
    vars: &'a Map<String, Json>,
    requests: u64,
    nodes: u64,
    dry_run: bool,
    errors: Vec<GqlError>,
}

impl<'a> Cost<'a> {
    /// Walk statically: every fragment counts, whatever its type condition.
    fn walk(
        &mut self,
        parent: &str,
        set: &'a SelectionSet<'static, String>,
        mult: u64,
        path: &mut Vec<Json>,
        stack: &mut Vec<&'a str>,
    ) {
        for sel in &set.items {
            match sel {
                Selection::Field(f) => {
                    let Some(def) = self.schema.get(parent).and_then(|t| t.fields.get(&f.name))
                    else {
                        continue;
                    };
                    let key = f.alias.as_ref().unwrap_or(&f.name);
                    path.push(json!(key));
                    let args: Map<String, Json> = f
                        .arguments
                        .iter()
                        .map(|(k, v)| (k.clone(), to_json(v, self.vars)))
                        .collect();
                    let named = def.ty.named().to_string();
                    let mut child = mult;
                    if f.name == "rateLimit" && args.get("dryRun") == Some(&json!(true)) {
                        self.dry_run = true;
                    }
                    if named.ends_with("Connection") {
                        let first = args.get("first").and_then(Json::as_i64);
                        let last = args.get("last").and_then(Json::as_i64);
                        match first.or(last) {
                            None => self.errors.push(
                                GqlError::new(format!(
                                    "You must provide a `first` or `last` value to properly paginate the `{}` connection.",
                                    f.name
                                ))
                                .kind("MISSING_PAGINATION_BOUNDARIES")
                                .path(path.clone())
                                .at(f.position),
                            ),
                            Some(n) if !(0..=100).contains(&n) => {
                                let which = if first.is_some() { "first" } else { "last" };
                                self.errors.push(
                                    GqlError::new(format!(
                                        "Requesting {n} records on the `{}` connection exceeds the `{which}` limit of 100 records.",
                                        f.name
                                    ))
                                    .kind("EXCESSIVE_PAGINATION")
                                    .path(path.clone())
                                    .at(f.position),
                                )
                            }
                            Some(n) => {
                                let n = u64::try_from(n).unwrap_or(0);
                                self.requests += mult;
                                self.nodes += mult * n;
                                child = mult * n.max(1);
                            }
                        }
                    } else if parent == self.schema.query && f.name == "nodes" {
                        let n = args.get("ids").and_then(Json::as_array).map_or(0, Vec::len);
                        child = mult * u64::try_from(n).unwrap_or(0).max(1);
                    }
                    if self.schema.is_composite(&named) {
                        self.walk(&named, &f.selection_set, child, path, stack);
                    }
                    path.pop();
                }
                Selection::InlineFragment(inl) => {
                    let target = match &inl.type_condition {
                        Some(TypeCondition::On(t)) => t.as_str(),
                        None => parent,
                    };
                    self.walk(target, &inl.selection_set, mult, path, stack);
                }
                Selection::FragmentSpread(s) => {
                    let name = s.fragment_name.as_str();
                    if stack.contains(&name) {
                        continue;
                    }
                    let frag = self.doc.definitions.iter().find_map(|d| match d {
                        Definition::Fragment(f) if f.name == name => Some(f),
                        _ => None,
                    });
                    if let Some(frag) = frag {
                        let TypeCondition::On(target) = &frag.type_condition;
                        stack.push(name);
                        self.walk(target, &frag.selection_set, mult, path, stack);
                        stack.pop();
                    }
                }
            }
        }
    }
}

/// The operation name counted for a body that is not JSON with a `query`.
pub const INVALID_OPERATION: &str = "(invalid)";

/// The operation name counted for an unnamed operation.
pub const ANONYMOUS_OPERATION: &str = "(anonymous)";

/// What a request body (`{"query", "variables", "operationName"}`) asks for,
/// read before it is validated, for the accounting: the operation name (the
/// request's `operationName`, else the name of the document's first
/// operation) and the `id` of the top-level `node(id:)` of that operation,
/// given literally or as a variable, when it has exactly one.
pub fn describe(body: &Json) -> (String, Option<String>) {
    let Some(query) = body.get("query").and_then(Json::as_str) else {
        return (INVALID_OPERATION.into(), None);
    };
    let given = body.get("operationName").and_then(Json::as_str);
    let Ok(doc) = graphql_parser::parse_query::<&str>(query) else {
        return (given.unwrap_or(INVALID_OPERATION).into(), None);
    };
    let ops = doc.definitions.iter().filter_map(|d| match d {
        Definition::Operation(OperationDefinition::Query(q)) => Some((q.name, &q.selection_set)),
        Definition::Operation(OperationDefinition::SelectionSet(s)) => Some((None, s)),
        _ => None,
    });
    let picked = match given {
        Some(name) => ops.clone().find(|(n, _)| *n == Some(name)),
        None => ops.clone().next(),
    };
    let name = given
        .or_else(|| picked.and_then(|(n, _)| n))
        .unwrap_or(ANONYMOUS_OPERATION)
        .to_string();
    let vars = body.get("variables").and_then(Json::as_object);
    let node = picked.and_then(|(_, set)| {
        let mut ids = set.items.iter().filter_map(|sel| match sel {
            Selection::Field(f) if f.name == "node" => {
                f.arguments.iter().find_map(|(k, v)| match (*k, v) {
                    ("id", Value::String(s)) => Some(s.clone()),
                    ("id", Value::Variable(n)) => vars
                        .and_then(|m| m.get(*n))
                        .and_then(Json::as_str)
                        .map(str::to_string),
                    _ => None,
                })
            }
            _ => None,
        });
        // A batch of aliased `node` fields targets several repositories:
        // its points belong to none of them.
        match (ids.next(), ids.next()) {
            (Some(id), None) => Some(id),
            _ => None,
        }
    });
    (name, node)
}

/// Run a prepared request over the world; returns the response body
/// (`{"data": ..., "errors": [...]}`).
pub fn execute(p: &Prepared, world: &World, rate: RateInfo) -> Json {
    exec::run(
        subset_schema(),
        &p.doc,
        operation_set(&p.doc, p.op),
        &p.vars,
        world,
        rate,
    )
}

/// A complete error response body.
pub fn error_body(errors: &[GqlError]) -> Json {
    json!({"errors": errors.iter().map(GqlError::to_json).collect::<Vec<_>>()})
}
