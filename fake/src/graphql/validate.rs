//! Static validation of a query document against a schema, with GitHub's
//! error shapes (`undefinedField`, `argumentNotAccepted`, ...).
//!
//! A little over 500 lines: one walk over the document, with a check per
//! kind of node that GitHub reports.

use std::collections::{BTreeMap, BTreeSet};

use graphql_parser::Pos;
use graphql_parser::query::{
    Definition, Document, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
    TypeCondition, Value,
};
use serde_json::{Value as Json, json};

use super::schema::{Kind, Schema, Ty};

/// A GraphQL error as GitHub writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct GqlError {
    /// Message.
    pub message: String,
    /// Response path (or, for validation errors, the document path).
    pub path: Option<Vec<Json>>,
    /// Source position (line, column).
    pub location: Option<(u32, u32)>,
    /// GitHub's top-level `type` (`NOT_FOUND`, `RATE_LIMITED`, ...).
    pub kind: Option<&'static str>,
    /// `extensions` object.
    pub extensions: Option<Json>,
}

impl GqlError {
    /// A plain error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            path: None,
            location: None,
            kind: None,
            extensions: None,
        }
    }

    /// Set the top-level `type`.
    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Set the path.
    pub fn path(mut self, path: Vec<Json>) -> Self {
        self.path = Some(path);
        self
    }

    /// Set the location.
    pub fn at(mut self, pos: Pos) -> Self {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        self.location = Some((n(pos.line), n(pos.column)));
        self
    }

    /// Set the extensions.
    pub fn ext(mut self, ext: Json) -> Self {
        self.extensions = Some(ext);
        self
    }

    /// The JSON object GitHub sends.
    pub fn to_json(&self) -> Json {
        let mut m = serde_json::Map::new();
        if let Some(k) = &self.kind {
            m.insert("type".into(), json!(k));
        }
        if let Some(p) = &self.path {
            m.insert("path".into(), Json::Array(p.clone()));
        }
        if let Some(e) = &self.extensions {
            m.insert("extensions".into(), e.clone());
        }
        if let Some((line, column)) = self.location {
            m.insert(
                "locations".into(),
                json!([{"line": line, "column": column}]),
            );
        }
        m.insert("message".into(), json!(self.message));
        Json::Object(m)
    }
}

/// Parse and validate a document; returns the errors (empty when valid).
pub fn validate_document(schema: &Schema, query: &str) -> Vec<GqlError> {
    match graphql_parser::parse_query::<String>(query) {
        Ok(doc) => validate(schema, &doc.into_static()),
        Err(e) => vec![parse_error(&e)],
    }
}

/// A parse error in GitHub's words.
pub fn parse_error(e: &graphql_parser::query::ParseError) -> GqlError {
    let text = e.to_string();
    GqlError::new(format!("Parse error: {}", text.trim())).ext(json!({"code": "parseError"}))
}

type Doc = Document<'static, String>;

struct Validator<'s, 'a> {
    schema: &'s Schema,
    fragments: BTreeMap<&'a str, &'a FragmentDefinition<'static, String>>,
    errors: Vec<GqlError>,
    used_fragments: BTreeSet<String>,
    used_vars: BTreeSet<String>,
    vars: BTreeMap<String, Ty>,
}

