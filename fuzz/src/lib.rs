//! What the fuzz targets share: lint in-memory files with every rule, render the report, and
//! check that every diagnostic points inside its file.

use lint_core::config::Config;
use lint_core::engine::{self, Report};
use lint_core::render;
use std::path::PathBuf;

/// A root no test machine has, so `query_file!` paths resolve to nothing.
const ROOT: &str = "/nonexistent/tenantlint-fuzz";

/// A schema with tenant tables, a global table and row-level security, for the SQL rules.
pub const MIGRATION: &str = "\
CREATE TABLE tenants (id UUID PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE plans (id SERIAL PRIMARY KEY, name TEXT);
CREATE TABLE documents (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    title TEXT,
    body TEXT
);
CREATE TABLE invitations (id UUID PRIMARY KEY, tenant_id UUID NOT NULL, email TEXT);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON documents
    USING (tenant_id = current_setting('app.tenant_id')::uuid);
";

/// Lints `files` (paths relative to the fuzz root, texts) with every rule and the default
/// configuration, renders the report as human text and JSON, and panics if a diagnostic's
/// span leaves its file or splits a character.
pub fn lint(files: Vec<(&str, String)>) -> Report {
    let root = PathBuf::from(ROOT);
    let sources = files
        .into_iter()
        .map(|(rel, text)| (root.join(rel), text))
        .collect();
    let report = engine::lint_sources(root, Config::default(), sources, tenantlint_rules::ALL);
    for d in &report.diagnostics {
        let text = &d.file.text;
        for span in std::iter::once(d.primary.span).chain(d.secondary.iter().map(|l| l.span)) {
            let (start, end) = (span.start as usize, span.end as usize);
            assert!(
                start <= end && end <= text.len(),
                "{}: span {start}..{end} outside a file of {} bytes",
                d.rule,
                text.len()
            );
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{}: span {start}..{end} splits a character",
                d.rule
            );
        }
    }
    render_all(&report);
    report
}

/// The report rendered the way users see it, human (no colour, unparsed SQL shown) then JSON.
pub fn render_all(report: &Report) -> Vec<u8> {
    let mut out = Vec::new();
    let human = render::human::HumanOptions {
        color: false,
        quiet: false,
        width: 100,
        show_unparsed: true,
    };
    render::human::render(report, &human, &mut out).expect("rendering to memory");
    render::json::render(report, &mut out).expect("rendering to memory");
    out
}
