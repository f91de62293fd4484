//! A new user's first run: tenant inference with no configuration, paths that mean the same
//! from any folder, and the flags other linters have taught users to expect.

mod support;
use support::write;

use tenantlint_tests::{redact_elapsed, repo_root, run_cli};

/// Organizations own projects and invoices through `org_id`; plans are shared.
const ORG_SCHEMA: &str = "\
CREATE TABLE organization (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE project (id uuid PRIMARY KEY, org_id uuid NOT NULL REFERENCES organization (id), name text NOT NULL);
CREATE TABLE invoice (id uuid PRIMARY KEY, org_id uuid NOT NULL, total integer NOT NULL);
ALTER TABLE invoice ADD CONSTRAINT fk_invoice_org FOREIGN KEY (org_id) REFERENCES organization (id);
CREATE TABLE plan (id uuid PRIMARY KEY, name text NOT NULL);
";

const ORG_QUERIES: &str = r#"
pub async fn every_invoice(axum::extract::State(pool): axum::extract::State<sqlx::PgPool>) {
    let _ = sqlx::query("SELECT id, total FROM invoice").fetch_all(&pool).await;
}

use axum::routing::get;

pub fn routes() -> axum::Router<sqlx::PgPool> {
    axum::Router::new().route("/invoices", get(every_invoice))
}

pub async fn one_org(pool: &sqlx::PgPool, org: uuid::Uuid) {
    let _ = sqlx::query("SELECT id, total FROM invoice WHERE org_id = $1")
        .bind(org)
        .fetch_all(pool)
        .await;
}
"#;

fn org_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\"]\n",
    );
    write(dir.path(), "app/Cargo.toml", "[package]\nname = \"app\"\n");
    write(dir.path(), "migrations/0001_init.sql", ORG_SCHEMA);
    write(dir.path(), "app/src/lib.rs", ORG_QUERIES);
    dir
}

/// (rule, file, line) of every finding in a JSON report.
fn findings(json: &str) -> Vec<(String, String, u64)> {
    let json: serde_json::Value = serde_json::from_str(json).expect("JSON output");
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn with_no_configuration_the_tenant_column_is_inferred_from_the_schema() {
    let dir = org_workspace();
    let (code, inferred_json, err) = run_cli(&["--format", "json"], dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(err.is_empty(), "machine output keeps stderr quiet: {err}");
    let inferred = findings(&inferred_json);
    assert!(
        inferred.contains(&(
            "query-missing-tenant-filter".into(),
            "app/src/lib.rs".into(),
            3
        )),
        "{inferred:?}"
    );

    let (code, human, _) = run_cli(&["--color", "never"], dir.path());
    assert_eq!(code, 1);
    assert!(
        human.lines().next().unwrap().starts_with(
            "note: assuming tenant column `org_id`: on 2 of 4 tables, references `organization`"
        ),
        "{human}"
    );
    // With the report in a file, the console says it.
    let sarif = dir.path().join("x.sarif");
    let (_, _, err) = run_cli(
        &["--format", "sarif", "-o", sarif.to_str().unwrap()],
        dir.path(),
    );
    assert!(
        err.starts_with("note: assuming tenant column `org_id`"),
        "{err}"
    );
    let (_, config, _) = run_cli(&["config"], dir.path());
    assert!(
        config.contains("# assuming tenant column `org_id`"),
        "{config}"
    );
    assert!(config.contains("tenant-columns = [\"org_id\"]"), "{config}");

    write(
        dir.path(),
        "tenantlint.toml",
        "tenant-columns = [\"org_id\"]\n",
    );
    let (code, configured_json, _) = run_cli(&["--format", "json"], dir.path());
    assert_eq!(code, 1);
    assert_eq!(findings(&configured_json), inferred);
    let (_, human, _) = run_cli(&["--color", "never"], dir.path());
    assert!(
        !human.contains("assuming"),
        "a configured run infers nothing: {human}"
    );
}

#[test]
fn a_schema_with_no_tenant_structure_says_so_and_how_to_configure() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", "[package]\nname = \"app\"\n");
    write(
        dir.path(),
        "migrations/0001_init.sql",
        "CREATE TABLE note (id uuid PRIMARY KEY, body text);\nCREATE TABLE tag (id uuid PRIMARY KEY, label text);\n",
    );
    write(dir.path(), "src/lib.rs", "pub fn f() {}\n");
    let (code, out, _) = run_cli(&["--color", "never"], dir.path());
    assert_eq!(code, 0, "{out}");
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("note: no tenant table found in 2 tables"),
        "{first}"
    );
    assert!(
        first.contains("set `tenant-columns` in tenantlint.toml"),
        "{first}"
    );
}

