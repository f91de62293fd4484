//! The rule registry and the declared passes. Every rule file is registered and documented and
//! has fixtures; and every rule declares the facts it reads: run alone (so the pipeline computes
//! only its `needs`) it finds exactly what it finds in a run of every rule.

use lint_core::config::Config;
use lint_core::engine::{self, LintOptions};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use tenantlint_tests::repo_root;

/// The fixture cases: every `.rs`/`.sql` file and sub-folder of each `fixtures/<group>/`.
fn cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for group in std::fs::read_dir(repo_root().join("fixtures")).unwrap() {
        let group = group.unwrap().path();
        if !group.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&group).unwrap() {
            let case = case.unwrap().path();
            if case.is_dir() || case.extension().is_some_and(|e| e == "rs" || e == "sql") {
                out.push(case);
            }
        }
    }
    out.sort();
    out
}

/// The findings on a case as (rule, where and what), with `only` the rules that run.
fn findings(case: &Path, only: Option<Vec<String>>) -> Vec<(&'static str, String)> {
    let root = if case.is_dir() {
        case.to_path_buf()
    } else {
        case.parent().unwrap().to_path_buf()
    };
    let known = engine::known_rules(tenantlint_rules::ALL);
    let config = Config::discover(case, &known).unwrap_or_default();
    let report = engine::lint(
        LintOptions {
            paths: vec![case.to_path_buf()],
            root,
            config,
            threads: 1,
            inline_suppressions: true,
            only_rules: only,
        },
        tenantlint_rules::ALL,
    );
    report
        .diagnostics
        .iter()
        .map(|d| {
            let at = d.location();
            let suppressed = d.is_suppressed();
            let what = format!(
                "{}:{}:{} {} {suppressed}",
                d.file.rel_path, at.line, at.column, d.message
            );
            (d.rule, what)
        })
        .collect()
}

#[test]
fn each_rule_alone_finds_what_it_finds_among_all() {
    // A worker waiting for the engine's own pool runs other cases meanwhile, nesting them on
    // its stack: the default 2 MiB overflows in a debug build now and then.
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(256 << 20)
        .build()
        .expect("a thread pool");
    let failures: Vec<String> = pool.install(|| {
        cases()
            .par_iter()
            .flat_map_iter(|case| {
                let every = findings(case, None);
                tenantlint_rules::ALL.iter().filter_map(move |rule| {
                    let id = rule.meta().id;
                    let of_rule = |found: &[(&str, String)]| -> Vec<String> {
                        found
                            .iter()
                            .filter(|(r, _)| *r == id)
                            .map(|(_, w)| w.clone())
                            .collect()
                    };
                    let all = of_rule(&every);
                    let alone = of_rule(&findings(case, Some(vec![id.to_string()])));
                    (all != alone).then(|| {
                        format!(
                            "{id} on {}: with every rule {all:#?}, alone {alone:#?}",
                            case.display()
                        )
                    })
                })
            })
            .collect()
    });
    assert!(
        failures.is_empty(),
        "a rule reads a fact it does not declare in `needs: [..]`:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_rule_file_is_registered_documented_and_has_fixtures() {
    let root = repo_root();
    let ids: Vec<&str> = tenantlint_rules::ALL.iter().map(|r| r.meta().id).collect();
    // A rule file is one that declares a rule (`helpers.rs` beside rules holds shared policy).
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root.join("rules/src")) {
        let path = entry.unwrap().into_path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let in_group = path.parent() != Some(root.join("rules/src").as_path());
        let declares = || std::fs::read_to_string(&path).is_ok_and(|t| t.contains("declare_rule!"));
        if in_group && path.extension().is_some_and(|e| e == "rs") && declares() {
            files.push(stem.replace('_', "-"));
        }
    }
    assert!(!files.is_empty(), "no rule files found under rules/src");
    for file in &files {
        assert!(
            ids.contains(&file.as_str()),
            "rules/src/**/{file}.rs is not in rules::ALL"
        );
    }
    for id in &ids {
        assert!(
            files.contains(&id.to_string()),
            "`{id}` has no rule file of its name"
        );
        assert!(
            root.join("docs/rules").join(format!("{id}.md")).is_file(),
            "`{id}` has no docs/rules/{id}.md"
        );
        assert!(
            root.join("fixtures").join(id).is_dir(),
            "`{id}` has no fixtures/{id}/ folder"
        );
    }
}
