//! Small intra-procedural def-use queries over a function's lowered body.

use crate::ir::*;
use crate::model::RustFile;

/// The initializer of the last `let` binding `name` that comes before `offset` in the function,
/// looking through destructuring only for plain identifier patterns.
pub fn reaching_let(file: &RustFile, function: FnId, name: &str, offset: u32) -> Option<ExprId> {
    let mut found = None;
    visit_lets(
        file,
        &file.function(function).body,
        &mut |pat, init, span| {
            if span.start < offset {
                if let PatKind::Ident { name: n, .. } = &file.pat(pat).kind {
                    if n == name {
                        found = init;
                    }
                }
            }
        },
    );
    found
}

/// Calls `f(pattern, initializer, let span)` for every `let` in a block, nested blocks included,
/// in source order.
pub fn visit_lets(
    file: &RustFile,
    block: &Block,
    f: &mut dyn FnMut(PatId, Option<ExprId>, crate::span::Span),
) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Let {
                pat,
                init,
                otherwise,
                span,
                ..
            } => {
                if let Some(init) = init {
                    visit_nested_lets(file, *init, f);
                }
                f(*pat, *init, *span);
                if let Some(o) = otherwise {
                    visit_lets(file, o, f);
                }
            }
            Stmt::Expr { expr, .. } => visit_nested_lets(file, *expr, f),
            Stmt::Item => {}
        }
    }
}

fn visit_nested_lets(
    file: &RustFile,
    root: ExprId,
    f: &mut dyn FnMut(PatId, Option<ExprId>, crate::span::Span),
) {
    file.walk_expr(root, &mut |id| {
        let e = file.expr(id);
        let blocks: Vec<&Block> = match &e.kind {
            ExprKind::Block(b) => vec![b],
            ExprKind::If { then, .. } => vec![then],
            ExprKind::Loop { body, .. } => vec![body],
            ExprKind::Macro(MacroCall {
                args: MacroArgs::Stmts(b),
                ..
            }) => vec![b],
            _ => vec![],
        };
        for b in blocks {
            for stmt in &b.stmts {
                if let Stmt::Let {
                    pat, init, span, ..
                } = stmt
                {
                    f(*pat, *init, *span);
                }
            }
        }
    });
}
