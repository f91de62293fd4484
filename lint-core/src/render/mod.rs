//! Renderers, one per output format. Each takes the finished report and writes it out.

pub mod docs;
pub mod human;
pub mod json;

use crate::diagnostic::Diagnostic;

/// 1-based start and end line/column of a diagnostic's primary span.
pub(crate) fn positions(d: &Diagnostic) -> (u32, u32, u32, u32) {
    let start = d.location();
    let end = d.end_location();
    (start.line, start.column, end.line, end.column)
}
