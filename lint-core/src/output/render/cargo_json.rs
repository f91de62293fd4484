//! Cargo's `--message-format=json` lines: one `compiler-message` per finding, then
//! `build-finished`. rust-analyzer's `check.overrideCommand` reads exactly this, so findings
//! show in the editor (docs/ci.md has the setup). Built by hand rather than from
//! `cargo_metadata`'s message types: those drop `manifest_path` and `$message_type`, which cargo
//! and rustc write and editors other than rust-analyzer read.

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::engine::report::Report;
use serde_json::{json, Value};
use std::io::{self, Write};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let root = report.root.to_string_lossy();
    // Cargo's messages name the package and target they come from; the findings belong to the
    // workspace as a whole, which this synthetic package stands for.
    let package_id = format!(
        "path+file://{root}#cargo-tenantlint@{}",
        env!("CARGO_PKG_VERSION")
    );
    let target = json!({
        "kind": ["lib"],
        "crate_types": ["lib"],
        "name": "cargo-tenantlint",
        "src_path": report.root.join("Cargo.toml"),
        "edition": "2021",
        "doc": false,
        "doctest": false,
        "test": false,
    });
    for d in report.active() {
        let line = json!({
            "reason": "compiler-message",
            "package_id": package_id,
            "manifest_path": report.root.join("Cargo.toml"),
            "target": target,
            "message": message(d),
        });
        serde_json::to_writer(&mut *out, &line)?;
        writeln!(out)?;
    }
    let finished = json!({ "reason": "build-finished", "success": !report.has_errors() });
    serde_json::to_writer(&mut *out, &finished)?;
    writeln!(out)
}

/// A rustc diagnostic.
fn message(d: &Diagnostic) -> Value {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let mut spans = vec![span(d, &d.primary, true)];
    spans.extend(d.secondary.iter().map(|l| span(d, l, false)));
    let children: Vec<Value> = d
        .help
        .iter()
        .map(|help| {
            json!({
                "$message_type": "diagnostic",
                "message": help,
                "code": null,
                "level": "help",
                "spans": [],
                "children": [],
                "rendered": null,
            })
        })
        .collect();
    let start = d.location();
    let mut rendered = format!(
        "{level}[{}]: {}\n --> {}:{}:{}\n",
        d.rule, d.message, d.file.rel_path, start.line, start.column
    );
    if let Some(help) = &d.help {
        rendered += &format!("  = help: {help}\n");
    }
    json!({
        "$message_type": "diagnostic",
        "message": d.message,
        "code": { "code": d.rule, "explanation": null },
        "level": level,
        "spans": spans,
        "children": children,
        "rendered": rendered,
    })
}

fn span(d: &Diagnostic, label: &Label, primary: bool) -> Value {
    let start = d.file.line_col(label.span.start);
    let end = d.file.line_col(label.span.end);
    let text: Vec<Value> = (start.line..=end.line.max(start.line))
        .map(|line| {
            let text = d.file.line_text(line);
            let from = if line == start.line { start.column } else { 1 };
            let to = if line == end.line {
                end.column
            } else {
                text.chars().count() as u32 + 1
            };
            json!({ "text": text, "highlight_start": from, "highlight_end": to })
        })
        .collect();
    json!({
        "file_name": d.file.rel_path,
        "byte_start": label.span.start,
        "byte_end": label.span.end,
        "line_start": start.line,
        "line_end": end.line,
        "column_start": start.column,
        "column_end": end.column,
        "is_primary": primary,
        "text": text,
        "label": Some(label.message.as_str()).filter(|m| !m.is_empty()),
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::canned_report;

    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        render(&canned_report(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        // One JSON document per line, as cargo prints them.
        for line in text.lines() {
            serde_json::from_str::<Value>(line).unwrap();
        }
        insta::assert_snapshot!(text.replace(env!("CARGO_PKG_VERSION"), "[version]"));
    }
}
