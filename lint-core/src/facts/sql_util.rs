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
