//! Layer 4, facts: what a workspace holds that rules ask about: SQL sites and their tenant
//! scoping, schema and RLS, ORM queries, tenant keys, request input, taint, HTTP routes, logging
//! and secrets. Reads `syntax`, `semantic` and `knowledge`.

pub mod client_reach;
pub mod decisions;
pub mod http;
pub mod key_lookups;
pub mod keys;
pub mod logging;
pub mod orm;
pub mod passes;
pub mod provenance;
pub mod request_input;
pub mod rls;
pub mod schema;
pub mod secrets;
pub mod sql;
pub mod sql_query_files;
pub mod sql_scope;
pub mod sql_sites;
pub mod sql_util;
pub mod taint;
pub mod tenant_inference;
pub mod workspace;
