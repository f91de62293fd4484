//! Tenant scoping of queries built with diesel's DSL and sea-orm, table instance by table
//! instance, with the same semantics as [`crate::sql_scope`] for SQL text: every instance of a
//! tenant-scoped table must be anchored by a tenant predicate on the AND-spine of the filters (or
//! of an inner join's ON), or be tied through a key or the tenant column to an anchored instance.
//!
//! `diesel.rs` and `sea_orm.rs` lower a method chain that reaches the database into a [`Query`];
//! [`Query::issues`] anchors its instances. Tables declared in Rust (`table!`, entities) join the
//! workspace schema through [`OrmIndex`].

pub mod diesel;
pub mod schema;
pub mod sea_orm;

use crate::facts::workspace::{AnalyzedFile, Workspace};
use crate::ir::*;
use crate::model::RustFile;
use crate::semantic::settings::Config;
use crate::span::Span;
use std::collections::{HashMap, HashSet};

/// What the workspace's Rust declares about its tables and query helpers.
#[derive(Debug, Default)]
pub struct OrmIndex {
    /// diesel tables by module name (`ciphers` in `ciphers::table`).
    pub diesel_tables: HashMap<String, schema::RustTable>,
    /// sea-orm entity modules (`application` in `application::Entity`) → table.
    pub entities: HashMap<String, schema::RustTable>,
    /// Tables created by sea-orm-migration code, in no particular order.
    pub migration_tables: Vec<schema::RustTable>,
    /// Functions that return a sea-orm query already filtered on the tenant column by one of
    /// their parameters (`secure_find(org_id)`), by entity module and name.
    pub scoping_helpers: HashSet<(String, String)>,
    /// Functions that return a diesel query filtered on the tenant column by one of their
    /// parameters, by name (a name several functions with different summaries share is left out).
    pub diesel_helpers: HashMap<String, diesel::ScopingHelper>,
    /// sea-orm relations: (entity module, `Relation` variant) → the related entity's module.
    pub relations: HashMap<(String, String), String>,
}

impl OrmIndex {
    /// The tables, keys and relations declared in Rust: what the schema needs.
    pub fn build_tables(files: &[AnalyzedFile]) -> OrmIndex {
        let mut index = OrmIndex::default();
        let mut joinables = Vec::new();
        for f in files {
            let Some(rust) = &f.rust else { continue };
            for t in schema::diesel_tables(&f.source, rust) {
                index.diesel_tables.insert(t.name.clone(), t);
            }
            joinables.extend(schema::diesel_joinables(rust));
            for (module, variant, target) in schema::sea_orm_relations(&f.source.rel_path, rust) {
                index.relations.insert((module, variant), target);
            }
            for e in schema::sea_orm_entities(&f.source, rust) {
                index.entities.insert(e.module, e.table);
            }
            index
                .migration_tables
                .extend(schema::sea_orm_migration_tables(&f.source, rust));
        }
        for (child, parent, fk) in joinables {
            if let Some(t) = index.diesel_tables.get_mut(&child) {
                t.foreign_keys.push((fk, parent));
            }
        }
        index
    }

    /// Adds the functions that return queries already scoped to a tenant: what ORM query
    /// checks need (`Fact::OrmQueries`).
    pub fn add_scoping_helpers(&mut self, files: &[AnalyzedFile], config: &Config) {
        let index = self;
        // A name is a helper only when every function of that name is the same helper.
        let mut ambiguous = HashSet::new();
        for f in files {
            let Some(rust) = &f.rust else { continue };
            if index.diesel_tables.is_empty() {
                break;
            }
            for (name, helper) in diesel::scoping_helpers(rust, &index.diesel_tables, config) {
                match helper {
                    Some(h) if !ambiguous.contains(&name) => {
                        if index
                            .diesel_helpers
                            .get(&name)
                            .is_some_and(|known| *known != h)
                        {
                            ambiguous.insert(name.clone());
                        }
                        index.diesel_helpers.insert(name, h);
                    }
                    _ => {
                        ambiguous.insert(name);
                    }
                }
            }
        }
        index
            .diesel_helpers
            .retain(|name, _| !ambiguous.contains(name));
        let candidates: Vec<_> = files
            .iter()
            .filter_map(|f| Some((f, f.rust.as_ref()?)))
            .flat_map(|(f, rust)| sea_orm::helper_candidates(rust, &f.source.rel_path, config))
            .collect();
        index.scoping_helpers = sea_orm::scoping_helpers(&candidates);
    }

