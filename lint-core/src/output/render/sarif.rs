//! SARIF 2.1.0 as GitHub code scanning ingests it: every rule with its documentation, CWE tag,
//! precision and security severity; results with repository-relative locations, related
//! locations for secondary labels, line-independent fingerprints, and suppressions for findings
//! silenced in source or by the baseline.

use super::CiContext;
use crate::baseline::finding_fingerprints;
use crate::diagnostic::{Diagnostic, Label, Severity, SuppressionKind};
use crate::engine::Report;
use crate::rule::{Level, RuleMeta};
use serde_json::{json, Value};
use std::io::{self, Write};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Flagged code up to this size is embedded in the log, for viewers without the sources.
const MAX_SNIPPET_BYTES: usize = 2048;

pub fn render(report: &Report, cx: &CiContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let fingerprints = finding_fingerprints(&report.diagnostics);
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .zip(&fingerprints)
        .map(|(d, fp)| result(d, fp, cx))
        .collect();
    let s = &report.summary;
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cargo-tenantlint",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": cx.metas.iter().map(|m| rule(m)).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "errors": s.errors,
                "warnings": s.warnings,
                "notes": s.notes,
                "suppressedInSource": s.suppressed,
                "suppressedByBaseline": s.baselined,
                "staleBaselineEntries": s.stale_baseline,
                "outsideDiff": s.outside_diff,
            }
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn rule(meta: &RuleMeta) -> Value {
    let mut tags = vec![json!("security"), json!(meta.category.as_str())];
    if let Some(cwe) = meta.cwe {
        tags.push(json!(format!("external/cwe/cwe-{cwe}")));
    }
    let doc = meta.doc_markdown();
    json!({
        "id": meta.id,
        "name": pascal_case(meta.id),
        "shortDescription": { "text": capitalized_sentence(meta.summary) },
        "fullDescription": { "text": truncate(&super::what_it_does(meta), 1024) },
        "help": { "text": doc, "markdown": doc },
        "helpUri": meta.docs_url(),
        "defaultConfiguration": { "level": level(meta.default_level()) },
        "properties": {
            "tags": tags,
            "precision": meta.precision(),
            "problem.severity": problem_severity(meta.default_level()),
            "security-severity": meta.security_severity(),
        }
    })
}

fn result(d: &Diagnostic, fingerprint: &str, cx: &CiContext<'_>) -> Value {
    let mut text = sentence(&d.message);
    if let Some(help) = &d.help {
        text += &format!(" Help: {}", sentence(help));
    }
    let mut result = json!({
        "ruleId": d.rule,
        "level": severity(d.severity),
        "message": { "text": text },
        "locations": [location(d, &d.primary, cx)],
        "partialFingerprints": { "primaryLocationLineHash": fingerprint },
    });
    if let Some((index, _)) = cx.meta(d.rule) {
        result["ruleIndex"] = json!(index);
    }
    if !d.secondary.is_empty() {
        result["relatedLocations"] = d
            .secondary
            .iter()
            .enumerate()
            .map(|(id, label)| {
                let mut related = location(d, label, cx);
                related["id"] = json!(id);
                related
            })
            .collect();
    }
    if let Some(s) = &d.suppressed {
        let mut suppression = json!({
            "kind": match s.kind {
                SuppressionKind::InSource => "inSource",
                SuppressionKind::Baseline => "external",
            },
            "status": "accepted",
        });
        if let Some(reason) = &s.reason {
            suppression["justification"] = json!(reason);
        }
        result["suppressions"] = json!([suppression]);
    }
    result
}

fn location(d: &Diagnostic, label: &Label, cx: &CiContext<'_>) -> Value {
    let start = d.file.line_col(label.span.start);
    let end = d.file.line_col(label.span.end);
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri_path(&cx.repo_path(d)) },
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            }
        }
    });
    let snippet = d.file.slice(label.span);
    if !snippet.is_empty() && snippet.len() <= MAX_SNIPPET_BYTES {
        location["physicalLocation"]["region"]["snippet"] = json!({ "text": snippet });
    }
    if !label.message.is_empty() {
        location["message"] = json!({ "text": sentence(&label.message) });
    }
    location
}

fn level(level: Level) -> &'static str {
    level.severity().map_or("none", severity)
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn problem_severity(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Note | Level::Allow => "recommendation",
    }
}

/// `tenant-setting-not-local` → `TenantSettingNotLocal`, the conventional SARIF rule name.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// SARIF messages end with a period. Identifiers that open a message keep their case.
fn sentence(text: &str) -> String {
    let mut out = text.trim().to_string();
    if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

fn capitalized_sentence(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(first) => sentence(&first.to_uppercase().chain(c).collect::<String>()),
        None => String::new(),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars.saturating_sub(1)) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// A relative URI reference: each path segment percent-encoded where URIs require it.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
        let mut out = Vec::new();
        render(&canned_report(), &cx, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let text = text.replace(env!("CARGO_PKG_VERSION"), "[version]");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn encodes_paths_and_writes_sentences() {
        assert_eq!(uri_path("src/a b%.rs"), "src/a%20b%25.rs");
        assert_eq!(sentence("no period"), "no period.");
        assert_eq!(sentence("done."), "done.");
        assert_eq!(capitalized_sentence("a summary"), "A summary.");
        assert_eq!(
            pascal_case("tenant-setting-not-local"),
            "TenantSettingNotLocal"
        );
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
