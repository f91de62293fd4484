//! Tenant scoping of SQL statements, table instance by table instance.
//!
//! Every instance of a tenant-scoped table in a SELECT, UPDATE or DELETE (FROM, each JOIN,
//! subqueries, CTE bodies, set-operation arms) must be *anchored*: a conjunct on the AND-spine of
//! the WHERE clause or of an inner join's ON compares its tenant column with a value (a bind, a
//! spliced value, a literal, `current_setting(..)`), or with the tenant column of an instance
//! that is itself anchored. An instance whose key (primary key or unique key) is equated with
//! columns of anchored instances is anchored too: its row is the one a tenant-owned row points
//! to. INSERTs must set the tenant column, and no statement may reassign it.

use crate::facts::workspace::Workspace;
use crate::schema::{object_name, table_key};
use crate::sql::HOLE_PREFIX;
use crate::sql_util::function_name;
use crate::syntax::work::Work;
use sqlparser::ast::{
    AccessExpr, AssignmentTarget, BinaryOperator, Expr, FromTable, Join, JoinConstraint,
    JoinOperator, OnConflictAction, OnInsert, Query, SetExpr, Spanned, Statement, TableFactor,
    TableObject, TableWithJoins, UnaryOperator, UpdateTableFromKind, Visit, Visitor,
};
use sqlparser::tokenizer::Span as SqlSpan;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::ops::{ControlFlow, Range};

/// A tenant-isolation problem in one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeIssue {
    /// A tenant-scoped table instance no predicate restricts to one tenant.
    Unscoped {
        table: String,
        alias: Option<String>,
        span: SqlSpan,
        column: String,
        /// The numbered placeholders (`$2`) a column of this instance equals on the AND-spine
        /// of the WHERE clause or of an inner join: the values that pick its rows.
        picked_by: Vec<String>,
    },
    /// An INSERT into a tenant-scoped table whose column list leaves the tenant column out.
    InsertWithoutTenant {
        table: String,
        span: SqlSpan,
        column: String,
    },
    /// `SET tenant_col = ...` in an UPDATE or an upsert: rows move between tenants.
    TenantReassigned {
        table: String,
        span: SqlSpan,
        column: String,
    },
}

impl ScopeIssue {
    pub fn span(&self) -> SqlSpan {
        match self {
            ScopeIssue::Unscoped { span, .. }
            | ScopeIssue::InsertWithoutTenant { span, .. }
            | ScopeIssue::TenantReassigned { span, .. } => *span,
        }
    }
}

/// What a caller accepts as anchoring beyond a statement's own predicates.
pub struct Assumptions<'a> {
    /// Whether an unfiltered instance of a table is acceptable anyway (row-level security
    /// trusted by configuration).
    pub accept_unscoped: &'a dyn Fn(&str) -> bool,
    /// `parent-key-joins`: a row joined by one of its columns to the whole single-column key
    /// of an anchored tenant row (`JOIN child c ON c.parent_id = p.id WHERE p.tenant_id = $1`)
    /// is that row's child, in its tenant. This holds when the reference is a foreign key or
    /// written by the server from the parent row; a reference column a client writes freely
    /// lets one tenant's child point at another tenant's parent.
    pub parent_key_joins: bool,
}

impl Assumptions<'_> {
    /// Nothing accepted unfiltered; children of anchored parents are anchored.
    pub const DEFAULT: Assumptions<'static> = Assumptions {
        accept_unscoped: &|_| false,
        parent_key_joins: true,
    };
}

/// Whether a site's SQL parses and every statement anchors every table instance to one tenant.
/// The analysis is charged to `work`, the meter of the file that asks.
pub fn site_anchored(site: &crate::sql::SqlSite, ws: &Workspace, work: &Work) -> bool {
    site.errors.is_empty()
        && !site.statements.is_empty()
        && site
            .statements
            .iter()
            .all(|st| check_statement(&st.statement, ws, &Assumptions::DEFAULT, work).is_empty())
}

/// Whether every statement of a site reads or changes rows of tenant-scoped tables, each
/// instance anchored to one tenant: what it finds is the tenant's (a statement on global
/// tables alone says nothing of whose a key is).
pub fn site_finds_tenant_rows(site: &crate::sql::SqlSite, ws: &Workspace, work: &Work) -> bool {
    site.errors.is_empty()
        && !site.statements.is_empty()
        && site.statements.iter().all(|st| {
            let (issues, rows) = analyze(&st.statement, ws, &Assumptions::DEFAULT, work);
            issues.is_empty() && rows == Rows::Scoped
        })
}

/// Checks one statement under the given assumptions, charging the analysis to `work`.
pub fn check_statement(
    stmt: &Statement,
    ws: &Workspace,
    assumptions: &Assumptions<'_>,
    work: &Work,
) -> Vec<ScopeIssue> {
    analyze(stmt, ws, assumptions, work).0
}

/// A statement's issues, and what its rows are; the steps taken are charged to `work`.
fn analyze(
    stmt: &Statement,
    ws: &Workspace,
    assumptions: &Assumptions<'_>,
    work: &Work,
) -> (Vec<ScopeIssue>, Rows) {
    let mut a = Analyzer {
        ws,
        accept_unscoped: assumptions.accept_unscoped,
        parent_key_joins: assumptions.parent_key_joins,
        issues: Vec::new(),
        ctes: Vec::new(),
        pending: Vec::new(),
        withdrawn: HashSet::new(),
        outer: Vec::new(),
        subqueries: HashMap::new(),
        owner_lookup_pending: false,
        qualifiers: RefCell::new(None),
        steps: Cell::new(0),
    };
    let rows = a.statement(stmt);
    work.charge(a.steps.get());
    let mut issues: Vec<ScopeIssue> = Vec::new();
    for (n, i) in a.issues.into_iter().enumerate() {
        if !a.withdrawn.contains(&n) && !issues.contains(&i) {
            issues.push(i);
        }
    }
    (issues, rows)
}

/// What a query's rows are, seen from a query that reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rows {
    /// Only rows of tenant-scoped tables, and every instance is anchored.
    Scoped,
    /// Some tenant-scoped instance is not anchored (already reported inside).
    Unscoped,
    /// No tenant-scoped table is read.
    Global,
}

impl Rows {
    fn combine(self, other: Rows) -> Rows {
        match (self, other) {
            (Rows::Unscoped, _) | (_, Rows::Unscoped) => Rows::Unscoped,
            (Rows::Scoped, _) | (_, Rows::Scoped) => Rows::Scoped,
            _ => Rows::Global,
        }
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Tenant,
    /// A derived table or CTE reference, with what its body reads.
    Derived(Rows),
    Global,
}

#[derive(Clone, Debug)]
struct Instance {
    table: String,
    alias: Option<String>,
    span: SqlSpan,
    kind: Kind,
    anchored: bool,
    /// The CTE this instance reads, by index in [`Analyzer::ctes`].
    cte: Option<usize>,
    /// For a derived table: its body's findings that a filter on this instance withdraws.
    pending: Vec<usize>,
    /// For a derived table: the columns it outputs, when its projection names them all (no
    /// wildcard): an unqualified column it lacks belongs to another instance.
    columns: Option<Vec<String>>,
}

impl Instance {
    fn answers_to(&self, qualifier: &str) -> bool {
        match &self.alias {
            Some(a) => a.eq_ignore_ascii_case(qualifier),
            None => table_key(&self.table) == table_key(qualifier),
        }
    }
}

/// What a subquery may know of the instances around it.
fn outer_view(instances: &[Instance]) -> Vec<OuterInstance> {
    instances
        .iter()
        .map(|i| OuterInstance {
            table: i.table.clone(),
            alias: i.alias.clone(),
            tenant: !matches!(i.kind, Kind::Global),
            anchored: i.anchored,
        })
        .collect()
}

/// An instance of an enclosing query, as a correlated subquery sees it.
#[derive(Clone, Debug)]
struct OuterInstance {
    table: String,
    alias: Option<String>,
    tenant: bool,
    anchored: bool,
}

/// A tenant-column reference resolved to an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ColRef {
    Inner(usize),
    /// An enclosing query's tenant column; `true` when that instance is anchored.
    Outer(bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Fact {
    Direct(usize),
    /// Equal tenant columns of two instances.
    Edge(usize, usize),
}

/// Where anchoring comes from. An outer join's ON filters one side only: `targets` lists the
/// instances it may anchor (`None`: any).
enum Condition<'q> {
    Expr {
        expr: &'q Expr,
        targets: Option<Range<usize>>,
    },
    /// `JOIN ... USING (tenant_id)`: `to` is anchored when `from` is.
    Edge { from: usize, to: usize },
    /// `JOIN ... USING (id)`: one column of one side equals the same column of the other.
    Key(KeyEquality),
}

/// Each instance's keys and the key equalities of a scope, indexed so that anchoring is
/// propagated along them once, not re-scanned per instance. Nodes past the instances stand
/// for placeholder values shared by several equalities.
struct KeyGraph {
    keys: Vec<Vec<Vec<String>>>,
    /// The equalities on each instance's columns.
    on: Vec<Vec<KeyEquality>>,
    /// The instances whose equalities read each instance's rows.
    readers: Vec<Vec<usize>>,
    /// Work units spent propagating: readers visited, equalities read.
    steps: Cell<usize>,
}

impl KeyGraph {
    fn new(keys: Vec<Vec<Vec<String>>>, equalities: Vec<KeyEquality>) -> KeyGraph {
        let mut on = vec![Vec::new(); keys.len()];
        let mut readers = vec![Vec::new(); keys.len()];
        for e in equalities {
            if let KeySource::Rows(rows) = &e.source {
                for &r in rows {
                    if let Some(list) = readers.get_mut(r) {
                        list.push(e.target);
                    }
                }
            }
            if let Some(list) = on.get_mut(e.target) {
                list.push(e);
            }
        }
        KeyGraph {
            keys,
            on,
            readers,
            steps: Cell::new(0),
        }
    }

