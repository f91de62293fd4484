//! Rule levels and categories: what the configuration sets and the rule declarations default
//! to. Below the configuration model, which reads them.

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
    /// Places to review periodically, not defects: allow (off) unless enabled.
    Audit,
}

impl Category {
    pub fn default_level(self) -> Level {
        match self {
            Category::Isolation => Level::Deny,
            Category::Hardening | Category::Engine => Level::Warn,
            Category::Info => Level::Note,
            Category::Audit => Level::Allow,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Isolation => "isolation",
            Category::Hardening => "hardening",
            Category::Engine => "engine",
            Category::Info => "info",
            Category::Audit => "audit",
        }
    }
}
