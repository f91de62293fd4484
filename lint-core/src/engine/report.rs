//! What a run returns: the sorted diagnostics, the counts, and the workspace index the
//! subcommands (`config`, the renderers) read.

use crate::diagnostic::{Diagnostic, Severity, SuppressionKind};
use crate::facts::workspace::Workspace;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Summary {
    pub files: usize,
    pub rust_files: usize,
    pub sql_files: usize,
    /// SQL statements parsed and analysed.
    pub sql_statements: usize,
    /// Statements built at run time (with spliced values) among those analysed.
    pub sql_dynamic: usize,
    /// SQL sinks whose text is not known statically, so not analysed.
    pub sql_unresolved: usize,
    /// Statements sqlparser rejected.
    pub sql_unparsable: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings silenced by a `tenantlint: allow(...)` comment.
    pub suppressed: usize,
    /// Findings silenced by the `--baseline` file.
    pub baselined: usize,
    /// Baseline entries that matched no finding (`--baseline-strict` fails on them).
    pub stale_baseline: usize,
    /// Findings left out because their line did not change since the `--diff` revision.
    pub outside_diff: usize,
    #[serde(skip)]
    pub elapsed: Duration,
}

pub struct Report {
    pub root: PathBuf,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    pub workspace: Workspace,
    /// The work units (`syntax::work`) spent on each file, by relative path: a measure of cost
    /// that does not depend on the machine, for tests and benchmarks; no format prints it.
    pub file_work: Vec<(String, u64)>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.summary.errors > 0
    }

    /// The findings nothing suppressed: what fails a run and what most formats list.
    pub fn active(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_suppressed())
    }

    /// Counts the findings by severity and by what suppressed them.
    pub fn recount(&mut self) {
        let s = &mut self.summary;
        (s.errors, s.warnings, s.notes, s.suppressed, s.baselined) = (0, 0, 0, 0, 0);
        for d in &self.diagnostics {
            match d.suppressed.as_ref().map(|s| s.kind) {
                Some(SuppressionKind::InSource) => s.suppressed += 1,
                Some(SuppressionKind::Baseline) => s.baselined += 1,
                None => match d.severity {
                    Severity::Error => s.errors += 1,
                    Severity::Warning => s.warnings += 1,
                    Severity::Note => s.notes += 1,
                },
            }
        }
    }
}
