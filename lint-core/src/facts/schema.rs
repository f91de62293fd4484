//! The database schema, folded from the workspace's migrations in order.

use crate::facts::workspace::AnalyzedFile;
use crate::span::Span;
use serde::Serialize;
use sqlparser::ast::{AlterTableOperation, ObjectName, ObjectType, Spanned, Statement};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// The name as written, schema qualifier included.
    pub name: String,
    pub columns: Vec<String>,
    /// `(column, referenced table)` for each single-column foreign key, declared in the
    /// `CREATE TABLE` or added by `ALTER TABLE`.
    pub foreign_keys: Vec<(String, String)>,
    /// Where the table is created: the migration's path and the span of its name.
    pub declared_in: String,
    #[serde(skip)]
    pub declared_at: Span,
    #[serde(skip)]
    pub file: Option<Arc<crate::source::SourceFile>>,
    /// Row-level security as the migrations leave it.
    #[serde(skip)]
    pub rls: crate::rls::RlsState,
    /// Columns declared `NOT NULL` or `PRIMARY KEY`.
    #[serde(skip)]
    pub not_null: Vec<String>,
    /// The primary key's columns (empty when the migrations declare none).
    pub primary_key: Vec<String>,
    /// Unique constraints and unique indexes without a predicate: each identifies one row.
    pub unique_keys: Vec<UniqueKey>,
    /// The columns of unique indexes with a predicate: they identify no row, but say what a
    /// name is unique within (`(org_id, uid) WHERE uid IS NOT NULL`).
    #[serde(skip)]
    pub partial_unique_keys: Vec<Vec<String>>,
    /// Columns a later `ALTER TABLE ... ADD COLUMN` added: `(column, "migration:line")`.
    #[serde(skip)]
    pub added_columns: Vec<(String, String)>,
    /// Each current column with the name the `CREATE TABLE` gave it, `None` for a column a
    /// later `ADD COLUMN` made: renames and drops keep a column's identity apart from its name.
    #[serde(skip)]
    pub created_as: Vec<(String, Option<String>)>,
}

/// A set of columns no two rows share.
#[derive(Debug, Clone, Serialize)]
pub struct UniqueKey {
    /// The constraint or index name, as declared or as Postgres names it by default.
    pub name: String,
    pub columns: Vec<String>,
}

impl Table {
    /// Whether the column named `current` today is the one the `CREATE TABLE` declared as
    /// `created` (not a column renamed or added into its name). Tables whose history is not
    /// tracked (ORM declarations) compare names.
    pub fn is_created_column(&self, current: &str, created: &str) -> bool {
        match self
            .created_as
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(current))
        {
            Some((_, origin)) => origin
                .as_deref()
                .is_some_and(|o| o.eq_ignore_ascii_case(created)),
            None => self.created_as.is_empty() && current.eq_ignore_ascii_case(created),
        }
    }

    /// Whether the column named `current` today was made by a later `ADD COLUMN`.
    pub fn is_added_column(&self, current: &str) -> bool {
        self.created_as
            .iter()
            .any(|(c, origin)| origin.is_none() && c.eq_ignore_ascii_case(current))
    }

    pub fn has_column(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c.eq_ignore_ascii_case(column))
    }

    pub fn is_not_null(&self, column: &str) -> bool {
        self.not_null.iter().any(|c| c.eq_ignore_ascii_case(column))
    }

    /// The column sets that identify one row: the primary key, then each unique key.
    pub fn keys(&self) -> impl Iterator<Item = &[String]> {
        std::iter::once(self.primary_key.as_slice())
            .filter(|k| !k.is_empty())
            .chain(self.unique_keys.iter().map(|k| k.columns.as_slice()))
    }

    fn add_constraint(&mut self, constraint: &sqlparser::ast::TableConstraint) {
        use sqlparser::ast::TableConstraint;
        match constraint {
            TableConstraint::PrimaryKey { columns, .. } => {
                self.primary_key = index_columns(columns);
                self.not_null.extend(self.primary_key.iter().cloned());
            }
            TableConstraint::Unique { name, columns, .. } => {
                let columns = index_columns(columns);
                let name = name.as_ref().map_or_else(
                    || default_unique_name(&self.name, &columns),
                    |n| n.value.clone(),
                );
                self.add_unique(name, columns);
            }
            TableConstraint::ForeignKey {
                columns,
                foreign_table,
                ..
            } if columns.len() == 1 => {
                let fk = (columns[0].value.clone(), object_name(foreign_table));
                if !self.foreign_keys.contains(&fk) {
                    self.foreign_keys.push(fk);
                }
            }
            _ => {}
        }
    }

    fn add_unique(&mut self, name: String, columns: Vec<String>) {
        // An expression column (`lower(email)`) makes no plain-column key.
        if !columns.is_empty() && columns.iter().all(|c| !c.is_empty()) {
            self.unique_keys.push(UniqueKey { name, columns });
        }
    }

    /// `DROP CONSTRAINT name`: the primary key (`<table>_pkey` by default) or a unique key.
    fn drop_constraint(&mut self, name: &str) {
        let pkey = format!("{}_pkey", table_key(&self.name));
        if name.eq_ignore_ascii_case(&pkey) {
            self.primary_key.clear();
        }
        self.unique_keys
            .retain(|k| !k.name.eq_ignore_ascii_case(name));
    }
}

