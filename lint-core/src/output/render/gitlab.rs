//! GitLab Code Quality (`artifacts: reports: codequality:`): a JSON array of issues, each with
//! a fingerprint unique in the report and stable when unrelated lines move.

use super::CiContext;
use crate::baseline::finding_fingerprints;
use crate::diagnostic::Severity;
use crate::engine::Report;
use serde_json::{json, Value};
use std::io::{self, Write};

pub fn render(report: &Report, cx: &CiContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let fingerprints = finding_fingerprints(&report.diagnostics);
    let issues: Vec<Value> = report
        .diagnostics
        .iter()
        .zip(fingerprints)
        // GitLab has no notion of a suppressed issue: it would show as open.
        .filter(|(d, _)| !d.is_suppressed())
        .map(|(d, fingerprint)| {
            let (line, _, end_line, _) = super::positions(d);
            let mut description = d.message.clone();
            if let Some(help) = &d.help {
                description += &format!(" (help: {help})");
            }
            json!({
                "type": "issue",
                "description": description,
                "check_name": d.rule,
                "categories": ["Security"],
                "fingerprint": fingerprint,
                "severity": match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Note => "info",
                },
                "location": {
                    "path": cx.repo_path(d),
                    "lines": { "begin": line, "end": end_line },
                },
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
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
            repo_prefix: String::new(),
        };
        let mut out = Vec::new();
        render(&canned_report(), &cx, &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }
}
