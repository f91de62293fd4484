//! What the workspace's own `macro_rules!` do to the function that invokes them: the linted
//! code is never expanded, so a project's `err!(..)` that expands to `return Err(..)` is known
//! only by reading its definition.

use std::collections::HashSet;

use crate::model::RustFile;

/// The workspace's `macro_rules!` whose rules return from their caller, by name.
#[derive(Debug, Default)]
pub struct ReturningMacros(HashSet<String>);

impl ReturningMacros {
    pub fn build<'a>(files: impl IntoIterator<Item = &'a RustFile>) -> ReturningMacros {
        let names = files
            .into_iter()
            .flat_map(|f| &f.item_macros)
            .filter(|m| m.path.last() == "macro_rules")
            .filter(|m| {
                m.tokens
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| w == "return")
            })
            .filter_map(|m| m.ident.clone())
            .collect();
        ReturningMacros(names)
    }

    /// Whether the workspace's macro of this name returns from the function that invokes it.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains(name)
    }
}
