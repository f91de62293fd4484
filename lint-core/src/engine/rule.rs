//! The rule contract: metadata declared beside the code, and a check over one file's facts.

use crate::diagnostic::Finding;
use crate::engine::{AnalyzedFile, Workspace};
use serde::{Deserialize, Serialize};

/// A configured level, clippy style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    /// Reported as information; never fails a run. The default of `sql-parse-error`.
    Note,
    Warn,
    Deny,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "note" => Some(Level::Note),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Note => "note",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    pub fn severity(self) -> Option<crate::diagnostic::Severity> {
        use crate::diagnostic::Severity;
        match self {
            Level::Allow => None,
            Level::Note => Some(Severity::Note),
            Level::Warn => Some(Severity::Warning),
            Level::Deny => Some(Severity::Error),
        }
    }
}

/// What kind of problem a rule finds; the category sets the default level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// One tenant's data reaches another: deny.
    Isolation,
    /// Defense in depth and hygiene the cheat sheet asks for: warn.
    Hardening,
    /// The analysis itself could not look at something: warn.
    Engine,
    /// Informational findings about the analysis: note.
    Info,
}

impl Category {
    pub fn default_level(self) -> Level {
        match self {
            Category::Isolation => Level::Deny,
            Category::Hardening | Category::Engine => Level::Warn,
            Category::Info => Level::Note,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Isolation => "isolation",
            Category::Hardening => "hardening",
            Category::Engine => "engine",
            Category::Info => "info",
        }
    }
}

/// Everything the docs, `rules`, `explain` and the config validation know about a rule.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    pub id: &'static str,
    pub category: Category,
    pub summary: &'static str,
    /// The section of the OWASP Multi-Tenant Security cheat sheet the rule comes from.
    pub cheat_sheet: &'static str,
    /// The Markdown doc: What it does / Why is this bad? / Example / Use instead / Options.
    pub doc: &'static str,
    /// Option keys accepted in `[rules.<id>]` besides `level`.
    pub options: &'static [&'static str],
    /// The CWE the rule's bug class belongs to, for SARIF tags (`external/cwe/cwe-639`).
    pub cwe: Option<u32>,
    /// How often a finding is a true bug, in CodeQL's terms: `very-high`, `high`, `medium`, `low`.
    pub precision: Option<&'static str>,
    /// GitHub's security severity, "0.1" to "10.0" (9+ critical, 7+ high, 4+ medium).
    pub security_severity: Option<&'static str>,
}

impl RuleMeta {
    pub fn default_level(&self) -> Level {
        self.category.default_level()
    }

    /// The doc with the one leading space of each `///` line removed.
    pub fn doc_markdown(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string() + "\n"
    }

    /// The declared precision, else `medium`.
    pub fn precision(&self) -> &'static str {
        self.precision.unwrap_or("medium")
    }

    /// The declared security severity, else one that matches the category's default level.
    pub fn security_severity(&self) -> &'static str {
        self.security_severity.unwrap_or(match self.category {
            Category::Isolation => "7.5",
            Category::Hardening => "5.0",
            Category::Engine => "3.0",
            Category::Info => "1.0",
        })
    }

    pub fn docs_url(&self) -> String {
        crate::diagnostic::docs_url(self.id)
    }
}

/// A check over one file. Rules read facts from the file and the workspace; they never walk
/// the file system or parse on their own.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &mut RuleContext<'_>);
}

/// What a rule sees while checking one file.
pub struct RuleContext<'a> {
    pub file: &'a AnalyzedFile,
    pub workspace: &'a Workspace,
    /// The rule's options from the configuration (after overrides for this file).
    pub options: &'a toml::Table,
    pub(crate) findings: Vec<Finding>,
}

impl<'a> RuleContext<'a> {
    pub fn new(file: &'a AnalyzedFile, workspace: &'a Workspace, options: &'a toml::Table) -> Self {
        RuleContext {
            file,
            workspace,
            options,
            findings: Vec::new(),
        }
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// A boolean option, or its default.
    pub fn bool_option(&self, key: &str, default: bool) -> bool {
        self.options
            .get(key)
            .and_then(toml::Value::as_bool)
            .unwrap_or(default)
    }

    pub fn config(&self) -> &crate::config::Config {
        &self.workspace.config
    }
}

/// Declares a rule: a unit struct whose doc comment is the rule's documentation, and its
/// [`RuleMeta`] as `Self::META`.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub struct TenantSettingNotLocal {
///         id: "tenant-setting-not-local",
///         category: Isolation,
///         summary: "tenant context set for the whole pooled connection",
///         cheat_sheet: "Database Security",
///         // optional, in this order: options: ["key"], cwe: 488, precision: "high",
///         // security_severity: "8.1"
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            id: $id:literal,
            category: $category:ident,
            summary: $summary:literal,
            cheat_sheet: $cheat:literal
            $(, options: [$($option:literal),* $(,)?])?
            $(, cwe: $cwe:literal)?
            $(, precision: $precision:literal)?
            $(, security_severity: $security_severity:literal)?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis struct $name;

        impl $name {
            pub const META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
                id: $id,
                category: $crate::rule::Category::$category,
                summary: $summary,
                cheat_sheet: $cheat,
                doc: concat!($($doc, "\n"),*),
                options: &[$($($option),*)?],
                cwe: $crate::__optional!($($cwe)?),
                precision: $crate::__optional!($($precision)?),
                security_severity: $crate::__optional!($($security_severity)?),
            };
        }
    };
}

/// `Some(value)` when `declare_rule!` was given the value, else `None`.
#[doc(hidden)]
#[macro_export]
macro_rules! __optional {
    () => {
        None
    };
    ($value:literal) => {
        Some($value)
    };
}
