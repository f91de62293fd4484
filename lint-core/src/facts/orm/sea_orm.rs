//! sea-orm: a chain that ends in `one`, `all`, `exec`, `count`... lowered into a [`Query`] from
//! its root (`Entity::find()`, `find_by_id`, `update_many`, `delete_many`, `delete_by_id`,
//! `Entity::insert`, a project helper, or a local query variable), and `ActiveModel { .. }`
//! inserts.

use super::{
    apply_builds, intersect, snake, unroll, variable_builds, Atom, Dsl, Instance, Join, Query,
};
use crate::facts::workspace::Workspace;
use crate::ir::*;
use crate::model::RustFile;
use crate::semantic::settings::Config;
use std::collections::HashSet;

/// Methods that send a sea-orm query.
const SINKS: &[&str] = &[
    "one",
    "all",
    "exec",
    "exec_with_returning",
    "exec_without_returning",
    "count",
    "stream",
    "paginate",
];

const MAX_DEPTH: usize = 4;

/// A function that may be a scoping helper: it returns a query without running it, filters
/// the tenant column by a parameter itself (`direct`), or passes a parameter to `calls`.
pub struct HelperCandidate {
    pub module: String,
    pub name: String,
    direct: bool,
    calls: Vec<String>,
}

/// Candidates for scoping helpers in one file (entity files define them in `impl Entity`).
pub fn helper_candidates(rust: &RustFile, rel_path: &str, config: &Config) -> Vec<HelperCandidate> {
    let module = super::schema::entity_module(rel_path);
    let mut out = Vec::new();
    for f in rust.function_ids() {
        let func = rust.function(f);
        let mut params = Vec::new();
        for p in &func.params {
            rust.bindings(p.pat, &mut params);
        }
        let is_param = |e: ExprId| {
            rust.as_ident(e)
                .is_some_and(|a| a != "self" && params.iter().any(|(p, _)| p == a))
        };
        let mut direct = false;
        let mut runs = false;
        let mut calls = Vec::new();
        rust.walk_block(&func.body, &mut |id| match &rust.expr(id).kind {
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => {
                runs |= SINKS.contains(&method.name.as_str());
                if !matches!(method.name.as_str(), "eq" | "is_in") {
                    return;
                }
                let is_tenant_column = matches!(
                    &rust.expr(rust.strip(*receiver)).kind,
                    ExprKind::Path(p) if p.segments.iter().rev().nth(1).is_some_and(|s| s == "Column")
                        && config.tenant_columns.iter().any(|c| c.eq_ignore_ascii_case(&snake(p.last())))
                );
                direct |= is_tenant_column && args.first().is_some_and(|a| is_param(*a));
            }
            // `Self::secure_find(org_id)`, `Entity::secure_find(org_id)`
            ExprKind::Call { func, args } if args.iter().any(|a| is_param(*a)) => {
                if let ExprKind::Path(p) = &rust.expr(*func).kind {
                    if p.segments.len() == 2 && matches!(p.segments[0].as_str(), "Self" | "Entity")
                    {
                        calls.push(p.last().to_string());
                    }
                }
            }
            _ => {}
        });
        if !runs && (direct || !calls.is_empty()) {
            out.push(HelperCandidate {
                module: module.clone(),
                name: func.name.name.clone(),
                direct,
                calls,
            });
        }
    }
    out
}

/// The helpers among the candidates: those that filter the tenant, and those that call one of
/// their own entity's helpers with a parameter.
pub fn scoping_helpers(candidates: &[HelperCandidate]) -> HashSet<(String, String)> {
    let mut helpers: HashSet<(String, String)> = candidates
        .iter()
        .filter(|c| c.direct)
        .map(|c| (c.module.clone(), c.name.clone()))
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for c in candidates {
            let key = (c.module.clone(), c.name.clone());
            if !helpers.contains(&key)
                && c.calls
                    .iter()
                    .any(|h| helpers.contains(&(c.module.clone(), h.clone())))
            {
                helpers.insert(key);
                changed = true;
            }
        }
    }
    helpers
}

