//! Human output: miette's graphical reports with source snippets, then one summary line.

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Report;
use crate::source::SourceFile;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, SourceCode, SourceSpan,
    SpanContents,
};
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

pub struct HumanOptions {
    pub color: bool,
    /// Print only the summary line.
    pub quiet: bool,
    pub width: usize,
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
    if !opts.quiet {
        for d in report.active() {
            let mut text = String::new();
            if handler.render_report(&mut text, &View(d)).is_err() {
                text = format!("{}: {} [{}]\n", d.severity.as_str(), d.message, d.rule);
            }
            writeln!(out, "{}", text.trim_end())?;
            writeln!(out)?;
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

/// Our diagnostic as miette sees it.
struct View<'a>(&'a Diagnostic);

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.0.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.0.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(crate::diagnostic::docs_url(self.0.rule)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        if self.0.file.text.is_empty() {
            None
        } else {
            Some(self)
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.0.file.text.is_empty() {
            return None;
        }
        let d = self.0;
        let len = d.file.text.len();
        let clamp = move |s: crate::span::Span| -> SourceSpan {
            let start = (s.start as usize).min(len);
            let end = (s.end as usize).clamp(start, len);
            (start, end - start).into()
        };
        let primary = LabeledSpan::new_primary_with_span(
            Some(d.primary.message.clone()).filter(|m| !m.is_empty()),
            clamp(d.primary.span),
        );
        let secondary = d
            .secondary
            .iter()
            .map(move |l| LabeledSpan::new_with_span(Some(l.message.clone()), clamp(l.span)));
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
        let file: &Arc<SourceFile> = &self.0.file;
        let inner = file
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            file.rel_path.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}
