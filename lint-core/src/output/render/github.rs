//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per
//! finding, most severe first because GitHub keeps only 10 of each kind per step, then the
//! summary line. The full list also goes to the step summary as a Markdown table.

use super::CiContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Report;
use std::io::{self, Write};

/// GitHub keeps this many error, warning and notice annotations per step and drops the rest.
const ANNOTATIONS_SHOWN: usize = 10;

/// GitHub refuses a step summary above 1 MiB; the table stops short of it.
const STEP_SUMMARY_BUDGET: usize = 1000 * 1024;

pub fn render(report: &Report, cx: &CiContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in by_severity(report) {
        writeln!(out, "{}", command(d, cx))?;
    }
    let s = &report.summary;
    if s.errors > ANNOTATIONS_SHOWN || s.warnings > ANNOTATIONS_SHOWN || s.notes > ANNOTATIONS_SHOWN
    {
        writeln!(
            out,
            "GitHub shows {ANNOTATIONS_SHOWN} annotations of each kind per step: every finding is listed above and in the job summary."
        )?;
    }
    writeln!(out, "{}", super::human::summary_line(report))
}

/// The findings nothing suppressed, errors first, each kind in report order.
fn by_severity(report: &Report) -> Vec<&Diagnostic> {
    let mut list: Vec<&Diagnostic> = report.active().collect();
    list.sort_by_key(|d| std::cmp::Reverse(d.severity));
    list
}

fn command(d: &Diagnostic, cx: &CiContext<'_>) -> String {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let (line, col, end_line, end_col) = super::positions(d);
    let mut props = vec![
        format!("file={}", escape_property(&cx.repo_path(d))),
        format!("line={line}"),
        format!("endLine={end_line}"),
    ];
    // GitHub only uses columns on single-line annotations.
    if line == end_line {
        props.push(format!("col={col}"));
        props.push(format!("endColumn={end_col}"));
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("tenantlint({})", d.rule))
    ));
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message += &format!("\nhelp: {help}");
    }
    format!("::{kind} {}::{}", props.join(","), escape_data(&message))
}

/// The actions toolkit's `escapeData`, after escaping the control characters that would reach
/// the log viewer.
fn escape_data(s: &str) -> String {
    let encoded = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    super::escape_control(&encoded).into_owned()
}

/// The actions toolkit's `escapeProperty`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown appended to `$GITHUB_STEP_SUMMARY`: the summary line and every finding.
pub fn step_summary(report: &Report, cx: &CiContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut text = format!(
        "### cargo-tenantlint\n\n{}\n\n",
        super::human::summary_line(report)
    );
    let findings = by_severity(report);
    if !findings.is_empty() {
        text += "| severity | rule | location | message |\n|---|---|---|---|\n";
        for (shown, d) in findings.iter().enumerate() {
            let row = format!(
                "| {} | `{}` | `{}:{}` | {} |\n",
                d.severity.as_str(),
                d.rule,
                cx.repo_path(d).replace('`', "'"),
                d.location().line,
                table_cell(&d.message)
            );
            if text.len() + row.len() > STEP_SUMMARY_BUDGET {
                text += &format!(
                    "\n{} more findings are in the log.\n",
                    findings.len() - shown
                );
                break;
            }
            text += &row;
        }
    }
    out.write_all(text.as_bytes())
}

fn table_cell(s: &str) -> String {
    super::escape_control(&s.replace(['\r', '\n'], " ")).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{canned_metas, canned_report};

    #[test]
    fn snapshot() {
        let metas = canned_metas();
        let cx = CiContext {
            metas: &metas,
            repo_prefix: "services/api/".into(),
        };
        let report = canned_report();
        let mut out = Vec::new();
        render(&report, &cx, &mut out).unwrap();
        out.extend_from_slice(b"----- step summary -----\n");
        step_summary(&report, &cx, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        insta::assert_snapshot!(text.replace("0.00s", "[elapsed]"));
    }

    #[test]
    fn errors_come_first_and_the_annotation_cap_is_explained() {
        let metas = canned_metas();
        let cx = CiContext {
            metas: &metas,
            repo_prefix: String::new(),
        };
        let mut report = canned_report();
        let error = report
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error && !d.is_suppressed())
            .unwrap()
            .clone();
        report.diagnostics.extend(std::iter::repeat_n(error, 11));
        report.recount();
        let mut out = Vec::new();
        render(&report, &cx, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let kinds: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("::")?.split(' ').next())
            .collect();
        assert_eq!(kinds.len(), 14);
        assert!(kinds[..12].iter().all(|k| *k == "error"), "{kinds:?}");
        assert_eq!(kinds[12..], ["warning", "notice"]);
        assert!(text.contains("GitHub shows 10 annotations of each kind per step"));
    }

    #[test]
    fn escapes_like_the_toolkit() {
        assert_eq!(escape_data("50%\r\nx:y,z"), "50%25%0D%0Ax:y,z");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(escape_data("\u{1b}[2J"), "\\x1b[2J");
    }
}
