//! The stable JSON format, version 1. Documented in `docs/output.md`; fields are only ever added.

use crate::diagnostic::{Diagnostic, Suppressed};
use crate::engine::{Report, Summary};
use serde::Serialize;
use std::io::{self, Write};

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    tool: Tool,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    /// Findings silenced inline or by the baseline; they never fail a run.
    suppressed: Vec<JsonDiagnostic<'a>>,
    summary: &'a Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub rule: &'a str,
    pub severity: &'a str,
    pub message: &'a str,
    pub file: &'a str,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub help: Option<&'a str>,
    pub docs_url: String,
    pub labels: Vec<JsonLabel<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<&'a Suppressed>,
}

#[derive(Serialize)]
pub struct JsonLabel<'a> {
    pub message: &'a str,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

pub fn diagnostic(d: &Diagnostic) -> JsonDiagnostic<'_> {
    let (line, column, end_line, end_column) = super::positions(d);
    JsonDiagnostic {
        rule: d.rule,
        severity: d.severity.as_str(),
        message: &d.message,
        file: &d.file.rel_path,
        line,
        column,
        end_line,
        end_column,
        help: d.help.as_deref(),
        docs_url: crate::diagnostic::docs_url(d.rule),
        labels: d
            .secondary
            .iter()
            .map(|l| {
                let s = d.file.line_col(l.span.start);
                let e = d.file.line_col(l.span.end);
                JsonLabel {
                    message: &l.message,
                    line: s.line,
                    column: s.column,
                    end_line: e.line,
                    end_column: e.column,
                }
            })
            .collect(),
        suppression: d.suppressed.as_ref(),
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let output = Output {
        version: VERSION,
        tool: Tool {
            name: "cargo-tenantlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        diagnostics: report.active().map(diagnostic).collect(),
        suppressed: report
            .diagnostics
            .iter()
            .filter(|d| d.is_suppressed())
            .map(diagnostic)
            .collect(),
        summary: &report.summary,
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}