    /// Marks the instances whose key the marked ones determine, transitively (`mark` is
    /// called for each new one), starting from those in `queue`.
    fn propagate(
        &self,
        marked: &mut [bool],
        mut queue: Vec<usize>,
        follow_reported: bool,
        mark: &mut dyn FnMut(usize),
    ) {
        while let Some(i) = queue.pop() {
            let readers = self.readers.get(i).map_or(&[][..], Vec::as_slice);
            self.steps.set(self.steps.get() + readers.len());
            for &n in readers {
                if !marked.get(n).copied().unwrap_or(true)
                    && self.determined(n, marked, follow_reported)
                {
                    marked[n] = true;
                    mark(n);
                    queue.push(n);
                }
            }
        }
    }

    /// One mark per node: the instances' marks, then the placeholder value nodes, unmarked.
    fn marks(&self, instances: impl Iterator<Item = bool>) -> Vec<bool> {
        let mut marks: Vec<bool> = instances.collect();
        marks.resize(self.keys.len(), false);
        marks
    }

    /// Marks, then propagates from, every instance whose key is determined now.
    fn close(&self, marked: &mut [bool], follow_reported: bool, mark: &mut dyn FnMut(usize)) {
        for n in 0..marked.len() {
            if !marked[n] && self.determined(n, marked, follow_reported) {
                marked[n] = true;
                mark(n);
            }
        }
        let queue = (0..marked.len()).filter(|&n| marked[n]).collect();
        self.propagate(marked, queue, follow_reported, mark);
    }

    fn determined(&self, n: usize, marked: &[bool], follow_reported: bool) -> bool {
        self.steps
            .set(self.steps.get() + 1 + self.on.get(n).map_or(0, Vec::len));
        let source = |i: usize| marked.get(i).copied().unwrap_or(false);
        key_determined(
            n,
            self.keys.get(n).map_or(&[][..], Vec::as_slice),
            self.on.get(n).map_or(&[][..], Vec::as_slice),
            follow_reported,
            &source,
        )
    }
}

/// `target.column = source` on an AND-spine: what key-join carry-over reads.
#[derive(Clone, Debug)]
struct KeyEquality {
    target: usize,
    column: String,
    source: KeySource,
    /// From the WHERE clause or an inner join: it holds for every row of the result.
    everywhere: bool,
}

/// `child.column = parent.parent_column` on an AND-spine (see [`Assumptions::parent_key_joins`]).
struct ParentRef {
    child: usize,
    parent: usize,
    parent_column: String,
}

#[derive(Clone, Debug)]
enum KeySource {
    /// A bind, literal or spliced value: the client may choose it. The placeholder's name when
    /// it is a numbered one (`$3` is the same value wherever it appears).
    Value(Option<String>),
    /// A value read from the rows of these instances (a column, an array element, a JSON
    /// field): fixed by those rows once they are anchored.
    Rows(Vec<usize>),
    /// A value read from anchored rows: an anchored instance of an enclosing query, or the
    /// column a scoped subquery selects (`id IN (SELECT job_id FROM t WHERE tenant_id = $1)`).
    Anchored,
    /// A value read from an enclosing query's instance that is reported itself.
    ReportedOuter,
}

struct Cte {
    name: String,
    rows: Rows,
    pending: Vec<usize>,
    anchored_uses: usize,
    unanchored_uses: usize,
}

struct Analyzer<'w> {
    ws: &'w Workspace,
    accept_unscoped: &'w dyn Fn(&str) -> bool,
    parent_key_joins: bool,
    issues: Vec<ScopeIssue>,
    /// CTEs in scope.
    ctes: Vec<Cte>,
    /// Findings of the query just checked that a filter on its result would withdraw.
    pending: Vec<usize>,
    /// Indices of findings withdrawn that way.
    withdrawn: HashSet<usize>,
    /// Instances of enclosing queries, innermost last.
    outer: Vec<Vec<OuterInstance>>,
    /// What each nested query read, by address while its statement is alive.
    subqueries: HashMap<usize, Rows>,
    /// Tells the next scope it is an owner lookup (`SELECT tenant_id ... WHERE id = $1`).
    owner_lookup_pending: bool,
    /// While a scope is anchored: its instances by the name they answer to.
    qualifiers: RefCell<Option<Qualifiers>>,
    /// Work units spent: expression nodes examined, instances and conditions visited per
    /// anchoring pass, key equalities compared.
    steps: Cell<u64>,
}

/// The first instance answering to each alias and to each unaliased table name, so that a
/// qualified column is resolved without scanning the scope (a chain of joins stays linear).
struct Qualifiers {
    by_alias: HashMap<String, usize>,
    by_table: HashMap<String, usize>,
}

impl Qualifiers {
    fn new(instances: &[Instance]) -> Qualifiers {
        let mut q = Qualifiers {
            by_alias: HashMap::new(),
            by_table: HashMap::new(),
        };
        for (n, i) in instances.iter().enumerate() {
            match &i.alias {
                Some(a) => q.by_alias.entry(a.to_ascii_lowercase()).or_insert(n),
                None => q.by_table.entry(table_key(&i.table)).or_insert(n),
            };
        }
        q
    }

    /// The position of the first instance that [`Instance::answers_to`] `qualifier`.
    fn first(&self, qualifier: &str) -> Option<usize> {
        let aliased = self.by_alias.get(&qualifier.to_ascii_lowercase());
        let unaliased = self.by_table.get(&table_key(qualifier));
        aliased.into_iter().chain(unaliased).min().copied()
    }
}

