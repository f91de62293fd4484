//! Which table columns the workspace's queries address rows by: a statement outside the
//! migrations that compares a column with a runtime value (`WHERE id = $1`, `id = ANY($1)`,
//! `id IN ($1, $2)`, a spliced `format!` hole), which tables those statements name at all, and
//! the primary keys diesel's `table!` declares. A sequential key no query addresses rows by is
//! an internal surrogate the API never takes.

use crate::facts::schema::{object_name, table_key, Schema};
use crate::facts::sql_util::is_runtime_value;
use crate::facts::workspace::AnalyzedFile;
use sqlparser::ast::{
    visit_expressions, visit_relations, BinaryOperator, Expr, Statement, TableFactor, Visit,
    Visitor,
};
use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

#[derive(Debug, Default)]
pub struct KeyLookups {
    /// Table keys that some query names.
    queried: HashSet<String>,
    /// `(table key, column)` pairs some query compares with a runtime value; an unqualified
    /// column counts for every table of its statement.
    addressed: HashSet<(String, String)>,
    /// Tables named in SQL the parser rejected: what it does with them is unknown.
    opaque: HashSet<String>,
    /// The primary key columns of each diesel `table!` declaring a table (by table key,
    /// lowercased): feature-gated schemas may declare one table twice with different keys.
    orm_keys: HashMap<String, Vec<Vec<String>>>,
}

impl KeyLookups {
    pub fn build(files: &[AnalyzedFile], schema: &Schema) -> KeyLookups {
        let mut lookups = KeyLookups::default();
        let sites = files
            .iter()
            .flat_map(|f| &f.sql_sites)
            .filter(|s| !s.is_migration() && !s.text.includes_migration);
        for f in files {
            let Some(rust) = &f.rust else { continue };
            for t in crate::facts::orm::schema::diesel_tables(&f.source, rust) {
                let key = t.primary_key.iter().map(|c| c.to_ascii_lowercase());
                let declared = lookups.orm_keys.entry(table_key(&t.name)).or_default();
                declared.push(key.collect());
            }
        }
        for site in sites {
            for parsed in &site.statements {
                lookups.add_statement(&parsed.statement);
            }
            if !site.errors.is_empty() {
                let text = site.text.text.to_ascii_lowercase();
                let named = schema.tables.keys().filter(|t| mentions_word(&text, t));
                lookups.opaque.extend(named.cloned());
            }
        }
        lookups
    }

    /// Whether some query (outside the migrations) reads or writes the table, so that the
    /// absence of a lookup by key means something.
    pub fn is_queried(&self, table: &str) -> bool {
        self.queried.contains(&table_key(table))
    }

    /// Whether rows of the table may be addressed by the column: a query compares it with a
    /// runtime value, or SQL the parser rejected names the table.
    pub fn may_address(&self, table: &str, column: &str) -> bool {
        let table = table_key(table);
        self.opaque.contains(&table)
            || self
                .addressed
                .contains(&(table, column.to_ascii_lowercase()))
    }

    /// Whether the ORM addresses the table's rows by a key without this column: every diesel
    /// `table! { blocklist (org_id, fingerprint) { .. } }` of the table finds rows by such a key.
    pub fn orm_key_excludes(&self, table: &str, column: &str) -> bool {
        let column = column.to_ascii_lowercase();
        self.orm_keys.get(&table_key(table)).is_some_and(|keys| {
            keys.iter()
                .all(|key| !key.is_empty() && !key.contains(&column))
        })
    }

