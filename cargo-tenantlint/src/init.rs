//! `cargo tenantlint init`: a starter tenantlint.toml from what tenant inference finds.

use crate::{targets, EXIT_CLEAN, EXIT_ERROR};
use lint_core::config::{Config, DEFAULT_TENANT_COLUMN};
use lint_core::engine::{self, LintOptions};
use lint_core::tenant_inference::TenantInference;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(
    path: Option<PathBuf>,
    manifest_path: Option<PathBuf>,
    force: bool,
    cwd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let paths: Vec<PathBuf> = path.into_iter().collect();
    let (paths, root) = targets(&paths, manifest_path.as_deref(), cwd);
    let file = root.join("tenantlint.toml");
    if file.exists() && !force {
        writeln!(
            err,
            "error: {} exists; `cargo tenantlint init --force` replaces it",
            file.display()
        )?;
        return Ok(EXIT_ERROR);
    }
    let report = engine::lint(
        LintOptions {
            paths,
            root,
            config: Config::default(),
            threads: 0,
            inline_suppressions: false,
            only_rules: Some(Vec::new()),
        },
        tenantlint_rules::ALL,
    );
    let text = starter(&report.workspace);
    if let Err(e) = std::fs::write(&file, text) {
        writeln!(err, "error: cannot write {}: {e}", file.display())?;
        return Ok(EXIT_ERROR);
    }
    if let Some(line) = report
        .workspace
        .tenant_inference
        .describe(DEFAULT_TENANT_COLUMN)
    {
        writeln!(out, "{line}")?;
    }
    writeln!(
        out,
        "wrote {}; `cargo tenantlint config` shows what it means",
        file.display()
    )?;
    Ok(EXIT_CLEAN)
}

/// The file's text: the inferred tenant columns, and the tables they leave out as candidates
/// for `global-tables`.
fn starter(ws: &engine::Workspace) -> String {
    let mut text = String::from(
        "# cargo-tenantlint configuration; docs/configuration.md explains every key.\n",
    );
    let quoted = |v: &[String]| {
        v.iter()
            .map(|c| format!("{c:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &ws.tenant_inference {
        TenantInference::Inferred(t) => {
            let why = match &t.root {
                Some(root) => format!("they reference `{root}`"),
                None => format!("it leads the composite keys of {} tables", t.keyed),
            };
            text += &format!(
                "# Inferred from the schema: on {} of {} tables; {why}.\n",
                t.covered, t.tables
            );
            text += &format!("tenant-columns = [{}]\n", quoted(&t.columns));
        }
        _ => {
            text += "# No tenant table was found in the schema: name the column that holds the\n\
                     # tenant on each tenant-scoped table.\n";
            text += &format!("tenant-columns = [{DEFAULT_TENANT_COLUMN:?}]\n");
        }
    }
    // The tenant table itself is looked up by its own key, not by a tenant column.
    let root = match &ws.tenant_inference {
        TenantInference::Inferred(t) => t.root.as_ref(),
        _ => None,
    };
    let unscoped: Vec<String> = ws
        .schema
        .tables
        .values()
        .filter(|t| !ws.is_tenant_table(&t.name) && Some(&t.name) != root)
        .map(|t| t.name.clone())
        .collect();
    if !unscoped.is_empty() {
        text += "\n# Tables without a tenant column. List those every tenant shares on purpose\n\
                 # (plans, feature flags) in global-tables; the others may need the column.\n";
        text += &format!("# global-tables = [{}]\n", quoted(&unscoped));
    }
    text += "\n# Identity extractors and functions that verify a client-supplied tenant:\n\
             # trusted-sources = []\n# tenant-verifiers = []\n";
    text
}
