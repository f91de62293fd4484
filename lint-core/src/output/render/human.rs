//! Human output: miette's graphical reports with source snippets, then one summary line.

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::report::Report;
use crate::span::LineIndex;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, SourceCode, SourceSpan,
    SpanContents,
};
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};

pub struct HumanOptions {
    pub color: bool,
    /// Print only the summary line.
    pub quiet: bool,
    pub width: usize,
    /// List each `sql-parse-error`; by default one line says how many there are (on a large
    /// tree they would drown the findings).
    pub show_unparsed: bool,
}

pub fn render(report: &Report, opts: &HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(false)
        .with_urls(true);
    let unparsed = |d: &&Diagnostic| d.rule == crate::engine_rules::SqlParseError::META.id;
    if !opts.quiet {
        // Once per file, not per finding: thousands of findings in one large file would
        // otherwise rescan it for each (issue 13).
        let mut escaped: HashMap<&str, Option<SafeText>> = HashMap::new();
        for d in report
            .active()
            .filter(|d| opts.show_unparsed || !unparsed(d))
        {
            let safe = escaped
                .entry(d.file.rel_path.as_str())
                .or_insert_with(|| SafeText::of(&d.file.text));
            let mut text = String::new();
            if handler
                .render_report(&mut text, &View::new(d, safe.as_ref()))
                .is_err()
            {
                text = format!(
                    "{}: {} [{}]\n",
                    d.severity.as_str(),
                    super::escape_control(&d.message),
                    d.rule
                );
            }
            writeln!(out, "{}", text.trim_end())?;
            writeln!(out)?;
        }
        let hidden = report.active().filter(unparsed).count();
        if !opts.show_unparsed && hidden > 0 {
            let statements = if hidden == 1 {
                "1 statement".to_string()
            } else {
                format!("{hidden} statements")
            };
            writeln!(
                out,
                "note: {statements} could not be parsed; `--show-unparsed` lists them"
            )?;
        }
    }
    writeln!(out, "{}", summary_line(report))
}

/// `2 errors, 1 warning in 14 files (38 SQL statements analysed, 3 dynamic, 1 unparsable); 1 suppressed; 0.05s`
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "{}, {} in {} ({} analysed",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.files, "file"),
        plural(s.sql_statements, "SQL statement"),
    );
    if s.sql_dynamic > 0 {
        line += &format!(", {} built at run time", s.sql_dynamic);
    }
    if s.sql_unparsable > 0 {
        line += &format!(", {} unparsable", s.sql_unparsable);
    }
    if s.sql_unresolved > 0 {
        line += &format!(", {} with text not known statically", s.sql_unresolved);
    }
    line += ")";
    if s.notes > 0 {
        line += &format!("; {}", plural(s.notes, "note"));
    }
    if s.suppressed > 0 {
        line += &format!("; {} suppressed", s.suppressed);
    }
    if s.baselined > 0 {
        line += &format!("; {} in the baseline", s.baselined);
    }
    if s.stale_baseline > 0 {
        let entries = if s.stale_baseline == 1 {
            "entry"
        } else {
            "entries"
        };
        line += &format!("; {} stale baseline {entries}", s.stale_baseline);
    }
    if s.outside_diff > 0 {
        line += &format!("; {} on unchanged lines", s.outside_diff);
    }
    line += &format!("; {:.2}s", s.elapsed.as_secs_f64());
    line
}

/// Our diagnostic as miette sees it, with every text from the linted tree escaped: whatever
/// `--color` says, no control character in the code reaches the terminal.
struct View<'a> {
    d: &'a Diagnostic,
    message: String,
    help: Option<String>,
    /// The file's text with control characters escaped, when it has any.
    safe: Option<&'a SafeText>,
}

impl<'a> View<'a> {
    fn new(d: &'a Diagnostic, safe: Option<&'a SafeText>) -> View<'a> {
        View {
            d,
            message: super::escape_control(&d.message).into_owned(),
            help: d
                .help
                .as_ref()
                .map(|h| super::escape_control(h).into_owned()),
            safe,
        }
    }

    fn text(&self) -> &str {
        self.safe.map_or(&self.d.file.text, |s| &s.text)
    }

    fn lines(&self) -> &LineIndex {
        self.safe.map_or(self.d.file.line_index(), |s| &s.lines)
    }

    /// A span of the original text in the text shown.
    fn shown(&self, offset: usize) -> usize {
        self.safe.map_or(offset, |s| s.map(offset))
    }
}

/// A source text with its control characters escaped, and where the escapes shifted offsets.
struct SafeText {
    text: String,
    /// (offset in the original of an escaped character, bytes added up to and including it).
    shifts: Vec<(usize, usize)>,
    lines: LineIndex,
}

