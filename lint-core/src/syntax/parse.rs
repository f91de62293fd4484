//! Parsing a Rust file with syn and lowering it; the syntax tree is dropped before returning.

use crate::model::RustFile;
use crate::span::Span;
use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The deepest syntax tree a file may hold, as bounded by [`nesting_bound`]. syn's parser, syn's
/// destructors, our lowering and the walks over the lowered tree all recurse once per level; the
/// engine's worker threads get a stack measured to hold this many levels (see
/// `engine::STACK_BYTES`). Real code stays well below it: the largest bound in the realcheck
/// corpora is about 1,100 (a 290-variant or-pattern in hyperswitch).
pub const MAX_NESTING: usize = 5000;

/// Parses and lowers `text`, or returns syn's message and where it points.
pub fn parse_rust(text: &str) -> Result<RustFile, (String, Span)> {
    // syn strips a byte-order mark and a shebang line itself, which would shift every offset;
    // blanking them keeps offsets equal to file offsets.
    let (prepared, shift) = prepare(text);
    let result = parse_prepared(prepared.as_deref().unwrap_or(&text[shift..]))
        .map(|file| {
            let lowered = crate::lower::lower_file(&file, text, shift);
            // syn's destructors recurse once per level too: drop here, on the measured stack.
            drop(file);
            lowered
        })
        .map_err(|(message, r)| {
            let start = (r.start + shift).min(text.len());
            let end = (r.end + shift).clamp(start, text.len());
            (message, Span::new(start, end.max(start)))
        });
    // proc-macro2 keeps every parsed file's line table for the thread's lifetime; we hold no
    // span past this point, so let it go.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

/// Lexes (proc-macro2's lexer and token destructor do not recurse), refuses a token stream whose
/// syntax tree could be deeper than [`MAX_NESTING`], then parses it with syn.
fn parse_prepared(body: &str) -> Result<syn::File, (String, std::ops::Range<usize>)> {
    let syn_error = |e: syn::Error| (e.to_string(), e.span().byte_range());
    let tokens: TokenStream = body.parse().map_err(|e: proc_macro2::LexError| {
        let at = e.span().byte_range();
        (syn::Error::from(e).to_string(), at)
    })?;
    if let Some(at) = deeper_than(&tokens, MAX_NESTING) {
        return Err((
            format!(
                "nesting deeper than {MAX_NESTING} levels (brackets, or operators and calls \
                 chained within one statement); the file was not analysed"
            ),
            at,
        ));
    }
    syn::parse2(tokens).map_err(syn_error)
}

/// Where the token stream first exceeds `limit` by [`nesting_bound`], if it does.
fn deeper_than(tokens: &TokenStream, limit: usize) -> Option<std::ops::Range<usize>> {
    let mut exceeded = None;
    nesting_bound(tokens, |bound, tt| {
        if bound > limit && exceeded.is_none() {
            exceeded = Some(match tt {
                TokenTree::Group(g) => g.span_open().byte_range(),
                other => other.span().byte_range(),
            });
        }
        exceeded.is_none()
    });
    exceeded
}

/// An upper bound on the depth of the syntax tree syn builds from `tokens`, reported at every
/// token to `at` (which returns false to stop the walk early).
///
/// Every level of a syntax tree consumes at least one token, and nodes separated by `,` or `;`
/// in one group are siblings, so the depth at a token is at most the number of tokens before it
/// in its group since the last separator, summed over the groups that enclose it, plus the
/// number of those groups. Two things that nest without brackets hold commas: generic arguments
/// (`A<B, C<D, ..>>`) and closure parameters (`|a, b| |c, d| ..`); a comma after an unclosed `<`
/// or `|` only goes back to the count at that `<` or `|`. A `}` followed by a token that cannot
/// continue an expression (an identifier other than `as`/`else`, a literal, `#`) also ends a
/// statement or item: without that, a file of many functions would count as one statement.
/// Iterative, with an explicit stack of open groups.
fn nesting_bound(tokens: &TokenStream, mut at: impl FnMut(usize, &TokenTree) -> bool) {
    struct Open {
        rest: proc_macro2::token_stream::IntoIter,
        /// Tokens counted in the group's current statement.
        count: usize,
        /// The count at each unclosed `<` (false) or `|` (true) of the statement.
        marks: Vec<(usize, bool)>,
        brace: bool,
    }
    impl Open {
        fn new(rest: TokenStream, brace: bool) -> Open {
            let rest = rest.into_iter();
            Open {
                rest,
                count: 0,
                marks: Vec::new(),
                brace,
            }
        }
        /// Goes back to the count at the innermost mark (or 0); returns how much was dropped.
        fn reset(&mut self, statement_ends: bool) -> usize {
            if statement_ends {
                self.marks.clear();
            }
            let to = self.marks.last().map_or(0, |m| m.0);
            std::mem::replace(&mut self.count, to) - to
        }
    }
    let mut stack = vec![Open::new(tokens.clone(), false)];
    // The sum of the counts on the stack.
    let mut counted = 0usize;
    // A brace group just closed: the next token decides whether the statement goes on.
    let mut after_brace = false;
    // The previous token was a `-` or `=` joined to the next one (`->`, `=>`).
    let mut arrow = false;
    // The previous token was the first `:` of a `::`.
    let mut path_sep = false;
    while let Some(open) = stack.last_mut() {
        let Some(tt) = open.rest.next() else {
            let closed = stack.pop().expect("the loop checked it");
            counted -= closed.count;
            after_brace = closed.brace;
            (arrow, path_sep) = (false, false);
            continue;
        };
        if after_brace && ends_statement(&tt) {
            counted -= open.reset(true);
        }
        after_brace = false;
        let punct = match &tt {
            TokenTree::Punct(p) => Some((p.as_char(), p.spacing() == proc_macro2::Spacing::Joint)),
            _ => None,
        };
        let was_arrow = std::mem::replace(&mut arrow, matches!(punct, Some(('-' | '=', true))));
        let was_path_sep = std::mem::replace(&mut path_sep, matches!(punct, Some((':', true))));
        match punct.map(|p| p.0) {
            Some(';') => {
                counted -= open.reset(true);
                continue;
            }
            Some(',') => {
                counted -= open.reset(false);
                continue;
            }
            Some('<') => open.marks.push((open.count, false)),
            Some('>') if !was_arrow && open.marks.last().is_some_and(|m| !m.1) => {
                open.marks.pop();
            }
            Some('|') if open.marks.last().is_some_and(|m| m.1) => {
                open.marks.pop();
            }
            Some('|') => open.marks.push((open.count, true)),
            // A path's segments are a flat list: `a::b::c` nests no deeper than `a`.
            Some(':') if punct.is_some_and(|p| p.1) || was_path_sep => continue,
            _ => {}
        }
        open.count += 1;
        counted += 1;
        if !at(counted + stack.len(), &tt) {
            return;
        }
        if let TokenTree::Group(g) = &tt {
            stack.push(Open::new(g.stream(), g.delimiter() == Delimiter::Brace));
        }
    }
}

/// Whether `tt`, right after a closed `{ .. }`, starts a new statement or item rather than
/// continuing an expression (`{ .. }.f()`, `if .. { .. } else`, `{ .. } as T`, `{ .. } + 1`).
fn ends_statement(tt: &TokenTree) -> bool {
    match tt {
        TokenTree::Ident(i) => i != "as" && i != "else",
        TokenTree::Literal(_) => true,
        TokenTree::Punct(p) => p.as_char() == '#',
        TokenTree::Group(_) => false,
    }
}

/// Returns a copy with a shebang blanked (if any) and the number of leading BOM bytes to skip.
fn prepare(text: &str) -> (Option<String>, usize) {
    let shift = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = &text[shift..];
    if body.starts_with("#!") && !body.starts_with("#![") {
        let end = body.find('\n').unwrap_or(body.len());
        let mut copy = String::with_capacity(body.len());
        copy.push_str(&" ".repeat(end));
        copy.push_str(&body[end..]);
        return (Some(copy), shift);
    }
    (None, shift)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::ExprKind;

    #[test]
    fn spans_are_file_byte_offsets() {
        let text = "\u{feff}// é\nfn f() { let x = \"é\"; g(x); }";
        let file = parse_rust(text).unwrap();
        let (call, _) = file.calls[0];
        assert_eq!(&text[file.expr(call).span.range()], "g(x)");
        assert!(matches!(file.expr(call).kind, ExprKind::Call { .. }));
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let (_, span) = parse_rust("fn f() {\n  let = ;\n}").unwrap_err();
        assert!(span.start > 8);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = MAX_NESTING / 2 - 10; // a bracket counts twice: a token and a group
        let text = format!("fn f() {{ {}1{} }}", "(".repeat(depth), ")".repeat(depth));
        let result = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || parse_rust(&text).is_ok())
            .unwrap()
            .join()
            .unwrap();
        assert!(result);
    }

    fn bound(text: &str) -> usize {
        let tokens: TokenStream = text.parse().unwrap();
        let mut max = 0;
        nesting_bound(&tokens, |b, _| {
            max = max.max(b);
            true
        });
        max
    }

    #[test]
    fn nesting_bound_counts_what_nests_and_resets_at_siblings() {
        let n = 100;
        // Each of these nests about `n` levels deep; the bound must reach at least that.
        for deep in [
            format!("type T = {}u8{};", "Vec<".repeat(n), ">".repeat(n)),
            format!("type T = {}u8{};", "HashMap<u8, ".repeat(n), ">".repeat(n)),
            format!("fn f() {{ let c = {}x; }}", "|a, b| ".repeat(n)),
            format!("fn f() {{ q{}; }}", ".m({})".repeat(n)),
            format!("fn f() {{ if a {{}} {}}}", "else if a {} ".repeat(n)),
            format!("fn f() {{ let x = {}1{}; }}", "(".repeat(n), ")".repeat(n)),
            format!("fn f() {{ let x = 1{}; }}", " + 1".repeat(n)),
        ] {
            assert!(bound(&deep) >= n, "{deep}");
        }
        // Siblings do not add up: items, statements, list elements, path segments.
        let many = "fn f() -> u8 { g(); h(); 1 }
"
        .repeat(n);
        assert!(bound(&many) < 20, "{}", bound(&many));
        let list = format!("const A: [u8; {n}] = [{}];", "1, ".repeat(n));
        assert!(bound(&list) < 10);
        let path = format!("use {}x;", "a::".repeat(n));
        assert!(bound(&path) < n + 10);
    }

    #[test]
    fn nesting_past_the_bound_is_a_parse_error_at_the_token() {
        let depth = MAX_NESTING + 10;
        let text = format!(
            "fn f() {{ let x = {}1{}; }}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let (message, span) = parse_rust(&text).unwrap_err();
        assert!(message.contains("nesting deeper than"), "{message}");
        assert_eq!(span.end - span.start, 1);
        let text = format!("fn f() {{ q{}; }}", "?".repeat(depth));
        assert!(parse_rust(&text).is_err());
    }
}
