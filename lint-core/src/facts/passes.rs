//! Analyses as declared passes. A rule names the workspace facts it reads (`needs: [..]` in
//! `declare_rule!`); the pipeline computes those of the enabled rules and no others. A fact
//! that was not computed still reads as empty in a release build, but a debug build (every
//! test) panics on the read, so an undeclared need is a test failure, not a silent miss.

use std::ops::Deref;

/// A fact a rule may need beyond the always-computed ones (files, their models and SQL sites,
/// the schema with the ORM's table declarations, consts, the tenant vocabulary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fact {
    /// `Workspace::keys` and `AnalyzedFile::key_sinks`: cache and storage calls and their keys.
    KeySinks,
    /// `Workspace::flow_index` and `AnalyzedFile::request_flows`: where request values go.
    RequestFlows,
    /// `AnalyzedFile::logging` and `Workspace::credential_types`: what log calls record.
    Logging,
    /// The ORM query side of `Workspace::orm`: tenant-scoping helpers of diesel and sea-orm.
    OrmQueries,
    /// `Workspace::key_lookups`: the columns the workspace's queries address rows by.
    KeyLookups,
}

impl Fact {
    /// The passes in the order the pipeline runs them: each after the passes it reads (see
    /// [`Fact::with_inputs`]); the read check below catches a wrong order.
    pub const ALL: [Fact; 5] = [
        Fact::OrmQueries,
        Fact::KeyLookups,
        Fact::Logging,
        Fact::KeySinks,
        Fact::RequestFlows,
    ];

    /// The fact and the facts its pass reads: request flows follow values into cache and
    /// storage keys, so they need the key sinks.
    pub fn with_inputs(self) -> &'static [Fact] {
        match self {
            Fact::RequestFlows => &[Fact::KeySinks, Fact::RequestFlows],
            Fact::KeySinks => &[Fact::KeySinks],
            Fact::Logging => &[Fact::Logging],
            Fact::OrmQueries => &[Fact::OrmQueries],
            Fact::KeyLookups => &[Fact::KeyLookups],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Fact::KeySinks => "key-sinks",
            Fact::RequestFlows => "request-flows",
            Fact::Logging => "logging",
            Fact::OrmQueries => "orm-queries",
            Fact::KeyLookups => "key-lookups",
        }
    }
}

/// The output of a pass: the value once the pass ran, an empty one otherwise.
#[derive(Debug, Default)]
pub struct Computed<T> {
    value: T,
    done: bool,
}

impl<T> Computed<T> {
    pub fn new(value: T) -> Self {
        Computed { value, done: true }
    }

    /// A placeholder for a pass that did not run, holding what the run knows without it.
    pub fn skipped(value: T) -> Self {
        Computed { value, done: false }
    }

    pub fn is_computed(&self) -> bool {
        self.done
    }

    /// The value, computed or not: for the pass that completes it.
    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T> Deref for Computed<T> {
    type Target = T;

    fn deref(&self) -> &T {
        debug_assert!(
            self.done,
            "{} was read but its pass did not run: add the fact to the rule's `needs: [..]`",
            std::any::type_name::<T>()
        );
        &self.value
    }
}

impl<'a, T> IntoIterator for &'a Computed<Vec<T>> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.deref().iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_run_after_their_inputs() {
        let at = |f: &Fact| Fact::ALL.iter().position(|x| x == f).unwrap();
        for fact in Fact::ALL {
            for input in fact.with_inputs() {
                assert!(at(input) <= at(&fact), "{:?} before {:?}", input, fact);
            }
        }
    }

    #[test]
    fn a_computed_value_reads_through() {
        let v = Computed::new(vec![1, 2]);
        assert!(v.is_computed());
        assert_eq!((&v).into_iter().sum::<i32>(), 3);
    }

    #[test]
    #[should_panic(expected = "its pass did not run")]
    fn reading_a_skipped_pass_fails_in_tests() {
        let v: Computed<Vec<u8>> = Computed::default();
        let _ = v.len();
    }
}