/// Plain column names of an index's columns; an expression yields an empty name.
fn index_columns(columns: &[sqlparser::ast::IndexColumn]) -> Vec<String> {
    columns
        .iter()
        .map(|c| match &c.column.expr {
            sqlparser::ast::Expr::Identifier(i) => i.value.clone(),
            _ => String::new(),
        })
        .collect()
}

/// The name Postgres gives an unnamed unique constraint: `<table>_<col>_..._key`.
fn default_unique_name(table: &str, columns: &[String]) -> String {
    format!("{}_{}_key", table_key(table), columns.join("_"))
}

/// Applies a column definition's `PRIMARY KEY` / `UNIQUE` options.
fn column_keys(table: &mut Table, def: &sqlparser::ast::ColumnDef) {
    for o in &def.options {
        if let sqlparser::ast::ColumnOption::Unique { is_primary, .. } = o.option {
            let column = def.name.value.clone();
            if is_primary {
                table.primary_key = vec![column];
            } else {
                let name = default_unique_name(&table.name, std::slice::from_ref(&column));
                table.add_unique(name, vec![column]);
            }
        }
    }
}

fn is_not_null(def: &sqlparser::ast::ColumnDef) -> bool {
    def.options.iter().any(|o| {
        matches!(
            o.option,
            sqlparser::ast::ColumnOption::NotNull
                | sqlparser::ast::ColumnOption::Unique {
                    is_primary: true,
                    ..
                }
        )
    })
}

/// Tables by lower-case unqualified name.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    /// The migrations use DDL only CockroachDB accepts (`STORING` index columns,
    /// `crdb_internal`, `INTERLEAVE IN PARENT`): a database that may lack row-level security.
    #[serde(skip)]
    pub cockroach_ddl: bool,
}

/// The key a table is stored under: lower case, without schema qualifier or quotes.
pub fn table_key(name: &str) -> String {
    name.rsplit('.')
        .next()
        .unwrap_or(name)
        .trim_matches(['"', '`', '[', ']'])
        .to_ascii_lowercase()
}

pub fn object_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(|p| {
            p.as_ident()
                .map_or_else(|| p.to_string(), |i| i.value.clone())
        })
        .collect::<Vec<_>>()
        .join(".")
}

