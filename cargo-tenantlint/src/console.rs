//! What the command line prints for people: the concise format, `--statistics`, and how wide
//! and colourful the terminal is.

use lint_core::engine::Report;
use lint_core::rule::RuleMeta;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, Write};

/// Output width when the terminal does not say: miette's default.
pub const DEFAULT_WIDTH: usize = 100;
/// Below this, source snippets wrap into unreadable columns.
const MIN_WIDTH: usize = 40;

/// The process stream a report goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// The width of the terminal `stream` writes to, else `$COLUMNS`, else [`DEFAULT_WIDTH`].
pub fn width(stream: Option<Stream>, env: &dyn Fn(&str) -> Option<OsString>) -> usize {
    let from_terminal = stream
        .and_then(|s| match s {
            Stream::Stdout => terminal_size::terminal_size_of(io::stdout()),
            Stream::Stderr => terminal_size::terminal_size_of(io::stderr()),
        })
        .map(|(w, _)| usize::from(w.0));
    let from_env = || {
        env("COLUMNS")
            .and_then(|v| v.to_str().and_then(|s| s.trim().parse::<usize>().ok()))
            .filter(|w| *w > 0)
    };
    from_terminal
        .or_else(from_env)
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// Whether to colour, by the conventions `anstream` follows: `NO_COLOR` set and non-empty turns
/// colour off, then `CLICOLOR_FORCE` turns it on, then `CLICOLOR=0` or `TERM=dumb` (or no
/// `TERM`) turn it off; otherwise colour when writing to a terminal.
pub fn auto_color(is_terminal: bool, env: &dyn Fn(&str) -> Option<OsString>) -> bool {
    let set = |key: &str| env(key).is_some_and(|v| !v.is_empty());
    if set("NO_COLOR") {
        return false;
    }
    if env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    if env("CLICOLOR").is_some_and(|v| v == "0") {
        return false;
    }
    let term_has_color = env("TERM").is_some_and(|t| !t.is_empty() && t != "dumb");
    is_terminal && term_has_color
}

/// One line per finding, `path:line:column: level[rule] message`, then the summary line.
pub fn concise(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for d in report.active() {
        let at = d.location();
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            d.file.rel_path,
            at.line,
            at.column,
            d.severity.as_str(),
            d.rule,
            d.message
        )?;
    }
    writeln!(out, "{}", lint_core::render::human::summary_line(report))
}

/// Findings per rule, the most frequent first: `count  rule  level  summary`.
pub fn statistics(report: &Report, metas: &[&RuleMeta], out: &mut dyn Write) -> io::Result<()> {
    let mut counts: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for d in report.active() {
        counts.entry(d.rule).or_insert((0, d.severity.as_str())).0 += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(b.0)));
    let count_width = rows
        .iter()
        .map(|(_, (n, _))| n.to_string().len())
        .max()
        .unwrap_or(1);
    let rule_width = rows.iter().map(|(r, _)| r.len()).max().unwrap_or(0);
    for (rule, (n, severity)) in rows {
        let summary = metas
            .iter()
            .find(|m| m.id == rule)
            .map_or("", |m| m.summary);
        writeln!(
            out,
            "{n:>count_width$}  {rule:rule_width$}  {severity:7}  {summary}"
        )?;
    }
    writeln!(out, "{}", lint_core::render::human::summary_line(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn colour_follows_the_environment_conventions() {
        let term = [("TERM", "xterm-256color")];
        assert!(auto_color(true, &env(&term)));
        assert!(!auto_color(false, &env(&term)));
        assert!(!auto_color(true, &env(&[("TERM", "dumb")])));
        assert!(!auto_color(true, &env(&[])));
        assert!(auto_color(false, &env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!auto_color(
            false,
            &env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])
        ));
        assert!(!auto_color(
            true,
            &env(&[("TERM", "xterm"), ("CLICOLOR", "0")])
        ));
        assert!(auto_color(
            true,
            &env(&[("TERM", "xterm"), ("NO_COLOR", "")])
        ));
    }

    #[test]
    fn width_comes_from_the_terminal_then_columns() {
        let none = None;
        assert_eq!(width(none, &env(&[("COLUMNS", "132")])), 132);
        assert_eq!(width(none, &env(&[("COLUMNS", "10")])), MIN_WIDTH);
        assert_eq!(width(none, &env(&[("COLUMNS", "wide")])), DEFAULT_WIDTH);
        assert_eq!(width(none, &env(&[])), DEFAULT_WIDTH);
    }
}