    /// Adds the tables declared in Rust to a schema folded from migrations: unknown tables are
    /// added, known ones gain the columns the Rust declaration has and the migrations lack.
    pub fn extend_schema(&self, schema: &mut crate::schema::Schema) {
        let tables = self.migration_tables.iter();
        for t in tables
            .chain(self.diesel_tables.values())
            .chain(self.entities.values())
        {
            let key = crate::schema::table_key(&t.name);
            let entry = schema
                .tables
                .entry(key)
                .or_insert_with(|| crate::schema::Table {
                    name: t.name.clone(),
                    columns: Vec::new(),
                    foreign_keys: Vec::new(),
                    declared_in: t.file.rel_path.clone(),
                    declared_at: t.span,
                    file: Some(t.file.clone()),
                    rls: Default::default(),
                    not_null: Vec::new(),
                    primary_key: Vec::new(),
                    unique_keys: Vec::new(),
                    partial_unique_keys: Vec::new(),
                    added_columns: Vec::new(),
                    created_as: Vec::new(),
                });
            if entry.primary_key.is_empty() {
                entry.primary_key = t.primary_key.clone();
            }
            for c in &t.columns {
                if !entry.has_column(c) {
                    entry.columns.push(c.clone());
                    if !t.nullable.contains(c) {
                        entry.not_null.push(c.clone());
                    }
                }
            }
            for fk in &t.foreign_keys {
                if !entry.foreign_keys.contains(fk) {
                    entry.foreign_keys.push(fk.clone());
                }
            }
        }
    }

    fn primary_key(&self, table: &str) -> Option<&[String]> {
        self.diesel_tables
            .get(table)
            .or_else(|| self.entities.values().find(|t| t.name == table))
            .map(|t| t.primary_key.as_slice())
    }
}

/// Which query DSL a query is written in: the help shows the filter in its syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dsl {
    Diesel,
    SeaOrm,
}

/// A tenant-isolation problem in a DSL query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrmIssue {
    pub kind: OrmIssueKind,
    pub table: String,
    pub column: String,
    /// The query root or the joined table.
    pub span: Span,
    pub joined: bool,
    /// The query filters on the tenant when this parameter (`self` not counted) is `Some`
    /// (`if let Some(org) = org { q = q.filter(org_id.eq(org)) }`): its callers decide.
    pub when_some: Option<u32>,
    /// The code to add, in the DSL's syntax.
    pub fix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrmIssueKind {
    Unscoped,
    InsertWithoutTenant,
    TenantReassigned,
}

/// A column reference: table (as the schema names it) and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnRef {
    pub table: String,
    pub column: String,
}

/// A conjunct that matters for anchoring.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Atom {
    /// `table.col = value` for a tenant column.
    TenantValue(String),
    /// `table.col = value` for another column.
    Value(ColumnRef),
    /// Another comparison on a column of the table (`lt`, `is_not_null`...): it only rejects
    /// NULL.
    NotNull(String),
    /// `a.x = b.y`: column equality, which ties the instances when both sides are tenant columns
    /// or one side is its table's primary key.
    Columns(ColumnRef, ColumnRef),
}

impl Atom {
    /// The tables whose columns the atom compares (a comparison is false on NULL).
    fn tables(&self) -> Vec<&str> {
        match self {
            Atom::TenantValue(t) | Atom::NotNull(t) => vec![t.as_str()],
            Atom::Value(c) => vec![c.table.as_str()],
            Atom::Columns(a, b) => vec![a.table.as_str(), b.table.as_str()],
        }
    }
}

