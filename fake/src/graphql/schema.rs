//! A look-up index over a GraphQL SDL document (GitHub's or the subset).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use graphql_parser::schema::{Definition, Document, TypeDefinition};

/// A GraphQL type reference (`[ID!]!`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// A named type.
    Named(String),
    /// A list.
    List(Box<Ty>),
    /// Non-null.
    NonNull(Box<Ty>),
}

impl Ty {
    /// The innermost named type.
    pub fn named(&self) -> &str {
        match self {
            Ty::Named(n) => n,
            Ty::List(t) | Ty::NonNull(t) => t.named(),
        }
    }

    /// Convert from the parser's type.
    pub fn from_parsed(t: &graphql_parser::schema::Type<'_, String>) -> Ty {
        use graphql_parser::schema::Type;
        match t {
            Type::NamedType(n) => Ty::Named(n.clone()),
            Type::ListType(i) => Ty::List(Box::new(Ty::from_parsed(i))),
            Type::NonNullType(i) => Ty::NonNull(Box::new(Ty::from_parsed(i))),
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Named(n) => write!(f, "{n}"),
            Ty::List(t) => write!(f, "[{t}]"),
            Ty::NonNull(t) => write!(f, "{t}!"),
        }
    }
}

/// Kind of a named type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Object type.
    Object,
    /// Interface.
    Interface,
    /// Union.
    Union,
    /// Enum.
    Enum,
    /// Input object.
    Input,
    /// Scalar.
    Scalar,
}

/// A field of an object or interface (or an input field).
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// Result type.
    pub ty: Ty,
    /// Arguments: name -> (type, has default).
    pub args: BTreeMap<String, (Ty, bool)>,
}

/// A named type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// Kind.
    pub kind: Kind,
    /// Fields (objects, interfaces, input objects).
    pub fields: BTreeMap<String, FieldDef>,
    /// Interfaces implemented.
    pub interfaces: BTreeSet<String>,
    /// Union members.
    pub members: BTreeSet<String>,
    /// Enum values.
    pub values: BTreeSet<String>,
}

/// The index of a schema.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Named types.
    pub types: BTreeMap<String, TypeDef>,
    /// Root query type name.
    pub query: String,
}

const BUILTIN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

impl Schema {
    /// Parse SDL text. Duplicate fields (GitHub's schema has two) keep the first.
    pub fn parse(sdl: &str) -> anyhow::Result<Schema> {
        let doc: Document<'_, String> = graphql_parser::parse_schema(sdl)
            .map_err(|e| anyhow::anyhow!("parsing GraphQL schema: {e}"))?;
        let mut s = Schema {
            types: BTreeMap::new(),
            query: "Query".into(),
        };
        for b in BUILTIN_SCALARS {
            s.types.insert(b.into(), TypeDef::new(Kind::Scalar));
        }
        for def in &doc.definitions {
            match def {
                Definition::SchemaDefinition(sd) => {
                    if let Some(q) = &sd.query {
                        s.query = q.clone();
                    }
                }
                Definition::TypeDefinition(td) => {
                    let (name, t) = convert(td);
                    s.types.insert(name, t);
                }
                Definition::TypeExtension(_) | Definition::DirectiveDefinition(_) => {}
            }
        }
        Ok(s)
    }

    /// The type called `name`.
    pub fn get(&self, name: &str) -> Option<&TypeDef> {
        self.types.get(name)
    }

    /// Whether `name` is an object, interface or union.
    pub fn is_composite(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|t| matches!(t.kind, Kind::Object | Kind::Interface | Kind::Union))
    }

    /// Object types an abstract (or object) type can be at run time.
    pub fn possible_types(&self, name: &str) -> BTreeSet<String> {
        let Some(t) = self.get(name) else {
            return BTreeSet::new();
        };
        match t.kind {
            Kind::Object => BTreeSet::from([name.to_string()]),
            Kind::Union => t.members.clone(),
            Kind::Interface => self
                .types
                .iter()
                .filter(|(_, d)| d.kind == Kind::Object && d.interfaces.contains(name))
                .map(|(n, _)| n.clone())
                .collect(),
            _ => BTreeSet::new(),
        }
    }

    /// Whether an object of type `object` satisfies the type condition `cond`.
    pub fn satisfies(&self, object: &str, cond: &str) -> bool {
        object == cond || self.possible_types(cond).contains(object)
    }
}

impl TypeDef {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            fields: BTreeMap::new(),
            interfaces: BTreeSet::new(),
            members: BTreeSet::new(),
            values: BTreeSet::new(),
        }
    }
}