impl Analyzer<'_> {
    fn step(&self, units: usize) {
        self.steps
            .set(self.steps.get().saturating_add(units as u64));
    }

    /// Checks a statement; what its rows are (an INSERT's are none the statement picks).
    fn statement(&mut self, stmt: &Statement) -> Rows {
        match stmt {
            Statement::Query(q) => self.query(q),
            Statement::Insert(insert) => {
                let TableObject::TableName(name) = &insert.table else {
                    return Rows::Global;
                };
                let table = object_name(name);
                if let Some(column) = self.required_tenant_column(&table) {
                    let sets_tenant = insert
                        .columns
                        .iter()
                        .any(|c| self.ws.is_tenant_column(&c.value));
                    if !insert.columns.is_empty() && !sets_tenant {
                        self.issues.push(ScopeIssue::InsertWithoutTenant {
                            table: table.clone(),
                            span: name.span(),
                            column,
                        });
                    }
                }
                if let Some(source) = &insert.source {
                    self.query(source);
                }
                let assignments = match &insert.on {
                    Some(OnInsert::DuplicateKeyUpdate(a)) => a.as_slice(),
                    Some(OnInsert::OnConflict(c)) => match &c.action {
                        OnConflictAction::DoUpdate(u) => u.assignments.as_slice(),
                        OnConflictAction::DoNothing => &[],
                    },
                    _ => &[],
                };
                self.reassignments(&table, assignments);
                Rows::Global
            }
            Statement::Update {
                table,
                assignments,
                from,
                selection,
                ..
            } => {
                let mut froms = vec![table];
                if let Some(UpdateTableFromKind::BeforeSet(f) | UpdateTableFromKind::AfterSet(f)) =
                    from
                {
                    froms.extend(f);
                }
                // `SET tenant_id = $new WHERE tenant_id = $old` renames a tenant: all its rows
                // move together, none changes hands.
                let renames_tenant = selection
                    .as_ref()
                    .is_some_and(|w| self.only_tenant_predicates(w));
                if let (TableFactor::Table { name, .. }, false) = (&table.relation, renames_tenant)
                {
                    self.reassignments(&object_name(name), assignments);
                }
                let values: Vec<&Expr> = assignments.iter().map(|a| &a.value).collect();
                self.scope(&froms, selection.as_ref(), &values)
            }
            Statement::Delete(delete) => {
                let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) =
                    &delete.from;
                let mut froms: Vec<&TableWithJoins> = from.iter().collect();
                froms.extend(delete.using.iter().flatten());
                self.scope(&froms, delete.selection.as_ref(), &[])
            }
            _ => Rows::Global,
        }
    }

    /// The tenant column an INSERT must set: the table is tenant-scoped and known to have one.
    fn required_tenant_column(&self, table: &str) -> Option<String> {
        if !self.ws.is_tenant_table(table) {
            return None;
        }
        if let Some(t) = self.ws.schema.table(table) {
            // A nullable tenant column means the table holds global rows too.
            return t
                .columns
                .iter()
                .find(|c| self.ws.is_tenant_column(c) && t.is_not_null(c))
                .cloned();
        }
        let listed = self
            .ws
            .config
            .tenant_tables
            .iter()
            .any(|t| crate::semantic::settings::table_name_eq(t, table));
        listed.then(|| self.default_column())
    }

    fn default_column(&self) -> String {
        self.ws
            .config
            .tenant_columns
            .first()
            .cloned()
            .unwrap_or_else(|| "tenant_id".into())
    }

    fn tenant_column_of(&self, table: &str) -> String {
        self.ws
            .schema
            .table(table)
            .and_then(|t| t.columns.iter().find(|c| self.ws.is_tenant_column(c)))
            .cloned()
            .unwrap_or_else(|| self.default_column())
    }

    fn reassignments(&mut self, table: &str, assignments: &[sqlparser::ast::Assignment]) {
        if !self.ws.is_tenant_table(table) {
            return;
        }
        for a in assignments {
            let AssignmentTarget::ColumnName(target) = &a.target else {
                continue;
            };
            let Some(column) = target.0.last().and_then(|p| p.as_ident()) else {
                continue;
            };
            if !self.ws.is_tenant_column(&column.value) {
                continue;
            }
            // `SET tenant_id = tenant_id` changes nothing.
            let unchanged = matches!(&a.value, Expr::Identifier(i) if i.value.eq_ignore_ascii_case(&column.value));
            if !unchanged {
                self.issues.push(ScopeIssue::TenantReassigned {
                    table: table.to_string(),
                    span: target.span(),
                    column: column.value.clone(),
                });
            }
        }
    }

    fn is_tenant_column_ref(&self, e: &Expr) -> bool {
        match e {
            Expr::Identifier(i) => self.ws.is_tenant_column(&i.value),
            Expr::CompoundIdentifier(parts) => parts
                .last()
                .is_some_and(|i| self.ws.is_tenant_column(&i.value)),
            _ => false,
        }
    }

    /// Whether a WHERE clause is only `tenant_col = value` conjuncts.
    fn only_tenant_predicates(&self, expr: &Expr) -> bool {
        let is_tenant_col = |e: &Expr| match e {
            Expr::Identifier(i) => self.ws.is_tenant_column(&i.value),
            Expr::CompoundIdentifier(parts) => parts
                .last()
                .is_some_and(|i| self.ws.is_tenant_column(&i.value)),
            _ => false,
        };
        match expr {
            Expr::Nested(e) => self.only_tenant_predicates(e),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => self.only_tenant_predicates(left) && self.only_tenant_predicates(right),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                (is_tenant_col(left) && self.is_value(right))
                    || (is_tenant_col(right) && self.is_value(left))
            }
            _ => false,
        }
    }

    /// Checks a query; leaves in `self.pending` the findings that a filter on its result would
    /// withdraw.
    fn query(&mut self, q: &Query) -> Rows {
        let depth = self.ctes.len();
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                let rows = self.query(&cte.query);
                self.ctes.push(Cte {
                    name: cte.alias.name.value.clone(),
                    rows,
                    pending: std::mem::take(&mut self.pending),
                    anchored_uses: 0,
                    unanchored_uses: 0,
                });
            }
        }
        let rows = self.set_expr(&q.body);
        let pending = std::mem::take(&mut self.pending);
        // A CTE whose every use is filtered by tenant is scoped, whatever its body says.
        for cte in self.ctes.drain(depth..) {
            if cte.anchored_uses > 0 && cte.unanchored_uses == 0 {
                self.withdrawn.extend(cte.pending);
            }
        }
        self.pending = pending;
        rows
    }

    fn set_expr(&mut self, body: &SetExpr) -> Rows {
        match body {
            SetExpr::Select(s) => {
                let froms: Vec<&TableWithJoins> = s.from.iter().collect();
                let mut exprs: Vec<&Expr> = Vec::new();
                for item in &s.projection {
                    match item {
                        sqlparser::ast::SelectItem::UnnamedExpr(e)
                        | sqlparser::ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                            exprs.push(e)
                        }
                        _ => {}
                    }
                }
                exprs.extend(s.having.as_ref());
                // `SELECT tenant_id FROM t WHERE id = $1` finds whose row it is, for an ownership
                // check in the code; it returns no tenant data.
                let owner_lookup = s.from.len() == 1
                    && s.from.iter().all(|f| f.joins.is_empty())
                    && matches!(s.projection.as_slice(), [sqlparser::ast::SelectItem::UnnamedExpr(e)] if self.is_tenant_column_ref(e));
                self.owner_lookup_pending = owner_lookup;
                self.scope(&froms, s.selection.as_ref(), &exprs)
            }
            SetExpr::Query(q) => self.query(q),
            SetExpr::SetOperation { left, right, .. } => {
                let l = self.set_expr(left);
                let mut pending = std::mem::take(&mut self.pending);
                let r = self.set_expr(right);
                pending.append(&mut self.pending);
                self.pending = pending;
                l.combine(r)
            }
            SetExpr::Values(values) => {
                let exprs: Vec<&Expr> = values.rows.iter().flatten().collect();
                self.nested_queries(&exprs);
                self.pending.clear();
                Rows::Global
            }
            SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) => {
                self.statement(s);
                self.pending.clear();
                Rows::Global
            }
            _ => {
                self.pending.clear();
                Rows::Global
            }
        }
    }

    /// One FROM scope: its instances, its conditions, the subqueries of its expressions.
    fn scope(
        &mut self,
        froms: &[&TableWithJoins],
        selection: Option<&Expr>,
        other_exprs: &[&Expr],
    ) -> Rows {
        let owner_lookup = std::mem::take(&mut self.owner_lookup_pending);
        let mut instances = Vec::new();
        let mut conditions = Vec::new();
        let mut join_exprs: Vec<&Expr> = Vec::new();
        for twj in froms {
            self.table_with_joins(twj, &mut instances, &mut conditions);
        }
        for c in &conditions {
            if let Condition::Expr { expr, .. } = c {
                join_exprs.push(expr);
            }
        }
        if let Some(w) = selection {
            conditions.push(Condition::Expr {
                expr: w,
                targets: None,
            });
        }

        // Anchoring first without subquery facts, so that correlated subqueries see their outer
        // instances; then again with what the subqueries read.
        self.anchor(&mut instances, &conditions);
        self.outer.push(outer_view(&instances));
        let mut exprs: Vec<&Expr> = other_exprs.to_vec();
        exprs.extend(selection);
        exprs.extend(join_exprs);
        self.nested_queries(&exprs);
        self.outer.pop();
        let graph = self.anchor(&mut instances, &conditions);
        let follows = self.follows_a_finding(&instances, &graph, owner_lookup);

        let mut rows = Rows::Global;
        let mut pending = Vec::new();
        for (n, (inst, follows)) in instances.iter().zip(follows).enumerate() {
            if owner_lookup && matches!(inst.kind, Kind::Tenant) {
                continue;
            }
            if let Some(cte) = inst.cte.and_then(|c| self.ctes.get_mut(c)) {
                if inst.anchored {
                    cte.anchored_uses += 1;
                } else {
                    cte.unanchored_uses += 1;
                }
            } else if matches!(inst.kind, Kind::Derived(_)) {
                // `(SELECT * FROM t) x WHERE x.tenant_id = $1` is scoped by the outer filter.
                if inst.anchored {
                    self.withdrawn.extend(inst.pending.iter().copied());
                } else {
                    pending.extend(inst.pending.iter().copied());
                }
            }
            let r = match inst.kind {
                Kind::Tenant if inst.anchored || (self.accept_unscoped)(&inst.table) => {
                    Rows::Scoped
                }
                Kind::Tenant if follows => Rows::Unscoped,
                Kind::Tenant => {
                    pending.push(self.issues.len());
                    let picked_by = graph
                        .on
                        .get(n)
                        .into_iter()
                        .flatten()
                        .filter(|e| e.everywhere)
                        .filter_map(|e| match &e.source {
                            KeySource::Value(Some(p)) => Some(p.clone()),
                            _ => None,
                        })
                        .collect();
                    self.issues.push(ScopeIssue::Unscoped {
                        table: inst.table.clone(),
                        alias: inst.alias.clone(),
                        span: inst.span,
                        column: self.tenant_column_of(&inst.table),
                        picked_by,
                    });
                    Rows::Unscoped
                }
                Kind::Derived(Rows::Unscoped) if inst.anchored => Rows::Scoped,
                Kind::Derived(r) => r,
                Kind::Global => Rows::Global,
            };
            rows = rows.combine(r);
        }
        self.pending = pending;
        rows
    }

    fn table_with_joins<'q>(
        &mut self,
        twj: &'q TableWithJoins,
        instances: &mut Vec<Instance>,
        conditions: &mut Vec<Condition<'q>>,
    ) {
        self.relation(&twj.relation, instances, conditions);
        for join in &twj.joins {
            self.join(join, instances, conditions);
        }
    }

    fn join<'q>(
        &mut self,
        join: &'q Join,
        instances: &mut Vec<Instance>,
        conditions: &mut Vec<Condition<'q>>,
    ) {
        // Both sides are ranges of the scope's instances: a chain of joins costs its length.
        let left = 0..instances.len();
        self.relation(&join.relation, instances, conditions);
        let right = left.end..instances.len();
        use JoinOperator as J;
        let (constraint, targets) = match &join.join_operator {
            J::Join(c)
            | J::Inner(c)
            | J::CrossJoin(c)
            | J::StraightJoin(c)
            | J::Semi(c)
            | J::Anti(c) => (c, None),
            J::Left(c) | J::LeftOuter(c) | J::LeftSemi(c) | J::LeftAnti(c) => {
                (c, Some(right.clone()))
            }
            J::Right(c) | J::RightOuter(c) | J::RightSemi(c) | J::RightAnti(c) => {
                (c, Some(left.clone()))
            }
            J::FullOuter(c) => (c, Some(0..0)),
            _ => return,
        };
        match constraint {
            JoinConstraint::On(expr) => conditions.push(Condition::Expr { expr, targets }),
            JoinConstraint::Using(columns) => {
                let shares_tenant = columns.iter().any(|c| {
                    c.0.last()
                        .and_then(|p| p.as_ident())
                        .is_some_and(|i| self.ws.is_tenant_column(&i.value))
                });
                let may_anchor = |t: usize| targets.as_ref().is_none_or(|v| v.contains(&t));
                for column in columns
                    .iter()
                    .filter_map(|c| c.0.last().and_then(|p| p.as_ident()))
                {
                    let owners = |side: Range<usize>| -> Vec<usize> {
                        side.filter(|&i| {
                            instances
                                .get(i)
                                .is_some_and(|inst| self.may_have_column(inst, &column.value))
                        })
                        .collect()
                    };
                    let right_owner = match owners(right.clone()).as_slice() {
                        [only] => Some(*only),
                        _ => None,
                    };
                    let left_owner =
                        merged_using_column(&owners(left.clone()), &column.value, conditions);
                    let (Some(l), Some(r)) = (left_owner, right_owner) else {
                        continue;
                    };
                    for (target, from) in [(l, r), (r, l)] {
                        if may_anchor(target) {
                            conditions.push(Condition::Key(KeyEquality {
                                target,
                                column: column.value.clone(),
                                source: KeySource::Rows(vec![from]),
                                everywhere: targets.is_none(),
                            }));
                        }
                    }
                }
                if shares_tenant {
                    // `USING (tenant_id)` equates the tenant columns of both sides.
                    let lhs: Vec<usize> = left
                        .clone()
                        .filter(|&i| !matches!(instances[i].kind, Kind::Global))
                        .collect();
                    for r in right.clone() {
                        for &l in &lhs {
                            if may_anchor(r) {
                                conditions.push(Condition::Edge { from: l, to: r });
                            }
                            if may_anchor(l) {
                                conditions.push(Condition::Edge { from: r, to: l });
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn relation<'q>(
        &mut self,
        factor: &'q TableFactor,
        instances: &mut Vec<Instance>,
        conditions: &mut Vec<Condition<'q>>,
    ) {
        match factor {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                if args.is_some() {
                    return;
                }
                let table = object_name(name);
                let cte = (name.0.len() == 1)
                    .then(|| {
                        self.ctes
                            .iter()
                            .rposition(|c| c.name.eq_ignore_ascii_case(&table))
                    })
                    .flatten();
                let kind = match cte.and_then(|c| self.ctes.get(c)) {
                    Some(c) => Kind::Derived(c.rows),
                    // A spliced table name is unknown here; sql-built-with-format looks at it.
                    None if table.starts_with(HOLE_PREFIX) => Kind::Global,
                    None if self.ws.is_tenant_table(&table) => Kind::Tenant,
                    None => Kind::Global,
                };
                instances.push(Instance {
                    table,
                    alias: alias.as_ref().map(|a| a.name.value.clone()),
                    span: name.span(),
                    kind,
                    anchored: false,
                    cte,
                    pending: Vec::new(),
                    columns: None,
                });
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
            } => {
                if *lateral {
                    self.outer.push(outer_view(instances));
                }
                let rows = self.query(subquery);
                let pending = std::mem::take(&mut self.pending);
                if *lateral {
                    self.outer.pop();
                }
                let name = alias
                    .as_ref()
                    .map_or_else(String::new, |a| a.name.value.clone());
                instances.push(Instance {
                    table: name.clone(),
                    alias: Some(name),
                    span: subquery.span(),
                    kind: Kind::Derived(rows),
                    anchored: false,
                    cte: None,
                    pending,
                    columns: output_columns(subquery, alias.as_ref()),
                });
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => self.table_with_joins(table_with_joins, instances, conditions),
            _ => {}
        }
    }

    /// Unanchored instances that a reported instance's filter would anchor through their key
    /// (`q JOIN j USING (id) WHERE q.id = $1`): one root cause, reported once. Roots are chosen
    /// one at a time, lookups by a value (`WHERE q.id = $1`, the insecure reference itself)
    /// first, and whatever their anchoring would carry to is not reported again.
    fn follows_a_finding(
        &self,
        instances: &[Instance],
        graph: &KeyGraph,
        owner_lookup: bool,
    ) -> Vec<bool> {
        let candidate = |i: &Instance| {
            !i.anchored
                && matches!(i.kind, Kind::Tenant)
                && !owner_lookup
                && !(self.accept_unscoped)(&i.table)
        };
        // A derived table whose body is reported inside is a root already.
        let mut carried = graph.marks(
            instances
                .iter()
                .map(|i| i.anchored || matches!(i.kind, Kind::Derived(Rows::Unscoped))),
        );
        let mut follows = vec![false; instances.len()];
        let looked_up = |n: usize| {
            graph
                .on
                .get(n)
                .is_some_and(|on| on.iter().any(|e| matches!(e.source, KeySource::Value(_))))
        };
        let mut roots: Vec<usize> = (0..instances.len())
            .filter(|&n| instances.get(n).is_some_and(candidate))
            .collect();
        roots.sort_by_key(|&n| !looked_up(n));
        let mut mark = |n: usize| {
            if let (Some(f), Some(inst)) = (follows.get_mut(n), instances.get(n)) {
                *f = candidate(inst);
            }
        };
        graph.close(&mut carried, true, &mut mark);
        for root in roots {
            if carried.get(root).copied().unwrap_or(true) {
                continue;
            }
            carried[root] = true;
            graph.propagate(&mut carried, vec![root], true, &mut mark);
        }
        follows
    }

    /// Computes which instances are anchored, from scratch.
    fn anchor(&self, instances: &mut [Instance], conditions: &[Condition<'_>]) -> KeyGraph {
        self.step(instances.len() + conditions.len());
        for inst in instances.iter_mut() {
            // `FROM t {}`: the fragment after a table may be its WHERE clause.
            let spliced_clause = inst
                .alias
                .as_deref()
                .is_some_and(|a| a.starts_with(HOLE_PREFIX));
            inst.anchored = matches!(inst.kind, Kind::Derived(Rows::Scoped)) || spliced_clause;
        }
        let mut edges: Vec<(usize, usize)> = Vec::new();
        let mut key_equalities: Vec<KeyEquality> = Vec::new();
        // The conditions only read the instances' names, which stay as they are here.
        self.qualifiers.replace(Some(Qualifiers::new(instances)));
        let mut parent_refs: Vec<ParentRef> = Vec::new();
        for c in conditions {
            match c {
                Condition::Edge { from, to } => edges.push((*from, *to)),
                Condition::Key(k) => key_equalities.push(k.clone()),
                Condition::Expr { expr, targets } => {
                    let may_anchor = |t: usize| targets.as_ref().is_none_or(|v| v.contains(&t));
                    if self.parent_key_joins {
                        let mut found = Vec::new();
                        self.parent_references(expr, instances, &mut found);
                        parent_refs.extend(found.into_iter().filter(|r| may_anchor(r.child)));
                    }
                    let mut found = Vec::new();
                    self.key_equalities(expr, instances, targets.is_none(), &mut found);
                    key_equalities.extend(found.into_iter().filter(|k| may_anchor(k.target)));
                    for fact in self.facts(expr, instances) {
                        match fact {
                            Fact::Direct(i) if may_anchor(i) => {
                                if let Some(inst) = instances.get_mut(i) {
                                    inst.anchored = true;
                                }
                            }
                            Fact::Edge(a, b) => {
                                if may_anchor(b) {
                                    edges.push((a, b));
                                }
                                if may_anchor(a) {
                                    edges.push((b, a));
                                }
                            }
                            Fact::Direct(_) => {}
                        }
                    }
                }
            }
        }
        self.qualifiers.replace(None);
        let mut keys: Vec<Vec<Vec<String>>> = instances.iter().map(|i| self.keys_of(i)).collect();
        // `j.id = $3 AND l.job_id = $3` equates `l.job_id` with `j.id`, where both hold for
        // every row of the result: a placeholder's value is fixed by the rows of any instance
        // whose column equals it everywhere, and it fixes every column compared with it. One
        // value node per placeholder, keyed by itself, keeps this linear in the equalities
        // (pairing them made a chain of joins on one placeholder quadratic).
        self.step(2 * key_equalities.len());
        let mut values: HashMap<&str, usize> = HashMap::new();
        let mut shared = Vec::new();
        for a in key_equalities.iter().filter(|e| e.everywhere) {
            let KeySource::Value(Some(p)) = &a.source else {
                continue;
            };
            let node = *values.entry(p).or_insert_with(|| {
                keys.push(vec![vec![String::new()]]);
                keys.len() - 1
            });
            shared.push(KeyEquality {
                target: node,
                column: String::new(),
                source: KeySource::Rows(vec![a.target]),
                everywhere: true,
            });
        }
        for b in &key_equalities {
            if let KeySource::Value(Some(q)) = &b.source {
                if let Some(&node) = values.get(q.as_str()) {
                    shared.push(KeyEquality {
                        target: b.target,
                        column: b.column.clone(),
                        source: KeySource::Rows(vec![node]),
                        everywhere: b.everywhere,
                    });
                }
            }
        }
        key_equalities.extend(shared);
        // Join equalities carry the filter, tenant columns and keys alike: propagate to a fixed
        // point, each newly anchored instance once along its edges and the keys it determines.
        let graph = KeyGraph::new(keys, key_equalities);
        let mut edges_from: Vec<Vec<usize>> = vec![Vec::new(); instances.len()];
        for (from, to) in edges {
            if let Some(list) = edges_from.get_mut(from) {
                list.push(to);
            }
        }
        let mut anchored = graph.marks(instances.iter().map(|i| i.anchored));
        graph.close(&mut anchored, false, &mut |_| {});
        let mut queue: Vec<usize> = (0..anchored.len()).filter(|&n| anchored[n]).collect();
        // Rows a tenant row owns: anchored tenant instances and, transitively, their children.
        // A shared row an anchored row merely points to (its author in `users`) owns nothing
        // of one tenant: its other children (the author's memberships) span tenants. Each
        // owner's references are followed once, when it becomes one.
        let mut refs_by_parent: Vec<Vec<usize>> = vec![Vec::new(); anchored.len()];
        for r in &parent_refs {
            let whole_key = graph.keys.get(r.parent).is_some_and(|ks| {
                ks.iter().any(
                    |k| matches!(k.as_slice(), [c] if c.eq_ignore_ascii_case(&r.parent_column)),
                )
            });
            if let Some(children) = refs_by_parent.get_mut(r.parent).filter(|_| whole_key) {
                children.push(r.child);
            }
        }
        let mut owned: Vec<bool> = vec![false; anchored.len()];
        let mut is_owner: Vec<bool> = vec![false; anchored.len()];
        let mut owners: Vec<usize> = Vec::new();
        loop {
            while let Some(i) = queue.pop() {
                if instances
                    .get(i)
                    .is_some_and(|p| matches!(p.kind, Kind::Tenant))
                    && !is_owner[i]
                {
                    is_owner[i] = true;
                    owners.push(i);
                }
                let mut reached = Vec::new();
                for &to in edges_from.get(i).map_or(&[][..], Vec::as_slice) {
                    if !anchored.get(to).copied().unwrap_or(true) {
                        anchored[to] = true;
                        reached.push(to);
                    }
                }
                graph.propagate(&mut anchored, reached.clone(), false, &mut |n| {
                    reached.push(n)
                });
                queue.extend(reached);
            }
            let Some(owner) = owners.pop() else { break };
            self.step(refs_by_parent[owner].len());
            for &child in &refs_by_parent[owner] {
                if std::mem::replace(&mut owned[child], true) {
                    continue;
                }
                if !std::mem::replace(&mut is_owner[child], true) {
                    owners.push(child);
                }
                if !anchored[child] {
                    anchored[child] = true;
                    queue.push(child);
                    graph.propagate(&mut anchored, vec![child], false, &mut |n| queue.push(n));
                }
            }
        }
        for (inst, anchored) in instances.iter_mut().zip(anchored) {
            inst.anchored = anchored;
        }
        self.step(graph.steps.get());
        graph
    }

    /// The column sets that identify one row of an instance. A table the schema does not know
    /// at all is taken to be keyed by `id`; a known table has only the keys its migrations
    /// declare; derived tables and spliced names have none.
    fn keys_of(&self, inst: &Instance) -> Vec<Vec<String>> {
        if matches!(inst.kind, Kind::Derived(_)) || inst.table.starts_with(HOLE_PREFIX) {
            return Vec::new();
        }
        match self.ws.schema.table(&inst.table) {
            Some(t) => t.keys().map(<[String]>::to_vec).collect(),
            None => vec![vec!["id".to_string()]],
        }
    }

    /// Whether an instance may have a column: a table the schema lists with it, a table the
    /// schema does not know, or a derived table.
    fn may_have_column(&self, inst: &Instance, column: &str) -> bool {
        match inst.kind {
            Kind::Derived(_) => inst
                .columns
                .as_ref()
                .is_none_or(|cs| cs.iter().any(|c| c.eq_ignore_ascii_case(column))),
            _ => self
                .ws
                .schema
                .table(&inst.table)
                .is_none_or(|t| t.has_column(column)),
        }
    }

    /// The `column = expr` equalities of a condition's AND-spine, both ways round.
    fn key_equalities(
        &self,
        expr: &Expr,
        instances: &[Instance],
        everywhere: bool,
        out: &mut Vec<KeyEquality>,
    ) {
        self.step(1);
        match expr {
            Expr::Nested(inner) => self.key_equalities(inner, instances, everywhere, out),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                self.key_equalities(left, instances, everywhere, out);
                self.key_equalities(right, instances, everywhere, out);
            }
            Expr::IsDistinctFrom(..) | Expr::IsNotDistinctFrom(..) => {
                for c in distinct_from_tail(expr) {
                    self.key_equalities(c, instances, everywhere, out);
                }
            }
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                for (column, value) in [(left, right), (right, left)] {
                    let Some((target, column)) = self.column_of(column, instances) else {
                        continue;
                    };
                    if let Some(source) = self.key_source(value, target, instances) {
                        out.push(KeyEquality {
                            target,
                            column,
                            source,
                            everywhere,
                        });
                    }
                }
            }
            // `u.id = ANY(d.member_ids)`: one of the values a tenant-owned row holds.
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } => {
                if let (Some((target, column)), Some(source)) = (
                    self.column_of(left, instances),
                    self.row_value(right, usize::MAX, instances),
                ) {
                    out.push(KeyEquality {
                        target,
                        column,
                        source,
                        everywhere,
                    });
                }
            }
            // `j.id IN (SELECT job_id FROM t WHERE t.tenant_id = $1)`: a value of scoped rows.
            Expr::InSubquery {
                expr: col,
                subquery,
                negated: false,
            } if self.subqueries.get(&address(subquery)) == Some(&Rows::Scoped)
                && selects_own_column(subquery) =>
            {
                if let Some((target, column)) = self.column_of(col, instances) {
                    out.push(KeyEquality {
                        target,
                        column,
                        source: KeySource::Anchored,
                        everywhere,
                    });
                }
            }
            _ => {}
        }
    }

    /// The `child.column = parent.column` equalities of a condition's AND-spine between two
    /// instances, both ways round; [`Analyzer::anchor`] keeps those on the parent's key.
    fn parent_references(&self, expr: &Expr, instances: &[Instance], out: &mut Vec<ParentRef>) {
        self.step(1);
        match expr {
            Expr::Nested(inner) => self.parent_references(inner, instances, out),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                self.parent_references(left, instances, out);
                self.parent_references(right, instances, out);
            }
            Expr::IsDistinctFrom(..) | Expr::IsNotDistinctFrom(..) => {
                for c in distinct_from_tail(expr) {
                    self.parent_references(c, instances, out);
                }
            }
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                let (Some((a, a_column)), Some((b, b_column))) = (
                    self.column_of(left, instances),
                    self.column_of(right, instances),
                ) else {
                    return;
                };
                if a != b {
                    out.push(ParentRef {
                        child: a,
                        parent: b,
                        parent_column: b_column,
                    });
                    out.push(ParentRef {
                        child: b,
                        parent: a,
                        parent_column: a_column,
                    });
                }
            }
            _ => {}
        }
    }

    /// What fixes the value a key column is compared with.
    fn key_source(&self, expr: &Expr, target: usize, instances: &[Instance]) -> Option<KeySource> {
        if self.is_value(expr) {
            let placeholder = match expr {
                Expr::Value(v) => match &v.value {
                    sqlparser::ast::Value::Placeholder(p) if p.len() > 1 && !p.starts_with('?') => {
                        Some(p.clone())
                    }
                    _ => None,
                },
                _ => None,
            };
            return Some(KeySource::Value(placeholder));
        }
        self.row_value(expr, target, instances)
    }

    /// A value read from other instances' rows: a column, an element of an array column, a
    /// JSON field. Arithmetic or `COALESCE` with a bind would let the client steer it.
    fn row_value(&self, expr: &Expr, target: usize, instances: &[Instance]) -> Option<KeySource> {
        self.step(1);
        match expr {
            Expr::Nested(e) | Expr::Cast { expr: e, .. } => self.row_value(e, target, instances),
            // `f.versions[..]` parses as `f` with the accesses `.versions` and `[..]`.
            Expr::CompoundFieldAccess { root, access_chain } => {
                match (&**root, access_chain.first()) {
                    (Expr::Identifier(q), Some(AccessExpr::Dot(Expr::Identifier(c)))) => {
                        let column = Expr::CompoundIdentifier(vec![q.clone(), c.clone()]);
                        self.row_value(&column, target, instances)
                    }
                    _ => self.row_value(root, target, instances),
                }
            }
            Expr::BinaryOp {
                left,
                op:
                    BinaryOperator::Arrow
                    | BinaryOperator::LongArrow
                    | BinaryOperator::HashArrow
                    | BinaryOperator::HashLongArrow,
                right,
            } if self.is_value(right) => self.row_value(left, target, instances),
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                if let Some((owner, _)) = self.column_of(expr, instances) {
                    return (owner != target).then(|| KeySource::Rows(vec![owner]));
                }
                self.outer_instance(expr)
                    .and_then(|o| match (o.anchored, o.tenant) {
                        (true, _) => Some(KeySource::Anchored),
                        (false, true) => Some(KeySource::ReportedOuter),
                        (false, false) => None,
                    })
            }
            _ => None,
        }
    }

    /// Resolves a column reference to the one instance of this scope it can belong to.
    fn column_of(&self, expr: &Expr, instances: &[Instance]) -> Option<(usize, String)> {
        match expr {
            Expr::Nested(e) => self.column_of(e, instances),
            Expr::CompoundIdentifier(parts) => {
                let [.., qualifier, column] = parts.as_slice() else {
                    return None;
                };
                let n = self.answering(instances, &qualifier.value)?;
                Some((n, column.value.clone()))
            }
            Expr::Identifier(column) if !column.value.starts_with(HOLE_PREFIX) => {
                let mut owners = instances
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| self.may_have_column(i, &column.value));
                match (owners.next(), owners.next()) {
                    (Some((n, _)), None) => Some((n, column.value.clone())),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The enclosing query's instance that `alias.column` names.
    fn outer_instance(&self, expr: &Expr) -> Option<&OuterInstance> {
        let Expr::CompoundIdentifier(parts) = expr else {
            return None;
        };
        let [.., qualifier, _] = parts.as_slice() else {
            return None;
        };
        self.outer.iter().rev().flatten().find(|o| match &o.alias {
            Some(a) => a.eq_ignore_ascii_case(&qualifier.value),
            None => table_key(&o.table) == table_key(&qualifier.value),
        })
    }

    /// The anchoring facts of a condition's AND-spine.
    fn facts(&self, expr: &Expr, instances: &[Instance]) -> Vec<Fact> {
        self.step(1);
        match expr {
            Expr::Nested(inner) => self.facts(inner, instances),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                let mut f = self.facts(left, instances);
                f.extend(self.facts(right, instances));
                f
            }
            Expr::IsDistinctFrom(..) | Expr::IsNotDistinctFrom(..) => distinct_from_tail(expr)
                .into_iter()
                .flat_map(|c| self.facts(c, instances))
                .collect(),
            Expr::BinaryOp {
                op: BinaryOperator::Or,
                ..
            } => {
                // Under OR a fact holds only when every branch establishes it.
                let mut branches = Vec::new();
                or_branches(expr, &mut branches);
                let mut common: Option<HashSet<Fact>> = None;
                for b in branches {
                    let f: HashSet<Fact> = self.facts(b, instances).into_iter().collect();
                    common = Some(match common {
                        None => f,
                        Some(c) => c.intersection(&f).copied().collect(),
                    });
                }
                common.map(|c| c.into_iter().collect()).unwrap_or_default()
            }
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                let mut f = Vec::new();
                let l = self.tenant_ref(left, instances);
                let r = self.tenant_ref(right, instances);
                match (l, r) {
                    (Some(ColRef::Inner(a)), Some(ColRef::Inner(b))) if a != b => {
                        f.push(Fact::Edge(a, b))
                    }
                    // Tied to an enclosing instance's tenant: as scoped as that instance, which
                    // is checked (and reported) itself.
                    (Some(ColRef::Inner(a)), Some(ColRef::Outer(_)))
                    | (Some(ColRef::Outer(_)), Some(ColRef::Inner(a))) => f.push(Fact::Direct(a)),
                    (Some(ColRef::Inner(a)), None) if self.is_value(right) => {
                        f.push(Fact::Direct(a))
                    }
                    (None, Some(ColRef::Inner(b))) if self.is_value(left) => {
                        f.push(Fact::Direct(b))
                    }
                    _ => {}
                }
                f
            }
            // A fragment spliced in as a whole predicate (`WHERE {}`, `AND {}`) may hold any
            // instance's tenant filter: unknown, so not reported.
            Expr::Identifier(i) if i.value.starts_with(HOLE_PREFIX) => {
                (0..instances.len()).map(Fact::Direct).collect()
            }
            // Rows without a tenant are global rows: `(t.tenant_id IS NULL OR t.tenant_id = $1)`
            // reads the shared rows and the caller's own.
            Expr::IsNull(col) => match self.tenant_ref(col, instances) {
                Some(ColRef::Inner(a)) => vec![Fact::Direct(a)],
                _ => Vec::new(),
            },
            Expr::InList {
                expr: col,
                list,
                negated: false,
            } => match self.tenant_ref(col, instances) {
                Some(ColRef::Inner(a))
                    if !list.is_empty() && list.iter().all(|v| self.is_value(v)) =>
                {
                    vec![Fact::Direct(a)]
                }
                _ => Vec::new(),
            },
            Expr::InSubquery {
                expr: col,
                subquery,
                negated: false,
            } => {
                if let Some(a) = self.same_table_key(col, subquery, instances) {
                    return vec![Fact::Direct(a)];
                }
                match self.tenant_ref(col, instances) {
                    Some(ColRef::Inner(a))
                        if self.subqueries.get(&address(subquery)) == Some(&Rows::Scoped) =>
                    {
                        vec![Fact::Direct(a)]
                    }
                    _ => Vec::new(),
                }
            }
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } => match self.tenant_ref(left, instances) {
                Some(ColRef::Inner(a)) if self.is_value(right) => vec![Fact::Direct(a)],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// `t.id IN (SELECT id FROM t WHERE ...)`: the instance's rows are the subquery's rows, so
    /// it is exactly as scoped as the subquery, which is checked (and reported) on its own.
    fn same_table_key(
        &self,
        col: &Expr,
        subquery: &Query,
        instances: &[Instance],
    ) -> Option<usize> {
        let (qualifier, column) = match col {
            Expr::Identifier(c) => (None, c),
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [.., q, c] => (Some(q), c),
                _ => return None,
            },
            _ => return None,
        };
        let SetExpr::Select(select) = &*subquery.body else {
            return None;
        };
        let [TableWithJoins {
            relation: TableFactor::Table { name, .. },
            joins,
        }] = select.from.as_slice()
        else {
            return None;
        };
        let selects_same_column = matches!(
            select.projection.as_slice(),
            [sqlparser::ast::SelectItem::UnnamedExpr(Expr::Identifier(p))]
                if p.value.eq_ignore_ascii_case(&column.value)
        );
        if !joins.is_empty() || !selects_same_column {
            return None;
        }
        let table = object_name(name);
        let candidates: Vec<usize> = instances
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i.kind, Kind::Tenant))
            .filter(|(_, i)| match qualifier {
                Some(q) => i.answers_to(&q.value),
                None => true,
            })
            .filter(|(_, i)| table_key(&i.table) == table_key(&table))
            .map(|(n, _)| n)
            .collect();
        match candidates.as_slice() {
            [only] if self.subqueries.contains_key(&address(subquery)) => Some(*only),
            _ => None,
        }
    }

    /// The first instance of the scope that answers to `qualifier`.
    fn answering(&self, instances: &[Instance], qualifier: &str) -> Option<usize> {
        match &*self.qualifiers.borrow() {
            Some(index) => index.first(qualifier),
            None => instances.iter().position(|i| i.answers_to(qualifier)),
        }
    }

    /// Resolves a reference to a tenant column: `d.tenant_id`, or a bare `tenant_id` that only
    /// one instance can own.
    fn tenant_ref(&self, expr: &Expr, instances: &[Instance]) -> Option<ColRef> {
        self.step(1);
        match expr {
            Expr::Nested(e) | Expr::Cast { expr: e, .. } => self.tenant_ref(e, instances),
            Expr::CompoundIdentifier(parts) => {
                let (column, qualifier) = match parts.as_slice() {
                    [.., q, c] => (c, q),
                    _ => return None,
                };
                if !self.ws.is_tenant_column(&column.value) {
                    return None;
                }
                if let Some(i) = self.answering(instances, &qualifier.value) {
                    return Some(ColRef::Inner(i));
                }
                self.outer
                    .iter()
                    .rev()
                    .flatten()
                    .find(|o| match &o.alias {
                        Some(a) => a.eq_ignore_ascii_case(&qualifier.value),
                        None => table_key(&o.table) == table_key(&qualifier.value),
                    })
                    .map(|o| ColRef::Outer(o.anchored))
            }
            Expr::Identifier(column) => {
                if !self.ws.is_tenant_column(&column.value) {
                    return None;
                }
                let owners: Vec<usize> = instances
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| {
                        self.may_own(&i.kind, &i.table, &column.value)
                            && self.may_have_column(i, &column.value)
                    })
                    .map(|(n, _)| n)
                    .collect();
                match owners.as_slice() {
                    [only] => return Some(ColRef::Inner(*only)),
                    [] => {}
                    _ => return None,
                }
                for frame in self.outer.iter().rev() {
                    let owners: Vec<&OuterInstance> = frame
                        .iter()
                        .filter(|o| {
                            let kind = if o.tenant { Kind::Tenant } else { Kind::Global };
                            self.may_own(&kind, &o.table, &column.value)
                        })
                        .collect();
                    match owners.as_slice() {
                        [only] => return Some(ColRef::Outer(only.anchored)),
                        [] => continue,
                        _ => return None,
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// Whether an instance may have the column: a tenant table whose schema has it (or whose
    /// schema is unknown), or a derived table.
    fn may_own(&self, kind: &Kind, table: &str, column: &str) -> bool {
        match kind {
            Kind::Global => self
                .ws
                .schema
                .table(table)
                .is_some_and(|t| t.has_column(column)),
            Kind::Derived(_) => true,
            Kind::Tenant => self
                .ws
                .schema
                .table(table)
                .is_none_or(|t| t.has_column(column)),
        }
    }

    /// Whether an expression is a value fixed for the statement: a bind, a spliced value, a
    /// literal, `current_setting(..)`, or an expression of those.
    fn is_value(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Value(_) | Expr::TypedString { .. } => true,
            Expr::Identifier(i) => i.value.starts_with(HOLE_PREFIX),
            Expr::Nested(e)
            | Expr::Cast { expr: e, .. }
            | Expr::UnaryOp {
                op: UnaryOperator::Minus | UnaryOperator::Plus,
                expr: e,
            } => self.is_value(e),
            Expr::Function(f) => {
                function_name(f) == "current_setting"
                    || crate::sql_util::function_args(f)
                        .iter()
                        .all(|a| self.is_value(a))
            }
            Expr::Array(a) => a.elem.iter().all(|e| self.is_value(e)),
            // A scalar subquery is checked on its own.
            Expr::Subquery(q) => self.subqueries.get(&address(q)) != Some(&Rows::Unscoped),
            _ => false,
        }
    }

    /// Checks the queries nested in expressions (not those nested deeper inside them).
    fn nested_queries(&mut self, exprs: &[&Expr]) {
        struct Collect<'a, 'w> {
            analyzer: &'a mut Analyzer<'w>,
            depth: usize,
        }
        impl Visitor for Collect<'_, '_> {
            type Break = ();
            fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
                if self.depth == 0 {
                    let rows = self.analyzer.query(query);
                    self.analyzer.subqueries.insert(address(query), rows);
                }
                self.depth += 1;
                ControlFlow::Continue(())
            }
            fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
                self.depth = self.depth.saturating_sub(1);
                ControlFlow::Continue(())
            }
        }
        let mut c = Collect {
            analyzer: self,
            depth: 0,
        };
        for e in exprs {
            let _ = e.visit(&mut c);
        }
    }
}

/// The instance whose column a USING column of the left side stands for: the only owner, or,
/// after earlier `USING (col)` joins (`a LEFT JOIN b USING (id) JOIN c USING (id)`), the owner
/// every other owner was equated to (the preserved side of an outer join; either side of an
/// inner one).
fn merged_using_column(
    owners: &[usize],
    column: &str,
    conditions: &[Condition<'_>],
) -> Option<usize> {
    let equated_to = |other: usize, merged: usize| {
        conditions.iter().any(|c| {
            matches!(c, Condition::Key(k)
                if k.target == other
                    && k.column.eq_ignore_ascii_case(column)
                    && matches!(&k.source, KeySource::Rows(rows) if rows.as_slice() == [merged]))
        })
    };
    // Any owner all the others equal holds the merged value.
    owners
        .iter()
        .copied()
        .find(|&m| owners.iter().all(|&o| o == m || equated_to(o, m)))
}

/// Whether a subquery selects one plain column of its own FROM tables.
fn selects_own_column(q: &Query) -> bool {
    let SetExpr::Select(select) = &*q.body else {
        return false;
    };
    let own = |qualifier: &str| {
        select.from.iter().any(|f| match &f.relation {
            TableFactor::Table { name, alias, .. } => match alias {
                Some(a) => a.name.value.eq_ignore_ascii_case(qualifier),
                None => table_key(&object_name(name)) == table_key(qualifier),
            },
            _ => false,
        })
    };
    match select.projection.as_slice() {
        [sqlparser::ast::SelectItem::UnnamedExpr(e)] => match e {
            Expr::Identifier(i) => {
                !i.value.starts_with(HOLE_PREFIX)
                    && matches!(select.from.as_slice(), [f] if f.joins.is_empty())
            }
            Expr::CompoundIdentifier(parts) => {
                matches!(parts.as_slice(), [q, _] if own(&q.value))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether every column of one of an instance's keys is equated with an anchored row's value or
/// a fixed value, at least one with an anchored row's value: a lookup by client-supplied key
/// values alone is exactly what needs the tenant filter.
fn key_determined(
    n: usize,
    keys: &[Vec<String>],
    equalities: &[KeyEquality],
    follow_reported: bool,
    source: &dyn Fn(usize) -> bool,
) -> bool {
    let anchored = |i: &usize| *i != n && source(*i);
    let from_rows = |e: &KeyEquality| match &e.source {
        KeySource::Rows(rows) => !rows.is_empty() && rows.iter().all(anchored),
        KeySource::Anchored => true,
        KeySource::ReportedOuter => follow_reported,
        KeySource::Value(_) => false,
    };
    keys.iter().any(|key| {
        let on = |column: &str| -> Vec<&KeyEquality> {
            equalities
                .iter()
                .filter(|e| e.target == n && e.column.eq_ignore_ascii_case(column))
                .collect()
        };
        let fixed = key.iter().all(|c| {
            on(c)
                .into_iter()
                .any(|e| matches!(e.source, KeySource::Value(_)) || from_rows(e))
        });
        fixed && key.iter().any(|c| on(c).into_iter().any(from_rows))
    })
}

/// The conjuncts sqlparser folds into the right side of `a IS [NOT] DISTINCT FROM b AND c AND
/// d` (it parses `a IS NOT DISTINCT FROM (b AND c AND d)`): `c` and `d`, which belong to the
/// AND-spine the comparison stands on.
fn distinct_from_tail(expr: &Expr) -> Vec<&Expr> {
    fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
        match e {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                conjuncts(left, out);
                conjuncts(right, out);
            }
            other => out.push(other),
        }
    }
    let (Expr::IsDistinctFrom(_, right) | Expr::IsNotDistinctFrom(_, right)) = expr else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if matches!(
        &**right,
        Expr::BinaryOp {
            op: BinaryOperator::And,
            ..
        }
    ) {
        conjuncts(right, &mut out);
        out.remove(0);
    }
    out
}

fn or_branches<'e>(expr: &'e Expr, out: &mut Vec<&'e Expr>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Or,
            right,
        } => {
            or_branches(left, out);
            or_branches(right, out);
        }
        Expr::Nested(inner)
            if matches!(
                **inner,
                Expr::BinaryOp {
                    op: BinaryOperator::Or,
                    ..
                }
            ) =>
        {
            or_branches(inner, out)
        }
        other => out.push(other),
    }
}

/// The columns a derived table outputs: its alias's column list, else the names of a plain
/// `SELECT`'s items when each has one (`COUNT(*) AS n`, `t.id`); `None` when a wildcard or an
/// unnamed expression leaves them unknown.
fn output_columns(
    query: &Query,
    alias: Option<&sqlparser::ast::TableAlias>,
) -> Option<Vec<String>> {
    use sqlparser::ast::{SelectItem, SetExpr};
    if let Some(a) = alias.filter(|a| !a.columns.is_empty()) {
        return Some(a.columns.iter().map(|c| c.name.value.clone()).collect());
    }
    let SetExpr::Select(select) = &*query.body else {
        return None;
    };
    select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
            SelectItem::UnnamedExpr(Expr::Identifier(i)) => Some(i.value.clone()),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                parts.last().map(|p| p.value.clone())
            }
            _ => None,
        })
        .collect()
}

