//! The cargo-tenantlint engine. It knows how to find, read and parse files, what facts a file
//! holds, how to configure, suppress and render diagnostics; it knows no rule.
//! `docs/architecture.md` explains the pipeline.

pub mod baseline;
pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod discovery;
pub mod engine;
pub mod engine_rules;
pub mod flow;
pub mod format;
pub mod http;
pub mod ir;
pub mod keys;
pub mod logging;
mod lower;
pub mod model;
pub mod orm;
pub mod parse;
pub mod render;
pub mod request_input;
pub mod rls;
pub mod rule;
pub mod schema;
pub mod secrets;
pub mod source;
pub mod span;
pub mod sql;
pub mod sql_scope;
pub mod sql_sites;
pub mod sql_util;
pub mod suppress;
pub mod taint;
pub mod tenant_inference;
pub mod test_code;
#[cfg(test)]
mod test_support;

pub use sqlparser;

/// Where each rule's documentation page lives.
pub const DOCS_BASE_URL: &str =
    "https://github.com/cargo-tenantlint/cargo-tenantlint/blob/main/docs/rules";
