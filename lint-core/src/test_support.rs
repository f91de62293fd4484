//! Canned sources, diagnostics and reports for the renderer and baseline unit tests.

use crate::config::Config;
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Label, Severity, Suppressed, SuppressionKind};
use crate::engine::{Report, Summary, Workspace};
use crate::rule::RuleMeta;
use crate::schema::Schema;
use crate::source::{FileKind, SourceFile};
use crate::span::Span;
use std::path::PathBuf;
use std::sync::Arc;

pub fn source(rel_path: &str, text: &str) -> Arc<SourceFile> {
    let kind = if rel_path.ends_with(".sql") {
        FileKind::Sql
    } else {
        FileKind::Rust
    };
    Arc::new(SourceFile::new(
        PathBuf::from("/repo").join(rel_path),
        rel_path.to_string(),
        kind,
        text.to_string(),
    ))
}

pub fn diagnostic(
    file: &Arc<SourceFile>,
    rule: &'static str,
    start: usize,
    end: usize,
) -> Diagnostic {
    Diagnostic {
        rule,
        severity: Severity::Error,
        message: format!("{rule} found this"),
        file: file.clone(),
        primary: Label {
            span: Span::new(start, end),
            message: String::new(),
        },
        secondary: Vec::new(),
        help: None,
        suppressed: None,
    }
}

pub fn report_of(diagnostics: Vec<Diagnostic>) -> Report {
    let mut report = Report {
        root: PathBuf::from("/repo"),
        diagnostics,
        summary: Summary::default(),
        workspace: Workspace::new(PathBuf::from("/repo"), Config::default(), Schema::default()),
        file_work: Vec::new(),
    };
    report.recount();
    report
}

declare_rule! {
    /// ## What it does
    /// Finds canned session settings.
    ///
    /// ## Why is this bad?
    /// The next request on the connection runs as this tenant.
    ///
    /// ## Example
    /// ```rust
    /// set_config('app.tenant_id', $1, false)
    /// ```
    ///
    /// ## Use instead
    /// `set_config('app.tenant_id', $1, true)`.
    pub struct CannedRule {
        id: "canned-session-setting",
        category: Isolation,
        summary: "tenant context set for the whole connection",
        cheat_sheet: "Database Security",
        cwe: 488,
        precision: "high",
        security_severity: "8.1",
    }
}

/// The rules the canned report's findings come from.
pub fn canned_metas() -> Vec<&'static RuleMeta> {
    let mut metas: Vec<&'static RuleMeta> = crate::engine_rules::ALL.to_vec();
    metas.push(&CannedRule::META);
    metas
}

const DB_RS: &str = r#"use sqlx::PgPool;