#[test]
fn init_writes_a_starter_file_from_the_inference_and_keeps_an_existing_one() {
    let dir = org_workspace();
    let (code, out, err) = run_cli(&["init"], &dir.path().join("app"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("wrote"), "{out}");
    let text = std::fs::read_to_string(dir.path().join("tenantlint.toml")).unwrap();
    assert!(text.contains("tenant-columns = [\"org_id\"]"), "{text}");
    assert!(text.contains("# global-tables = [\"plan\"]"), "{text}");
    // The file it writes is a valid configuration that means what the inference meant.
    let (code, out, _) = run_cli(&["--color", "never"], dir.path());
    assert_eq!(code, 1);
    assert!(!out.contains("assuming"), "{out}");

    std::fs::write(dir.path().join("tenantlint.toml"), "# mine\n").unwrap();
    let (code, _, err) = run_cli(&["init"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tenantlint.toml")).unwrap(),
        "# mine\n"
    );
    let (code, _, _) = run_cli(&["init", "--force"], dir.path());
    assert_eq!(code, 0);
    assert!(std::fs::read_to_string(dir.path().join("tenantlint.toml"))
        .unwrap()
        .contains("org_id"));
}

const SESSION_SET: &str =
    "pub fn f(pool: &sqlx::PgPool) {\n    sqlx::query(\"SET app.tenant_id = 'a'\").execute(pool);\n}\n";

/// A repository whose cargo workspace is in `server/` with the configuration at the top, as
/// svix-webhooks has it.
fn nested_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "tenantlint.toml",
        "exclude = [\"server/app/src/generated/**\"]\n\n\
         [[overrides]]\nfiles = [\"server/app/src/admin/**\"]\nrules = { tenant-setting-not-local = \"allow\" }\n",
    );
    write(
        dir.path(),
        "server/Cargo.toml",
        "[workspace]\nmembers = [\"app\"]\n",
    );
    write(
        dir.path(),
        "server/app/Cargo.toml",
        "[package]\nname = \"app\"\nworkspace = \"..\"\n",
    );
    write(dir.path(), "server/app/src/lib.rs", SESSION_SET);
    write(dir.path(), "server/app/src/generated/api.rs", SESSION_SET);
    write(dir.path(), "server/app/src/admin/tools.rs", SESSION_SET);
    dir
}