    fn add_statement(&mut self, statement: &Statement) {
        // Only queries count: a schema dump outside the migrations names tables too.
        if !matches!(
            statement,
            Statement::Query(_)
                | Statement::Insert(_)
                | Statement::Update { .. }
                | Statement::Delete(_)
                | Statement::Merge { .. }
        ) {
            return;
        }
        let mut tables = Vec::new();
        let _ = visit_relations(statement, |name| {
            tables.push(table_key(&object_name(name)));
            ControlFlow::<()>::Continue(())
        });
        let mut aliases = AliasCollector::default();
        let _ = statement.visit(&mut aliases);
        let mut compared: Vec<(Option<String>, String)> = Vec::new();
        let _ = visit_expressions(statement, |e| {
            compared.extend(compared_column(e));
            ControlFlow::<()>::Continue(())
        });
        for (qualifier, column) in compared {
            let owners: Vec<String> = match qualifier {
                Some(q) => vec![aliases
                    .tables
                    .get(&q)
                    .cloned()
                    .unwrap_or_else(|| table_key(&q))],
                None => tables.clone(),
            };
            for owner in owners {
                self.addressed.insert((owner, column.clone()));
            }
        }
        self.queried.extend(tables);
    }
}

/// Aliases of the statement's tables (`FROM invoices i`), lowercased.
#[derive(Default)]
struct AliasCollector {
    tables: HashMap<String, String>,
}

impl Visitor for AliasCollector {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table {
            name,
            alias: Some(alias),
            ..
        } = factor
        {
            self.tables.insert(
                alias.name.value.to_ascii_lowercase(),
                table_key(&object_name(name)),
            );
        }
        ControlFlow::Continue(())
    }
}

/// The column a comparison with a runtime value tests: `t.id = $1`, `$1 = id`,
/// `id = ANY($1)`, `id IN ($1, ..)`, as (qualifier, column), lowercased.
fn compared_column(e: &Expr) -> Option<(Option<String>, String)> {
    let column = match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => {
            if is_runtime_value(right) || is_runtime_any(right) {
                left
            } else if is_runtime_value(left) {
                right
            } else {
                return None;
            }
        }
        Expr::AnyOp { left, right, .. } if is_runtime_value(right) => left,
        Expr::InList { expr, list, .. } if list.iter().any(is_runtime_value) => expr,
        _ => return None,
    };
    column_ref(column)
}

/// `ANY($1)` parsed as a function call.
fn is_runtime_any(e: &Expr) -> bool {
    match e {
        Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("any") => {
            crate::facts::sql_util::function_args(f)
                .into_iter()
                .any(is_runtime_value)
        }
        _ => false,
    }
}

fn column_ref(e: &Expr) -> Option<(Option<String>, String)> {
    match e {
        Expr::Identifier(i) => Some((None, i.value.to_ascii_lowercase())),
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            let n = parts.len();
            Some((
                Some(parts[n - 2].value.to_ascii_lowercase()),
                parts[n - 1].value.to_ascii_lowercase(),
            ))
        }
        Expr::Nested(inner) | Expr::Cast { expr: inner, .. } => column_ref(inner),
        _ => None,
    }
}

/// Whether `word` occurs in `text` delimited by non-identifier characters.
fn mentions_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::settings::SqlDialect;

    fn lookups(sql: &str) -> KeyLookups {
        let mut l = KeyLookups::default();
        for parsed in crate::facts::sql::parse_statements(sql, SqlDialect::Postgres).0 {
            l.add_statement(&parsed.statement);
        }
        l
    }

    #[test]
    fn comparisons_with_runtime_values_address_rows() {
        let l = lookups(
            "SELECT i.total FROM invoices i WHERE i.id = $1 AND i.org_id = $2; \
             UPDATE notes SET body = $1 WHERE id = ANY($2); \
             SELECT * FROM events WHERE org_id = $1 ORDER BY id",
        );
        assert!(l.may_address("invoices", "id"));
        assert!(l.may_address("notes", "id"));
        assert!(l.is_queried("events"));
        assert!(!l.may_address("events", "id"));
        assert!(!l.is_queried("audit"));
        let dump = lookups("CREATE TABLE audit (id SERIAL PRIMARY KEY, org_id UUID)");
        assert!(!dump.is_queried("audit"));
    }

    #[test]
    fn words_are_delimited() {
        assert!(mentions_word("select * from events where", "events"));
        assert!(!mentions_word("select * from dispatch_events", "events"));
    }
}