/// One table instance of a query.
#[derive(Debug, Clone)]
pub struct Instance {
    pub table: String,
    pub span: Span,
    pub join: Option<Join>,
}

#[derive(Debug, Clone)]
pub struct Join {
    /// The instance joined to.
    pub parent: usize,
    pub left: bool,
    /// The ON predicate's conjuncts; `None` for a join through the declared foreign key
    /// (diesel's `joinable!`, sea-orm relations).
    pub on: Option<Vec<Atom>>,
}

/// A DSL query reduced to what anchoring needs.
#[derive(Debug, Clone)]
pub struct Query {
    pub dsl: Dsl,
    pub instances: Vec<Instance>,
    /// Conjuncts of the filters: one group per `or_filter` branch (the first is `filter`'s).
    pub filter_groups: Vec<Vec<Atom>>,
    /// The root was produced by a helper that filters on the tenant.
    pub root_scoped: bool,
    /// An INSERT: its root is written, not filtered.
    pub is_insert: bool,
    /// For inserts: whether the values set the tenant column (`None`: unknown, trusted).
    pub insert_sets_tenant: Option<bool>,
    /// Tenant column assignments of an UPDATE (`set(org_uuid.eq(..))`).
    pub reassigned: Vec<(String, Span)>,
    /// Entity module names by table, for the help of sea-orm queries.
    pub module_of: HashMap<String, String>,
    /// Aliased instances (diesel's `alias!`) by the name their columns are qualified with
    /// (`ColumnRef::table` of `a.field(users::id)` is `a`).
    pub aliases: HashMap<String, usize>,
    /// The query as built when a parameter (by index, `self` not counted) is `Some`, when
    /// filters are added only then.
    pub when_some: Option<(u32, Box<Query>)>,
}

impl Query {
    pub fn new(dsl: Dsl, root: Instance) -> Query {
        Query {
            dsl,
            instances: vec![root],
            filter_groups: vec![Vec::new()],
            root_scoped: false,
            is_insert: false,
            insert_sets_tenant: None,
            reassigned: Vec::new(),
            module_of: HashMap::new(),
            aliases: HashMap::new(),
            when_some: None,
        }
    }

    /// The instance a column qualifier names: an alias, or the table's unaliased instance.
    fn instance_of(&self, name: &str) -> Option<usize> {
        self.aliases.get(name).copied().or_else(|| {
            let aliased: Vec<usize> = self.aliases.values().copied().collect();
            (0..self.instances.len())
                .find(|i| self.instances[*i].table == name && !aliased.contains(i))
        })
    }

    /// A column with its alias qualifier replaced by the aliased table, for schema look-ups.
    fn real(&self, c: &ColumnRef) -> ColumnRef {
        match self
            .aliases
            .get(&c.table)
            .and_then(|i| self.instances.get(*i))
        {
            Some(inst) => ColumnRef {
                table: inst.table.clone(),
                column: c.column.clone(),
            },
            None => c.clone(),
        }
    }

    fn tenant_column(ws: &Workspace, table: &str) -> Option<String> {
        let t = ws.schema.table(table)?;
        t.columns.iter().find(|c| ws.is_tenant_column(c)).cloned()
    }

    /// Whether this query compares a tenant column that `other`, the same query with fewer
    /// filters, does not.
    pub(crate) fn adds_tenant_value(&self, other: &Query) -> bool {
        let tenant_atoms = |q: &Query| -> Vec<Atom> {
            q.filter_groups
                .iter()
                .flatten()
                .filter(|a| matches!(a, Atom::TenantValue(_)))
                .cloned()
                .collect()
        };
        let before = tenant_atoms(other);
        tenant_atoms(self).iter().any(|a| !before.contains(a))
    }

