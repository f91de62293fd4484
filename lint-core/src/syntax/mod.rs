//! Layer 1, syntax: source text, spans, the lowered IR and the per-file model, parsing, and
//! `format!` templates. Knows nothing of tenants, facts or rules; imports no other layer.

pub mod format;
pub mod ir;
pub(crate) mod lower;
pub mod model;
pub mod parse;
pub mod safe_read;
pub mod source;
pub mod span;
pub mod work;
