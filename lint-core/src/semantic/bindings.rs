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

/// [`reaching_let`] in a function already looked up. Reads the function's let index (built
/// once at lowering), so a query costs the `let`s of that name at most, not the size of the
/// body.
pub fn reaching_let_in(file: &RustFile, f: &Function, name: &str, offset: u32) -> Option<ExprId> {
    // The shadowing test scans the function's rebinding patterns.
    file.work.charge(1 + f.lets.rebinds.len() as u64);
    let found = f.lets.last_named(name, offset, false)?;
    (!shadowed_by_pattern(file, f, name, found.span.end, offset)).then_some(found.init)?
}

/// Whether a closure parameter, `for` pattern, `if let` or match arm between the `let` (ending
/// at `after`) and the use at `offset` binds `name` again.
fn shadowed_by_pattern(file: &RustFile, f: &Function, name: &str, after: u32, offset: u32) -> bool {
    let covers = |scope: Span| scope.start > after && scope.start <= offset && offset < scope.end;
    f.lets.rebinds.iter().any(|(scope, pat)| {
        covers(*scope) && {
            let mut names = Vec::new();
            file.bindings(*pat, &mut names);
            names.iter().any(|(n, _)| n == name)
        }
    })
}

/// Calls `f(pattern, initializer, let span)` for every `let` in a block, nested blocks included,
/// in source order.
pub fn visit_lets(
    file: &RustFile,
    block: &Block,
    f: &mut dyn FnMut(PatId, Option<ExprId>, crate::span::Span),
) {
    file.visit_lets(block, f)
}

/// The value an `if let` / `while let` pattern that binds `name` destructures, for a use of
/// `name` at `offset` inside that branch (`if let Some(row) = load(id).await { row.. }`): the
/// innermost such pattern, with where its branch starts.
pub fn reaching_if_let(
    file: &RustFile,
    f: &Function,
    name: &str,
    offset: u32,
) -> Option<(ExprId, u32)> {
    let mut found: Option<(ExprId, u32)> = None;
    file.walk_block(&f.body, &mut |id| {
        let (cond, body) = match &file.expr(id).kind {
            ExprKind::If { cond, then, .. } => (*cond, then),
            ExprKind::Loop {
                pat: None,
                head: Some(cond),
                body,
            } => (*cond, body),
            _ => return,
        };
        let scope = body.span;
        if !(scope.start <= offset && offset < scope.end)
            || found.is_some_and(|(_, at)| at > scope.start)
        {
            return;
        }
        file.walk_expr(cond, &mut |c| {
            let ExprKind::Let { pat, expr } = &file.expr(c).kind else {
                return;
            };
            let mut names = Vec::new();
            file.bindings(*pat, &mut names);
            if names.iter().any(|(n, _)| n == name) {
                found = Some((*expr, scope.start));
            }
        });
    });
    found
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

    /// The name index answers as a scan of every `let` in order would, at every offset, when
    /// the `let`s of a name end in order (bisection) and when they do not (a `let` inside the
    /// `else` block of a `let .. else` ends before it).
    #[test]
    fn the_name_index_agrees_with_a_scan_of_every_let() {
        let text = r#"
fn f() {
    let x = 1;
    let x = { let x = 5; x + 1 };
    let y: u8 = 7 else { let y = 8; let x: u16 = 9; return; };
    let x = x + y;
    if c { let y = 2; }
    let y = y;
}
"#;
        let rust = crate::parse::parse_rust(text).unwrap();
        let f = rust.function(rust.function_at(text.find("let").unwrap() as u32).unwrap());
        for name in ["x", "y", "z"] {
            for typed in [false, true] {
                for offset in 0..=text.len() as u32 {
                    let scan = f.lets.lets.iter().rev().find(|l| {
                        l.span.end <= offset
                            && (!typed || l.ty.is_some())
                            && matches!(&rust.pat(l.pat).kind, PatKind::Ident { name: n, .. } if n == name)
                    });
                    let indexed = f.lets.last_named(name, offset, typed);
                    assert_eq!(
                        scan.map(|l| l.span),
                        indexed.map(|l| l.span),
                        "{name} typed={typed} at {offset}"
                    );
                }
            }
        }
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
