//! diesel's query DSL: a chain that ends in `load`, `get_result(s)`, `first` or `execute`,
//! lowered into a [`Query`] from its root (`t::table`, `t::dsl::t`, a glob-imported `t`,
//! `update(..)`, `delete(..)`, `insert_into(..)`, or a local query variable).

use super::{
    apply_builds, intersect, unroll, variable_builds, Atom, ColumnRef, Dsl, Instance, Join, Query,
};
use crate::facts::workspace::Workspace;
use crate::ir::*;
use crate::model::RustFile;

/// Methods that send a diesel query (sync, diesel-async and async-bb8-diesel alike).
const SINKS: &[&str] = &[
    "load",
    "load_async",
    "get_result",
    "get_result_async",
    "get_results",
    "get_results_async",
    "first",
    "first_async",
    "execute",
    "execute_async",
    "load_iter",
    "load_stream",
];

/// A workspace function that returns a diesel query it filtered on the tenant column by one of
/// its parameters: `fn for_org(org: &str) -> BoxedQuery { t::table.filter(t::org_uuid.eq(org)).into_boxed() }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopingHelper {
    /// The query starts from this table.
    Table(String),
    /// The query is the helper's parameter at this position, filtered further.
    Param(usize),
}

/// Every function a file defines, by name, with its summary when it is a scoping helper.
pub fn scoping_helpers(
    rust: &RustFile,
    tables: &std::collections::HashMap<String, crate::orm::schema::RustTable>,
    config: &crate::semantic::settings::Config,
) -> Vec<(String, Option<ScopingHelper>)> {
    let mut out = Vec::new();
    for f in rust.function_ids() {
        let func = rust.function(f);
        let name = func.name.name.clone();
        let Some(Stmt::Expr { expr, semi: false }) = func.body.stmts.last() else {
            out.push((name, None));
            continue;
        };
        let mut params: Vec<(usize, String)> = Vec::new();
        for (k, p) in func.params.iter().enumerate() {
            let mut names = Vec::new();
            rust.bindings(p.pat, &mut names);
            params.extend(names.into_iter().map(|(n, _)| (k, n)));
        }
        let param_of = |e: ExprId| {
            let name = rust.as_ident(e)?;
            params.iter().find(|(_, n)| n == name).map(|(k, _)| *k)
        };
        let (base, steps) = unroll(rust, *expr);
        let helper = match &rust.expr(base).kind {
            ExprKind::Path(p) => match p.segments.as_slice() {
                [.., t, last] if last == "table" && tables.contains_key(t.as_str()) => {
                    ScopingHelper::Table(t.clone())
                }
                [.., t, dsl, t2] if dsl == "dsl" && t == t2 && tables.contains_key(t.as_str()) => {
                    ScopingHelper::Table(t.clone())
                }
                _ => match param_of(base) {
                    Some(k) => ScopingHelper::Param(k),
                    None => {
                        out.push((name, None));
                        continue;
                    }
                },
            },
            _ => {
                out.push((name, None));
                continue;
            }
        };
        let is_tenant_column = |e: ExprId| {
            let ExprKind::Path(p) = &rust.expr(rust.strip(e)).kind else {
                return false;
            };
            let (Some(column), Some(owner)) = (p.segments.last(), p.segments.iter().rev().nth(1))
            else {
                return false;
            };
            let owner_ok = match &helper {
                ScopingHelper::Table(t) => {
                    owner == t || (owner == "dsl" && p.segments.iter().rev().nth(2) == Some(t))
                }
                ScopingHelper::Param(_) => true,
            };
            owner_ok
                && config
                    .tenant_columns
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(column))
        };
        let mut runs = false;
        let mut filters_tenant = false;
        for step in steps {
            let ExprKind::MethodCall { method, args, .. } = &rust.expr(step).kind else {
                continue;
            };
            runs |= SINKS.contains(&method.name.as_str());
            if method.name == "filter" {
                let mut spine: Vec<ExprId> = args.first().copied().into_iter().collect();
                while let Some(e) = spine.pop() {
                    let ExprKind::MethodCall {
                        receiver,
                        method,
                        args,
                        ..
                    } = &rust.expr(rust.strip(e)).kind
                    else {
                        continue;
                    };
                    let Some(&arg) = args.first() else { continue };
                    match method.name.as_str() {
                        "and" => spine.extend([*receiver, arg]),
                        "eq" | "eq_any" => {
                            filters_tenant |=
                                is_tenant_column(*receiver) && param_of(rust.strip(arg)).is_some()
                        }
                        _ => {}
                    }
                }
            }
        }
        out.push((name, (filters_tenant && !runs).then_some(helper)));
    }
    out
}