struct Ctx<'a> {
    rust: &'a RustFile,
    ws: &'a Workspace,
    /// The entity module this file defines, if any (`Entity`, `Column::X` unqualified).
    own: Option<String>,
}

pub fn queries(rust: &RustFile, rel_path: &str, ws: &Workspace) -> Vec<Query> {
    if ws.orm.entities.is_empty() {
        return Vec::new();
    }
    let module = super::schema::entity_module(rel_path);
    let own = ws.orm.entities.contains_key(&module).then_some(module);
    let cx = Ctx { rust, ws, own };
    let mut out = Vec::new();
    for &(id, function) in &rust.calls {
        let (
            Some(function),
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            },
        ) = (function, &rust.expr(id).kind)
        else {
            continue;
        };
        let offset = rust.expr(id).span.start;
        let q = match method.name.as_str() {
            m if SINKS.contains(&m) && !args.is_empty() => cx.query(*receiver, function, offset, 0),
            "insert" if args.len() == 1 => cx.active_model_insert(*receiver, function, offset),
            _ => None,
        };
        out.extend(q);
    }
    out
}

impl Ctx<'_> {
    fn query(&self, expr: ExprId, function: FnId, offset: u32, depth: usize) -> Option<Query> {
        let (base, steps) = unroll(self.rust, expr);
        let e = self.rust.expr(base);
        let mut q = match &e.kind {
            ExprKind::Call { func, args } => {
                let ExprKind::Path(p) = &self.rust.expr(*func).kind else {
                    return None;
                };
                let (method, entity) = p.segments.split_last()?;
                let module = self.entity(entity)?;
                let table = self.ws.orm.entities.get(&module)?.name.clone();
                let mut q = Query::new(
                    Dsl::SeaOrm,
                    Instance {
                        table: table.clone(),
                        span: e.span,
                        join: None,
                    },
                );
                q.module_of.insert(table.clone(), module.clone());
                match method.as_str() {
                    "find" | "update_many" | "delete_many" => {}
                    "find_by_id" | "delete_by_id" => {
                        if args
                            .first()
                            .is_some_and(|a| self.key_holds_tenant(&module, *a))
                        {
                            q.filter_groups[0].push(Atom::TenantValue(table.clone()));
                        }
                    }
                    "insert" | "insert_many" => {
                        q.is_insert = true;
                        q.insert_sets_tenant = args
                            .first()
                            .and_then(|a| self.model_sets_tenant(*a, function, offset));
                    }
                    m if self
                        .ws
                        .orm
                        .scoping_helpers
                        .contains(&(module.clone(), m.to_string())) =>
                    {
                        q.root_scoped = true
                    }
                    // A project function we know nothing about.
                    _ => return None,
                }
                q
            }
            ExprKind::Path(p) if p.segments.len() == 1 && depth < MAX_DEPTH => {
                let name = p.segments[0].as_str();
                let builds = variable_builds(self.rust, function, name, offset);
                let mut q = self.query(builds.init?, function, offset, depth + 1)?;
                apply_builds(self.rust, &mut q, name, &builds, &|q, s| self.step(q, s));
                q
            }
            _ => return None,
        };
        for s in steps {
            self.step(&mut q, s);
            if let Some((_, some)) = &mut q.when_some {
                self.step(some, s);
            }
        }
        Some(q)
    }

    fn step(&self, q: &mut Query, step: ExprId) {
        let ExprKind::MethodCall { method, args, .. } = &self.rust.expr(step).kind else {
            return;
        };
        let Some(&arg) = args.first() else { return };
        let root = q.instances[0].table.clone();
        match method.name.as_str() {
            "filter" => {
                let atoms = self.conj(arg);
                if let Some(g) = q.filter_groups.last_mut() {
                    g.extend(atoms);
                }
            }
            "find_also_related" | "find_with_related" | "left_join" | "inner_join" => {
                let e = self.rust.expr(self.rust.strip(arg));
                let ExprKind::Path(p) = &e.kind else { return };
                let Some(module) = self.entity(&p.segments) else {
                    return;
                };
                let Some(t) = self.ws.orm.entities.get(&module) else {
                    return;
                };
                q.module_of.insert(t.name.clone(), module);
                q.instances.push(Instance {
                    table: t.name.clone(),
                    span: e.span,
                    join: Some(Join {
                        parent: 0,
                        left: method.name != "inner_join",
                        on: None,
                    }),
                });
            }
            // `.join(JoinType::InnerJoin, application::Relation::Endpoint.def())`
            "join" | "join_rev" => {
                let (Some(&kind), Some(&rel)) = (args.first(), args.get(1)) else {
                    return;
                };
                let Some((from, to)) = self.relation(rel) else {
                    return;
                };
                let (parent, joined) = if method.name == "join_rev" {
                    (to, from)
                } else {
                    (from, to)
                };
                let Some(t) = self.ws.orm.entities.get(&joined) else {
                    return;
                };
                let parent = self
                    .ws
                    .orm
                    .entities
                    .get(&parent)
                    .and_then(|p| q.instances.iter().position(|i| i.table == p.name))
                    .unwrap_or(0);
                let join_type = match &self.rust.expr(self.rust.strip(kind)).kind {
                    ExprKind::Path(p) => p.last().to_string(),
                    _ => return,
                };
                let join = match join_type.as_str() {
                    "InnerJoin" | "Join" => Join {
                        parent,
                        left: false,
                        on: None,
                    },
                    "LeftJoin" => Join {
                        parent,
                        left: true,
                        on: None,
                    },
                    // Every row of the joined table is kept: the key ties it to nothing.
                    _ => Join {
                        parent,
                        left: true,
                        on: Some(Vec::new()),
                    },
                };
                q.module_of.insert(t.name.clone(), joined);
                q.instances.push(Instance {
                    table: t.name.clone(),
                    span: self.rust.expr(rel).span,
                    join: Some(join),
                });
            }
            "col_expr" => {
                if let Some((table, column)) = self.column(arg) {
                    if table == root && self.ws.is_tenant_column(&column) {
                        q.reassigned.push((column, self.rust.expr(arg).span));
                    }
                }
            }
            _ => {}
        }
    }

    /// The module of an entity path: `application::Entity`, `Entity` in an entity file, or an
    /// imported alias (`use super::application::Entity as Application`).
    fn entity(&self, segments: &[String]) -> Option<String> {
        let known = |m: &str| self.ws.orm.entities.contains_key(m).then(|| m.to_string());
        match segments {
            [.., m, e] if e == "Entity" => known(m),
            [e] if e == "Entity" => self.own.clone(),
            [alias] => self.rust.uses.iter().find_map(|u| {
                let leaf = u.alias.as_deref().or(u.path.last().map(String::as_str));
                match u.path.as_slice() {
                    [.., m, e] if e == "Entity" && leaf == Some(alias.as_str()) => known(m),
                    _ => None,
                }
            }),
            _ => None,
        }
    }

    /// The entity modules a relation definition goes from and to: `m::Relation::Variant.def()`
    /// (the target its `#[sea_orm(has_many = ..)]` names), `A::belongs_to(B)..into()`,
    /// `has_many`, `has_one`, reversed by `.rev()`.
    fn relation(&self, expr: ExprId) -> Option<(String, String)> {
        let (base, steps) = unroll(self.rust, expr);
        let reversed = steps.iter().any(|s| {
            matches!(&self.rust.expr(*s).kind, ExprKind::MethodCall { method, .. } if method.name == "rev")
        });
        let (from, to) = match &self.rust.expr(base).kind {
            ExprKind::Path(p) => {
                let (variant, rest) = p.segments.split_last()?;
                let from = match rest {
                    [.., m, r] if r == "Relation" => {
                        self.ws.orm.entities.contains_key(m).then(|| m.clone())?
                    }
                    [r] if r == "Relation" => self.own.clone()?,
                    _ => return None,
                };
                let to = self
                    .ws
                    .orm
                    .relations
                    .get(&(from.clone(), variant.clone()))?;
                (from, to.clone())
            }
            ExprKind::Call { func, args } => {
                let ExprKind::Path(p) = &self.rust.expr(*func).kind else {
                    return None;
                };
                let (method, entity) = p.segments.split_last()?;
                if !matches!(method.as_str(), "belongs_to" | "has_many" | "has_one") {
                    return None;
                }
                let ExprKind::Path(target) = &self.rust.expr(self.rust.strip(*args.first()?)).kind
                else {
                    return None;
                };
                (self.entity(entity)?, self.entity(&target.segments)?)
            }
            _ => return None,
        };
        Some(if reversed { (to, from) } else { (from, to) })
    }

    /// Whether the key handed to `find_by_id` / `delete_by_id` compares the entity's tenant
    /// column with a value: the entity's primary key (its `#[sea_orm(primary_key)]` fields, in
    /// order) includes the tenant column, and the key is a tuple of as many values
    /// (`find_by_id((org_id, slo_id, generation))`) or the one value of a one-column key.
    fn key_holds_tenant(&self, module: &str, key: ExprId) -> bool {
        let Some(entity) = self.ws.orm.entities.get(module) else {
            return false;
        };
        let key = self.rust.strip(key);
        let values = match &self.rust.expr(key).kind {
            ExprKind::Tuple(v) => v.clone(),
            _ => vec![key],
        };
        values.len() == entity.primary_key.len()
            && entity
                .primary_key
                .iter()
                .zip(&values)
                .any(|(c, v)| self.ws.is_tenant_column(c) && self.column(*v).is_none())
    }

    /// `application::Column::OrgId` → (`application`'s table, `org_id`).
    fn column(&self, expr: ExprId) -> Option<(String, String)> {
        let ExprKind::Path(p) = &self.rust.expr(self.rust.strip(expr)).kind else {
            return None;
        };
        let module = match p.segments.as_slice() {
            [.., m, c, _] if c == "Column" => {
                self.ws.orm.entities.contains_key(m).then(|| m.clone())
            }
            [c, _] if c == "Column" => self.own.clone(),
            _ => None,
        }?;
        let table = self.ws.orm.entities.get(&module)?.name.clone();
        Some((table, snake(p.last())))
    }

    fn conj(&self, expr: ExprId) -> Vec<Atom> {
        let id = self.rust.strip(expr);
        let ExprKind::MethodCall {
            receiver,
            method,
            args,
            ..
        } = &self.rust.expr(id).kind
        else {
            return Vec::new();
        };
        match method.name.as_str() {
            "eq" | "is_in" => match self.column(*receiver) {
                Some((table, column))
                    if self.ws.is_tenant_column(&column)
                        && args.first().is_some_and(|a| self.column(*a).is_none()) =>
                {
                    vec![Atom::TenantValue(table)]
                }
                _ => Vec::new(),
            },
            "and" => {
                let mut v = self.conj(*receiver);
                v.extend(args.first().map(|a| self.conj(*a)).unwrap_or_default());
                v
            }
            "or" => match args.first() {
                Some(a) => intersect(self.conj(*receiver), &self.conj(*a)),
                None => Vec::new(),
            },
            // `Condition::all().add(a).add(b)` / `Condition::any()...`
            "add" => {
                let (base, adds) = unroll(self.rust, id);
                let all = match &self.rust.expr(base).kind {
                    ExprKind::Call { func, .. } => match &self.rust.expr(*func).kind {
                        ExprKind::Path(p) if p.ends_with(&["Condition", "all"]) => true,
                        ExprKind::Path(p) if p.ends_with(&["Condition", "any"]) => false,
                        _ => return Vec::new(),
                    },
                    _ => return Vec::new(),
                };
                let mut parts = adds.iter().filter_map(|s| match &self.rust.expr(*s).kind {
                    ExprKind::MethodCall { method, args, .. } if method.name == "add" => {
                        args.first().map(|a| self.conj(*a))
                    }
                    // `add_option` adds a condition only sometimes; `any` of it is any row.
                    ExprKind::MethodCall { method, .. } if !all && method.name == "add_option" => {
                        Some(Vec::new())
                    }
                    _ => None,
                });
                if all {
                    parts.flatten().collect()
                } else {
                    let first = parts.next().unwrap_or_default();
                    parts.fold(first, |acc, p| intersect(acc, &p))
                }
            }
            _ => Vec::new(),
        }
    }

    /// `ActiveModel { org_id: Set(..), .. }.insert(db)`, directly or through a local.
    fn active_model_insert(&self, receiver: ExprId, function: FnId, offset: u32) -> Option<Query> {
        let lit = self.struct_literal(receiver, function, offset)?;
        let ExprKind::Struct { path, .. } = &self.rust.expr(lit).kind else {
            return None;
        };
        let module = match path.segments.as_slice() {
            [.., m, am] if am == "ActiveModel" => {
                self.ws.orm.entities.contains_key(m).then(|| m.clone())?
            }
            [am] if am == "ActiveModel" => self.own.clone()?,
            _ => return None,
        };
        let table = self.ws.orm.entities.get(&module)?.name.clone();
        let mut q = Query::new(
            Dsl::SeaOrm,
            Instance {
                table: table.clone(),
                span: self.rust.expr(lit).span,
                join: None,
            },
        );
        q.module_of.insert(table, module);
        q.is_insert = true;
        q.insert_sets_tenant = self.model_sets_tenant(lit, function, offset);
        Some(q)
    }

    fn struct_literal(&self, expr: ExprId, function: FnId, offset: u32) -> Option<ExprId> {
        let id = self.rust.strip(expr);
        match &self.rust.expr(id).kind {
            ExprKind::Struct { .. } => Some(id),
            ExprKind::Path(p) if p.segments.len() == 1 => {
                let init = crate::flow::reaching_let(self.rust, function, &p.segments[0], offset)?;
                let init = self.rust.strip(init);
                matches!(self.rust.expr(init).kind, ExprKind::Struct { .. }).then_some(init)
            }
            _ => None,
        }
    }

    /// Whether an active model literal sets the tenant field to a value (`Set(..)`,
    /// `ActiveValue::Set(..)`); `None` when the model is not a literal here.
    fn model_sets_tenant(&self, expr: ExprId, function: FnId, offset: u32) -> Option<bool> {
        let lit = self.struct_literal(expr, function, offset)?;
        let ExprKind::Struct { fields, .. } = &self.rust.expr(lit).kind else {
            return None;
        };
        Some(fields.iter().any(|(name, value)| {
            self.ws.is_tenant_column(&name.name)
                && matches!(
                    &self.rust.expr(self.rust.strip(*value)).kind,
                    ExprKind::Call { func, .. } if matches!(&self.rust.expr(*func).kind, ExprKind::Path(p) if p.last() == "Set")
                )
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_are_per_entity_and_transitive() {
        let config = Config {
            tenant_columns: vec!["org_id".into()],
            ..Config::default()
        };
        let app = "impl Entity {
            pub fn secure_find(org_id: String) -> Select<Entity> { Self::find().filter(Column::OrgId.eq(org_id)) }
            pub fn secure_find_by_id(org_id: String, id: String) -> Select<Entity> { Self::secure_find(org_id).filter(Column::Id.eq(id)) }
            pub async fn load(db: &Db, org_id: String) -> Vec<Model> { Self::secure_find(org_id).all(db).await.unwrap() }
        }";
        let msg = "impl Entity {
            pub fn secure_find(app_id: String) -> Select<Entity> { Self::find().filter(Column::AppId.eq(app_id)) }
        }";
        let mut candidates = Vec::new();
        for (path, src) in [("models/application.rs", app), ("models/message.rs", msg)] {
            let rust = crate::parse::parse_rust(src).expect("parses");
            candidates.extend(helper_candidates(&rust, path, &config));
        }
        let mut helpers: Vec<_> = scoping_helpers(&candidates).into_iter().collect();
        helpers.sort();
        assert_eq!(
            helpers,
            [
                ("application".to_string(), "secure_find".to_string()),
                ("application".to_string(), "secure_find_by_id".to_string())
            ]
        );
    }
}