fn convert_fields(
    fields: &[graphql_parser::schema::Field<'_, String>],
) -> BTreeMap<String, FieldDef> {
    let mut out = BTreeMap::new();
    for f in fields {
        let args = f
            .arguments
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    (Ty::from_parsed(&a.value_type), a.default_value.is_some()),
                )
            })
            .collect();
        out.entry(f.name.clone()).or_insert(FieldDef {
            ty: Ty::from_parsed(&f.field_type),
            args,
        });
    }
    out
}

fn convert(td: &TypeDefinition<'_, String>) -> (String, TypeDef) {
    match td {
        TypeDefinition::Scalar(s) => (s.name.clone(), TypeDef::new(Kind::Scalar)),
        TypeDefinition::Object(o) => {
            let mut t = TypeDef::new(Kind::Object);
            t.fields = convert_fields(&o.fields);
            t.interfaces = o.implements_interfaces.iter().cloned().collect();
            (o.name.clone(), t)
        }
        TypeDefinition::Interface(i) => {
            let mut t = TypeDef::new(Kind::Interface);
            t.fields = convert_fields(&i.fields);
            t.interfaces = i.implements_interfaces.iter().cloned().collect();
            (i.name.clone(), t)
        }
        TypeDefinition::Union(u) => {
            let mut t = TypeDef::new(Kind::Union);
            t.members = u.types.iter().cloned().collect();
            (u.name.clone(), t)
        }
        TypeDefinition::Enum(e) => {
            let mut t = TypeDef::new(Kind::Enum);
            t.values = e.values.iter().map(|v| v.name.clone()).collect();
            (e.name.clone(), t)
        }
        TypeDefinition::InputObject(i) => {
            let mut t = TypeDef::new(Kind::Input);
            for f in &i.fields {
                t.fields.entry(f.name.clone()).or_insert(FieldDef {
                    ty: Ty::from_parsed(&f.value_type),
                    args: BTreeMap::new(),
                });
            }
            (i.name.clone(), t)
        }
    }
}

/// Differences between a subset schema and the full schema it claims to be
/// part of: every type, field, argument, enum value, union member and
/// implemented interface of `subset` must exist in `full` with the same type,
/// and `subset` must be closed (every referenced type defined).
pub fn subset_differences(subset: &Schema, full: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for (name, t) in &subset.types {
        let refs = t
            .fields
            .values()
            .flat_map(|f| std::iter::once(&f.ty).chain(f.args.values().map(|(ty, _)| ty)))
            .map(|ty| ty.named().to_string())
            .chain(t.interfaces.iter().cloned())
            .chain(t.members.iter().cloned());
        for r in refs {
            if subset.get(&r).is_none() {
                out.push(format!(
                    "{name} refers to {r}, which the subset does not define"
                ));
            }
        }
        let Some(g) = full.get(name) else {
            out.push(format!("type {name} does not exist in GitHub's schema"));
            continue;
        };
        if g.kind != t.kind {
            out.push(format!(
                "{name} is a {:?} in GitHub's schema, not a {:?}",
                g.kind, t.kind
            ));
        }
        for (fname, f) in &t.fields {
            let Some(gf) = g.fields.get(fname) else {
                out.push(format!(
                    "field {name}.{fname} does not exist in GitHub's schema"
                ));
                continue;
            };
            if gf.ty != f.ty {
                out.push(format!(
                    "{name}.{fname} is {} in GitHub's schema, not {}",
                    gf.ty, f.ty
                ));
            }
            for (aname, (aty, _)) in &f.args {
                match gf.args.get(aname) {
                    None => out.push(format!(
                        "{name}.{fname} has no argument {aname} in GitHub's schema"
                    )),
                    Some((gty, _)) if gty != aty => out.push(format!(
                        "{name}.{fname}({aname}:) is {gty} in GitHub's schema, not {aty}"
                    )),
                    Some(_) => {}
                }
            }
            for (aname, (gty, has_default)) in &gf.args {
                if matches!(gty, Ty::NonNull(_)) && !has_default && !f.args.contains_key(aname) {
                    out.push(format!(
                        "{name}.{fname} lacks GitHub's required argument {aname}"
                    ));
                }
            }
        }
        for i in &t.interfaces {
            if !g.interfaces.contains(i) {
                out.push(format!("{name} does not implement {i} in GitHub's schema"));
            }
        }
        for m in &t.members {
            if !g.members.contains(m) {
                out.push(format!(
                    "{m} is not a member of union {name} in GitHub's schema"
                ));
            }
        }
        for v in &t.values {
            if !g.values.contains(v) {
                out.push(format!(
                    "{v} is not a value of enum {name} in GitHub's schema"
                ));
            }
        }
    }
    out
}
