//! The progress bar on stderr: only for human output on a terminal, and only once a run has
//! taken about a second, so quick runs and piped or machine-readable output never show it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lint_core::engine::{Progress, Stage};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a run goes before the bar appears.
const DELAY: Duration = Duration::from_secs(1);

/// Whether a run may show a bar: human, not quiet, stderr a terminal.
pub fn wanted(human_format: bool, quiet: bool, stderr_is_terminal: bool) -> bool {
    human_format && !quiet && stderr_is_terminal
}

/// A bar that stays hidden until [`DELAY`] has passed; `None` inside when not wanted.
pub struct Bar {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: AtomicBool,
}

impl Bar {
    pub fn new(wanted: bool) -> Bar {
        let bar = wanted.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template("{msg:>8} [{bar:30}] {pos}/{len} files")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Bar {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    /// Removes the bar before the report is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn reveal_when_slow(&self, bar: &ProgressBar) {
        if self.started.elapsed() >= DELAY && !self.shown.swap(true, Ordering::Relaxed) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }
}

impl Progress for Bar {
    fn stage(&self, stage: Stage, total: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position(0);
            bar.set_message(match stage {
                Stage::Parsing => "parsing",
                Stage::Checking => "checking",
            });
            self.reveal_when_slow(bar);
        }
    }

    fn file_done(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            self.reveal_when_slow(bar);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_human_output_on_a_terminal_gets_a_bar() {
        assert!(wanted(true, false, true));
        assert!(!wanted(true, false, false), "stderr piped");
        assert!(!wanted(false, false, true), "machine-readable format");
        assert!(!wanted(true, true, true), "--quiet");
    }

    #[test]
    fn a_quick_run_counts_files_without_drawing() {
        let bar = Bar::new(true);
        bar.stage(Stage::Parsing, 3);
        bar.file_done();
        bar.file_done();
        let inner = bar.bar.as_ref().expect("wanted");
        assert_eq!((inner.position(), inner.length()), (2, Some(3)));
        assert!(inner.is_hidden(), "drawn before {DELAY:?} passed");
        bar.stage(Stage::Checking, 3);
        assert_eq!(inner.position(), 0);
        bar.finish();
    }
}