    /// The instances no tenant predicate anchors, one per root cause, and the insert/update
    /// problems.
    pub fn issues(&self, ws: &Workspace) -> Vec<OrmIssue> {
        let n = self.instances.len();
        let tenant: Vec<bool> = self
            .instances
            .iter()
            .map(|i| ws.is_tenant_table(&i.table))
            .collect();
        // Each `or_filter` branch must anchor an instance on its own.
        let mut anchored = vec![true; n];
        let mut ties = Vec::new();
        for group in &self.filter_groups {
            let (a, t) = self.anchoring(ws, &tenant, group);
            for (x, y) in anchored.iter_mut().zip(a) {
                *x &= y;
            }
            ties.extend(t);
        }
        let mut out = Vec::new();
        for (i, inst) in self.instances.iter().enumerate() {
            if anchored[i] || !tenant[i] || (i == 0 && self.is_insert) {
                continue;
            }
            // Tied to another tenant instance that is itself unanchored: one root cause.
            let tied_to_tenant = ties
                .iter()
                .any(|&(from, to)| to == i && from != i && tenant[from]);
            if inst.join.is_some() && tied_to_tenant {
                continue;
            }
            if ws.config.is_global_table(&inst.table) {
                continue;
            }
            let Some(column) = Self::tenant_column(ws, &inst.table)
                .or_else(|| ws.config.tenant_columns.first().cloned())
            else {
                continue;
            };
            out.push(OrmIssue {
                kind: OrmIssueKind::Unscoped,
                fix: self.fix(i, &column),
                table: inst.table.clone(),
                column,
                span: inst.span,
                joined: inst.join.is_some(),
                when_some: None,
            });
        }
        if let (Some(false), true) = (self.insert_sets_tenant, tenant[0]) {
            if let Some(column) = Self::tenant_column(ws, &self.instances[0].table) {
                out.push(OrmIssue {
                    kind: OrmIssueKind::InsertWithoutTenant,
                    fix: self.set_fix(&self.instances[0].table, &column),
                    table: self.instances[0].table.clone(),
                    column,
                    span: self.instances[0].span,
                    joined: false,
                    when_some: None,
                });
            }
        }
        for (column, span) in &self.reassigned {
            out.push(OrmIssue {
                kind: OrmIssueKind::TenantReassigned,
                fix: self.fix(0, column),
                table: self.instances[0].table.clone(),
                column: column.clone(),
                span: *span,
                joined: false,
                when_some: None,
            });
        }
        if let Some((param, when_some)) = &self.when_some {
            let still = when_some.issues(ws);
            for issue in out.iter_mut().filter(|i| i.kind == OrmIssueKind::Unscoped) {
                let scoped = !still
                    .iter()
                    .any(|s| s.kind == OrmIssueKind::Unscoped && s.span == issue.span);
                if scoped {
                    issue.when_some = Some(*param);
                }
            }
        }
        out
    }