/// Validate a parsed document.
pub fn validate(schema: &Schema, doc: &Doc) -> Vec<GqlError> {
    let mut v = Validator {
        schema,
        fragments: BTreeMap::new(),
        errors: Vec::new(),
        used_fragments: BTreeSet::new(),
        used_vars: BTreeSet::new(),
        vars: BTreeMap::new(),
    };
    for d in &doc.definitions {
        if let Definition::Fragment(f) = d {
            v.fragments.insert(f.name.as_str(), f);
        }
    }
    let mut ops = 0;
    for d in &doc.definitions {
        let Definition::Operation(op) = d else {
            continue;
        };
        ops += 1;
        let (kind, name, vars, set, pos) = match op {
            OperationDefinition::SelectionSet(s) => ("query", None, &[][..], s, s.span.0),
            OperationDefinition::Query(q) => (
                "query",
                q.name.as_deref(),
                &q.variable_definitions[..],
                &q.selection_set,
                q.position,
            ),
            OperationDefinition::Mutation(m) => (
                "mutation",
                m.name.as_deref(),
                &m.variable_definitions[..],
                &m.selection_set,
                m.position,
            ),
            OperationDefinition::Subscription(s) => (
                "subscription",
                s.name.as_deref(),
                &s.variable_definitions[..],
                &s.selection_set,
                s.position,
            ),
        };
        let label = match name {
            Some(n) => format!("{kind} {n}"),
            None => kind.to_string(),
        };
        let root = match kind {
            "query" => Some(schema.query.clone()),
            "mutation" => schema.get("Mutation").map(|_| "Mutation".to_string()),
            _ => None,
        };
        let Some(root) = root else {
            v.errors.push(
                GqlError::new(format!("Schema is not configured for {kind}s"))
                    .path(vec![json!(label)])
                    .at(pos)
                    .ext(json!({"code": "missingOperation", "operationName": kind})),
            );
            continue;
        };
        v.vars.clear();
        v.used_vars.clear();
        for vd in vars {
            let ty = var_type(&vd.var_type);
            let named = ty.named().to_string();
            let ok = v
                .schema
                .get(&named)
                .is_some_and(|t| matches!(t.kind, Kind::Scalar | Kind::Enum | Kind::Input));
            if !ok {
                v.errors.push(
                    GqlError::new(format!(
                        "{named} isn't a valid input type (on ${})",
                        vd.name
                    ))
                    .path(vec![json!(label)])
                    .at(vd.position)
                    .ext(json!({"code": "variableRequiresValidType", "typeName": named, "variableName": vd.name})),
                );
            }
            v.vars.insert(vd.name.clone(), ty);
        }
        let mut stack = Vec::new();
        v.selection_set(&root, set, &mut vec![json!(label)], &mut stack);
        for vd in vars {
            if !v.used_vars.contains(&vd.name) {
                v.errors.push(
                    GqlError::new(format!(
                        "Variable ${} is declared by {} but not used",
                        vd.name,
                        name.unwrap_or("anonymous query")
                    ))
                    .path(vec![json!(label)])
                    .at(vd.position)
                    .ext(json!({"code": "variableNotUsed", "variableName": vd.name})),
                );
            }
        }
    }
    if ops == 0 {
        v.errors.push(
            GqlError::new("No operations in query document").ext(json!({"code": "noOperation"})),
        );
    }
    for (name, f) in &v.fragments {
        if !v.used_fragments.contains(*name) {
            v.errors.push(
                GqlError::new(format!("Fragment {name} was defined, but not used"))
                    .path(vec![json!(format!("fragment {name}"))])
                    .at(f.position)
                    .ext(json!({"code": "useAndDefineFragment", "fragmentName": name})),
            );
        }
    }
    v.errors
}

fn var_type(t: &graphql_parser::query::Type<'_, String>) -> Ty {
    use graphql_parser::query::Type;
    match t {
        Type::NamedType(n) => Ty::Named(n.clone()),
        Type::ListType(i) => Ty::List(Box::new(var_type(i))),
        Type::NonNullType(i) => Ty::NonNull(Box::new(var_type(i))),
    }
}

