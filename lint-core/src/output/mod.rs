//! Layer 6, output: renderers, baselines and diffs of a finished report. The engine never
//! imports this layer; the CLI hands the report from one to the other.

pub mod baseline;
pub mod diff;
pub mod render;
