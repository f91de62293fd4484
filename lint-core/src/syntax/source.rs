//! A file's text, its path relative to the workspace root, and its line index.

use crate::span::{LineCol, LineIndex, Span};
use crate::syntax::work::Work;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    Rust,
    Sql,
    /// A configuration file (tenantlint.toml, Cargo.toml) that a diagnostic points into.
    Toml,
}

#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Relative to the workspace root, with `/` separators: what every output format prints.
    pub rel_path: String,
    pub kind: FileKind,
    pub text: String,
    line_index: LineIndex,
    /// The work spent analysing the file (shared with its `RustFile`).
    pub work: Arc<Work>,
}

impl SourceFile {
    pub fn new(path: PathBuf, rel_path: String, kind: FileKind, text: String) -> Self {
        let line_index = LineIndex::new(&text);
        SourceFile {
            path,
            rel_path,
            kind,
            text,
            line_index,
            work: Arc::default(),
        }
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        self.line_index.line_col(&self.text, offset)
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The 1-based line number of a byte offset.
    pub fn line_of(&self, offset: u32) -> u32 {
        self.line_index.line_of(offset) as u32 + 1
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: u32) -> &str {
        let Some(start) = self.line_index.line_start(line as usize - 1) else {
            return "";
        };
        let rest = &self.text[start as usize..];
        let end = rest.find('\n').unwrap_or(rest.len());
        rest[..end].trim_end_matches('\r')
    }
}

/// `path` relative to `root` with `/` separators and no leading `./`; `path` itself when it
/// is not under `root`.
pub fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = crate::syntax::safe_read::display_path(rel);
    #[cfg(windows)]
    let s = s.replace('\\', "/");
    s.strip_prefix("./").unwrap_or(&s).to_string()
}