impl<'a> Validator<'_, 'a> {
    fn selection_set(
        &mut self,
        parent: &str,
        set: &'a SelectionSet<'static, String>,
        path: &mut Vec<Json>,
        stack: &mut Vec<&'a str>,
    ) {
        for sel in &set.items {
            match sel {
                Selection::Field(f) => {
                    let key = f.alias.as_ref().unwrap_or(&f.name);
                    path.push(json!(key));
                    self.field(parent, f, path, stack);
                    path.pop();
                }
                Selection::InlineFragment(inl) => {
                    let target = match &inl.type_condition {
                        Some(TypeCondition::On(t)) => t.as_str(),
                        None => parent,
                    };
                    path.push(json!(format!("... on {target}")));
                    if self.condition(parent, target, path, inl.position) {
                        self.selection_set(target, &inl.selection_set, path, stack);
                    }
                    path.pop();
                }
                Selection::FragmentSpread(s) => {
                    let name = s.fragment_name.as_str();
                    self.used_fragments.insert(name.to_string());
                    let Some(frag) = self.fragments.get(name).copied() else {
                        path.push(json!(format!("... {name}")));
                        self.errors.push(
                            GqlError::new(format!("Fragment {name} was used, but not defined"))
                                .path(path.clone())
                                .at(s.position)
                                .ext(json!({"code": "useAndDefineFragment", "fragmentName": name})),
                        );
                        path.pop();
                        continue;
                    };
                    if stack.contains(&name) {
                        self.errors.push(
                            GqlError::new(format!("Fragment {name} contains an infinite loop"))
                                .at(s.position)
                                .ext(json!({"code": "infiniteLoop", "fragmentName": name})),
                        );
                        continue;
                    }
                    let TypeCondition::On(target) = &frag.type_condition;
                    let mut fpath = vec![json!(format!("fragment {name}"))];
                    if self.condition(parent, target, &mut fpath, frag.position) {
                        stack.push(name);
                        self.selection_set(target, &frag.selection_set, &mut fpath, stack);
                        stack.pop();
                    }
                }
            }
        }
    }

    fn condition(&mut self, parent: &str, target: &str, path: &mut [Json], pos: Pos) -> bool {
        if !self.schema.is_composite(target) {
            self.errors.push(
                GqlError::new(format!(
                    "No such type {target}, so it can't be a fragment condition"
                ))
                .path(path.to_vec())
                .at(pos)
                .ext(json!({"code": "undefinedType", "typeName": target})),
            );
            return false;
        }
        let a = self.schema.possible_types(parent);
        let b = self.schema.possible_types(target);
        if a.is_disjoint(&b) {
            self.errors.push(
                GqlError::new(format!("Fragment on {target} can't be spread inside {parent}"))
                    .path(path.to_vec())
                    .at(pos)
                    .ext(json!({"code": "cannotSpreadFragment", "typeName": target, "parentName": parent})),
            );
            return false;
        }
        true
    }

    fn field(
        &mut self,
        parent: &str,
        f: &'a graphql_parser::query::Field<'static, String>,
        path: &mut Vec<Json>,
        stack: &mut Vec<&'a str>,
    ) {
        if f.name == "__typename" {
            return;
        }
        let Some(ptype) = self.schema.get(parent) else {
            return;
        };
        let Some(def) = ptype.fields.get(&f.name) else {
            let message = if ptype.kind == Kind::Union {
                format!("Selections can't be made directly on unions (see selections on {parent})")
            } else {
                format!("Field '{}' doesn't exist on type '{parent}'", f.name)
            };
            self.errors.push(
                GqlError::new(message)
                    .path(path.clone())
                    .at(f.position)
                    .ext(
                        json!({"code": "undefinedField", "typeName": parent, "fieldName": f.name}),
                    ),
            );
            return;
        };
        for (aname, value) in &f.arguments {
            match def.args.get(aname) {
                None => self.errors.push(
                    GqlError::new(format!("Field '{}' doesn't accept argument '{aname}'", f.name))
                        .path(path.iter().cloned().chain([json!(aname)]).collect())
                        .at(f.position)
                        .ext(json!({"code": "argumentNotAccepted", "name": f.name, "typeName": "Field", "argumentName": aname})),
                ),
                Some((ty, _)) => {
                    let ty = ty.clone();
                    self.value(&ty, value, path, aname, f.position);
                }
            }
        }
        let missing: Vec<&str> = def
            .args
            .iter()
            .filter(|(n, (t, d))| {
                matches!(t, Ty::NonNull(_)) && !d && !f.arguments.iter().any(|(a, _)| a == *n)
            })
            .map(|(n, _)| n.as_str())
            .collect();
        if !missing.is_empty() {
            self.errors.push(
                GqlError::new(format!(
                    "Field '{}' is missing required arguments: {}",
                    f.name,
                    missing.join(", ")
                ))
                .path(path.clone())
                .at(f.position)
                .ext(json!({"code": "missingRequiredArguments", "className": "Field", "name": f.name, "arguments": missing.join(", ")})),
            );
        }
        let target = def.ty.named().to_string();
        let composite = self.schema.is_composite(&target);
        if composite && f.selection_set.items.is_empty() {
            self.errors.push(
                GqlError::new(format!(
                    "Field must have selections (field '{}' returns {target} but has no selections. Did you mean '{} {{ ... }}'?)",
                    f.name, f.name
                ))
                .path(path.clone())
                .at(f.position)
                .ext(json!({"code": "selectionMismatch", "nodeName": format!("field '{}'", f.name), "typeName": target})),
            );
        } else if !composite && !f.selection_set.items.is_empty() {
            self.errors.push(
                GqlError::new(format!(
                    "Selections can't be made on scalars (field '{}' returns {target} but has selections)",
                    f.name
                ))
                .path(path.clone())
                .at(f.position)
                .ext(json!({"code": "selectionMismatch", "nodeName": format!("field '{}'", f.name), "typeName": target})),
            );
        } else if composite {
            self.selection_set(&target, &f.selection_set, path, stack);
        }
    }

    fn value(
        &mut self,
        ty: &Ty,
        value: &Value<'static, String>,
        path: &[Json],
        arg: &str,
        pos: Pos,
    ) {
        let bad = |msg: String| {
            GqlError::new(msg)
                .path(path.iter().cloned().chain([json!(arg)]).collect())
                .at(pos)
                .ext(json!({"code": "argumentLiteralsIncompatible", "typeName": "Argument", "argumentName": arg}))
        };
        match value {
            Value::Variable(name) => {
                self.used_vars.insert(name.clone());
                match self.vars.get(name) {
                    None => self.errors.push(
                        GqlError::new(format!("Variable ${name} is used by {arg} but not declared"))
                            .path(path.to_vec())
                            .at(pos)
                            .ext(json!({"code": "variableNotDefined", "variableName": name})),
                    ),
                    Some(vt) if vt.named() != ty.named() => self.errors.push(
                        GqlError::new(format!(
                            "Type mismatch on variable ${name} and argument {arg} ({vt} / {ty})"
                        ))
                        .path(path.iter().cloned().chain([json!(arg)]).collect())
                        .at(pos)
                        .ext(json!({"code": "variableMismatch", "variableName": name, "typeName": vt.to_string(), "argumentName": arg})),
                    ),
                    Some(_) => {}
                }
            }
            Value::Null => {
                if matches!(ty, Ty::NonNull(_)) {
                    self.errors
                        .push(bad(format!("Argument '{arg}' has an invalid value (null)")));
                }
            }
            Value::List(items) => {
                let inner = match ty {
                    Ty::NonNull(t) => t.as_ref(),
                    t => t,
                };
                let inner = match inner {
                    Ty::List(t) => t.as_ref().clone(),
                    t => t.clone(),
                };
                for i in items {
                    self.value(&inner, i, path, arg, pos);
                }
            }
            Value::Enum(e) => {
                let named = ty.named();
                let ok = self
                    .schema
                    .get(named)
                    .is_some_and(|t| t.kind == Kind::Enum && t.values.contains(e));
                if !ok {
                    self.errors.push(bad(format!(
                        "Argument '{arg}' on Field has an invalid value ({e}). Expected type '{ty}'."
                    )));
                }
            }
            Value::Object(fields) => {
                let named = ty.named().to_string();
                let Some(t) = self.schema.get(&named).filter(|t| t.kind == Kind::Input) else {
                    self.errors.push(bad(format!(
                        "Argument '{arg}' on Field has an invalid value. Expected type '{ty}'."
                    )));
                    return;
                };
                let t = t.clone();
                for (k, v) in fields {
                    match t.fields.get(k) {
                        None => self.errors.push(bad(format!(
                            "InputObject '{named}' doesn't accept argument '{k}'"
                        ))),
                        Some(fd) => self.value(&fd.ty, v, path, arg, pos),
                    }
                }
                for (k, fd) in &t.fields {
                    if matches!(fd.ty, Ty::NonNull(_)) && !fields.contains_key(k) {
                        self.errors.push(bad(format!(
                            "Argument '{k}' on InputObject '{named}' is required. Expected type {}",
                            fd.ty
                        )));
                    }
                }
            }
            Value::Int(_) | Value::Float(_) | Value::String(_) | Value::Boolean(_) => {
                let named = ty.named();
                let ok = match (value, named) {
                    (Value::Int(_), "Int" | "Float" | "ID") => true,
                    (Value::Float(_), "Float") => true,
                    (Value::Boolean(_), "Boolean") => true,
                    (Value::String(_), n) => {
                        !matches!(n, "Int" | "Float" | "Boolean")
                            && self.schema.get(n).is_some_and(|t| t.kind == Kind::Scalar)
                    }
                    _ => false,
                };
                if !ok {
                    self.errors.push(bad(format!(
                        "Argument '{arg}' on Field has an invalid value. Expected type '{ty}'."
                    )));
                }
            }
        }
    }
}