    /// Which instances one filter branch anchors, and the ties between instances.
    fn anchoring(
        &self,
        ws: &Workspace,
        tenant: &[bool],
        filter: &[Atom],
    ) -> (Vec<bool>, Vec<(usize, usize)>) {
        let n = self.instances.len();
        let mut anchored = vec![false; n];
        anchored[0] = self.root_scoped;
        // Directed ties: anchoring flows from .0 to .1.
        let mut ties: Vec<(usize, usize)> = Vec::new();
        let index_of = |table: &str| self.instance_of(table);
        // Instances filtered on a key to the caller (`user_uuid = $me`), and the pairs of
        // instances whose tenant columns are equated.
        let mut caller_keyed: Vec<usize> = Vec::new();
        let mut grants: Vec<usize> = Vec::new();
        let mut tenant_pairs: Vec<(usize, usize)> = Vec::new();
        // `member.user_uuid = users.uuid` with the users instance picked by a value (an email):
        // the same as `member.user_uuid = $user`.
        let mut principal_links: Vec<(usize, usize)> = Vec::new();
        let mut valued: Vec<usize> = Vec::new();
        let mut apply = |atoms: &[Atom], only: Option<usize>, anchored: &mut Vec<bool>| {
            let target = |table: &str| index_of(table).filter(|i| only.is_none_or(|o| o == *i));
            for atom in atoms {
                match atom {
                    Atom::TenantValue(t) => {
                        if let Some(i) = target(t) {
                            anchored[i] = true;
                        }
                    }
                    Atom::Value(c) if is_caller_key(ws, &self.real(c)) => {
                        caller_keyed.extend(target(&c.table))
                    }
                    Atom::Value(c) if is_caller_grant(ws, &self.real(c)) => {
                        grants.extend(target(&c.table))
                    }
                    Atom::Value(c) => valued.extend(target(&c.table)),
                    Atom::NotNull(_) => {}
                    Atom::Columns(a, b) => {
                        for (member, principal) in [(a, b), (b, a)] {
                            let (real_member, real_principal) =
                                (self.real(member), self.real(principal));
                            if is_caller_key(ws, &real_member)
                                && Self::key_of_one(ws, &real_member, &real_principal)
                            {
                                if let (Some(m), Some(p)) =
                                    (target(&member.table), index_of(&principal.table))
                                {
                                    principal_links.push((m, p));
                                }
                            }
                        }
                        let both_tenant =
                            ws.is_tenant_column(&a.column) && ws.is_tenant_column(&b.column);
                        if !both_tenant && !Self::key_of_one(ws, &self.real(a), &self.real(b)) {
                            continue;
                        }
                        let (Some(x), Some(y)) = (index_of(&a.table), index_of(&b.table)) else {
                            continue;
                        };
                        if both_tenant {
                            tenant_pairs.push((x, y));
                        }
                        match only {
                            Some(o) if o == x => ties.push((y, x)),
                            Some(o) if o == y => ties.push((x, y)),
                            Some(_) => {}
                            None => ties.extend([(x, y), (y, x)]),
                        }
                    }
                }
            }
        };
        apply(filter, None, &mut anchored);
        let inner = self.inner_joins(filter);
        let mut key_joins = Vec::new();
        for (j, inst) in self.instances.iter().enumerate() {
            let Some(join) = &inst.join else { continue };
            match &join.on {
                Some(on) => apply(on, (!inner[j]).then_some(j), &mut anchored),
                None => {
                    key_joins.push((join.parent, j));
                    if inner[j] {
                        key_joins.push((j, join.parent));
                    }
                }
            }
        }
        ties.extend(key_joins);
        caller_keyed.extend(
            principal_links
                .iter()
                .filter(|(_, p)| valued.contains(p))
                .map(|&(m, _)| m),
        );
        // The caller's own rows (their memberships, their personal rows) are scoped when no other
        // tenant instance of the query escapes them: each must share the tenant column with them
        // (directly or through other instances), or a membership in tenant B would vouch for
        // tenant A's rows.
        for &i in &caller_keyed {
            let mut reached = vec![i];
            let mut k = 0;
            while let Some(&x) = reached.get(k) {
                k += 1;
                for &(a, b) in &tenant_pairs {
                    for (from, to) in [(a, b), (b, a)] {
                        if from == x && !reached.contains(&to) {
                            reached.push(to);
                        }
                    }
                }
            }
            if (0..n).all(|j| !tenant[j] || reached.contains(&j)) {
                anchored[i] = true;
            }
        }
        for &g in &grants {
            anchored[g] = true;
        }
        // Only an anchored tenant instance, or the caller's grant, passes its scope on.
        let mut changed = true;
        while changed {
            changed = false;
            for &(from, to) in &ties {
                if anchored[from] && (tenant[from] || grants.contains(&from)) && !anchored[to] {
                    anchored[to] = true;
                    changed = true;
                }
            }
        }
        (anchored, ties)
    }

    /// Which instances are inner-joined in effect: joined with `inner_join`, or left-joined
    /// but required non-NULL by a filter comparison on one of their columns (or by the ON of an
    /// instance that is), which drops the rows the outer join added.
    fn inner_joins(&self, filter: &[Atom]) -> Vec<bool> {
        let index_of = |table: &str| self.instance_of(table);
        let mut inner: Vec<bool> = self
            .instances
            .iter()
            .map(|i| i.join.as_ref().is_none_or(|j| !j.left))
            .collect();
        let mut required: Vec<usize> = filter
            .iter()
            .flat_map(|a| a.tables())
            .filter_map(index_of)
            .collect();
        while let Some(i) = required.pop() {
            let Some(slot) = inner.get_mut(i) else {
                continue;
            };
            let newly = !*slot;
            *slot = true;
            let on = self.instances[i].join.as_ref().and_then(|j| j.on.as_ref());
            if newly {
                required.extend(
                    on.into_iter()
                        .flatten()
                        .flat_map(|a| a.tables())
                        .filter_map(index_of),
                );
            }
        }
        inner
    }

