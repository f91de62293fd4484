//! The cargo-tenantlint engine. It knows how to find, read and parse files, what facts a file
//! holds, how to configure, suppress and render diagnostics; it knows no rule.
//! `docs/architecture.md` explains the pipeline and the layers.
//!
//! Layers, lowest first; a module may import its own layer and lower ones only (pinned by
//! `tests/layers.rs`): `syntax` < `semantic` < `knowledge` < `facts` < `engine` < `output`.

pub mod engine;
pub mod facts;
pub mod knowledge;
pub mod output;
pub mod semantic;
pub mod syntax;
#[cfg(test)]
mod test_support;

// The flat paths every module had before the layer folders; the rules and tests crates and code
// in flight use them. New code names the folder path.
pub use engine::{config, diagnostic, discovery, engine_rules, rule, suppress};
pub use facts::{
    client_reach, http, keys, logging, orm, provenance, request_input, rls, schema, secrets, sql,
    sql_scope, sql_sites, sql_util, taint, tenant_inference,
};
pub use output::{baseline, diff, render};
pub use semantic::bindings as flow;
pub use semantic::test_code;
pub(crate) use syntax::lower;
pub use syntax::{format, ir, model, parse, safe_read, source, span, work};

pub use sqlparser;

/// Where each rule's documentation page lives.
pub const DOCS_BASE_URL: &str =
    "https://github.com/cargo-tenantlint/cargo-tenantlint/blob/main/docs/rules";