#[test]
fn the_same_configuration_means_the_same_from_the_root_and_from_a_member() {
    let dir = nested_workspace();
    let from_root = run_cli(&["--format", "json"], dir.path());
    let from_server = run_cli(&["--format", "json"], &dir.path().join("server"));
    let from_member = run_cli(&["--format", "json"], &dir.path().join("server/app/src"));
    assert_eq!(from_root.0, 1, "{}", from_root.2);
    let expected = vec![(
        "tenant-setting-not-local".to_string(),
        "server/app/src/lib.rs".to_string(),
        2,
    )];
    assert_eq!(findings(&from_root.1), expected);
    assert_eq!(findings(&from_server.1), expected);
    assert_eq!(findings(&from_member.1), expected);

    let (code, _, err) = run_cli(&["--write-baseline", "baseline.json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let baseline = dir.path().join("baseline.json");
    let (code, out, err) = run_cli(
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--baseline-strict",
        ],
        &dir.path().join("server/app"),
    );
    assert_eq!(
        code, 0,
        "the root's baseline matches from a member: {out}{err}"
    );
    assert!(!err.contains("stale"), "{err}");
    assert!(out.contains("1 in the baseline"), "{out}");
}

#[test]
fn the_workspace_root_comes_from_the_manifests_not_their_text() {
    let dir = tempfile::tempdir().unwrap();
    // `[workspace]` only in a comment and a string: not a workspace.
    write(
        dir.path(),
        "Cargo.toml",
        "# [workspace]\n[package]\nname = \"outer\"\ndescription = \"\"\"\n[workspace]\n\"\"\"\n",
    );
    write(
        dir.path(),
        "inner/Cargo.toml",
        "[workspace.package]\nversion = \"1.0.0\"\n",
    );
    assert_eq!(
        cargo_tenantlint::workspace_root(&dir.path().join("inner/src")),
        dir.path().join("inner")
    );
    assert_eq!(
        cargo_tenantlint::workspace_root(&dir.path().join("src")),
        dir.path().to_path_buf()
    );
}

fn demo(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["fixtures/demo", "--color", "never"];
    all.extend_from_slice(args);
    run_cli(&all, &repo_root())
}

fn rules_in_concise(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.split_once('[')?.1.split_once(']'))
        .map(|(rule, _)| rule.to_string())
        .collect()
}

