//! Small intra-procedural def-use queries over a function's lowered body.

use crate::ir::*;
use crate::model::RustFile;
use crate::span::Span;

/// The initializer of the `let name = ..` whose value a use of `name` at `offset` sees: the
/// last such `let` that ends before the use (so `let x = x + 1` reads the earlier `x`), unless a
/// closure parameter, `for` pattern, `if let` or match arm in between binds `name` again. A
/// `let` without initializer, or a destructuring one, gives `None`.
pub fn reaching_let(file: &RustFile, function: FnId, name: &str, offset: u32) -> Option<ExprId> {
    reaching_let_in(file, file.function(function), name, offset)
}

/// [`reaching_let`] in a function already looked up.
pub fn reaching_let_in(file: &RustFile, f: &Function, name: &str, offset: u32) -> Option<ExprId> {
    let mut found = None;
    visit_lets(file, &f.body, &mut |pat, init, span| {
        if span.end <= offset {
            if let PatKind::Ident { name: n, .. } = &file.pat(pat).kind {
                if n == name {
                    found = Some((init, span.end));
                }
            }
        }
    });
    let (init, let_end) = found?;
    (!shadowed_by_pattern(file, f, name, let_end, offset)).then_some(init)?
}

/// Whether a closure parameter, `for` pattern, `if let` or match arm between the `let` (ending
/// at `after`) and the use at `offset` binds `name` again.
fn shadowed_by_pattern(file: &RustFile, f: &Function, name: &str, after: u32, offset: u32) -> bool {
    let mut shadowed = false;
    let binds = |pat: PatId| {
        let mut names = Vec::new();
        file.bindings(pat, &mut names);
        names.iter().any(|(n, _)| n == name)
    };
    let covers = |scope: Span| scope.start > after && scope.start <= offset && offset < scope.end;
    file.walk_block(&f.body, &mut |id| match &file.expr(id).kind {
        ExprKind::Closure { params, body } => {
            shadowed |= covers(file.expr(*body).span) && params.iter().any(|p| binds(*p))
        }
        ExprKind::Loop {
            pat: Some(pat),
            body,
            ..
        } => shadowed |= covers(body.span) && binds(*pat),
        ExprKind::Match { arms, .. } => {
            shadowed |= arms
                .iter()
                .any(|a| covers(file.expr(a.body).span) && binds(a.pat))
        }
        ExprKind::If { cond, then, .. } if covers(then.span) => {
            file.walk_expr(*cond, &mut |c| {
                if let ExprKind::Let { pat, .. } = &file.expr(c).kind {
                    shadowed |= binds(*pat);
                }
            });
        }
        _ => {}
    });
    shadowed
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The initializer text that a use of `name` at the `marker` comment sees.
    fn sees(text: &str, name: &str, marker: &str) -> Option<String> {
        let rust = crate::parse::parse_rust(text).unwrap();
        let offset = text.find(marker).unwrap() as u32;
        let function = rust.function_at(offset).unwrap();
        reaching_let(&rust, function, name, offset)
            .map(|init| text[rust.expr(init).span.range()].to_string())
    }

    #[test]
    fn the_last_let_before_the_use_unless_rebound() {
        let text = r#"
fn f(items: Vec<u32>) {
    let x = 1;
    let x = x + 1; /*own*/
    use_it(x); /*after*/
    items.iter().map(|x| { use_it(x /*closure*/) });
    for x in items { use_it(x /*loop*/); }
    if let Some(x) = maybe() { use_it(x /*iflet*/); }
    match maybe() { Some(x) => use_it(x /*arm*/), None => {} }
    let (x, y) = pair();
    use_it(x /*tuple*/);
}
"#;
        assert_eq!(sees(text, "x", "/*own*/").as_deref(), Some("x + 1"));
        assert_eq!(sees(text, "x", "x + 1").as_deref(), Some("1"));
        assert_eq!(sees(text, "x", "/*after*/").as_deref(), Some("x + 1"));
        assert_eq!(sees(text, "x", "/*closure*/"), None);
        assert_eq!(sees(text, "x", "/*loop*/"), None);
        assert_eq!(sees(text, "x", "/*iflet*/"), None);
        assert_eq!(sees(text, "x", "/*arm*/"), None);
        assert_eq!(sees(text, "x", "/*tuple*/").as_deref(), Some("x + 1"));
        assert_eq!(sees(text, "y", "/*tuple*/"), None);
    }
}