/// A key for a nested query while its statement is borrowed.
fn address(q: &Query) -> usize {
    q as *const Query as usize
}

/// The display name of a table instance: `documents` or `documents` (as `d`).
pub fn describe_instance(table: &str, alias: Option<&str>) -> String {
    match alias {
        Some(a) if !a.eq_ignore_ascii_case(table) => format!("`{table}` (as `{a}`)"),
        _ => format!("`{table}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;
    use crate::semantic::settings::{Config, SqlDialect};

    fn issues(sql: &str) -> Vec<ScopeIssue> {
        issues_under(sql, &Assumptions::DEFAULT)
    }

    fn issues_under(sql: &str, assumptions: &Assumptions<'_>) -> Vec<ScopeIssue> {
        let ws = Workspace::new(".".into(), Config::default(), Schema::default());
        let (stmts, errors) = crate::sql::parse_statements(sql, SqlDialect::Postgres);
        assert!(errors.is_empty(), "{errors:?}");
        stmts
            .iter()
            .flat_map(|s| check_statement(&s.statement, &ws, assumptions, &Work::default()))
            .collect()
    }

    #[test]
    fn children_of_an_anchored_tenant_row_follow_it_unless_told_otherwise() {
        let sql = "SELECT * FROM u JOIN uo ON uo.user_id = u.id WHERE u.tenant_id = $1";
        assert!(unscoped(sql).is_empty());
        let strict = Assumptions {
            accept_unscoped: &|_| false,
            parent_key_joins: false,
        };
        assert!(matches!(
            issues_under(sql, &strict).as_slice(),
            [ScopeIssue::Unscoped { table, .. }] if table == "uo"
        ));
    }

    fn unscoped(sql: &str) -> Vec<String> {
        issues(sql)
            .into_iter()
            .filter_map(|i| match i {
                ScopeIssue::Unscoped { table, alias, .. } => Some(alias.unwrap_or(table)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_conjunction_after_is_not_distinct_from_keeps_its_tenant_filter() {
        assert!(unscoped(
            "SELECT id FROM deps WHERE name IS NOT DISTINCT FROM $1 AND tenant_id = $2 AND kind = $3"
        )
        .is_empty());
        assert_eq!(
            unscoped("SELECT id FROM deps WHERE name IS DISTINCT FROM $1 AND kind = $2"),
            ["deps"]
        );
    }

    #[test]
    fn anchoring_follows_join_equalities() {
        assert!(unscoped(
            "SELECT * FROM a JOIN b ON b.tenant_id = a.tenant_id JOIN c USING (tenant_id) WHERE a.tenant_id = $1"
        )
        .is_empty());
        assert_eq!(
            unscoped("SELECT * FROM a JOIN b ON b.x = a.x WHERE a.tenant_id = $1"),
            ["b"]
        );
    }

    /// Issue 13, item 7: thousands of joins (past the old nesting refusal) are anchored in one
    /// pass along the conditions, in either order, and an instance no condition reaches is
    /// still reported.
    #[test]
    fn long_join_chains_are_anchored_along_their_conditions() {
        const N: usize = 3_000;
        let chain = |on: &dyn Fn(usize) -> String| {
            (1..N)
                .map(|i| format!(" JOIN t t{i} ON {}", on(i)))
                .collect::<String>()
        };
        let forward = chain(&|i| format!("t{i}.tenant_id = t{}.tenant_id", i - 1));
        let sql = format!("SELECT 1 FROM t t0{forward} WHERE t0.tenant_id = $1");
        assert!(unscoped(&sql).is_empty());
        // The filter on the last instance reaches the first through every join.
        let sql = format!(
            "SELECT 1 FROM t t0{forward} WHERE t{}.tenant_id = $1",
            N - 1
        );
        assert!(unscoped(&sql).is_empty());
        let broken = chain(&|i| match i {
            1500 => "t1500.x = t1499.x".to_string(),
            _ => format!("t{i}.tenant_id = t{}.tenant_id", i - 1),
        });
        let sql = format!("SELECT 1 FROM t t0{broken} WHERE t0.tenant_id = $1");
        assert_eq!(unscoped(&sql).len(), N - 1500);
    }

    #[test]
    fn or_not_and_outer_joins_do_not_anchor() {
        assert_eq!(unscoped("SELECT * FROM a WHERE tenant_id = $1 OR x"), ["a"]);
        assert!(
            unscoped("SELECT * FROM a WHERE (tenant_id = $1 AND x) OR (tenant_id = $1 AND y)")
                .is_empty()
        );
        assert_eq!(
            unscoped("SELECT * FROM a x LEFT JOIN b y ON y.tenant_id = $1 AND x.tenant_id = $1"),
            ["x"]
        );
        assert_eq!(
            unscoped("SELECT * FROM a t WHERE t.tenant_id = t.tenant_id"),
            ["t"]
        );
    }

    #[test]
    fn key_joins_to_anchored_rows_carry_the_anchor() {
        for sql in [
            "SELECT * FROM q JOIN j USING (id) WHERE j.tenant_id = $1",
            "SELECT * FROM d JOIN u ON u.id = d.owner_id WHERE d.tenant_id = $1",
            "SELECT * FROM d, u WHERE d.tenant_id = $1 AND d.owner_id = u.id",
            "SELECT * FROM d LEFT JOIN u ON u.id = d.owner_id WHERE d.tenant_id = $1",
            "SELECT * FROM f JOIN fv ON fv.id = f.versions[array_upper(f.versions, 1)] WHERE f.tenant_id = $1",
            "SELECT * FROM d JOIN u ON u.id = ANY(d.owner_ids) JOIN p ON p.id = u.profile_id WHERE d.tenant_id = $1",
            "SELECT * FROM d WHERE d.tenant_id = $1 AND EXISTS (SELECT 1 FROM u WHERE u.id = d.owner_id)",
        ] {
            assert!(unscoped(sql).is_empty(), "{sql}: {:?}", unscoped(sql));
        }
    }

    #[test]
    fn client_chosen_or_non_key_joins_do_not_carry() {
        for (sql, expected) in [
            ("SELECT * FROM q WHERE q.id = $1", "q"),
            (
                "SELECT * FROM d JOIN u ON u.id = d.owner_id + $2 WHERE d.tenant_id = $1",
                "u",
            ),
            (
                "SELECT * FROM d JOIN u ON u.id = COALESCE(d.owner_id, $2) WHERE d.tenant_id = $1",
                "u",
            ),
            (
                "SELECT * FROM d JOIN u ON u.id = d.owner_id OR u.id = $2 WHERE d.tenant_id = $1",
                "u",
            ),
            (
                "SELECT * FROM d LEFT JOIN u ON d.id = u.doc_id AND u.tenant_id = $1",
                "d",
            ),
            (
                "SELECT * FROM d JOIN u ON u.id = d.owner_id WHERE u.id = $1",
                "d",
            ),
        ] {
            let found = unscoped(sql);
            assert!(found.iter().any(|f| f == expected), "{sql}: {found:?}");
        }
        // One root cause, one finding: the lookup by a client-chosen id.
        assert_eq!(
            unscoped("SELECT * FROM q JOIN j USING (id) WHERE q.id = $1"),
            ["q"]
        );
        assert_eq!(
            unscoped("SELECT * FROM j JOIN fv ON fv.id = j.runnable_id WHERE j.id = $1"),
            ["j"]
        );
        // Two self-references determine nothing.
        assert_eq!(unscoped("SELECT * FROM t WHERE t.id = t.parent_id"), ["t"]);
    }

    #[test]
    fn inserts_and_reassignments() {
        let found = issues("UPDATE a SET tenant_id = $1 WHERE id = $2 AND tenant_id = $3");
        assert!(matches!(
            found.as_slice(),
            [ScopeIssue::TenantReassigned { .. }]
        ));
        assert!(issues("UPDATE a SET tenant_id = $1 WHERE tenant_id = $2").is_empty());
    }
}