impl Schema {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(&table_key(name))
    }

    /// A tenant root: the table other tables' tenant column references, keyed by that column
    /// alone (`accounts` keyed by `account_uid`, which `calendars.account_uid` references). Its
    /// rows are the tenants themselves, not data a tenant owns; a lookup by its own credential is
    /// how a request finds its tenant.
    pub fn is_tenant_root(&self, table: &Table, is_tenant_column: impl Fn(&str) -> bool) -> bool {
        let referenced = self.referenced_by_tenant_columns(&is_tenant_column);
        Self::is_tenant_root_among(table, &referenced, is_tenant_column)
    }

    /// The keys of the tables a tenant column's foreign key references.
    pub fn referenced_by_tenant_columns(
        &self,
        is_tenant_column: impl Fn(&str) -> bool,
    ) -> std::collections::HashSet<String> {
        self.tables
            .values()
            .flat_map(|t| &t.foreign_keys)
            .filter(|(column, _)| is_tenant_column(column))
            .map(|(_, target)| table_key(target))
            .collect()
    }

    /// [`Schema::is_tenant_root`] given [`Schema::referenced_by_tenant_columns`], for asking
    /// about every table at the cost of one pass over the foreign keys.
    pub fn is_tenant_root_among(
        table: &Table,
        referenced: &std::collections::HashSet<String>,
        is_tenant_column: impl Fn(&str) -> bool,
    ) -> bool {
        let mut tenant_columns = table
            .columns
            .iter()
            .filter(|c| is_tenant_column(c))
            .peekable();
        referenced.contains(&table_key(&table.name))
            && tenant_columns.peek().is_some()
            && tenant_columns.all(|c| {
                table
                    .keys()
                    .any(|k| k.len() == 1 && k[0].eq_ignore_ascii_case(c))
            })
    }

    /// Folds migrations, given in the order they apply.
    pub fn from_migrations<'a>(migrations: impl IntoIterator<Item = &'a AnalyzedFile>) -> Schema {
        let mut schema = Schema::default();
        for file in migrations {
            schema.cockroach_ddl |= has_cockroach_ddl(&file.source.text);
            for site in &file.sql_sites {
                file.source.work.charge(site.statements.len() as u64);
                for stmt in &site.statements {
                    schema.apply(file, site, stmt);
                }
                for f in &site.force_rls {
                    if let Some(t) = schema.tables.get_mut(&table_key(&f.table)) {
                        t.rls.forced = f.force;
                    }
                }
            }
        }
        schema
    }

    fn apply(
        &mut self,
        file: &AnalyzedFile,
        site: &crate::sql::SqlSite,
        stmt: &crate::sql::ParsedStatement,
    ) {
        match &stmt.statement {
            Statement::CreateTable(ct) => {
                let name = object_name(&ct.name);
                let declared_at = site.span_of(&file.source.text, stmt, ct.name.span());
                let mut table = Table {
                    name,
                    columns: ct.columns.iter().map(|c| c.name.value.clone()).collect(),
                    foreign_keys: inline_foreign_keys(&ct.columns),
                    declared_in: file.source.rel_path.clone(),
                    declared_at,
                    file: Some(file.source.clone()),
                    rls: Default::default(),
                    not_null: ct
                        .columns
                        .iter()
                        .filter(|c| is_not_null(c))
                        .map(|c| c.name.value.clone())
                        .collect(),
                    primary_key: Vec::new(),
                    unique_keys: Vec::new(),
                    partial_unique_keys: Vec::new(),
                    added_columns: Vec::new(),
                    created_as: ct
                        .columns
                        .iter()
                        .map(|c| (c.name.value.clone(), Some(c.name.value.clone())))
                        .collect(),
                };
                for c in &ct.columns {
                    column_keys(&mut table, c);
                }
                for c in &ct.constraints {
                    table.add_constraint(c);
                }
                self.tables.insert(table_key(&table.name), table);
            }
            Statement::CreateIndex(ci) if ci.unique && ci.predicate.is_none() => {
                if let Some(table) = self
                    .tables
                    .get_mut(&table_key(&object_name(&ci.table_name)))
                {
                    let columns = index_columns(&ci.columns);
                    let name = ci
                        .name
                        .as_ref()
                        .map_or_else(String::new, |n| table_key(&object_name(n)));
                    table.add_unique(name, columns);
                }
            }
            Statement::CreateIndex(ci) if ci.unique => {
                if let Some(table) = self
                    .tables
                    .get_mut(&table_key(&object_name(&ci.table_name)))
                {
                    table.partial_unique_keys.push(index_columns(&ci.columns));
                }
            }
            Statement::AlterTable {
                name, operations, ..
            } => {
                let key = table_key(&object_name(name));
                for op in operations {
                    let Some(table) = self.tables.get_mut(&key) else {
                        return;
                    };
                    match op {
                        AlterTableOperation::AddColumn { column_def, .. } => {
                            table.columns.push(column_def.name.value.clone());
                            let at = site.statement_span(&file.source.text, stmt);
                            table.added_columns.push((
                                column_def.name.value.clone(),
                                format!(
                                    "{}:{}",
                                    file.source.rel_path,
                                    file.source.line_of(at.start)
                                ),
                            ));
                            table.created_as.push((column_def.name.value.clone(), None));
                            table
                                .foreign_keys
                                .extend(inline_foreign_keys(std::slice::from_ref(column_def)));
                            if is_not_null(column_def) {
                                table.not_null.push(column_def.name.value.clone());
                            }
                            column_keys(table, column_def);
                        }
                        AlterTableOperation::AddConstraint { constraint, .. } => {
                            table.add_constraint(constraint)
                        }
                        AlterTableOperation::DropConstraint { name, .. } => {
                            table.drop_constraint(&name.value)
                        }
                        AlterTableOperation::DropPrimaryKey { .. } => table.primary_key.clear(),
                        AlterTableOperation::AlterColumn { column_name, op } => match op {
                            sqlparser::ast::AlterColumnOperation::SetNotNull => {
                                table.not_null.push(column_name.value.clone())
                            }
                            sqlparser::ast::AlterColumnOperation::DropNotNull => table
                                .not_null
                                .retain(|c| !c.eq_ignore_ascii_case(&column_name.value)),
                            _ => {}
                        },
                        AlterTableOperation::DropColumn { column_names, .. } => {
                            let dropped = |c: &String| {
                                column_names.iter().any(|n| n.value.eq_ignore_ascii_case(c))
                            };
                            table.columns.retain(|c| !dropped(c));
                            table.created_as.retain(|(c, _)| !dropped(c));
                            // Postgres drops the indexes and constraints that use the column.
                            if table.primary_key.iter().any(dropped) {
                                table.primary_key.clear();
                            }
                            table.unique_keys.retain(|k| !k.columns.iter().any(dropped));
                            table.partial_unique_keys.retain(|k| !k.iter().any(dropped));
                        }
                        AlterTableOperation::RenameColumn {
                            old_column_name,
                            new_column_name,
                        } => {
                            let key_columns = table.primary_key.iter_mut().chain(
                                table
                                    .unique_keys
                                    .iter_mut()
                                    .flat_map(|k| k.columns.iter_mut()),
                            );
                            let history = table.created_as.iter_mut().map(|(c, _)| c);
                            for c in table.columns.iter_mut().chain(key_columns).chain(history) {
                                if c.eq_ignore_ascii_case(&old_column_name.value) {
                                    *c = new_column_name.value.clone();
                                }
                            }
                        }
                        AlterTableOperation::RenameTable { table_name } => {
                            let new_name = match table_name {
                                sqlparser::ast::RenameTableNameKind::As(n)
                                | sqlparser::ast::RenameTableNameKind::To(n) => object_name(n),
                            };
                            if let Some(mut t) = self.tables.remove(&key) {
                                t.name = new_name.clone();
                                self.tables.insert(table_key(&new_name), t);
                            }
                            return;
                        }
                        AlterTableOperation::EnableRowLevelSecurity => {
                            table.rls.enabled = true;
                            table.rls.disabled_at = None;
                        }
                        AlterTableOperation::DisableRowLevelSecurity => {
                            table.rls.enabled = false;
                            table.rls.disabled_at = Some(crate::rls::MigrationSpot {
                                file: file.source.clone(),
                                span: site.statement_span(&file.source.text, stmt),
                            });
                        }
                        _ => {}
                    }
                }
            }
            Statement::CreatePolicy {
                name,
                table_name,
                policy_type,
                using,
                with_check,
                ..
            } => {
                if let Some(table) = self.tables.get_mut(&table_key(&object_name(table_name))) {
                    let at = crate::rls::MigrationSpot {
                        file: file.source.clone(),
                        span: site.statement_span(&file.source.text, stmt),
                    };
                    table.rls.policies.push(crate::rls::policy(
                        &name.value,
                        !matches!(
                            policy_type,
                            Some(sqlparser::ast::CreatePolicyType::Restrictive)
                        ),
                        using.as_ref(),
                        with_check.as_ref(),
                        at,
                    ));
                }
            }
            Statement::DropPolicy {
                name, table_name, ..
            } => {
                if let Some(table) = self.tables.get_mut(&table_key(&object_name(table_name))) {
                    table
                        .rls
                        .policies
                        .retain(|p| !p.name.eq_ignore_ascii_case(&name.value));
                }
            }
            Statement::Drop {
                object_type: ObjectType::Table,
                names,
                ..
            } => {
                for n in names {
                    self.tables.remove(&table_key(&object_name(n)));
                }
            }
            Statement::Drop {
                object_type: ObjectType::Index,
                names,
                ..
            } => {
                for n in names {
                    let index = table_key(&object_name(n));
                    for t in self.tables.values_mut() {
                        t.unique_keys
                            .retain(|k| !k.name.eq_ignore_ascii_case(&index));
                    }
                }
            }
            _ => {}
        }
    }
}

