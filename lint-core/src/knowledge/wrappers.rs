//! Web frameworks' extractor wrappers, by what the value inside is.

/// Hold a value the server put there, not the client: axum `State`/`Extension`, actix
/// `Data`/`ReqData`, rocket `State`.
pub const SERVER_VALUE_WRAPPERS: &[&str] = &["State", "Data", "Extension", "ReqData"];

/// Deserialize the request body or query string: what is inside is client input (axum, actix,
/// poem, rocket `Json`, `Form`, `Query`).
pub const REQUEST_BODY_WRAPPERS: &[&str] = &["Json", "Form", "Query"];
