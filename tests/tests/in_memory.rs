//! `lint_sources`, the in-memory entry point the fuzz targets use, reports what a run on disk
//! reports.

use lint_core::config::Config;
use lint_core::engine::{self, LintOptions};
use tenantlint_tests::repo_root;

#[test]
fn lint_sources_agrees_with_a_run_on_disk() {
    let demo = repo_root().join("fixtures/demo");
    let known = engine::known_rules(tenantlint_rules::ALL);
    let config = || Config::discover(&demo, &known).unwrap();
    let on_disk = engine::lint(
        LintOptions {
            paths: vec![demo.clone()],
            root: demo.clone(),
            config: config(),
            threads: 1,
            inline_suppressions: true,
            only_rules: None,
        },
        tenantlint_rules::ALL,
    );
    let sources = lint_core::discovery::discover(std::slice::from_ref(&demo), &demo, &config())
        .0
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    let in_memory = engine::lint_sources(demo.clone(), config(), sources, tenantlint_rules::ALL);
    let key = |r: &engine::Report| -> Vec<(String, String, u32, u32, String)> {
        r.diagnostics
            .iter()
            .map(|d| {
                (
                    d.rule.to_owned(),
                    d.file.rel_path.clone(),
                    d.primary.span.start,
                    d.primary.span.end,
                    d.message.clone(),
                )
            })
            .collect()
    };
    assert!(!on_disk.diagnostics.is_empty());
    assert_eq!(key(&on_disk), key(&in_memory));
    assert_eq!(
        on_disk.summary.sql_statements,
        in_memory.summary.sql_statements
    );
}