    /// `a.fk = b.pk`: a row and the one row its key names.
    fn key_of_one(ws: &Workspace, a: &ColumnRef, b: &ColumnRef) -> bool {
        let pk = |c: &ColumnRef| {
            ws.orm
                .primary_key(&c.table)
                .is_some_and(|pk| pk.len() == 1 && pk[0] == c.column)
        };
        pk(a) || pk(b)
    }

    /// The filter to add to instance `i`, in the DSL's syntax.
    fn fix(&self, i: usize, column: &str) -> String {
        let Some(inst) = self.instances.get(i) else {
            return String::new();
        };
        let table = inst.table.as_str();
        match self.dsl {
            Dsl::Diesel => match inst.join.as_ref().map(|j| j.parent) {
                Some(parent) => format!(
                    ".on(... .and({}.eq({})))",
                    self.diesel_column(i, column),
                    self.diesel_column(parent, column)
                ),
                None => format!(".filter({}.eq(..))", self.diesel_column(i, column)),
            },
            Dsl::SeaOrm => format!(
                ".filter({}::Column::{}.eq(..))",
                self.module_of.get(table).map_or(table, String::as_str),
                camel(column)
            ),
        }
    }

    /// `t::col`, or `a.field(t::col)` for an aliased instance.
    fn diesel_column(&self, i: usize, column: &str) -> String {
        let table = self.instances.get(i).map_or("", |inst| inst.table.as_str());
        match self.aliases.iter().find(|(_, &j)| j == i) {
            Some((alias, _)) => format!("{alias}.field({table}::{column})"),
            None => format!("{table}::{column}"),
        }
    }

    fn set_fix(&self, table: &str, column: &str) -> String {
        match self.dsl {
            Dsl::Diesel => format!("{table}::{column}.eq(..)"),
            Dsl::SeaOrm => format!("{column}: Set(..)"),
        }
    }
}

/// Tables of authenticated principals, which tenant tables reference for per-user rows.
const PRINCIPAL_TABLES: &[&str] = &["users", "user", "accounts", "account"];

/// Whether `table.column = value` restricts a tenant table to the caller's own rows: the column
/// references the principals' table (`user_uuid → users`) and the table either is the membership
/// table itself (`users_organizations`, `org_members`: filtering it by user lists the caller's
/// tenants) or holds rows owned by a user *or* a tenant (a nullable tenant column, such as a
/// password manager's personal and organisation items).
fn is_caller_key(ws: &Workspace, c: &ColumnRef) -> bool {
    let Some(table) = ws.schema.table(&c.table) else {
        return false;
    };
    let references = |column: &str| references(table, column);
    let Some(principal) = references_principal(ws, table, &c.column) else {
        return false;
    };
    let name = crate::schema::table_key(&table.name);
    table
        .columns
        .iter()
        .filter(|col| ws.is_tenant_column(col))
        .any(|tenant_col| {
            let membership = references(tenant_col).is_some_and(|root| {
                name.contains("member") || (name.contains(&principal) && name.contains(&root))
            });
            membership || !table.is_not_null(tenant_col)
        })
}

/// The table a column references, by key.
fn references(table: &crate::schema::Table, column: &str) -> Option<String> {
    table
        .foreign_keys
        .iter()
        .find(|(col, _)| col.eq_ignore_ascii_case(column))
        .map(|(_, target)| crate::schema::table_key(target))
}

/// The principals' table a column references (`user_uuid → users`).
fn references_principal(
    ws: &Workspace,
    table: &crate::schema::Table,
    column: &str,
) -> Option<String> {
    references(table, column)
        .filter(|t| PRINCIPAL_TABLES.contains(&t.as_str()) && !ws.is_tenant_table(t))
}

