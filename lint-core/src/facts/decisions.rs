//! Which calls decide whether a function goes on: an authorization or signature check whose
//! "no" makes the function stop (`if !allowed { return Err(..) }`, `verify(..)?`, a `match`
//! with an arm that returns an error) or is handed back to the caller (the function's result).
//! A check whose answer is dropped (`let _ = enforce(..)`, only logged) decides nothing.

use crate::ir::*;
use crate::knowledge::http::authz::Denial;
use crate::model::RustFile;
use crate::semantic::macros::ReturningMacros;
use std::collections::{HashMap, HashSet};

/// The calls among those `decision` recognizes whose denial stops `function` or is its result.
pub fn deciding_calls(
    file: &RustFile,
    function: &Function,
    macros: &ReturningMacros,
    decision: &dyn Fn(ExprId) -> Option<Denial>,
) -> HashSet<ExprId> {
    decided(file, function, macros, decision, true)
}

/// The calls among those `decision` recognizes whose answer picks a branch that stops
/// `function` (`if !allowed(..) { return .. }`, a `match` arm, `ensure!`): a call whose
/// error is only propagated with `?`, or whose value is the function's result, may fail for
/// reasons that say nothing about the caller, so it is not one.
pub fn branching_calls(
    file: &RustFile,
    function: &Function,
    macros: &ReturningMacros,
    decision: &dyn Fn(ExprId) -> Option<Denial>,
) -> HashSet<ExprId> {
    decided(file, function, macros, decision, false)
}

fn decided(
    file: &RustFile,
    function: &Function,
    macros: &ReturningMacros,
    decision: &dyn Fn(ExprId) -> Option<Denial>,
    results_decide: bool,
) -> HashSet<ExprId> {
    let body = &function.body;
    let mut bound: HashMap<String, Vec<ExprId>> = HashMap::new();
    for site in &function.lets.lets {
        let Some(init) = site.init else { continue };
        let mut calls = Vec::new();
        decisions_in(file, init, decision, &bound, &mut calls);
        if calls.is_empty() {
            continue;
        }
        let mut names = Vec::new();
        file.bindings(site.pat, &mut names);
        for (name, _) in names {
            bound.entry(name).or_default().extend(&calls);
        }
    }
    let mut out = HashSet::new();
    let mark = |e: ExprId, only: Option<Denial>, out: &mut HashSet<ExprId>| {
        let mut calls = Vec::new();
        decisions_in(file, e, decision, &bound, &mut calls);
        out.extend(
            calls
                .into_iter()
                .filter(|c| only.is_none_or(|d| decision(*c) == Some(d))),
        );
    };
    if let Some(Stmt::Expr { expr, semi: false }) = body.stmts.last().filter(|_| results_decide) {
        mark(*expr, None, &mut out);
    }
    file.walk_block(body, &mut |id| match &file.expr(id).kind {
        ExprKind::If {
            cond,
            then,
            otherwise,
        } if stops(file, macros, then)
            || otherwise.is_some_and(|o| stops_expr(file, macros, o)) =>
        {
            mark(*cond, None, &mut out)
        }
        ExprKind::Match { scrutinee, arms }
            if arms.iter().any(|a| stops_expr(file, macros, a.body)) =>
        {
            mark(*scrutinee, None, &mut out)
        }
        ExprKind::Macro(MacroCall {
            path,
            args: MacroArgs::List(args),
            ..
        }) if matches!(path.last(), "ensure" | "assert") => {
            if let Some(first) = args.first() {
                mark(first.expr, None, &mut out);
            }
        }
        // `authorize(..)?`: the error is the denial.
        ExprKind::Try(inner) if results_decide => mark(*inner, Some(Denial::Err), &mut out),
        ExprKind::Return(Some(value)) if results_decide => mark(*value, None, &mut out),
        _ => {}
    });
    out
}

/// The `==` and `!=` comparisons of `function` whose answer decides whether it goes on, each
/// read as a check that denies by `denial`: `Denial::Err` also counts one inside a call whose
/// error stops the function (`when(a != b, || Err(..))?`).
pub fn deciding_comparisons(
    file: &RustFile,
    function: &Function,
    macros: &ReturningMacros,
    denial: Denial,
) -> HashSet<ExprId> {
    let comparison = |id: ExprId| match &file.expr(id).kind {
        ExprKind::Binary {
            op: BinOp::Eq | BinOp::Ne,
            ..
        } => Some(denial),
        _ => None,
    };
    deciding_calls(file, function, macros, &comparison)
}

/// The deciding calls an expression contains, or reads through a binding.
fn decisions_in(
    file: &RustFile,
    root: ExprId,
    decision: &dyn Fn(ExprId) -> Option<Denial>,
    bound: &HashMap<String, Vec<ExprId>>,
    out: &mut Vec<ExprId>,
) {
    file.walk_expr(root, &mut |id| {
        if decision(id).is_some() {
            out.push(id);
        }
        if let ExprKind::Path(p) = &file.expr(id).kind {
            if let [name] = p.segments.as_slice() {
                out.extend(bound.get(name).into_iter().flatten());
            }
        }
    });
}

/// Whether a block stops the function: it returns, panics or bails (also through a workspace
/// macro that returns), or its value is an error.
pub fn stops(file: &RustFile, macros: &ReturningMacros, block: &Block) -> bool {
    let mut found = false;
    file.walk_block(block, &mut |id| found |= leaves(file, macros, id));
    found
        || matches!(block.stmts.last(), Some(Stmt::Expr { expr, semi: false }) if is_error(file, *expr))
}

/// [`stops`] for an expression (an `else` branch, a `match` arm).
pub fn stops_expr(file: &RustFile, macros: &ReturningMacros, root: ExprId) -> bool {
    let mut found = false;
    file.walk_expr(root, &mut |id| found |= leaves(file, macros, id));
    found || is_error(file, root)
}

fn leaves(file: &RustFile, macros: &ReturningMacros, id: ExprId) -> bool {
    match &file.expr(id).kind {
        ExprKind::Return(_) => true,
        ExprKind::Try(inner) => is_error(file, *inner),
        ExprKind::Macro(m) => {
            matches!(m.path.last(), "bail" | "panic" | "unreachable")
                || macros.contains(m.path.last())
        }
        _ => false,
    }
}

/// `Err(..)`, or a request guard's failure (`Outcome::Error(..)`, `Outcome::Forward(..)`), as
/// the value of a block or an arm.
fn is_error(file: &RustFile, id: ExprId) -> bool {
    match &file.expr(id).kind {
        ExprKind::Call { func, .. } => matches!(&file.expr(*func).kind,
            ExprKind::Path(p) if p.is_ident("Err")
                || (p.segments.len() > 1 && matches!(p.last(), "Error" | "Forward" | "Failure"))),
        ExprKind::Block(b) => {
            matches!(b.stmts.last(), Some(Stmt::Expr { expr, semi: false }) if is_error(file, *expr))
        }
        _ => false,
    }
}
