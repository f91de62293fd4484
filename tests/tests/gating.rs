//! Gating pull requests on an existing codebase: baselines and `--diff`, end to end on copies
//! of the demo.

mod support;

use support::{demo_copy, demo_repo, edit, git, ANOTHER_SESSION_SETTING, NEW_SESSION_SETTING};
use tenantlint_tests::{repo_root, run_cli};

fn lint(dir: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![dir.to_str().unwrap()];
    args.extend(extra);
    run_cli(&args, dir)
}

/// Writes a baseline of the demo copy and checks that it silences every finding.
fn baselined_demo() -> tempfile::TempDir {
    let dir = demo_copy();
    let (code, _, err) = lint(dir.path(), &[]);
    assert_eq!(code, 1, "the demo has findings at deny level");
    let (code, _, err2) = lint(dir.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(code, 0, "{err}{err2}");
    let (code, out, err) = lint(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("in the baseline"), "{out}");
    dir
}

#[test]
fn a_baseline_accepts_todays_findings() {
    let dir = baselined_demo();
    let (code, out, _) = lint(
        dir.path(),
        &["--baseline", "baseline.json", "--format", "json"],
    );
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 0);
    let suppressed = json["suppressed"].as_array().unwrap();
    assert!(!suppressed.is_empty());
    assert!(suppressed
        .iter()
        .all(|d| d["suppression"]["kind"] == "baseline"));
    assert_eq!(json["summary"]["baselined"], suppressed.len());
}

#[test]
fn a_new_bug_fails_despite_the_baseline() {
    let dir = baselined_demo();
    edit(dir.path().join("src/db.rs"), |t| t + NEW_SESSION_SETTING);
    let (code, out, _) = lint(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("1 error"), "{out}");
    assert!(out.contains("SET SESSION app.tenant_id"), "{out}");
}

#[test]
fn a_duplicated_bug_is_new() {
    let dir = baselined_demo();
    edit(dir.path().join("src/db.rs"), |t| {
        t + ANOTHER_SESSION_SETTING
    });
    let (code, out, _) = lint(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("1 error"), "{out}");
}

#[test]
fn moving_code_keeps_the_baseline() {
    let dir = baselined_demo();
    edit(dir.path().join("src/db.rs"), |t| {
        let at = t.find("/// BUG").expect("the demo's bug");
        format!(
            "{}\n\n/// A new helper above the old code.\npub fn page_size() -> i64 {{\n    50\n}}\n\n\n{}",
            &t[..at],
            // Re-indenting does not change the identity either.
            t[at..].replace("        .bind(tenant_id.to_string())", "            .bind(tenant_id.to_string())")
        )
    });
    let (code, out, err) = lint(
        dir.path(),
        &["--baseline", "baseline.json", "--baseline-strict"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("stale"), "{err}");
}

#[test]
fn fixed_code_leaves_stale_entries_that_strict_mode_rejects() {
    let dir = baselined_demo();
    edit(dir.path().join("src/db.rs"), |t| {
        t.replacen(
            "set_config('app.tenant_id', $1, false)",
            "set_config('app.tenant_id', $1, true)",
            1,
        )
    });
    let (code, out, err) = lint(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("stale baseline entry: tenant-setting-not-local in src/db.rs"),
        "{err}"
    );
    assert!(out.contains("1 stale baseline entry"), "{out}");
    let (code, _, err) = lint(
        dir.path(),
        &["--baseline", "baseline.json", "--baseline-strict"],
    );
    assert_eq!(code, 1, "{err}");
}

#[test]
fn a_broken_baseline_is_a_usage_error() {
    let dir = demo_copy();
    std::fs::write(dir.path().join("baseline.json"), "{\"entries\": 3}").unwrap();
    let (code, _, err) = lint(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid baseline"), "{err}");
}

#[test]
fn diff_mode_reports_only_changed_lines() {
    let dir = demo_repo();
    // The old bug stays; a new one is added, in a committed file and in an untracked one.
    edit(dir.path().join("src/db.rs"), |t| t + NEW_SESSION_SETTING);
    std::fs::write(
        dir.path().join("src/reports.rs"),
        format!("use sqlx::PgPool;\nuse uuid::Uuid;\n{ANOTHER_SESSION_SETTING}"),
    )
    .unwrap();
    let (code, out, err) = lint(dir.path(), &["--diff", "HEAD", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, u64)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let line_of = |file: &str, needle: &str| {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let line = text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1;
        (file.to_string(), line)
    };
    assert_eq!(
        found,
        vec![
            line_of("src/db.rs", "SET SESSION"),
            line_of("src/reports.rs", "set_config")
        ]
    );
    let (_, demo, _) = run_cli(&["fixtures/demo", "--format", "json"], &repo_root());
    let demo: serde_json::Value = serde_json::from_str(&demo).unwrap();
    assert_eq!(
        json["summary"]["outside_diff"].as_u64(),
        Some(demo["diagnostics"].as_array().unwrap().len() as u64),
        "the demo's own bugs are outside the diff"
    );

    // Once committed, nothing changed since HEAD.
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "new bugs"]);
    let (code, out, _) = lint(dir.path(), &["--diff", "HEAD"]);
    assert_eq!(code, 0, "{out}");
    let (code, _, _) = lint(dir.path(), &["--diff", "HEAD~1"]);
    assert_eq!(code, 1);
}

#[test]
fn diff_mode_and_a_baseline_work_together() {
    let dir = demo_repo();
    let (code, _, err) = lint(dir.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(code, 0, "{err}");
    edit(dir.path().join("src/db.rs"), |t| t + NEW_SESSION_SETTING);
    let args = [
        "--diff",
        "HEAD",
        "--baseline",
        "baseline.json",
        "--baseline-strict",
    ];
    let (code, out, err) = lint(dir.path(), &args);
    // Entries for unchanged code still match: nothing is stale, only the new bug is reported.
    assert_eq!(code, 1, "{out}{err}");
    assert!(!err.contains("stale"), "{err}");
    assert!(out.contains("1 error"), "{out}");
    assert!(out.contains("SET SESSION"), "{out}");
}

#[test]
fn diff_mode_needs_a_revision_git_knows() {
    let dir = demo_repo();
    let (code, _, err) = lint(dir.path(), &["--diff", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(err.contains("--diff no-such-branch"), "{err}");
}