/// `(column, referenced table)` of the column options' `REFERENCES` (table constraints are
/// added with the other constraints).
fn inline_foreign_keys(columns: &[sqlparser::ast::ColumnDef]) -> Vec<(String, String)> {
    use sqlparser::ast::ColumnOption;
    columns
        .iter()
        .flat_map(|c| {
            c.options.iter().filter_map(|o| match &o.option {
                ColumnOption::ForeignKey { foreign_table, .. } => {
                    Some((c.name.value.clone(), object_name(foreign_table)))
                }
                _ => None,
            })
        })
        .collect()
}

/// CockroachDB-only DDL, matched case-insensitively on the migration's text.
const COCKROACH_DDL: &[&str] = &["crdb_internal", "interleave in parent", " storing ("];

fn has_cockroach_ddl(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    COCKROACH_DDL.iter().any(|m| lower.contains(m))
}

/// A `.sql` file that holds the schema rather than the application's queries: it creates or
/// alters tables, and no statement takes a parameter (`$1`, `?`, `:name`), so nothing is sent
/// per request. Schema dumps and copies of migrations outside a migrations folder are such.
pub fn is_schema_script(statements: &[crate::sql::ParsedStatement]) -> bool {
    use sqlparser::ast::{Expr, Value, Visit, Visitor};
    use std::ops::ControlFlow;
    struct Params;
    impl Visitor for Params {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            match e {
                Expr::Value(v) if matches!(v.value, Value::Placeholder(_)) => {
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            }
        }
    }
    let defines_tables = statements.iter().any(|s| {
        matches!(
            s.statement,
            Statement::CreateTable(_) | Statement::AlterTable { .. }
        )
    });
    defines_tables
        && statements
            .iter()
            .all(|s| s.statement.visit(&mut Params).is_continue())
}

