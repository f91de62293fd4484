//! `--format github` appends a Markdown table to `$GITHUB_STEP_SUMMARY` when it is set. Its own
//! test binary: the variable is process-wide.

use tenantlint_tests::{repo_root, run_cli};

#[test]
fn the_step_summary_gets_a_table_of_findings() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    std::env::set_var("GITHUB_STEP_SUMMARY", &summary);
    let (code, out, err) = run_cli(&["--format", "github", "fixtures/demo"], &repo_root());
    std::env::remove_var("GITHUB_STEP_SUMMARY");
    assert_eq!(code, 1, "{err}");
    assert!(out.starts_with("::error file="), "{out}");
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n### cargo-tenantlint"),
        "appended: {text}"
    );
    assert!(
        text.contains("| error | `tenant-setting-not-local` |"),
        "{text}"
    );
}
