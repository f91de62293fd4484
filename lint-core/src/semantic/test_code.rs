//! Whether code is test code: it runs against throwaway databases and fixtures, never on
//! behalf of a tenant, so isolation rules leave it alone.

use crate::facts::workspace::AnalyzedFile;
use crate::ir::FnId;

/// Attributes that mark a test function (`#[test]`, `#[tokio::test]`, `#[sqlx::test]`...).
const TEST_ATTRS: &[&str] = &["test", "rstest", "test_case", "bench"];

/// A file under a `tests/` or `benches/` folder, or a function marked as a test.
pub fn is_test_code(file: &AnalyzedFile, function: Option<FnId>) -> bool {
    if is_test_path(&file.source.rel_path) {
        return true;
    }
    let (Some(rust), Some(function)) = (&file.rust, function) else {
        return false;
    };
    rust.function(function)
        .attrs
        .iter()
        .any(|a| TEST_ATTRS.contains(&a.path.last()))
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

    #[test]
    fn test_paths() {
        assert!(is_test_path("crates/api/tests/jobs.rs"));
        assert!(is_test_path("backend/tests/fixtures/seed.sql"));
        assert!(is_test_path("src/db/tests.rs"));
        assert!(is_test_path("src/users_test.rs"));
        assert!(!is_test_path("src/testing_mode.rs"));
        assert!(!is_test_path("src/latest.rs"));
    }
}