/// Whether `table.column = value` selects the caller's grants in a table without a tenant column
/// that links principals to tenant rows (`users_collections`): each such row vouches for the one
/// row it references by key.
fn is_caller_grant(ws: &Workspace, c: &ColumnRef) -> bool {
    !ws.is_tenant_table(&c.table)
        && ws
            .schema
            .table(&c.table)
            .is_some_and(|t| references_principal(ws, t, &c.column).is_some())
}

/// The atoms both sides of an OR have.
pub(crate) fn intersect(a: Vec<Atom>, b: &[Atom]) -> Vec<Atom> {
    a.into_iter().filter(|x| b.contains(x)).collect()
}

/// `org_id` → `OrgId`, the name sea-orm gives a column's variant.
pub fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `OrgId` → `org_id`.
pub fn snake(camel: &str) -> String {
    crate::semantic::vocab::to_snake(camel)
}

/// The DSL queries of a file that reach the database, checked.
pub fn check_file(file: &AnalyzedFile, ws: &Workspace) -> Vec<OrmIssue> {
    let Some(rust) = &file.rust else {
        return Vec::new();
    };
    if ws.orm.diesel_tables.is_empty() && ws.orm.entities.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for q in diesel::queries(rust, ws)
        .into_iter()
        .chain(sea_orm::queries(rust, &file.source.rel_path, ws))
    {
        for issue in q.issues(ws) {
            if !out.contains(&issue) {
                out.push(issue);
            }
        }
    }
    out
}

/// The chain of method calls under `top`, innermost first, and the expression it starts from.
pub(crate) fn unroll(rust: &RustFile, top: ExprId) -> (ExprId, Vec<ExprId>) {
    let mut steps = Vec::new();
    let mut id = rust.strip(top);
    while let ExprKind::MethodCall { receiver, .. } = &rust.expr(id).kind {
        steps.push(id);
        id = rust.strip(*receiver);
    }
    steps.reverse();
    (id, steps)
}

/// How a local query variable is built before `offset`, in source order.
pub(crate) struct VariableBuilds {
    /// Its `let` initializer.
    pub init: Option<ExprId>,
    /// The unconditional `q = q.filter(..)` reassignments.
    pub assigns: Vec<ExprId>,
    /// The reassignments under `if let Some(x) = param { q = q.filter(..) }`, with that
    /// parameter's index (`self` not counted): filters that apply when a caller passes `Some`.
    pub when_some: Vec<(u32, ExprId)>,
}

/// Applies a query variable's reassignments with `step` (one DSL's query step), and keeps the
/// variant built with the filters added only when one parameter is `Some`: the first parameter
/// whose filters compare a tenant column.
pub(crate) fn apply_builds(
    rust: &RustFile,
    q: &mut Query,
    name: &str,
    builds: &VariableBuilds,
    step: &dyn Fn(&mut Query, ExprId),
) {
    let apply = |q: &mut Query, assigns: &mut dyn Iterator<Item = ExprId>| {
        for a in assigns {
            let (b, more) = unroll(rust, a);
            if rust.as_ident(b) == Some(name) {
                for s in more {
                    step(q, s);
                }
            }
        }
    };
    apply(q, &mut builds.assigns.iter().copied());
    let mut params: Vec<u32> = builds.when_some.iter().map(|(p, _)| *p).collect();
    params.dedup();
    for param in params {
        let mut some = q.clone();
        let mut assigns = builds
            .when_some
            .iter()
            .filter(|(p, _)| *p == param)
            .map(|(_, a)| *a);
        apply(&mut some, &mut assigns);
        if some.adds_tenant_value(q) {
            q.when_some = Some((param, Box::new(some)));
            return;
        }
    }
}

