//! Renderers, one per output format. Each takes the finished report and writes it out.

pub mod cargo_json;
pub mod docs;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod sarif;

use crate::diagnostic::Diagnostic;
use crate::rule::RuleMeta;
use std::borrow::Cow;
use std::path::Path;

/// Text that came from the linted tree (a message quoting code, git's stderr), made safe for a
/// terminal: control characters other than newline and tab become visible escapes (`\x1b`,
/// `\u{9b}`), so no escape sequence in a pull request reaches the reader's terminal.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// [`escape_control`] for text that byte offsets point into (a configuration file under a
/// parse error): each control character becomes as many `?` as it has bytes, so offsets stay.
pub fn mask_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let masked = text.chars().map(|c| {
        if needs_escape(c) {
            "?".repeat(c.len_utf8())
        } else {
            c.to_string()
        }
    });
    Cow::Owned(masked.collect())
}

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Appends `c`, escaped when it is a control character other than newline and tab.
pub(crate) fn push_escaped(out: &mut String, c: char) {
    if needs_escape(c) {
        crate::safe_read::push_char_escape(out, c);
    } else {
        out.push(c);
    }
}

/// 1-based start and end line/column of a diagnostic's primary span.
pub(crate) fn positions(d: &Diagnostic) -> (u32, u32, u32, u32) {
    let start = d.location();
    let end = d.end_location();
    (start.line, start.column, end.line, end.column)
}

/// What the CI formats need besides the report.
pub struct CiContext<'a> {
    /// Every rule the run knows (`engine::all_metas`), for SARIF's `rules[]` and titles.
    pub metas: &'a [&'static RuleMeta],
    /// The workspace root relative to the repository root (`services/api/`, or empty): CI
    /// systems resolve paths from the repository root.
    pub repo_prefix: String,
}

impl CiContext<'_> {
    /// A diagnostic's path relative to the repository root.
    pub fn repo_path(&self, d: &Diagnostic) -> String {
        format!("{}{}", self.repo_prefix, d.file.rel_path)
    }

    pub fn meta(&self, rule: &str) -> Option<(usize, &'static RuleMeta)> {
        self.metas
            .iter()
            .enumerate()
            .find(|(_, m)| m.id == rule)
            .map(|(i, m)| (i, *m))
    }
}

/// The workspace root's path relative to the enclosing git repository's top folder (found by
/// walking up to a `.git` entry), with a trailing `/`; empty at the top or outside a repository.
pub fn repo_prefix(root: &Path) -> String {
    let Some(top) = root.ancestors().find(|dir| dir.join(".git").exists()) else {
        return String::new();
    };
    let rel = crate::engine::rel_path(top, root);
    if rel.is_empty() || rel == "." {
        String::new()
    } else {
        format!("{}/", rel.trim_end_matches('/'))
    }
}

/// The first paragraph of a rule doc's `## What it does` section, as one line.
pub(crate) fn what_it_does(meta: &RuleMeta) -> String {
    let doc = meta.doc_markdown();
    let section = doc
        .split("## What it does")
        .nth(1)
        .unwrap_or(&doc)
        .trim_start();
    let paragraph = section.split("\n\n").next().unwrap_or("");
    paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
}
