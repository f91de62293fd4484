//! SARIF 2.1.0 as GitHub code scanning ingests it: every rule with its documentation, CWE tag,
//! precision and security severity; results with repository-relative locations, related
//! locations for secondary labels, line-independent fingerprints, and suppressions for findings
//! silenced in source or by the baseline. The log is built from `serde_sarif`'s types, which
//! are generated from the SARIF 2.1.0 schema, so a misspelt or misplaced member does not compile.

use super::CiContext;
use crate::baseline::finding_fingerprints;
use crate::diagnostic::{Diagnostic, Label, Severity, SuppressionKind};
use crate::engine::report::Report;
use crate::rule::{Level, RuleMeta};
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Location, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent,
};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Flagged code up to this size is embedded in the log, for viewers without the sources.
const MAX_SNIPPET_BYTES: usize = 2048;

pub fn render(report: &Report, cx: &CiContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let fingerprints = finding_fingerprints(&report.diagnostics);
    let results: Vec<SarifResult> = report
        .diagnostics
        .iter()
        .zip(&fingerprints)
        .map(|(d, fp)| result(d, fp, cx))
        .collect();
    let s = &report.summary;
    let driver = ToolComponent::builder()
        .name("cargo-tenantlint")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(cx.metas.iter().map(|m| rule(m)).collect::<Vec<_>>())
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .column_kind(json!("unicodeCodePoints"))
        .results(results)
        .properties(properties([
            ("errors", json!(s.errors)),
            ("warnings", json!(s.warnings)),
            ("notes", json!(s.notes)),
            ("suppressedInSource", json!(s.suppressed)),
            ("suppressedByBaseline", json!(s.baselined)),
            ("staleBaselineEntries", json!(s.stale_baseline)),
            ("outsideDiff", json!(s.outside_diff)),
        ]))
        .build();
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn properties<const N: usize>(entries: [(&str, serde_json::Value); N]) -> PropertyBag {
    PropertyBag {
        additional_properties: entries
            .into_iter()
            .map(|(key, value)| (key.to_string(), value))
            .collect(),
        ..Default::default()
    }
}

fn text(text: String) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

fn message(text: String) -> Message {
    Message {
        text: Some(text),
        ..Default::default()
    }
}

fn rule(meta: &RuleMeta) -> ReportingDescriptor {
    let mut tags = vec!["security".to_string(), meta.category.as_str().to_string()];
    if let Some(cwe) = meta.cwe {
        tags.push(format!("external/cwe/cwe-{cwe}"));
    }
    let doc = meta.doc_markdown();
    let mut properties = properties([
        ("precision", json!(meta.precision())),
        (
            "problem.severity",
            json!(problem_severity(meta.default_level())),
        ),
        ("security-severity", json!(meta.security_severity())),
    ]);
    properties.tags = Some(tags);
    ReportingDescriptor::builder()
        .id(meta.id)
        .name(pascal_case(meta.id))
        .short_description(text(capitalized_sentence(meta.summary)))
        .full_description(text(truncate(&super::what_it_does(meta), 1024)))
        .help(
            MultiformatMessageString::builder()
                .text(doc.clone())
                .markdown(doc)
                .build(),
        )
        .help_uri(meta.docs_url())
        .default_configuration(ReportingConfiguration {
            level: Some(json!(level(meta.default_level()))),
            ..Default::default()
        })
        .properties(properties)
        .build()
}

fn result(d: &Diagnostic, fingerprint: &str, cx: &CiContext<'_>) -> SarifResult {
    let mut text = sentence(&d.message);
    if let Some(help) = &d.help {
        text += &format!(" Help: {}", sentence(help));
    }
    let related: Vec<Location> = d
        .secondary
        .iter()
        .zip(0..)
        .map(|(label, id)| Location {
            id: Some(id),
            ..location(d, label, cx)
        })
        .collect();
    let mut result = SarifResult::builder()
        .rule_id(d.rule)
        .level(severity(d.severity))
        .message(message(text))
        .locations(vec![location(d, &d.primary, cx)])
        .partial_fingerprints(BTreeMap::from([(
            "primaryLocationLineHash".to_string(),
            fingerprint.to_string(),
        )]))
        .build();
    // The builder takes present values only; the members that may be absent are set after it.
    result.rule_index = cx.meta(d.rule).map(|(index, _)| index as i64);
    result.related_locations = (!related.is_empty()).then_some(related);
    result.suppressions = d.suppressed.as_ref().map(|s| {
        let kind = match s.kind {
            SuppressionKind::InSource => "inSource",
            SuppressionKind::Baseline => "external",
        };
        let mut suppression = Suppression::builder()
            .kind(json!(kind))
            .status(json!("accepted"))
            .build();
        suppression.justification = s.reason.clone();
        vec![suppression]
    });
    result
}

fn location(d: &Diagnostic, label: &Label, cx: &CiContext<'_>) -> Location {
    let start = d.file.line_col(label.span.start);
    let end = d.file.line_col(label.span.end);
    let snippet = d.file.slice(label.span);
    let region = Region {
        start_line: Some(start.line.into()),
        start_column: Some(start.column.into()),
        end_line: Some(end.line.into()),
        end_column: Some(end.column.into()),
        snippet: (!snippet.is_empty() && snippet.len() <= MAX_SNIPPET_BYTES).then(|| {
            ArtifactContent {
                text: Some(snippet.to_string()),
                ..Default::default()
            }
        }),
        ..Default::default()
    };
    Location {
        physical_location: Some(PhysicalLocation {
            artifact_location: Some(ArtifactLocation {
                uri: Some(uri_path(&cx.repo_path(d))),
                ..Default::default()
            }),
            region: Some(region),
            ..Default::default()
        }),
        message: (!label.message.is_empty()).then(|| message(sentence(&label.message))),
        ..Default::default()
    }
}

fn level(level: Level) -> ResultLevel {
    level.severity().map_or(ResultLevel::None, severity)
}

fn severity(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Note => ResultLevel::Note,
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