pub(crate) fn variable_builds(
    rust: &RustFile,
    function: FnId,
    name: &str,
    offset: u32,
) -> VariableBuilds {
    let mut builds = VariableBuilds {
        init: crate::flow::reaching_let(rust, function, name, offset),
        assigns: Vec::new(),
        when_some: Vec::new(),
    };
    /// Where a reassignment sits: unconditionally, directly under `if let Some(..) = param`,
    /// or deeper in a branch.
    #[derive(Clone, Copy)]
    enum Place {
        Always,
        WhenSome(u32),
        Branch,
    }
    struct Walk<'a> {
        rust: &'a RustFile,
        function: FnId,
        name: &'a str,
        offset: u32,
    }
    impl Walk<'_> {
        fn walk(&self, id: ExprId, place: Place, out: &mut VariableBuilds) {
            let e = self.rust.expr(id);
            if e.span.start >= self.offset {
                return;
            }
            if let ExprKind::Assign {
                lhs,
                rhs,
                compound: None,
            } = &e.kind
            {
                if self.rust.as_ident(*lhs) == Some(self.name) {
                    match place {
                        Place::Always => out.assigns.push(*rhs),
                        Place::WhenSome(param) => out.when_some.push((param, *rhs)),
                        Place::Branch => {}
                    }
                }
            }
            if let (
                Place::Always,
                ExprKind::If {
                    cond,
                    then,
                    otherwise: None,
                },
            ) = (place, &e.kind)
            {
                if let Some(param) = self.some_of_param(*cond) {
                    for stmt in &then.stmts {
                        if let Stmt::Expr { expr, .. } = stmt {
                            self.walk(*expr, Place::WhenSome(param), out);
                        }
                    }
                    return;
                }
            }
            let branches = matches!(
                e.kind,
                ExprKind::If { .. } | ExprKind::Match { .. } | ExprKind::Loop { .. }
            );
            let nested = if branches { Place::Branch } else { place };
            let mut kids = Vec::new();
            self.rust.children(id, &mut kids);
            for k in kids {
                self.walk(k, nested, out);
            }
        }

        /// `let Some(x) = param`: the index of the parameter (`self` not counted).
        fn some_of_param(&self, cond: ExprId) -> Option<u32> {
            let ExprKind::Let { pat, expr } = &self.rust.expr(cond).kind else {
                return None;
            };
            let PatKind::TupleStruct { path, elems } = &self.rust.pat(*pat).kind else {
                return None;
            };
            if path.last() != "Some" || elems.len() != 1 {
                return None;
            }
            let name = self.rust.as_ident(self.rust.strip(*expr))?;
            let params = &self.rust.function(self.function).params;
            let named = |p: &crate::ir::Param, n: &str| matches!(&self.rust.pat(p.pat).kind, PatKind::Ident { name, .. } if name == n);
            let skip = usize::from(params.first().is_some_and(|p| named(p, "self")));
            let index = params.iter().skip(skip).position(|p| named(p, name))?;
            u32::try_from(index).ok()
        }
    }
    let walk = Walk {
        rust,
        function,
        name,
        offset,
    };
    for stmt in &rust.function(function).body.stmts {
        match stmt {
            Stmt::Let { init: Some(i), .. } => walk.walk(*i, Place::Always, &mut builds),
            Stmt::Expr { expr, .. } => walk.walk(*expr, Place::Always, &mut builds),
            _ => {}
        }
    }
    builds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diesel_fix_names_the_alias() {
        let instance = |join| Instance {
            table: "collections".into(),
            span: Span::default(),
            join,
        };
        let mut q = Query::new(Dsl::Diesel, instance(None));
        q.instances.push(instance(Some(Join {
            parent: 0,
            left: false,
            on: None,
        })));
        q.aliases.insert("other".into(), 1);
        assert_eq!(
            q.fix(0, "org_uuid"),
            ".filter(collections::org_uuid.eq(..))"
        );
        assert_eq!(
            q.fix(1, "org_uuid"),
            ".on(... .and(other.field(collections::org_uuid).eq(collections::org_uuid)))"
        );
        assert_eq!(q.instance_of("other"), Some(1));
        assert_eq!(q.instance_of("collections"), Some(0));
    }
}
