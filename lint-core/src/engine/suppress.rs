//! Inline suppressions: `// tenantlint: allow(rule-a, rule-b) -- reason` on the offending line
//! or the line above it, `// tenantlint: allow-file(rule) -- reason` anywhere in the file
//! (`--` comments in `.sql` files).

use crate::source::{FileKind, SourceFile};
use crate::span::Span;

#[derive(Debug, Clone)]
pub struct Suppression {
    /// The 1-based line of the comment.
    pub line: u32,
    pub file_wide: bool,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// The span of the comment, for reports about the suppression itself.
    pub span: Span,
}

impl Suppression {
    pub fn covers(&self, rule: &str, line: u32) -> bool {
        self.rules.iter().any(|r| r == rule)
            && (self.file_wide || line == self.line || line == self.line + 1)
    }
}

/// A malformed `tenantlint:` comment.
#[derive(Debug, Clone)]
pub struct BadSuppression {
    pub span: Span,
    pub message: String,
}

/// Finds every suppression comment of a file.
pub fn parse(file: &SourceFile) -> (Vec<Suppression>, Vec<BadSuppression>) {
    let marker = match file.kind {
        FileKind::Sql => "--",
        _ => "//",
    };
    let mut found = Vec::new();
    let mut bad = Vec::new();
    let mut offset = 0usize;
    for (i, line) in file.text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += line.len();
        let Some(at) = line.find("tenantlint:") else {
            continue;
        };
        // Only a comment counts: the marker must open a comment before the directive.
        let Some(comment) = line[..at].rfind(marker) else {
            continue;
        };
        if !line[comment + marker.len()..at]
            .trim_matches(['/', '!', ' ', '\t'])
            .is_empty()
        {
            continue;
        }
        let span = Span::new(line_start + comment, line_start + line.trim_end().len());
        let directive = line[at + "tenantlint:".len()..].trim();
        let (body, reason) = match directive.split_once("--") {
            Some((b, r)) => (
                b.trim(),
                Some(r.trim().to_string()).filter(|r| !r.is_empty()),
            ),
            None => (directive, None),
        };
        let (file_wide, list) = if let Some(rest) = body.strip_prefix("allow-file(") {
            (true, rest)
        } else if let Some(rest) = body.strip_prefix("allow(") {
            (false, rest)
        } else {
            bad.push(BadSuppression {
                span,
                message: "expected `tenantlint: allow(rule, ...) -- reason` or `allow-file(rule) -- reason`".into(),
            });
            continue;
        };
        let Some(list) = list.strip_suffix(')') else {
            bad.push(BadSuppression {
                span,
                message: "unclosed rule list in suppression".into(),
            });
            continue;
        };
        let rules: Vec<String> = list
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        if rules.is_empty() {
            bad.push(BadSuppression {
                span,
                message: "suppression names no rule".into(),
            });
            continue;
        }
        found.push(Suppression {
            line: i as u32 + 1,
            file_wide,
            rules,
            reason,
            span,
        });
    }
    (found, bad)
}
