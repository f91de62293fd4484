//! The command line, run in-process: exit codes, configuration errors, parse errors, the
//! subcommands.

mod support;
use std::path::Path;
use support::write;
use tenantlint_tests::{repo_root, run_cli};

const SESSION_SET: &str =
    "fn f(pool: &sqlx::PgPool) {\n    sqlx::query(\"SET app.tenant_id = 'a'\").execute(pool);\n}\n";

#[test]
fn demo_exits_1_with_findings() {
    let (code, out, _) = run_cli(
        &["tenantlint", "fixtures/demo", "--color", "never"],
        &repo_root(),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tenant-setting-not-local"), "{out}");
    assert!(out.lines().last().unwrap().contains("error"), "{out}");
}

#[test]
fn demo_json_has_the_documented_fields() {
    let (code, out, _) = run_cli(&["fixtures/demo", "--format", "json"], &repo_root());
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(json["version"], 1);
    let first = &json["diagnostics"][0];
    for key in [
        "rule",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "help",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert!(
        first["file"].as_str().unwrap().starts_with("src/")
            || first["file"].as_str().unwrap().starts_with("migrations/")
    );
    assert!(json["summary"]["sql_statements"].as_u64().unwrap() > 0);
}

#[test]
fn empty_folder_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_cli(&[dir.path().to_str().unwrap()], dir.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 errors, 0 warnings in 0 files"), "{out}");
}

#[test]
fn no_path_lints_the_workspace_of_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\"]\n",
    );
    write(dir.path(), "app/Cargo.toml", "[package]\nname = \"app\"\n");
    write(dir.path(), "app/src/lib.rs", SESSION_SET);
    let (code, out, _) = run_cli(&["--format", "json"], &dir.path().join("app/src"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"file\": \"app/src/lib.rs\""), "{out}");
    let manifest = dir.path().join("app/Cargo.toml");
    let (code, _, _) = run_cli(
        &["--manifest-path", manifest.to_str().unwrap()],
        Path::new("/"),
    );
    assert_eq!(code, 1);
}

#[test]
fn levels_and_deny_warnings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", SESSION_SET);
    write(
        dir.path(),
        "tenantlint.toml",
        "[rules]\ntenant-setting-not-local = \"warn\"\n",
    );
    let p = dir.path().to_str().unwrap();
    let (code, out, _) = run_cli(&[p], dir.path());
    assert_eq!(code, 0, "a warning alone passes: {out}");
    let (code, _, _) = run_cli(&[p, "--deny-warnings"], dir.path());
    assert_eq!(code, 1);
    write(
        dir.path(),
        "tenantlint.toml",
        "[rules]\ntenant-setting-not-local = \"allow\"\n",
    );
    let (code, out, _) = run_cli(&[p], dir.path());
    assert_eq!(code, 0);
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
}

#[test]
fn overrides_apply_per_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/admin/lib.rs", SESSION_SET);
    write(dir.path(), "src/lib.rs", SESSION_SET);
    write(
        dir.path(),
        "tenantlint.toml",
        "[[overrides]]\nfiles = [\"src/admin/**\"]\nrules = { tenant-setting-not-local = \"allow\" }\n",
    );
    let (code, out, _) = run_cli(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        dir.path(),
    );
    assert_eq!(code, 1);
    assert!(out.contains("\"file\": \"src/lib.rs\""), "{out}");
    assert!(!out.contains("src/admin/lib.rs"), "{out}");
}

#[test]
fn exclude_and_gitignore_skip_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "benches/b.rs", SESSION_SET);
    write(dir.path(), "generated/g.rs", SESSION_SET);
    write(dir.path(), "target/debug/t.rs", SESSION_SET);
    // Cargo's build folder is known by the tag cargo writes, not by its name.
    write(
        dir.path(),
        "target/CACHEDIR.TAG",
        "Signature: 8a477f597d28d172789f06886806bc55\n",
    );
    write(dir.path(), ".gitignore", "generated/\n");
    write(
        dir.path(),
        "tenantlint.toml",
        "exclude = [\"benches/**\"]\n",
    );
    let (code, out, _) = run_cli(&[dir.path().to_str().unwrap()], dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("in 0 files"), "{out}");
}

