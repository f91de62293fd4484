//! Row-level security facts, folded from the migrations with the schema: whether each table has
//! RLS enabled and forced, and which policies protect it.

use crate::facts::workspace::Workspace;
use crate::source::SourceFile;
use crate::span::Span;
use crate::sql_util::bool_literal;
use sqlparser::ast::{Expr, Visit, Visitor};
use std::ops::ControlFlow;
use std::sync::Arc;

/// A place in a migration.
#[derive(Debug, Clone)]
pub struct MigrationSpot {
    pub file: Arc<SourceFile>,
    pub span: Span,
}

impl MigrationSpot {
    /// `migrations/0003_x.sql:12`
    pub fn describe(&self) -> String {
        format!(
            "{}:{}",
            self.file.rel_path,
            self.file.line_of(self.span.start)
        )
    }
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    /// Columns its USING and WITH CHECK expressions read.
    pub columns: Vec<String>,
    /// Columns it compares (`=`, `IN`, `= ANY`) with a value of the session rather than of the
    /// row: a setting, a function, a subquery (`tenant_id = current_setting('app.tenant')`).
    /// A comparison with a literal or with another table's column (a join inside the policy)
    /// ties a row to no request.
    pub session_compared: Vec<String>,
    /// Session settings its expressions read with `current_setting('name')` (the tenant
    /// context a connection hands the policy).
    pub settings: Vec<String>,
    /// `USING (true)`: the policy admits every row.
    pub admits_all: bool,
    /// Permissive policies are OR-ed together; restrictive ones are AND-ed.
    pub permissive: bool,
    pub at: MigrationSpot,
}

#[derive(Debug, Clone, Default)]
pub struct RlsState {
    pub enabled: bool,
    pub forced: bool,
    /// The last `DISABLE ROW LEVEL SECURITY` that left RLS off.
    pub disabled_at: Option<MigrationSpot>,
    pub policies: Vec<Policy>,
}

impl RlsState {
    /// Whether some policy compares a tenant column with the session's tenant.
    pub fn has_tenant_policy(&self, is_tenant_column: impl Fn(&str) -> bool) -> bool {
        self.policies
            .iter()
            .any(|p| p.is_tenant_policy(&is_tenant_column))
    }

    /// Enabled, forced, a tenant policy, and no permissive policy that ignores the tenant (it
    /// would be OR-ed with the tenant policy): the database itself keeps tenants apart.
    pub fn protects(&self, is_tenant_column: impl Fn(&str) -> bool) -> bool {
        let widened = self
            .policies
            .iter()
            .any(|p| p.permissive && !p.is_tenant_policy(&is_tenant_column));
        self.enabled && self.forced && !widened && self.has_tenant_policy(is_tenant_column)
    }
}

impl Policy {
    /// Whether the policy ties rows to the session's tenant: it compares a tenant column with
    /// a session value.
    pub fn is_tenant_policy(&self, is_tenant_column: impl Fn(&str) -> bool) -> bool {
        !self.admits_all && self.session_compared.iter().any(|c| is_tenant_column(c))
    }
}

/// Whether some row-level security policy the migrations leave in place reads this session
/// setting (`current_setting('app.tenant_id')`).
pub fn policy_reads_setting(ws: &Workspace, setting: &str) -> bool {
    ws.schema
        .tables
        .values()
        .flat_map(|t| &t.rls.policies)
        .any(|p| p.settings.iter().any(|s| s.eq_ignore_ascii_case(setting)))
}

/// Whether the policies tell which settings carry the tenant: some policy reads one.
pub fn any_policy_reads_a_setting(ws: &Workspace) -> bool {
    ws.schema
        .tables
        .values()
        .flat_map(|t| &t.rls.policies)
        .any(|p| !p.settings.is_empty())
}

/// Whether the migrations protect a table with forced RLS and a tenant policy.
pub fn is_rls_protected(ws: &Workspace, table: &str) -> bool {
    ws.schema
        .table(table)
        .is_some_and(|t| t.rls.protects(|c| ws.is_tenant_column(c)))
}

