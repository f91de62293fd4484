//! Whether code is test code: it runs against throwaway databases and fixtures, never on
//! behalf of a tenant, so isolation rules leave it alone.

use crate::ir::{Attr, FnId};
use crate::model::RustFile;
use crate::source::SourceFile;

/// Attributes that mark a test function (`#[test]`, `#[tokio::test]`, `#[sqlx::test]`...).
const TEST_ATTRS: &[&str] = &["test", "rstest", "test_case", "bench"];

/// A file under a `tests/` or `benches/` folder; a function marked as a test; or a function
/// compiled only for tests: itself, its `impl` block or an enclosing inline module under
/// `#[cfg(test)]` (helpers in `mod tests` that lack `#[test]` included).
pub fn is_test_code(source: &SourceFile, rust: Option<&RustFile>, function: Option<FnId>) -> bool {
    if is_test_path(&source.rel_path) {
        return true;
    }
    let (Some(rust), Some(function)) = (rust, function) else {
        return false;
    };
    let tests = rust.test_functions.get_or_init(|| test_functions(rust));
    rust.work.charge(1);
    tests.get(function.0 as usize).copied().unwrap_or(false)
}

/// Per function of the file, whether it is compiled only for tests or marked as a test: worked
/// out once per file, so asking per SQL site or cache call does not scan every `impl` and
/// module again (a file of many `impl` blocks, each with a query, made that quadratic).
fn test_functions(rust: &RustFile) -> Vec<bool> {
    let mut tests: Vec<bool> = rust
        .functions
        .iter()
        .map(|f| {
            f.attrs
                .iter()
                .any(|a| TEST_ATTRS.contains(&a.path.last()) || is_cfg_test(a))
        })
        .collect();
    for i in rust
        .impls
        .iter()
        .filter(|i| i.attrs.iter().any(is_cfg_test))
    {
        for f in &i.functions {
            if let Some(t) = tests.get_mut(f.0 as usize) {
                *t = true;
            }
        }
    }
    let test_modules: Vec<_> = rust
        .modules
        .iter()
        .filter(|m| m.attrs.iter().any(is_cfg_test))
        .collect();
    let mut units = rust.functions.len() + rust.impls.len() + rust.modules.len();
    if !test_modules.is_empty() {
        units += rust.functions.len() * test_modules.len();
        for (f, t) in rust.functions.iter().zip(tests.iter_mut()) {
            *t |= test_modules.iter().any(|m| m.span.contains(f.span));
        }
    }
    rust.work.charge(units as u64);
    tests
}

/// `#[cfg(test)]`, or any `cfg` whose predicate cannot hold outside a test build
/// (`all(test, feature = "x")`, `any(test, all(test, unix))`; not `not(test)`).
fn is_cfg_test(attr: &Attr) -> bool {
    attr.path.is_ident("cfg") && requires_test(&mut CfgTokens::new(&attr.tokens))
}

/// The tokens of a `cfg` predicate: identifiers, string literals, `(`, `)`, `,`, `=`.
struct CfgTokens<'a> {
    rest: &'a str,
}

impl<'a> CfgTokens<'a> {
    fn new(text: &'a str) -> Self {
        CfgTokens { rest: text }
    }

    fn peek(&self) -> Option<char> {
        self.rest.trim_start().chars().next()
    }

    fn bump(&mut self) -> Option<&'a str> {
        let s = self.rest.trim_start();
        let c = s.chars().next()?;
        let len = if c == '"' {
            s[1..].find('"').map_or(s.len(), |i| i + 2)
        } else if c.is_alphanumeric() || c == '_' {
            s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(s.len())
        } else {
            c.len_utf8()
        };
        self.rest = &s[len..];
        Some(&s[..len])
    }
}

/// Reads one predicate and says whether it holds only when `test` is set.
fn requires_test(tokens: &mut CfgTokens) -> bool {
    let Some(name) = tokens.bump() else {
        return false;
    };
    match tokens.peek() {
        Some('(') => {
            tokens.bump();
            let mut parts = Vec::new();
            while !matches!(tokens.peek(), Some(')') | None) {
                parts.push(requires_test(tokens));
                if tokens.peek() == Some(',') {
                    tokens.bump();
                }
            }
            tokens.bump();
            match name {
                "all" => parts.iter().any(|p| *p),
                "any" => !parts.is_empty() && parts.iter().all(|p| *p),
                _ => false,
            }
        }
        Some('=') => {
            tokens.bump();
            tokens.bump();
            false
        }
        _ => name == "test",
    }
}

/// `tests/`, `benches/`, `src/tests.rs`, `foo_test.rs`.
pub fn is_test_path(rel_path: &str) -> bool {
    let lower = rel_path.to_ascii_lowercase();
    let mut parts = lower.split('/').rev();
    let name = parts.next().unwrap_or("");
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    parts.any(|c| c == "tests" || c == "benches")
        || stem == "tests"
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileKind;

    #[test]
    fn test_paths() {
        assert!(is_test_path("crates/api/tests/jobs.rs"));
        assert!(is_test_path("backend/tests/fixtures/seed.sql"));
        assert!(is_test_path("src/db/tests.rs"));
        assert!(is_test_path("src/users_test.rs"));
        assert!(!is_test_path("src/testing_mode.rs"));
        assert!(!is_test_path("src/latest.rs"));
    }

    #[test]
    fn cfg_predicates() {
        let holds_only_in_tests = |p: &str| requires_test(&mut CfgTokens::new(p));
        assert!(holds_only_in_tests("test"));
        assert!(holds_only_in_tests("all(test, feature = \"pg\")"));
        assert!(holds_only_in_tests("all (feature = \"pg\" , test)"));
        assert!(holds_only_in_tests("any(test, all(unix, test))"));
        assert!(!holds_only_in_tests("not(test)"));
        assert!(!holds_only_in_tests("any(test, feature = \"testing\")"));
        assert!(!holds_only_in_tests("feature = \"test\""));
        assert!(!holds_only_in_tests("unix"));
        assert!(!holds_only_in_tests(""));
    }

    #[test]
    fn functions_compiled_only_for_tests() {
        let text = r#"
fn served() {}
#[test]
fn marked() {}
#[cfg(test)]
fn helper_fn() {}
#[cfg(test)]
mod tests {
    fn seed() {}
    mod nested { fn deeper() {} }
}
#[cfg(all(test, feature = "pg"))]
impl Store { fn fixture(&self) {} }
#[cfg(not(test))]
mod live { fn handler() {} }
impl Store { fn query(&self) {} }
"#;
        let rust = crate::parse::parse_rust(text).unwrap();
        let source = SourceFile::new(
            "src/lib.rs".into(),
            "src/lib.rs".into(),
            FileKind::Rust,
            text.into(),
        );
        let test_fns: Vec<&str> = rust
            .function_ids()
            .filter(|f| is_test_code(&source, Some(&rust), Some(*f)))
            .map(|f| rust.function(f).name.name.as_str())
            .collect();
        assert_eq!(
            test_fns,
            ["marked", "helper_fn", "seed", "deeper", "fixture"]
        );
        assert!(!is_test_code(&source, Some(&rust), None));
    }
}