/// Whether a path is a migration: under a `migrations` folder, and not a down migration.
pub fn is_migration_path(rel_path: &str) -> bool {
    let lower = rel_path.to_ascii_lowercase();
    let in_folder = lower
        .split('/')
        .rev()
        .skip(1)
        .any(|c| c == "migrations" || c == "migration" || c == "schema");
    in_folder && !lower.ends_with("down.sql") && !lower.ends_with(".down.sql")
}

/// Whether a path sits under a migrations folder (`migrations/`, `custom_migrations/`...): up
/// and down migrations alike, which are schema changes rather than the application's queries.
pub fn in_migrations_folder(rel_path: &str) -> bool {
    rel_path
        .to_ascii_lowercase()
        .split('/')
        .rev()
        .skip(1)
        .any(|c| c.contains("migration") || c == "schema")
}

/// Orders migration paths the way migration tools apply them: by path, numbers compared by value
/// (`V2__x.sql` before `V10__y.sql`).
pub fn migration_order(a: &str, b: &str) -> std::cmp::Ordering {
    natural_key(a).cmp(&natural_key(b))
}

fn natural_key(s: &str) -> Vec<(u8, u128, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(d);
                chars.next();
            }
            out.push((0, n.parse().unwrap_or(u128::MAX), String::new()));
        } else {
            let mut t = String::new();
            while let Some(&d) = chars.peek().filter(|d| !d.is_ascii_digit()) {
                t.push(d);
                chars.next();
            }
            out.push((1, 0, t));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_from(sql: &str) -> Table {
        let (stmts, errors) =
            crate::sql::parse_statements(sql, crate::semantic::settings::SqlDialect::Postgres);
        assert!(errors.is_empty(), "{errors:?}");
        let Some(Statement::CreateTable(ct)) = stmts.first().map(|s| &s.statement) else {
            panic!("not a CREATE TABLE: {sql}");
        };
        let mut table = Table {
            name: object_name(&ct.name),
            columns: ct.columns.iter().map(|c| c.name.value.clone()).collect(),
            foreign_keys: Vec::new(),
            declared_in: String::new(),
            declared_at: Span::new(0, 0),
            file: None,
            rls: Default::default(),
            not_null: Vec::new(),
            primary_key: Vec::new(),
            unique_keys: Vec::new(),
            partial_unique_keys: Vec::new(),
            added_columns: Vec::new(),
            created_as: Vec::new(),
        };
        for c in &ct.columns {
            column_keys(&mut table, c);
        }
        for c in &ct.constraints {
            table.add_constraint(c);
        }
        table
    }

    #[test]
    fn keys_from_column_options_and_constraints() {
        let t = table_from(
            "CREATE TABLE t (id UUID PRIMARY KEY, email TEXT UNIQUE, a INT, b INT, UNIQUE (a, b))",
        );
        let keys: Vec<&[String]> = t.keys().collect();
        assert_eq!(
            keys,
            [
                &["id".to_string()][..],
                &["email".to_string()],
                &["a".to_string(), "b".to_string()]
            ]
        );
        let mut t = table_from("CREATE TABLE g (r INT, u TEXT, CONSTRAINT g_pk PRIMARY KEY (r, u), CONSTRAINT g_r UNIQUE (r))");
        assert_eq!(t.primary_key, ["r", "u"]);
        t.drop_constraint("g_r");
        assert!(t.unique_keys.is_empty());
        t.drop_constraint("g_pkey");
        assert!(t.primary_key.is_empty());
    }

    #[test]
    fn migrations_sort_numerically() {
        let mut v = vec!["m/V10__b.sql", "m/V2__a.sql", "m/V1__z.sql"];
        v.sort_by(|a, b| migration_order(a, b));
        assert_eq!(v, ["m/V1__z.sql", "m/V2__a.sql", "m/V10__b.sql"]);
        assert!(is_migration_path("migrations/2024_init.sql"));
        assert!(is_migration_path("db/migrations/2024-01-01_x/up.sql"));
        assert!(!is_migration_path("migrations/2024-01-01_x/down.sql"));
        assert!(!is_migration_path("queries/users.sql"));
    }
}
