//! Layer 3, knowledge: tables of public library APIs (web frameworks' extractors, database
//! clients' query methods, caches, object stores, loggers) and what each one means to the facts.
//! The tables still live beside the facts that read them; their owners move them here. Holds
//! data about public crates only, never an identifier of a linted project. Imports `syntax` and
//! `semantic` only.

pub mod file_locations;
pub mod http;
pub mod patterns;
pub mod secret_wrappers;
pub mod server_values;
pub mod std_moves;
pub mod wrappers;

/// The entry of a `(qualifier, function)` table that a call path names by its last two
/// segments: `regex::Regex::new` and `Regex::new` both name `("Regex", "new")`.
pub fn by_last_two<'t>(
    table: &'t [(&'static str, &'static str)],
    path: &[String],
) -> Option<&'t (&'static str, &'static str)> {
    let [.., q, f] = path else { return None };
    table.iter().find(|(t, name)| t == q && name == f)
}