pub async fn set_tenant(pool: &PgPool, tenant_id: i64) -> sqlx::Result<()> {
    sqlx::query("SELECT set_config('app.tenant_id', $1, false)")
        .bind(tenant_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn legacy(pool: &PgPool) -> sqlx::Result<()> {
    // tenantlint: allow(canned-session-setting) -- the admin tool runs single-tenant
    sqlx::query("SET app.tenant_id = 0").execute(pool).await?;
    sqlx::query("SET app.tenant_id = 1").execute(pool).await?;
    Ok(())
}
"#;

const REPORTS_SQL: &str = "SELECT 100% FROM reports;\n";

/// One report with every shape a renderer must handle: an error with a secondary label and
/// help, a warning whose message needs escaping, a note, a finding suppressed in source and one
/// accepted by the baseline.
pub fn canned_report() -> Report {
    let db = source("src/db.rs", DB_RS);
    let sql = source("migrations/0002_reports.sql", REPORTS_SQL);
    let at = |file: &Arc<SourceFile>, needle: &str, nth: usize| {
        let start = file
            .text
            .match_indices(needle)
            .nth(nth)
            .map(|(i, _)| i)
            .expect("needle in canned source");
        Span::new(start, start + needle.len())
    };

    let mut session = diagnostic(&db, CannedRule::META.id, 0, 0);
    session.message = "tenant context is set for the whole pooled connection".into();
    session.primary = Label {
        span: at(&db, "set_config('app.tenant_id', $1, false)", 0),
        message: "`false` keeps the setting after the transaction".into(),
    };
    session.secondary.push(Label {
        span: at(&db, "execute(pool)", 0),
        message: "runs on a connection borrowed from the pool".into(),
    });
    session.help = Some("pass `true` to set_config inside the transaction".into());

    let mut suppressed = diagnostic(&db, CannedRule::META.id, 0, 0);
    suppressed.message = "tenant context is set for the whole pooled connection".into();
    suppressed.primary.span = at(&db, "SET app.tenant_id = 0", 0);
    suppressed.suppressed = Some(Suppressed {
        kind: SuppressionKind::InSource,
        reason: Some("the admin tool runs single-tenant".into()),
    });

    let mut baselined = diagnostic(&db, CannedRule::META.id, 0, 0);
    baselined.message = "tenant context is set for the whole pooled connection".into();
    baselined.primary.span = at(&db, "SET app.tenant_id = 1", 0);
    baselined.suppressed = Some(Suppressed {
        kind: SuppressionKind::Baseline,
        reason: Some("accepted in the baseline".into()),
    });

    let mut unused = diagnostic(&db, crate::engine_rules::UnusedSuppression::META.id, 0, 0);
    unused.severity = Severity::Warning;
    unused.message =
        "suppression of `canned-session-setting` matches no finding: 50%, a,b\nsecond line".into();
    unused.primary.span = at(
        &db,
        "// tenantlint: allow(canned-session-setting) -- the admin tool runs single-tenant",
        0,
    );
    unused.help = Some("remove it: the code it excused is gone or fixed".into());

    let mut unparsable = diagnostic(&sql, crate::engine_rules::SqlParseError::META.id, 0, 0);
    unparsable.severity = Severity::Note;
    unparsable.message = "sqlparser cannot parse this statement, so it was not analysed: Expected: an expression, found: %".into();
    unparsable.primary.span = at(&sql, "100% FROM reports", 0);

    let mut diagnostics = vec![session, suppressed, baselined, unused, unparsable];
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut report = report_of(diagnostics);
    report.summary.files = 2;
    report.summary.rust_files = 1;
    report.summary.sql_files = 1;
    report.summary.sql_statements = 5;
    report
}

/// Analyzes Rust files (workspace-relative path, text) as one workspace: the files with
/// their flows and the workspace with its call graph, summaries and client reach.
pub fn analyze_workspace(
    sources: &[(&str, &str)],
) -> (
    Vec<crate::facts::workspace::AnalyzedFile>,
    crate::facts::workspace::Workspace,
) {
    let mut ws = crate::facts::workspace::Workspace::new(
        PathBuf::from("."),
        Config::default(),
        Schema::default(),
    );
    let mut files: Vec<crate::facts::workspace::AnalyzedFile> = sources
        .iter()
        .map(|(rel, text)| {
            let source = Arc::new(SourceFile::new(
                PathBuf::from(rel),
                (*rel).into(),
                FileKind::Rust,
                (*text).into(),
            ));
            let rust = crate::parse::parse_rust(&source.text).expect("parses");
            let extracted = crate::sql_sites::extract(&source, &rust, &ws);
            crate::facts::workspace::AnalyzedFile {
                source,
                rust: Some(rust),
                sql_sites: extracted.sites,
                unresolved_sql: extracted.unresolved,
                flow_sinks: Default::default(),
                unreadable_sql: extracted.unreadable,
                request_flows: Default::default(),
                logging: Default::default(),
                key_sinks: crate::facts::passes::Computed::new(Vec::new()),
            }
        })
        .collect();
    let named: Vec<(&str, &crate::model::RustFile)> = files
        .iter()
        .map(|f| (f.source.rel_path.as_str(), f.rust.as_ref().expect("parsed")))
        .collect();
    let mut graph = crate::semantic::callgraph::CallGraph::build(&named);
    let rust: Vec<&crate::model::RustFile> = named.iter().map(|(_, r)| *r).collect();
    crate::http::mark_entry_points(&mut graph, &rust);
    ws.call_graph = crate::facts::passes::Computed::new(graph);
    let (index, flows) = crate::taint::analyze(&files, &ws);
    ws.flow_index = crate::facts::passes::Computed::new(index);
    for (f, flow) in files.iter_mut().zip(flows) {
        f.request_flows = crate::facts::passes::Computed::new(flow);
    }
    ws.client_reach = crate::client_reach::ClientReach::build(&files, &ws);
    (files, ws)
}
