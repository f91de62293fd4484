//! The work spent on one file, counted in units instead of timed: a node lowered or visited by
//! a walk, a `let` examined to answer a def-use query, a unit of SQL text rebuilt, a statement
//! folded into the schema. The count depends only on the input, never on the machine or the
//! thread count, so tests can bound how work grows with the input and the engine can stop
//! analysing a file that went past [`Work::CAP`].
//!
//! One meter per file, shared by its `SourceFile` and its `RustFile`. It is atomic because the
//! workspace passes read a file from several threads; the count is a sum, so the order of the
//! additions does not change it. Hot loops add once per walk, not once per node.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Work(AtomicU64);

impl Work {
    /// The units one file may spend before the engine stops analysing it. The costliest files
    /// of the real backends measured (windmill, openobserve, hyperswitch) spend under 1/100 of
    /// it (about 1M units); a release build spends about 2.5M units a second.
    pub const CAP: u64 = 1 << 27;

    /// Counts `units` more of work on the file.
    pub fn charge(&self, units: u64) {
        self.0.fetch_add(units, Ordering::Relaxed);
    }

    /// The units spent so far.
    pub fn spent(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Whether the file went past `cap`.
    pub fn over(&self, cap: u64) -> bool {
        self.spent() > cap
    }
}