#[test]
fn bad_config_exits_2_with_a_span_into_the_toml() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", "fn ok() {}\n");
    let cases = [
        (
            "tenant-colums = [\"org_id\"]\n",
            "unknown key `tenant-colums`",
        ),
        ("tenant-columns = \"org_id\"\n", "invalid type"),
        (
            "[rules]\nquery-missing-tenant-filtr = \"deny\"\n",
            "unknown rule",
        ),
        (
            "[rules]\ntenant-setting-not-local = \"loud\"\n",
            "tenant-setting-not-local",
        ),
        (
            "[rules]\ntenant-setting-not-local = { level = \"warn\", colour = 1 }\n",
            "unknown option",
        ),
        ("exclude = [\"[\"]\n", "invalid glob"),
    ];
    for (toml, expected) in cases {
        write(dir.path(), "tenantlint.toml", toml);
        let (code, out, err) = run_cli(
            &[dir.path().to_str().unwrap(), "--color", "never"],
            dir.path(),
        );
        assert_eq!(code, 2, "{toml}: {out}{err}");
        assert!(
            err.contains(expected),
            "{toml}: expected {expected:?} in {err}"
        );
        assert!(
            err.contains("tenantlint.toml:"),
            "{toml}: no location in {err}"
        );
    }
}

#[test]
fn empty_config_file_is_the_default_config() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", SESSION_SET);
    write(dir.path(), "tenantlint.toml", "");
    let (code, _, err) = run_cli(&[dir.path().to_str().unwrap()], dir.path());
    assert_eq!(code, 1, "{err}");
}

#[test]
fn cargo_metadata_config_is_read() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", SESSION_SET);
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"x\"\n\n[package.metadata.tenantlint]\nrules = { tenant-setting-not-local = \"allow\" }\n",
    );
    let (code, _, _) = run_cli(&[dir.path().to_str().unwrap()], dir.path());
    assert_eq!(code, 0);
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"x\"\n\n[package.metadata.tenantlint]\ntenant-column = \"org_id\"\n",
    );
    let (code, _, err) = run_cli(
        &[dir.path().to_str().unwrap(), "--color", "never"],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("Cargo.toml:"), "{err}");
}

#[test]
fn a_file_that_does_not_parse_does_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/broken.rs", "fn broken( {\n");
    write(dir.path(), "src/lib.rs", SESSION_SET);
    std::fs::write(dir.path().join("src/latin1.rs"), b"// caf\xe9\nfn f() {}\n").unwrap();
    let (code, out, _) = run_cli(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        dir.path(),
    );
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<(&str, &str)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap(), d["file"].as_str().unwrap()))
        .collect();
    assert!(
        rules.contains(&("parse-error", "src/broken.rs")),
        "{rules:?}"
    );
    assert!(rules.contains(&("io-error", "src/latin1.rs")), "{rules:?}");
    assert!(
        rules.contains(&("tenant-setting-not-local", "src/lib.rs")),
        "{rules:?}"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", SESSION_SET);
    std::os::unix::fs::symlink(dir.path().join("src"), dir.path().join("src/loop")).unwrap();
    let (code, out, _) = run_cli(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("symbolic link loop"), "{out}");
    assert!(out.contains("tenant-setting-not-local"), "{out}");
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let root = repo_root();
    assert_eq!(run_cli(&["--format", "xml"], &root).0, 2);
    assert_eq!(run_cli(&["explain"], &root).0, 2);
    let (code, out, _) = run_cli(&["--help"], &root);
    assert_eq!(code, 0);
    assert!(out.contains("--no-inline-suppressions"), "{out}");
    let (code, out, _) = run_cli(&["tenantlint", "--version"], &root);
    assert_eq!(code, 0);
    assert!(out.contains(env!("CARGO_PKG_VERSION")), "{out}");
}

#[test]
fn rules_lists_the_catalog() {
    let (code, out, _) = run_cli(&["rules"], &repo_root());
    assert_eq!(code, 0);
    for rule in tenantlint_rules::ALL {
        assert!(out.contains(rule.meta().id), "{out}");
    }
    let (code, out, _) = run_cli(&["rules", "--format", "json"], &repo_root());
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The catalog and the engine's own diagnostics, which are configured the same way.
    assert_eq!(
        json.as_array().unwrap().len(),
        lint_core::engine::all_metas(tenantlint_rules::ALL).len()
    );
    assert!(json[0]["default_level"].is_string());
}

