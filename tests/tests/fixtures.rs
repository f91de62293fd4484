//! The fixture harness. Every file under `fixtures/<name>/` (and every sub-folder, linted as
//! one small workspace) is a test case annotated in place:
//!
//! - `//~ rule-id` at the end of a line: a finding starts on this line;
//! - `//~^ rule-id` (`^^` for two lines up) and `//~v rule-id` (`vv`...) for the lines around;
//! - `--~ rule-id` (and `--~^`, `--~v`) in `.sql` files;
//! - an optional `"substring"` after the rule id must occur in the message.
//!
//! The case fails on any missing or unexpected finding, so unannotated lines are negatives.
//! When `<name>` is a rule id only that rule runs; otherwise every rule runs. A `tenantlint.toml`
//! in the case folder (or in `fixtures/<name>/` for single files) configures it.

use libtest_mimic::{Arguments, Failed, Trial};
use lint_core::config::Config;
use lint_core::engine::{self, LintOptions};
use std::path::{Path, PathBuf};
use tenantlint_tests::repo_root;

fn main() {
    let args = Arguments::from_args();
    let fixtures = repo_root().join("fixtures");
    let mut trials = Vec::new();
    let mut groups: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "demo"))
        .collect();
    groups.sort();
    for group in groups {
        let name = group.file_name().unwrap().to_string_lossy().to_string();
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&group)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rs" || e == "sql"))
            .collect();
        cases.sort();
        for case in cases {
            let test_name = format!("{name}::{}", case.file_name().unwrap().to_string_lossy());
            let rule = name.clone();
            trials.push(Trial::test(test_name, move || run_case(&rule, &case)));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    file: String,
    line: u32,
    rule: String,
    substring: Option<String>,
}

fn run_case(group: &str, case: &Path) -> Result<(), Failed> {
    let root = if case.is_dir() {
        case.to_path_buf()
    } else {
        case.parent().unwrap().to_path_buf()
    };
    let known = engine::known_rules(tenantlint_rules::ALL);
    let config =
        Config::discover(case, &known).map_err(|e| format!("bad fixture config: {}", e.message))?;
    let only_rules = engine::all_metas(tenantlint_rules::ALL)
        .iter()
        .any(|m| m.id == group)
        .then(|| vec![group.to_string()]);
    let report = engine::lint(
        LintOptions {
            paths: vec![case.to_path_buf()],
            root: root.clone(),
            config,
            threads: 1,
            inline_suppressions: true,
            only_rules,
        },
        tenantlint_rules::ALL,
    );

    let mut expected = Vec::new();
    for file in walkdir::WalkDir::new(case).sort_by_file_name() {
        let file = file.map_err(|e| e.to_string())?;
        let path = file.path();
        if path.extension().is_some_and(|e| e == "rs" || e == "sql") {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let rel = engine::rel_path(&root, path);
            expected.extend(annotations(&rel, &text));
        }
    }

    let mut unmatched: Vec<&lint_core::diagnostic::Diagnostic> = report.active().collect();
    let mut missing = Vec::new();
    for exp in &expected {
        let found = unmatched.iter().position(|d| {
            d.rule == exp.rule
                && d.file.rel_path == exp.file
                && d.location().line == exp.line
                && exp
                    .substring
                    .as_ref()
                    .is_none_or(|s| d.message.contains(s.as_str()))
        });
        match found {
            Some(i) => {
                unmatched.remove(i);
            }
            None => missing.push(exp),
        }
    }
    if missing.is_empty() && unmatched.is_empty() {
        return Ok(());
    }
    let mut msg = String::new();
    for m in missing {
        msg += &format!(
            "missing:    {}:{} {}{}\n",
            m.file,
            m.line,
            m.rule,
            m.substring
                .as_ref()
                .map(|s| format!(" {s:?}"))
                .unwrap_or_default()
        );
    }
    for d in unmatched {
        msg += &format!(
            "unexpected: {}:{} {} {:?}\n",
            d.file.rel_path,
            d.location().line,
            d.rule,
            d.message
        );
    }
    Err(msg.into())
}

/// Reads `//~` / `--~` annotations.
fn annotations(rel: &str, text: &str) -> Vec<Expected> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let Some(at) = line.find("//~").or_else(|| line.find("--~")) else {
            continue;
        };
        let rest = &line[at + 3..];
        let ups = rest.chars().take_while(|&c| c == '^').count() as u32;
        let downs = rest.chars().take_while(|&c| c == 'v').count() as u32;
        let rest = rest[(ups + downs) as usize..].trim();
        let (rule, substring) = match rest.split_once(' ') {
            Some((r, s)) => (
                r,
                Some(s.trim().trim_matches('"').to_string()).filter(|s| !s.is_empty()),
            ),
            None => (rest, None),
        };
        let target = line_no - ups + downs;
        out.push(Expected {
            file: rel.to_string(),
            line: target,
            rule: rule.to_string(),
            substring,
        });
    }
    out
}
