//! Small questions about sqlparser expressions that several rules ask.

use crate::sql::HOLE_PREFIX;
use sqlparser::ast::{Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Value};

/// The plain positional and named argument expressions of a function call.
pub fn function_args(f: &Function) -> Vec<&Expr> {
    let FunctionArguments::List(list) = &f.args else {
        return Vec::new();
    };
    list.args
        .iter()
        .filter_map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
            | FunctionArg::Named {
                arg: FunctionArgExpr::Expr(e),
                ..
            }
            | FunctionArg::ExprNamed {
                arg: FunctionArgExpr::Expr(e),
                ..
            } => Some(e),
            _ => None,
        })
        .collect()
}

/// The unqualified, lower-case name of a called function.
pub fn function_name(f: &Function) -> String {
    f.name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.to_ascii_lowercase())
        .unwrap_or_default()
}

/// `Some(true|false)` for boolean literals and PostgreSQL's boolean strings.
pub fn bool_literal(e: &Expr) -> Option<bool> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Boolean(b) => Some(*b),
            Value::SingleQuotedString(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "t" | "on" | "yes" | "1" => Some(true),
                "false" | "f" | "off" | "no" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        },
        Expr::Nested(inner) => bool_literal(inner),
        _ => None,
    }
}

/// A string literal's value.
pub fn string_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(s),
            _ => None,
        },
        Expr::Nested(inner) => string_literal(inner),
        _ => None,
    }
}

/// Whether an expression is a runtime value: a bind placeholder or a spliced hole.
pub fn is_runtime_value(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => matches!(v.value, Value::Placeholder(_)),
        Expr::Identifier(i) => i.value.starts_with(HOLE_PREFIX),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => is_runtime_value(expr),
        _ => false,
    }
}

/// The 0-based indices of the numbered bind placeholders (`$2` is 1) that a statement
/// compares with, or inserts into, a column `is_tenant` accepts: `WHERE t.org_id = $2`,
/// `INSERT INTO t (org_id, ..) VALUES ($1, ..)`.
pub fn tenant_placeholders(
    statement: &sqlparser::ast::Statement,
    is_tenant: &dyn Fn(&str) -> bool,
) -> Vec<usize> {
    use sqlparser::ast::{BinaryOperator, SetExpr, Statement, Visit, Visitor};
    use std::ops::ControlFlow;
    fn column(e: &Expr) -> Option<&str> {
        match e {
            Expr::Identifier(i) => Some(&i.value),
            Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.as_str()),
            Expr::Nested(inner) | Expr::Cast { expr: inner, .. } => column(inner),
            _ => None,
        }
    }
    fn placeholder(e: &Expr) -> Option<usize> {
        match e {
            Expr::Value(v) => match &v.value {
                Value::Placeholder(p) => p.strip_prefix('$')?.parse::<usize>().ok()?.checked_sub(1),
                _ => None,
            },
            Expr::Nested(inner) | Expr::Cast { expr: inner, .. } => placeholder(inner),
            _ => None,
        }
    }
    struct Eqs<'a> {
        is_tenant: &'a dyn Fn(&str) -> bool,
        out: Vec<usize>,
    }
    impl Visitor for Eqs<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if let Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } = e
            {
                for (c, p) in [(left, right), (right, left)] {
                    if let (Some(c), Some(p)) = (column(c), placeholder(p)) {
                        if (self.is_tenant)(c) {
                            self.out.push(p);
                        }
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut eqs = Eqs {
        is_tenant,
        out: Vec::new(),
    };
    let _ = statement.visit(&mut eqs);
    if let Statement::Insert(insert) = statement {
        if let Some(SetExpr::Values(values)) = insert.source.as_ref().map(|q| q.body.as_ref()) {
            for row in &values.rows {
                for (c, v) in insert.columns.iter().zip(row) {
                    if let (true, Some(p)) = (is_tenant(&c.value), placeholder(v)) {
                        eqs.out.push(p);
                    }
                }
            }
        }
    }
    eqs.out
}

#[cfg(test)]
mod tenant_placeholder_tests {
    use super::*;

    fn indices(sql: &str) -> Vec<usize> {
        let dialect = sqlparser::dialect::PostgreSqlDialect {};
        let stmts = sqlparser::parser::Parser::parse_sql(&dialect, sql).expect("parses");
        tenant_placeholders(&stmts[0], &|c: &str| c == "org_id")
    }

    #[test]
    fn compared_and_inserted_tenant_columns() {
        assert_eq!(
            indices("SELECT * FROM t WHERE id = $1 AND t.org_id = $2"),
            vec![1]
        );
        assert_eq!(
            indices("INSERT INTO t (name, org_id) VALUES ($1, $2)"),
            vec![1]
        );
        assert!(indices("SELECT * FROM t WHERE id = $1").is_empty());
    }
}