#[test]
fn select_ignore_and_extend_select_take_rule_ids_and_categories() {
    let (_, all, _) = demo(&["--format", "concise"]);
    let all = rules_in_concise(&all);
    assert!(all.contains(&"rls-not-enabled".into()) && all.contains(&"tenant-from-request".into()));

    let (_, out, _) = demo(&["--format", "concise", "--select", "rls-not-enabled"]);
    let selected = rules_in_concise(&out);
    assert!(
        !selected.is_empty() && selected.iter().all(|r| r == "rls-not-enabled"),
        "{out}"
    );

    let (code, out, _) = demo(&["--format", "concise", "--select", "hardening"]);
    assert_eq!(code, 0, "hardening rules warn: {out}");
    assert!(!rules_in_concise(&out).contains(&"tenant-from-request".into()));

    let (_, out, _) = demo(&[
        "--format",
        "concise",
        "--ignore",
        "rls-not-enabled,isolation",
    ]);
    let left = rules_in_concise(&out);
    assert!(!left.is_empty());
    assert!(
        !left.contains(&"rls-not-enabled".into()) && !left.contains(&"tenant-from-request".into())
    );

    let (_, out, _) = demo(&[
        "--format",
        "concise",
        "--select",
        "rls-not-enabled",
        "--extend-select",
        "tenant-from-request",
    ]);
    let both = rules_in_concise(&out);
    assert!(
        both.contains(&"rls-not-enabled".into()) && both.contains(&"tenant-from-request".into())
    );
    assert!(both
        .iter()
        .all(|r| r == "rls-not-enabled" || r == "tenant-from-request"));

    let (code, _, err) = demo(&["--select", "rls-not-enabeld"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `rls-not-enabled`?"), "{err}");
}

#[test]
fn extend_select_turns_on_a_rule_the_configuration_turns_off() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", "[package]\nname = \"app\"\n");
    write(dir.path(), "src/lib.rs", SESSION_SET);
    write(
        dir.path(),
        "tenantlint.toml",
        "[rules]\ntenant-setting-not-local = \"allow\"\n",
    );
    let (code, _, _) = run_cli(&[], dir.path());
    assert_eq!(code, 0);
    let (code, out, _) = run_cli(
        &[
            "--format",
            "concise",
            "--extend-select",
            "tenant-setting-not-local",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "turned on at warn: {out}");
    assert!(out.contains("src/lib.rs:2:"), "{out}");
    assert!(out.contains("warning[tenant-setting-not-local]"), "{out}");
}

#[test]
fn concise_prints_one_line_per_finding() {
    let (code, out, _) = demo(&["--format", "concise"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    let summary = lines.last().unwrap();
    assert!(summary.contains("errors"), "{summary}");
    let n: usize = summary.split(' ').next().unwrap().parse().unwrap();
    let findings = &lines[..lines.len() - 1];
    assert!(findings.len() >= n);
    for line in findings {
        let mut parts = line.splitn(4, ':');
        let (file, row, col) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert!(file.ends_with(".rs") || file.ends_with(".sql"), "{line}");
        assert!(
            row.parse::<u32>().is_ok() && col.parse::<u32>().is_ok(),
            "{line}"
        );
    }
}

#[test]
fn statistics_count_findings_per_rule() {
    let (code, out, _) = demo(&["--statistics"]);
    assert_eq!(code, 1);
    let (_, concise, _) = demo(&["--format", "concise"]);
    let rls = rules_in_concise(&concise)
        .iter()
        .filter(|r| *r == "rls-not-enabled")
        .count();
    let row = out
        .lines()
        .find(|l| l.contains(" rls-not-enabled "))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        row.split_whitespace().next().unwrap(),
        rls.to_string(),
        "{out}"
    );
    assert!(!out.contains("╭"), "no snippets with --statistics: {out}");
    // With a machine format on stdout, the statistics go to stderr.
    let (_, json, err) = demo(&["--statistics", "--format", "json"]);
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
    assert!(err.contains(" rls-not-enabled "), "{err}");
}

#[test]
fn output_file_takes_the_format_and_the_console_gets_the_human_report() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let (code, out, err) = demo(&[
        "--format",
        "sarif",
        "--output-file",
        sarif.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(json["version"], "2.1.0");
    assert!(err.contains("tenant-setting-not-local"), "{err}");
    assert!(err.lines().last().unwrap().contains("errors"), "{err}");

    let (_, _, err) = demo(&[
        "--format",
        "sarif",
        "-o",
        sarif.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(err.lines().count(), 1, "{err}");
    let (code, _, err) = demo(&[
        "--output-file",
        "/nonexistent-dir/x.sarif",
        "--format",
        "sarif",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot write /nonexistent-dir/x.sarif"),
        "{err}"
    );
}

fn with_env(args: &[&str], vars: &'static [(&'static str, &'static str)]) -> String {
    let mut argv = vec!["cargo-tenantlint".into(), "fixtures/demo".into()];
    argv.extend(args.iter().map(std::ffi::OsString::from));
    let mut out = Vec::new();
    let terminal = cargo_tenantlint::Terminal {
        stdout: false,
        stderr: false,
        env: Box::new(move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.into())
        }),
    };
    cargo_tenantlint::run_with_terminal(argv, &repo_root(), &mut out, &mut Vec::new(), &terminal);
    redact_elapsed(&String::from_utf8(out).unwrap())
}

#[test]
fn colour_and_width_follow_the_environment() {
    let plain = with_env(&[], &[]);
    assert!(!plain.contains('\u{1b}'));
    let forced = with_env(&[], &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains('\u{1b}'), "CLICOLOR_FORCE colours a pipe");
    let no_color = with_env(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!no_color.contains('\u{1b}'));
    assert!(!with_env(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]).contains('\u{1b}'));

    // Messages and help wrap at the width; long unbreakable words may stick out.
    let narrow = with_env(&[], &[("COLUMNS", "60")]);
    let wide = with_env(&[], &[("COLUMNS", "160")]);
    assert!(narrow.lines().count() > wide.lines().count());
    assert_eq!(
        with_env(&[], &[("COLUMNS", "100")]),
        plain,
        "100 is the default"
    );
}

#[test]
fn config_errors_name_the_levels_keys_and_option_types() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", "pub fn f() {}\n");
    let check = |toml: &str, wanted: &[&str]| {
        write(dir.path(), "tenantlint.toml", toml);
        let (code, _, err) = run_cli(&[], dir.path());
        assert_eq!(code, 2, "{toml}");
        for w in wanted {
            assert!(err.contains(w), "{toml}: {w} not in {err}");
        }
    };
    check(
        "[rules]\nrls-not-enabled = \"error\"\n",
        &["expected allow, note, warn or deny, found `error` (did you mean `deny`?)"],
    );
    check(
        "[rules]\nrls-not-enabled = { level = \"warning\" }\n",
        &["(did you mean `warn`?)"],
    );
    check(
        "tenant-column = [\"org_id\"]\n",
        &[
            "unknown key `tenant-column`",
            "did you mean `tenant-columns`?",
        ],
    );
    check(
        "[rules]\nrls-not-enable = \"deny\"\n",
        &["did you mean `rls-not-enabled`?"],
    );
    check(
        "[rules]\nquery-missing-tenant-filter = { trust-rls = \"yes\" }\n",
        &[
            "option `trust-rls` of `query-missing-tenant-filter` is true or false",
            "{ trust-rls = \"yes\" }",
            "here",
        ],
    );
}

#[test]
fn the_json_schema_in_the_docs_is_the_one_the_cli_prints() {
    let (code, schema, _) = run_cli(&["config", "--schema"], &repo_root());
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&schema).unwrap();
    assert!(json["properties"]["tenant-columns"].is_object());
    assert!(json["properties"]["rules"].is_object());
    let path = repo_root().join("docs/tenantlint.schema.json");
    if std::env::var_os("TENANTLINT_BLESS").is_some() {
        std::fs::write(&path, &schema).unwrap();
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        kept, schema,
        "docs/tenantlint.schema.json is stale: TENANTLINT_BLESS=1 cargo test -p tenantlint-tests --test cli_ux"
    );
}

#[test]
fn a_suppression_without_a_reason_suppresses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", "[package]\nname = \"app\"\n");
    write(
        dir.path(),
        "src/lib.rs",
        "pub fn f(pool: &sqlx::PgPool) {\n    // tenantlint: allow(tenant-setting-not-local)\n    sqlx::query(\"SET app.tenant_id = 'a'\").execute(pool);\n}\n",
    );
    let (code, out, _) = run_cli(&["--format", "concise"], dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[tenant-setting-not-local]"), "{out}");
    assert!(
        out.contains("[invalid-suppression] suppression without a reason"),
        "{out}"
    );
}