/// Nested query variables are followed this deep.
const MAX_DEPTH: usize = 4;

struct Ctx<'a> {
    rust: &'a RustFile,
    ws: &'a Workspace,
    /// Tables whose `dsl` is glob-imported: their columns are written unqualified.
    globs: Vec<&'a str>,
    /// The function whose query is being read: its bindings are values, not columns.
    function: std::cell::Cell<Option<FnId>>,
}

pub fn queries(rust: &RustFile, ws: &Workspace) -> Vec<Query> {
    if ws.orm.diesel_tables.is_empty() {
        return Vec::new();
    }
    let globs = rust
        .uses
        .iter()
        .filter(|u| u.glob && u.path.last().is_some_and(|l| l == "dsl"))
        .filter_map(|u| u.path.iter().rev().nth(1))
        .filter_map(|t| {
            ws.orm
                .diesel_tables
                .get_key_value(t.as_str())
                .map(|(k, _)| k.as_str())
        })
        .collect();
    let cx = Ctx {
        rust,
        ws,
        globs,
        function: Default::default(),
    };
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
        if args.is_empty() || !SINKS.contains(&method.name.as_str()) {
            continue;
        }
        cx.function.set(Some(function));
        if let Some(q) = cx.query(*receiver, function, rust.expr(id).span.start, 0) {
            out.push(q);
        }
    }
    out
}