#[test]
fn explain_prints_the_rule_doc() {
    let (code, out, _) = run_cli(&["explain", "tenant-setting-not-local"], &repo_root());
    assert_eq!(code, 0);
    assert!(out.contains("## Why is this bad?"), "{out}");
    assert!(out.contains("SET LOCAL"), "{out}");
    let (code, _, err) = run_cli(&["explain", "no-such-rule"], &repo_root());
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule"));
}

#[test]
fn config_prints_the_effective_configuration() {
    let (code, out, _) = run_cli(&["config", "fixtures/demo"], &repo_root());
    assert_eq!(code, 0);
    assert!(out.contains("[package.metadata.tenantlint]"), "{out}");
    assert!(out.contains("global-tables = [\"plans\"]"), "{out}");
    assert!(
        out.contains("documents  (migrations/0001_init.sql:"),
        "{out}"
    );
    assert!(
        !out.contains("plans  ("),
        "a global table is not tenant-scoped: {out}"
    );
}

#[test]
fn no_inline_suppressions_ignores_them() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "src/lib.rs",
        "fn f(pool: &sqlx::PgPool) {\n    // tenantlint: allow(tenant-setting-not-local) -- bootstrap connection\n    sqlx::query(\"SET app.tenant_id = 'a'\").execute(pool);\n}\n",
    );
    let p = dir.path().to_str().unwrap();
    let (code, out, _) = run_cli(&[p], dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 suppressed"), "{out}");
    let (code, _, _) = run_cli(&[p, "--no-inline-suppressions"], dir.path());
    assert_eq!(code, 1);
}

#[test]
fn unparsable_statements_are_one_line_in_human_output_and_listed_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "src/queries.rs",
        "fn q(pool: &sqlx::PgPool) {\n    sqlx::query(\"SELEC * FROM documents\").execute(pool);\n    sqlx::query(\"UPDAT documents SET x = 1\").execute(pool);\n}\n",
    );
    let root = dir.path().to_str().unwrap();
    let (_, out, _) = run_cli(&[root, "--color", "never"], dir.path());
    assert!(
        out.contains("2 statements could not be parsed; `--show-unparsed` lists them"),
        "{out}"
    );
    assert!(
        !out.contains("[sql-parse-error]") && !out.contains("sql-parse-error:"),
        "{out}"
    );
    let (_, out, _) = run_cli(&[root, "--color", "never", "--show-unparsed"], dir.path());
    assert!(out.contains("sql-parse-error"), "{out}");
    assert!(!out.contains("could not be parsed;"), "{out}");
    let (_, out, _) = run_cli(&[root, "--format", "json"], dir.path());
    let json: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(json["summary"]["sql_unparsable"], 2, "{out}");
    let listed = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "sql-parse-error")
        .count();
    assert_eq!(listed, 2, "{out}");
    let (_, out, _) = run_cli(&[root, "--format", "sarif"], dir.path());
    let sarif: serde_json::Value = serde_json::from_str(&out).expect("valid SARIF");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let listed = results
        .iter()
        .filter(|r| r["ruleId"] == "sql-parse-error")
        .count();
    assert_eq!(listed, 2, "{out}");
}

#[test]
fn config_names_the_migration_that_made_each_tenant_table() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "tenantlint.toml",
        "tenant-columns = [\"org_id\"]\n",
    );
    write(
        dir.path(),
        "migrations/0001_init.sql",
        "CREATE TABLE projects (id UUID PRIMARY KEY, org_id UUID NOT NULL);\nCREATE TABLE notes (id UUID PRIMARY KEY);\n",
    );
    write(
        dir.path(),
        "migrations/0002_notes_org.sql",
        "-- notes become tenant data here\nALTER TABLE notes ADD COLUMN org_id UUID;\n",
    );
    let (code, out, err) = run_cli(&["config", dir.path().to_str().unwrap()], dir.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("projects  (migrations/0001_init.sql:1)"),
        "{out}"
    );
    assert!(
        out.contains("notes  (`org_id` added at migrations/0002_notes_org.sql:2)"),
        "{out}"
    );
}
