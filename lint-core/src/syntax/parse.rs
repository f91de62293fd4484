//! Parsing a Rust file with syn and lowering it; the syntax tree is dropped before returning.

use crate::model::RustFile;
use crate::span::Span;

/// Parses and lowers `text`, or returns syn's message and where it points.
pub fn parse_rust(text: &str) -> Result<RustFile, (String, Span)> {
    // syn strips a byte-order mark and a shebang line itself, which would shift every offset;
    // blanking them keeps offsets equal to file offsets.
    let (prepared, shift) = prepare(text);
    let result = match syn::parse_file(prepared.as_deref().unwrap_or(&text[shift..])) {
        Ok(file) => Ok(crate::lower::lower_file(&file, text, shift)),
        Err(e) => {
            let r = e.span().byte_range();
            let start = (r.start + shift).min(text.len());
            let end = (r.end + shift).clamp(start, text.len());
            Err((e.to_string(), Span::new(start, end.max(start))))
        }
    };
    // proc-macro2 keeps every parsed file's line table for the thread's lifetime; we hold no
    // span past this point, so let it go.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
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
        let depth = 3000;
        let text = format!("fn f() {{ {}1{} }}", "(".repeat(depth), ")".repeat(depth));
        let result = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || parse_rust(&text).is_ok())
            .unwrap()
            .join()
            .unwrap();
        assert!(result);
    }
}