impl Ctx<'_> {
    fn query(&self, expr: ExprId, function: FnId, offset: u32, depth: usize) -> Option<Query> {
        let (base, steps) = unroll(self.rust, expr);
        let e = self.rust.expr(base);
        let mut q = match &e.kind {
            ExprKind::Path(p) => match self.table_of(p) {
                Some(table) => Query::new(
                    Dsl::Diesel,
                    Instance {
                        table,
                        span: e.span,
                        join: None,
                    },
                ),
                None if self.alias_table(p, e.span.start).is_some() => {
                    let table = self.alias_table(p, e.span.start)?;
                    let mut q = Query::new(
                        Dsl::Diesel,
                        Instance {
                            table,
                            span: e.span,
                            join: None,
                        },
                    );
                    q.aliases.insert(p.segments.first()?.clone(), 0);
                    q
                }
                None if p.segments.len() == 1 && depth < MAX_DEPTH => {
                    let name = p.segments[0].as_str();
                    let builds = variable_builds(self.rust, function, name, offset);
                    let mut q = self.query(builds.init?, function, offset, depth + 1)?;
                    apply_builds(self.rust, &mut q, name, &builds, &|q, s| self.step(q, s));
                    q
                }
                None => return None,
            },
            ExprKind::Call { func, args } => {
                let ExprKind::Path(p) = &self.rust.expr(*func).kind else {
                    return None;
                };
                let target = *args.first()?;
                match p.last() {
                    "update" | "delete" => self.query(target, function, offset, depth)?,
                    "insert_into" | "replace_into" | "insert_or_ignore_into" => {
                        let mut q = self.query(target, function, offset, depth)?;
                        q.is_insert = true;
                        q
                    }
                    name => {
                        let mut q = match self.ws.orm.diesel_helpers.get(name)? {
                            ScopingHelper::Table(table) => Query::new(
                                Dsl::Diesel,
                                Instance {
                                    table: table.clone(),
                                    span: e.span,
                                    join: None,
                                },
                            ),
                            ScopingHelper::Param(k) => {
                                self.query(*args.get(*k)?, function, offset, depth)?
                            }
                        };
                        q.root_scoped = true;
                        q
                    }
                }
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
                let groups = std::mem::take(&mut q.filter_groups);
                q.filter_groups = cross(groups, self.dnf(arg, &root));
            }
            "or_filter" => {
                q.filter_groups.extend(self.dnf(arg, &root));
                q.filter_groups = bounded(std::mem::take(&mut q.filter_groups));
            }
            "inner_join" | "left_join" | "left_outer_join" => {
                self.join(q, arg, 0, method.name != "inner_join")
            }
            "set" => {
                for item in self.items(arg) {
                    if let Some(c) = self.assigned_column(item) {
                        if c.table == root && self.ws.is_tenant_column(&c.column) {
                            q.reassigned.push((c.column, self.rust.expr(item).span));
                        }
                    }
                }
            }
            "values" => q.insert_sets_tenant = self.sets_tenant(arg, &root),
            _ => {}
        }
    }

    fn join(&self, q: &mut Query, arg: ExprId, parent: usize, left: bool) {
        let (base, steps) = unroll(self.rust, arg);
        let e = self.rust.expr(base);
        let ExprKind::Path(p) = &e.kind else { return };
        let alias = self.alias_table(p, e.span.start);
        let Some(table) = self.table_of(p).or_else(|| alias.clone()) else {
            return;
        };
        let idx = q.instances.len();
        if let (Some(_), Some(name)) = (&alias, p.segments.first()) {
            q.aliases.insert(name.clone(), idx);
        }
        q.instances.push(Instance {
            table: table.clone(),
            span: e.span,
            join: Some(Join {
                parent,
                left,
                on: None,
            }),
        });
        for s in steps {
            let ExprKind::MethodCall { method, args, .. } = &self.rust.expr(s).kind else {
                continue;
            };
            let Some(&a) = args.first() else { continue };
            match method.name.as_str() {
                "on" => {
                    let atoms = self.conj(a, &table);
                    if let Some(j) = q.instances.get_mut(idx).and_then(|i| i.join.as_mut()) {
                        j.on = Some(atoms);
                    }
                }
                "inner_join" => self.join(q, a, idx, false),
                "left_join" | "left_outer_join" => self.join(q, a, idx, true),
                _ => {}
            }
        }
    }

    /// A predicate as OR-branches of conjuncts: each branch must anchor on its own.
    fn dnf(&self, expr: ExprId, default_table: &str) -> Vec<Vec<Atom>> {
        let id = self.rust.strip(expr);
        if let ExprKind::MethodCall {
            receiver,
            method,
            args,
            ..
        } = &self.rust.expr(id).kind
        {
            if let (Some(&arg), "and" | "or") = (args.first(), method.name.as_str()) {
                let left = self.dnf(*receiver, default_table);
                let right = self.dnf(arg, default_table);
                return if method.name == "and" {
                    cross(left, right)
                } else {
                    bounded(left.into_iter().chain(right).collect())
                };
            }
        }
        vec![self.conj(id, default_table)]
    }

    /// The conjuncts of a predicate that matter for anchoring.
    fn conj(&self, expr: ExprId, default_table: &str) -> Vec<Atom> {
        let id = self.rust.strip(expr);
        match &self.rust.expr(id).kind {
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => {
                if matches!(
                    method.name.as_str(),
                    "is_not_null" | "lt" | "le" | "gt" | "ge" | "ne" | "like" | "ilike" | "between"
                ) {
                    return self
                        .column(*receiver, default_table)
                        .map(|c| Atom::NotNull(c.table))
                        .into_iter()
                        .collect();
                }
                let Some(&arg) = args.first() else {
                    return Vec::new();
                };
                match method.name.as_str() {
                    "and" => {
                        let mut v = self.conj(*receiver, default_table);
                        v.extend(self.conj(arg, default_table));
                        v
                    }
                    "or" => intersect(
                        self.conj(*receiver, default_table),
                        &self.conj(arg, default_table),
                    ),
                    "eq" | "eq_any" => {
                        let Some(c) = self.column(*receiver, default_table) else {
                            return Vec::new();
                        };
                        match self
                            .column(arg, default_table)
                            .filter(|_| !self.is_binding(arg))
                        {
                            Some(d) => vec![Atom::Columns(c, d)],
                            None if self.ws.is_tenant_column(&c.column) => {
                                vec![Atom::TenantValue(c.table)]
                            }
                            // `uuid.eq(&self.uuid)` in a method of the loaded row: it acts on
                            // the row its caller already fetched (and authorised), not on an id
                            // the caller chose.
                            None if self.is_primary_key(&c) && self.is_self_field(arg) => {
                                vec![Atom::TenantValue(c.table)]
                            }
                            None => vec![Atom::Value(c)],
                        }
                    }
                    // `sql::<Bool>("...").bind(..)`
                    "bind" => self.conj(*receiver, default_table),
                    _ => Vec::new(),
                }
            }
            ExprKind::Call { func, args } => {
                let is_sql =
                    matches!(&self.rust.expr(*func).kind, ExprKind::Path(p) if p.last() == "sql");
                match args.first().and_then(|a| self.rust.static_str(*a)) {
                    Some(text) if is_sql => self.raw_fragment(&text, default_table),
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    /// A raw SQL fragment (`sql::<Bool>("org_uuid = ")`), parsed with sqlparser.
    fn raw_fragment(&self, text: &str, default_table: &str) -> Vec<Atom> {
        use sqlparser::ast::{BinaryOperator, Expr};
        let dialect = sqlparser::dialect::GenericDialect {};
        let parse = |t: &str| {
            sqlparser::parser::Parser::new(&dialect)
                .try_with_sql(t)
                .and_then(|mut p| p.parse_expr())
        };
        // A fragment ending in an operator takes its value from the following `.bind(..)`.
        let Ok(expr) = parse(text).or_else(|_| parse(&format!("{text} ?"))) else {
            return Vec::new();
        };
        let mut conjuncts = vec![&expr];
        let mut out = Vec::new();
        while let Some(e) = conjuncts.pop() {
            match e {
                Expr::Nested(inner) => conjuncts.push(inner),
                Expr::BinaryOp {
                    left,
                    op: BinaryOperator::And,
                    right,
                } => conjuncts.extend([&**left, &**right]),
                Expr::BinaryOp {
                    left,
                    op: BinaryOperator::Eq,
                    right,
                } => {
                    for (col, value) in [(left, right), (right, left)] {
                        let idents: Vec<&str> = match &**col {
                            Expr::Identifier(i) => vec![i.value.as_str()],
                            Expr::CompoundIdentifier(parts) => {
                                parts.iter().map(|i| i.value.as_str()).collect()
                            }
                            _ => continue,
                        };
                        let value_is_column =
                            matches!(**value, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
                        let Some((column, qualifier)) = idents.split_last() else {
                            continue;
                        };
                        if !value_is_column && self.ws.is_tenant_column(column) {
                            let table = qualifier.last().copied().unwrap_or(default_table);
                            out.push(Atom::TenantValue(table.to_string()));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// `self.uuid`, `&self.id`, or a local initialised from one (`let uuid = self.uuid.clone()`).
    fn is_self_field(&self, expr: ExprId) -> bool {
        let self_field = |id: ExprId| {
            matches!(&self.rust.expr(self.rust.strip(id)).kind,
                ExprKind::Field { base, .. } if self.rust.as_ident(*base) == Some("self"))
        };
        if self_field(expr) {
            return true;
        }
        let (Some(name), Some(f)) = (self.rust.as_ident(expr), self.function.get()) else {
            return false;
        };
        crate::flow::reaching_let(self.rust, f, name, self.rust.expr(expr).span.start)
            .is_some_and(self_field)
    }

    fn is_primary_key(&self, c: &ColumnRef) -> bool {
        self.ws
            .orm
            .diesel_tables
            .get(&c.table)
            .is_some_and(|t| t.primary_key == [c.column.as_str()])
    }

    /// Whether an expression names a parameter or local of the current function (which a
    /// glob-imported column of the same name does not shadow in a value position).
    fn is_binding(&self, expr: ExprId) -> bool {
        let (Some(name), Some(f)) = (self.rust.as_ident(expr), self.function.get()) else {
            return false;
        };
        let func = self.rust.function(f);
        let mut names = Vec::new();
        for p in &func.params {
            self.rust.bindings(p.pat, &mut names);
        }
        crate::flow::visit_lets(self.rust, &func.body, &mut |pat, _, _| {
            self.rust.bindings(pat, &mut names)
        });
        names.iter().any(|(n, _)| n == name)
    }

    /// `t::table`, `t::dsl::t`, or `t` with `t`'s dsl imported.
    fn table_of(&self, p: &Path) -> Option<String> {
        let tables = &self.ws.orm.diesel_tables;
        let s = &p.segments;
        let name = match s.as_slice() {
            [.., t, last] if last == "table" => t,
            [.., t, dsl, t2] if dsl == "dsl" && t == t2 => t,
            [t] if self.imports_table(t) => t,
            _ => return None,
        };
        tables.contains_key(name.as_str()).then(|| name.clone())
    }

    /// The table a local bound by diesel's `alias!` before `offset` is an instance of:
    /// `let (owner, member) = alias!(users as owner, users as member);`.
    fn alias_table(&self, p: &Path, offset: u32) -> Option<String> {
        let [name] = p.segments.as_slice() else {
            return None;
        };
        let function = self.function.get()?;
        let mut found = None;
        crate::flow::visit_lets(
            self.rust,
            &self.rust.function(function).body,
            &mut |pat, init, span| {
                if span.start >= offset {
                    return;
                }
                let position = match &self.rust.pat(pat).kind {
                    PatKind::Ident { name: n, .. } if n == name => Some(None),
                    PatKind::Tuple(pats) => pats
                        .iter()
                        .position(|q| {
                            matches!(&self.rust.pat(*q).kind, PatKind::Ident { name: n, .. } if n == name)
                        })
                        .map(Some),
                    _ => None,
                };
                // A later `let` of the same name shadows the alias.
                if let Some(k) = position {
                    found = init.and_then(|init| self.aliased_table(init, k));
                }
            },
        );
        found
    }

    /// The table of the `k`-th declaration of an `alias!(schema::users as owner, ..)` (the only
    /// one when `k` is `None`).
    fn aliased_table(&self, init: ExprId, k: Option<usize>) -> Option<String> {
        let ExprKind::Macro(m) = &self.rust.expr(self.rust.strip(init)).kind else {
            return None;
        };
        let MacroArgs::List(args) = &m.args else {
            return None;
        };
        if m.path.last() != "alias" {
            return None;
        }
        let arg = match k {
            Some(k) => args.get(k)?,
            None if args.len() == 1 => args.first()?,
            None => return None,
        };
        let ExprKind::Cast { expr, .. } = &self.rust.expr(arg.expr).kind else {
            return None;
        };
        let ExprKind::Path(t) = &self.rust.expr(self.rust.strip(*expr)).kind else {
            return None;
        };
        let name = match t.segments.as_slice() {
            [.., t, last] if last == "table" => t,
            [.., t] => t,
            [] => return None,
        };
        self.ws
            .orm
            .diesel_tables
            .contains_key(name.as_str())
            .then(|| name.clone())
    }

    fn imports_table(&self, t: &str) -> bool {
        self.globs.contains(&t)
            || self.rust.uses.iter().any(|u| {
                !u.glob
                    && u.alias.is_none()
                    && u.path.len() >= 2
                    && u.path.ends_with(&["dsl".to_string(), t.to_string()])
            })
    }

    /// A column reference: `t::col`, `t::dsl::col`, or `col` with `t`'s dsl glob-imported.
    /// An unqualified column belongs to `prefer` when several glob-imported tables have it.
    fn column(&self, expr: ExprId, prefer: &str) -> Option<ColumnRef> {
        let mut id = self.rust.strip(expr);
        // `a.field(users::org_uuid)`: the column of the aliased instance `a`.
        if let ExprKind::MethodCall {
            receiver,
            method,
            args,
            ..
        } = &self.rust.expr(id).kind
        {
            if let ([arg], "field", ExprKind::Path(p)) = (
                args.as_slice(),
                method.name.as_str(),
                &self.rust.expr(*receiver).kind,
            ) {
                let table = self.alias_table(p, self.rust.expr(id).span.start)?;
                let c = self.column(*arg, &table).filter(|c| c.table == table)?;
                return Some(ColumnRef {
                    table: p.segments.first()?.clone(),
                    column: c.column,
                });
            }
        }
        while let ExprKind::MethodCall {
            receiver,
            method,
            args,
            ..
        } = &self.rust.expr(id).kind
        {
            if !args.is_empty() || !matches!(method.name.as_str(), "nullable" | "assume_not_null") {
                return None;
            }
            id = self.rust.strip(*receiver);
        }
        let ExprKind::Path(p) = &self.rust.expr(id).kind else {
            return None;
        };
        let tables = &self.ws.orm.diesel_tables;
        let has = |t: &str, c: &str| {
            tables
                .get(t)
                .is_some_and(|t| t.columns.iter().any(|x| x == c))
        };
        let (table, column) = match p.segments.as_slice() {
            [.., t, dsl, c] if dsl == "dsl" && has(t, c) => (t.clone(), c.clone()),
            [.., t, c] if has(t, c) => (t.clone(), c.clone()),
            [c] => {
                let mut owners = self.globs.iter().filter(|t| has(t, c));
                let first = owners.next()?;
                let owner = if has(prefer, c) && self.globs.contains(&prefer) {
                    prefer
                } else {
                    first
                };
                (owner.to_string(), c.clone())
            }
            _ => return None,
        };
        Some(ColumnRef { table, column })
    }

    /// The elements of a tuple, or the expression itself.
    fn items(&self, expr: ExprId) -> Vec<ExprId> {
        match &self.rust.expr(self.rust.strip(expr)).kind {
            ExprKind::Tuple(items) => items.clone(),
            _ => vec![expr],
        }
    }

    /// The column of `col.eq(v)`.
    fn assigned_column(&self, expr: ExprId) -> Option<ColumnRef> {
        match &self.rust.expr(self.rust.strip(expr)).kind {
            ExprKind::MethodCall {
                receiver, method, ..
            } if method.name == "eq" => self.column(*receiver, ""),
            _ => None,
        }
    }

    /// Whether `values(..)` sets the tenant column; `None` when it cannot be told (a struct
    /// whose type we do not resolve is trusted).
    fn sets_tenant(&self, expr: ExprId, root: &str) -> Option<bool> {
        let id = self.rust.strip(expr);
        match &self.rust.expr(id).kind {
            ExprKind::Tuple(_) | ExprKind::MethodCall { .. } => {
                let items = self.items(id);
                let columns: Vec<ColumnRef> = items
                    .iter()
                    .filter_map(|i| self.assigned_column(*i))
                    .collect();
                if columns.is_empty() {
                    return None;
                }
                Some(
                    columns
                        .iter()
                        .any(|c| c.table == root && self.ws.is_tenant_column(&c.column)),
                )
            }
            ExprKind::Array(items) => items.first().and_then(|i| self.sets_tenant(*i, root)),
            ExprKind::Macro(m) if m.path.last() == "vec" => match &m.args {
                MacroArgs::List(a) => a.first().and_then(|i| self.sets_tenant(i.expr, root)),
                _ => None,
            },
            ExprKind::Struct { fields, rest, .. } => Some(
                rest.is_some()
                    || fields.iter().any(|(f, _)| {
                        self.ws.is_tenant_column(&f.name) || self.ws.is_tenant_name(&f.name)
                    }),
            ),
            _ => None,
        }
    }
}

/// Branch lists beyond this size are merged into the conjuncts they share.
const MAX_BRANCHES: usize = 32;

/// `(a ∨ b) ∧ (c ∨ d)` as `ac ∨ ad ∨ bc ∨ bd`.
fn cross(left: Vec<Vec<Atom>>, right: Vec<Vec<Atom>>) -> Vec<Vec<Atom>> {
    let mut out = Vec::new();
    for l in &left {
        for r in &right {
            out.push(l.iter().chain(r).cloned().collect());
        }
    }
    bounded(out)
}

fn bounded(branches: Vec<Vec<Atom>>) -> Vec<Vec<Atom>> {
    if branches.len() <= MAX_BRANCHES {
        return branches;
    }
    let mut it = branches.into_iter();
    let first = it.next().unwrap_or_default();
    vec![it.fold(first, |acc, b| intersect(acc, &b))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_filter_the_tenant_by_a_parameter_without_running() {
        let text = "diesel::table! { ciphers (uuid) { uuid -> Text, org_uuid -> Text, name -> Text, } }
            fn for_org(org: &str) -> Q { ciphers::table.filter(ciphers::org_uuid.eq(org)).into_boxed() }
            fn scoped(q: Q, org: &str) -> Q { q.filter(ciphers::name.eq(\"x\").and(ciphers::org_uuid.eq(org))) }
            fn loose(org: &str) -> Q { ciphers::table.filter(ciphers::org_uuid.eq(org).or(ciphers::name.eq(org))) }
            fn constant() -> Q { ciphers::table.filter(ciphers::org_uuid.eq(\"default\")) }
            fn runs(org: &str, c: &mut C) -> Vec<Cipher> { ciphers::table.filter(ciphers::org_uuid.eq(org)).load(c) }
            fn by_name(name: &str) -> Q { ciphers::table.filter(ciphers::name.eq(name)) }";
        let source = crate::test_support::source("src/db.rs", text);
        let rust = crate::parse::parse_rust(text).expect("parses");
        let tables = crate::orm::schema::diesel_tables(&source, &rust)
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        let config = crate::semantic::settings::Config {
            tenant_columns: vec!["org_uuid".into()],
            ..Default::default()
        };
        let helpers: Vec<_> = scoping_helpers(&rust, &tables, &config)
            .into_iter()
            .filter_map(|(name, h)| Some((name, h?)))
            .collect();
        assert_eq!(
            helpers,
            [
                (
                    "for_org".to_string(),
                    ScopingHelper::Table("ciphers".into())
                ),
                ("scoped".to_string(), ScopingHelper::Param(0)),
            ]
        );
    }
}