impl SafeText {
    fn of(original: &str) -> Option<SafeText> {
        // A CRLF line end is a line end, not an escape.
        let escaped = |i: usize, c: char| {
            c.is_control()
                && c != '\n'
                && c != '\t'
                && !(c == '\r' && original[i + 1..].starts_with('\n'))
        };
        if !original.char_indices().any(|(i, c)| escaped(i, c)) {
            return None;
        }
        let mut text = String::with_capacity(original.len() + 16);
        let mut shifts = Vec::new();
        for (i, c) in original.char_indices() {
            if escaped(i, c) {
                let before = text.len();
                super::push_escaped(&mut text, c);
                let added = text.len() - before - c.len_utf8();
                let total = shifts.last().map_or(0, |&(_, t)| t) + added;
                shifts.push((i, total));
            } else {
                text.push(c);
            }
        }
        let lines = LineIndex::new(&text);
        Some(SafeText {
            text,
            shifts,
            lines,
        })
    }

    /// An offset of the original: an escaped character's start maps to its escape's start, the
    /// offset after it to the escape's end.
    fn map(&self, offset: usize) -> usize {
        let before = self.shifts.partition_point(|&(at, _)| at < offset);
        offset + before.checked_sub(1).map_or(0, |i| self.shifts[i].1)
    }
}

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.d.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(crate::diagnostic::docs_url(self.d.rule)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        if self.d.file.text.is_empty() {
            None
        } else {
            Some(self)
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.d.file.text.is_empty() {
            return None;
        }
        let d = self.d;
        let len = d.file.text.len();
        let clamp = move |s: crate::span::Span| -> SourceSpan {
            let start = (s.start as usize).min(len);
            let end = (s.end as usize).clamp(start, len);
            let (start, end) = (self.shown(start), self.shown(end));
            (start, end - start).into()
        };
        let label = |m: &str| Some(super::escape_control(m).into_owned()).filter(|m| !m.is_empty());
        let primary =
            LabeledSpan::new_primary_with_span(label(&d.primary.message), clamp(d.primary.span));
        let secondary = d
            .secondary
            .iter()
            .map(move |l| LabeledSpan::new_with_span(label(&l.message), clamp(l.span)));
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

impl SourceCode for View<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // miette finds the context lines by scanning from the text's start; scanning a window
        // that starts a line earlier than it needs gives the same lines at a cost that does not
        // grow with the file.
        let (text, lines) = (self.text(), self.lines());
        let line_of = |offset: usize| lines.line_of(offset.min(text.len()) as u32);
        let first = line_of(span.offset());
        let last = line_of(span.offset() + span.len());
        let from_line = first.saturating_sub(context_lines_before + 1);
        let line_start = |line: usize| lines.line_start(line).map(|s| s as usize);
        let start = line_start(from_line).unwrap_or(0);
        let end = line_start(last + context_lines_after + 3).unwrap_or(text.len());
        let local: SourceSpan = (span.offset().saturating_sub(start), span.len()).into();
        let inner =
            text[start..end].read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.d.file.rel_path.clone(),
            inner.data(),
            (inner.span().offset() + start, inner.span().len()).into(),
            inner.line() + from_line,
            inner.column(),
            inner.line_count() + from_line,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{diagnostic, source};

    /// The window `read_span` scans must give exactly what miette finds scanning the whole text,
    /// at every offset, near both ends, across CRLF line ends and escaped control characters.
    #[test]
    fn windowed_spans_match_whole_text_spans() {
        let escaped = "fn a() {}\r\nlet x = 1;\n\n\u{1b}[31m red\nlast line\nend";
        let plain = "fn a() {}\r\nlet x = 1;\n\n  red\nlast line\nend\n";
        for text in [escaped, plain] {
            let file = source("src/lib.rs", text);
            let d = diagnostic(&file, "demo", 0, 0);
            let safe = SafeText::of(text);
            assert_eq!(safe.is_some(), text == escaped);
            let view = View::new(&d, safe.as_ref());
            spans_match(&view);
        }
    }

    fn spans_match(view: &View<'_>) {
        let whole = view.text();
        for offset in 0..=whole.len() {
            for len in [0, 1, 3, 12] {
                let span: SourceSpan = (offset, len).into();
                for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                    let ours = view.read_span(&span, before, after);
                    let theirs = whole.read_span(&span, before, after);
                    match (ours, theirs) {
                        (Ok(ours), Ok(theirs)) => {
                            let at = format!("{offset}+{len} ({before},{after})");
                            assert_eq!(ours.data(), theirs.data(), "{at}");
                            assert_eq!(ours.span(), theirs.span(), "{at}");
                            assert_eq!(ours.line(), theirs.line(), "{at}");
                            assert_eq!(ours.column(), theirs.column(), "{at}");
                            assert_eq!(ours.line_count(), theirs.line_count(), "{at}");
                        }
                        (ours, theirs) => assert_eq!(ours.is_ok(), theirs.is_ok()),
                    }
                }
            }
        }
    }
}