/// A policy built from `CREATE POLICY`'s expressions.
pub fn policy(
    name: &str,
    permissive: bool,
    using: Option<&Expr>,
    with_check: Option<&Expr>,
    at: MigrationSpot,
) -> Policy {
    #[derive(Default)]
    struct Reads {
        columns: Vec<String>,
        session_compared: Vec<String>,
        settings: Vec<String>,
    }
    impl Visitor for Reads {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            self.session_compared.extend(session_comparison(e));
            match e {
                Expr::Identifier(i) => self.columns.push(i.value.clone()),
                Expr::CompoundIdentifier(parts) => {
                    if let Some(last) = parts.last() {
                        self.columns.push(last.value.clone());
                    }
                }
                Expr::Function(f) if crate::sql_util::function_name(f) == "current_setting" => {
                    let args = crate::sql_util::function_args(f);
                    if let Some(setting) = args
                        .first()
                        .and_then(|a| crate::sql_util::string_literal(a))
                    {
                        self.settings.push(setting.to_string());
                    }
                }
                _ => {}
            }
            ControlFlow::Continue(())
        }
    }
    let mut reads = Reads::default();
    for e in using.iter().chain(with_check.iter()) {
        let _ = e.visit(&mut reads);
    }
    Policy {
        name: name.to_string(),
        columns: reads.columns,
        session_compared: reads.session_compared,
        settings: reads.settings,
        admits_all: using.is_some_and(|e| bool_literal(e) == Some(true)),
        permissive,
        at,
    }
}

/// The column of a comparison between a column and a session value: `col = f(..)`,
/// `col IN (SELECT ..)`, `col = ANY(f(..))`, either side.
fn session_comparison(e: &Expr) -> Option<String> {
    use sqlparser::ast::BinaryOperator;
    fn column(e: &Expr) -> Option<&str> {
        match e {
            Expr::Identifier(i) => Some(&i.value),
            Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.as_str()),
            Expr::Cast { expr, .. } | Expr::Nested(expr) => column(expr),
            _ => None,
        }
    }
    // Neither a constant nor a column of some row.
    fn session_value(e: &Expr) -> bool {
        match e {
            Expr::Value(_) | Expr::Identifier(_) | Expr::CompoundIdentifier(_) => false,
            Expr::Cast { expr, .. } | Expr::Nested(expr) => session_value(expr),
            _ => true,
        }
    }
    let pick = |a: &Expr, b: &Expr| {
        column(a)
            .filter(|_| session_value(b))
            .or_else(|| column(b).filter(|_| session_value(a)))
            .map(str::to_string)
    };
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => pick(left, right),
        Expr::AnyOp {
            left,
            compare_op: BinaryOperator::Eq,
            right,
            ..
        } => column(left)
            .filter(|_| session_value(right))
            .map(str::to_string),
        Expr::InSubquery {
            expr,
            negated: false,
            ..
        } => column(expr).map(str::to_string),
        Expr::InList {
            expr,
            list,
            negated: false,
        } if list.iter().any(session_value) => column(expr).map(str::to_string),
        _ => None,
    }
}

/// An `ALTER TABLE ... [NO] FORCE ROW LEVEL SECURITY` statement, kept apart from parse errors.
#[derive(Debug, Clone)]
pub struct ForceStatement {
    pub table: String,
    pub force: bool,
    /// The statement's range in the site's SQL text.
    pub start: u32,
    pub end: u32,
}

/// `ALTER TABLE [IF EXISTS] [ONLY] name [NO] FORCE ROW LEVEL SECURITY`, which sqlparser does
/// not parse: the table and whether RLS is forced.
pub fn parse_force(sql: &str) -> Option<(String, bool)> {
    let words: Vec<String> = sql
        .split_whitespace()
        .map(|w| w.trim_end_matches([';', ',']).to_string())
        .collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    if upper.get(..2)? != ["ALTER", "TABLE"] {
        return None;
    }
    let force = upper
        .windows(4)
        .position(|w| w == ["FORCE", "ROW", "LEVEL", "SECURITY"])?;
    let mut i = 2;
    while upper
        .get(i)
        .is_some_and(|w| w == "IF" || w == "EXISTS" || w == "ONLY")
    {
        i += 1;
    }
    let name = words.get(i)?.trim_matches('"').to_string();
    let negated = force > 0 && upper.get(force - 1).is_some_and(|w| w == "NO");
    (i < force).then_some((name, !negated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn force_statements() {
        assert_eq!(
            parse_force("ALTER TABLE documents FORCE ROW LEVEL SECURITY"),
            Some(("documents".into(), true))
        );
        assert_eq!(
            parse_force("alter table if exists public.docs no force row level security"),
            Some(("public.docs".into(), false))
        );
        assert_eq!(parse_force("ALTER TABLE t ADD COLUMN x int"), None);
        assert_eq!(parse_force("SELECT 1"), None);
    }
}
