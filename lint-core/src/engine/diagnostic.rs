//! Our own diagnostic type. Renderers turn it into miette reports, JSON and the CI formats.

use crate::span::Span;
use serde::Serialize;
use std::sync::Arc;

/// How loud a finding is, after the configured level has been applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: counted and listed, never fails a run.
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The documentation page of a rule or engine diagnostic.
pub fn docs_url(rule: &str) -> String {
    format!("{}/{rule}.md", crate::DOCS_BASE_URL)
}

/// A secondary location with its own message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// What silenced a finding. Suppressed findings stay in the report so that SARIF can carry them
/// as `suppressions` and summaries can count them; they never fail a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// A `tenantlint: allow(...)` comment.
    InSource,
    /// An entry of the `--baseline` file.
    Baseline,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    pub kind: SuppressionKind,
    pub reason: Option<String>,
}

/// One finding, tied to one file. `rule` is a catalog rule id or an engine diagnostic id
/// such as `parse-error`.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: Arc<crate::source::SourceFile>,
    /// Where the problem is; its label message is optional.
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    /// Set when an inline comment or the baseline silenced this finding.
    pub suppressed: Option<Suppressed>,
}

impl Diagnostic {
    pub fn is_suppressed(&self) -> bool {
        self.suppressed.is_some()
    }

    pub fn location(&self) -> crate::span::LineCol {
        self.file.line_col(self.primary.span.start)
    }

    pub fn end_location(&self) -> crate::span::LineCol {
        self.file.line_col(self.primary.span.end)
    }

    /// The order every renderer uses: file, line, column, rule, then message.
    pub fn sort_key(&self) -> (&str, u32, u32, &'static str, &str) {
        (
            &self.file.rel_path,
            self.primary.span.start,
            self.primary.span.end,
            self.rule,
            &self.message,
        )
    }
}

/// What a rule hands to the engine; the engine fills in the file and the configured severity.
#[derive(Clone, Debug)]
pub struct Finding {
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
}

impl Finding {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        Finding {
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    pub fn primary_label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a secondary label when there is one.
    pub fn maybe_label(self, label: Option<(Span, String)>) -> Self {
        match label {
            Some((span, message)) => self.label(span, message),
            None => self,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