#[test]
fn rules_lists_what_docs_rules_documents() {
    let (_, out, _) = run_cli(&["rules", "--format", "json"], &repo_root());
    let listed: Vec<String> = serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let mut documented: Vec<String> = std::fs::read_dir(repo_root().join("docs/rules"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter_map(|n| n.strip_suffix(".md").map(str::to_string))
        .filter(|n| n != "README")
        .collect();
    documented.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(
        listed_sorted, documented,
        "`rules` and docs/rules/ list the same rules"
    );
}

#[test]
fn in_diff_mode_the_sarif_keeps_every_finding_and_the_gate_only_changed_lines() {
    let repo = support::demo_repo();
    let sarif = repo.path().join("out.sarif");
    let (code, _, err) = run_cli(
        &[
            "--diff",
            "HEAD",
            "--format",
            "sarif",
            "-o",
            sarif.to_str().unwrap(),
        ],
        repo.path(),
    );
    assert_eq!(code, 0, "nothing changed since HEAD: {err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let results = json["runs"][0]["results"].as_array().unwrap().len();
    let (_, all, _) = run_cli(&["--format", "json"], repo.path());
    let all = findings(&all).len();
    assert!(all > 0);
    assert_eq!(
        results, all,
        "code scanning must not see unchanged findings as fixed"
    );
    assert!(
        err.contains("0 errors"),
        "the console report is the gated one: {err}"
    );
}
