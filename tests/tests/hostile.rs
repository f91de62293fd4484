//! A pull request written by an attacker, linted in CI: git runs nothing the repository
//! configures, nothing outside the tree is read or printed, special files never block, and what
//! is linted depends on the tree and the configuration only.

mod support;

use serde_json::Value;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;
use support::{git, write};
use tenantlint_tests::run_cli;

/// One deny-level finding (`tenant-setting-not-local`) on line 2.
const FINDING: &str =
    "fn f(pool: &sqlx::PgPool) {\n    sqlx::query(\"SET app.tenant_id = 'a'\").execute(pool);\n}\n";

/// Text a leak would show: it must never appear in any output.
const SECRET: &str = "TL_SECRET_7f3a9c";

/// Runs the CLI on a thread and fails the test if it does not return within a minute: a FIFO
/// or a device must never block the run.
fn run_bounded(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let cwd = cwd.to_path_buf();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = send.send(run_cli(&args, &cwd));
    });
    receive
        .recv_timeout(Duration::from_secs(60))
        .expect("the run finished within a minute")
}

/// (file, line) of each `tenant-setting-not-local` finding in a JSON report.
fn findings(json_out: &str) -> Vec<(String, u64)> {
    let json: Value = serde_json::from_str(json_out).expect("valid JSON");
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "tenant-setting-not-local")
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Every (rule, file, message) in a JSON report.
fn diagnostics(json_out: &str) -> Vec<(String, String, String)> {
    let json: Value = serde_json::from_str(json_out).expect("valid JSON");
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A repository with `src/lib.rs` committed (no finding yet).
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", "[package]\nname = \"app\"\n");
    write(dir.path(), "src/lib.rs", "pub fn ok() {}\n");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

#[test]
#[cfg(unix)]
fn diff_mode_runs_no_program_the_repository_configures() {
    let markers = tempfile::tempdir().unwrap();
    let marker = |name: &str| markers.path().join(name);
    let touch = |name: &str| format!("touch {}", marker(name).display());
    let dir = repo();
    // A committed bare repository in the linted folder, configured to run programs.
    write(
        dir.path(),
        "backend/Cargo.toml",
        "[package]\nname = \"backend\"\n",
    );
    write(dir.path(), "backend/src/lib.rs", "pub fn ok() {}\n");
    write(
        dir.path(),
        "backend/.gitattributes",
        "*.rs diff=evil filter=evil\n",
    );
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "backend"]);
    write(dir.path(), "backend/HEAD", "ref: refs/heads/main\n");
    write(
        dir.path(),
        "backend/config",
        format!(
            "[core]\n\trepositoryformatversion = 0\n\tbare = true\n\tfsmonitor = \"{}\"\n\
             [diff \"evil\"]\n\ttextconv = \"{}; cat\"\n\tcommand = \"{}\"\n",
            touch("bare-fsmonitor"),
            touch("bare-textconv"),
            touch("bare-external")
        ),
    );
    std::fs::create_dir_all(dir.path().join("backend/objects")).unwrap();
    std::fs::create_dir_all(dir.path().join("backend/refs/heads")).unwrap();
    // The checkout's own configuration, as if the attacker controlled it too.
    let hooks = tempfile::tempdir().unwrap();
    let hook = hooks.path().join("post-index-change");
    std::fs::write(&hook, format!("#!/bin/sh\n{}\n", touch("hook"))).unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    for (key, value) in [
        ("core.fsmonitor", touch("fsmonitor")),
        ("core.hooksPath", hooks.path().display().to_string()),
        ("diff.evil.textconv", format!("{}; cat", touch("textconv"))),
        ("diff.evil.command", touch("external")),
        ("diff.external", touch("diff-external")),
        ("filter.evil.clean", format!("{}; cat", touch("clean"))),
        ("core.pager", touch("pager")),
    ] {
        git(dir.path(), &["config", key, &value]);
    }
    write(
        dir.path(),
        "backend/src/lib.rs",
        format!("pub fn ok() {{}}\n{FINDING}"),
    );

    // The linted folder holds the bare repository; then the whole checkout.
    for (args, file) in [
        (
            &["backend", "--diff", "HEAD", "--format", "json"][..],
            "src/lib.rs",
        ),
        (
            &["--diff", "HEAD", "--format", "json"],
            "backend/src/lib.rs",
        ),
    ] {
        let (code, out, err) = run_bounded(args, dir.path());
        let ran: Vec<_> = std::fs::read_dir(markers.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(ran.is_empty(), "git ran repository programs: {ran:?}");
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert_eq!(findings(&out), [(file.to_string(), 3)], "{out}");
    }
}

#[test]
fn gitattributes_in_the_pull_request_hide_no_changed_line() {
    let dir = repo();
    write(
        dir.path(),
        ".gitattributes",
        "*.rs -diff\n*.rs binary\n*.sql -text\n",
    );
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "attributes"]);
    write(
        dir.path(),
        "src/lib.rs",
        format!("pub fn ok() {{}}\n{FINDING}"),
    );
    let (code, out, err) = run_bounded(&["--diff", "HEAD", "--format", "json"], dir.path());
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(findings(&out), [("src/lib.rs".to_string(), 3)]);
}

#[test]
#[cfg(unix)]
fn file_names_git_quotes_keep_their_findings() {
    let dir = repo();
    let names = [
        "src/with space.rs",
        "src/tab\there.rs",
        "src/quo\"te.rs",
        "src/café.rs",
    ];
    for name in names {
        write(dir.path(), name, "pub fn ok() {}\n");
    }
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "odd names"]);
    for name in names {
        write(dir.path(), name, format!("pub fn ok() {{}}\n{FINDING}"));
    }
    let (code, out, err) = run_bounded(&["--diff", "HEAD", "--format", "json"], dir.path());
    assert_eq!(code, 1, "{out}{err}");
    let mut expected: Vec<(String, u64)> = [
        "src/caf\u{e9}.rs",
        "src/quo\"te.rs",
        "src/tab\\x09here.rs",
        "src/with space.rs",
    ]
    .iter()
    .map(|n| (n.to_string(), 3))
    .collect();
    expected.sort();
    let mut found = findings(&out);
    found.sort();
    assert_eq!(found, expected, "{out}");
}

#[test]
fn diff_mode_compares_with_the_merge_base() {
    let dir = repo();
    write(dir.path(), "src/old.rs", FINDING);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "old bug"]);
    git(dir.path(), &["branch", "feature"]);
    // main moves on and touches the old bug's line; the branch never does.
    write(
        dir.path(),
        "src/old.rs",
        FINDING.replace("execute(pool);", "execute(pool); // main"),
    );
    git(
        dir.path(),
        &["commit", "-q", "-am", "main edits the old line"],
    );
    git(dir.path(), &["checkout", "-q", "feature"]);
    write(dir.path(), "src/new.rs", FINDING);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "new bug"]);
    let (code, out, err) = run_bounded(&["--diff", "main", "--format", "json"], dir.path());
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(findings(&out), [("src/new.rs".to_string(), 2)], "{out}");
}

/// Asserts that no output of linting `dir` shows the secret, and returns the JSON report.
fn assert_no_leak(dir: &Path) -> String {
    let mut json = String::new();
    for format in ["human", "json", "sarif", "github", "gitlab", "cargo-json"] {
        let (code, out, err) = run_bounded(
            &[
                dir.to_str().unwrap(),
                "--format",
                format,
                "--color",
                "always",
            ],
            dir,
        );
        assert!(code <= 2, "{out}{err}");
        assert!(
            !out.contains(SECRET) && !err.contains(SECRET),
            "{format} output leaks the file outside the tree:\n{out}{err}"
        );
        if format == "json" {
            json = out;
        }
    }
    json
}

#[test]
#[cfg(unix)]
fn links_and_includes_out_of_the_tree_are_refused_and_named() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("environ");
    // Text that would be quoted back in a parse error, for Rust and for SQL.
    std::fs::write(&secret, format!("{SECRET}=ghp_token (((\n")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", "[package]\nname = \"app\"\n");
    write(dir.path(), "src/lib.rs", FINDING);
    symlink(&secret, dir.path().join("src/env.rs")).unwrap();
    std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
    symlink(&secret, dir.path().join("migrations/0001_leak.sql")).unwrap();
    symlink(outside.path(), dir.path().join("src/linked")).unwrap();
    write(
        dir.path(),
        "src/include.rs",
        format!(
            "fn g(pool: &sqlx::PgPool) {{\n    sqlx::query(include_str!(\"{0}\")).execute(pool);\n    \
             sqlx::query_file!(\"{0}\");\n    sqlx::query(include_str!(\"../../{1}/environ\")).execute(pool);\n}}\n",
            secret.display(),
            outside.path().file_name().unwrap().to_str().unwrap()
        ),
    );
    let json = assert_no_leak(dir.path());
    assert_eq!(findings(&json), [("src/lib.rs".to_string(), 2)], "{json}");
    let refused = diagnostics(&json);
    for file in ["src/env.rs", "migrations/0001_leak.sql", "src/linked"] {
        assert!(
            refused
                .iter()
                .any(|(rule, f, m)| rule == "io-error" && f == file && m.contains("outside")),
            "{file} was not reported as refused: {refused:?}"
        );
    }
    let includes: Vec<_> = refused
        .iter()
        .filter(|(rule, f, m)| rule == "io-error" && f == "src/include.rs" && m.contains("outside"))
        .collect();
    assert_eq!(includes.len(), 3, "{refused:?}");

    // A configuration file linked out of the tree: refused, named, its text never shown.
    symlink(&secret, dir.path().join("tenantlint.toml")).unwrap();
    let (code, out, err) = run_bounded(&[dir.path().to_str().unwrap()], dir.path());
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("tenantlint.toml") && err.contains("outside"),
        "{err}"
    );
    assert!(!out.contains(SECRET) && !err.contains(SECRET), "{err}");
}

#[test]
#[cfg(unix)]
fn fifos_devices_and_special_config_files_never_block() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", "[package]\nname = \"app\"\n");
    write(dir.path(), "src/lib.rs", FINDING);
    let fifo = dir.path().join("src/pipe.rs");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::process::Command::new("mkfifo")
        .arg(dir.path().join("queries.sql"))
        .status()
        .unwrap();
    write(
        dir.path(),
        "src/include.rs",
        "fn g(pool: &sqlx::PgPool) {\n    sqlx::query_file!(\"queries.sql\");\n    \
         sqlx::query(include_str!(\"../queries.sql\")).execute(pool);\n}\n",
    );
    let (code, out, err) = run_bounded(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(findings(&out), [("src/lib.rs".to_string(), 2)]);
    let found = diagnostics(&out);
    for (file, what) in [
        ("src/pipe.rs", "FIFO"),
        ("queries.sql", "FIFO"),
        ("src/include.rs", "FIFO"),
    ] {
        assert!(
            found
                .iter()
                .any(|(rule, f, m)| rule == "io-error" && f == file && m.contains(what)),
            "{file}: {found:?}"
        );
    }

    for special in ["/dev/zero", fifo.to_str().unwrap()] {
        for flag in ["--config", "--baseline"] {
            let (code, out, err) = run_bounded(&[flag, special], dir.path());
            assert_eq!(code, 2, "{flag} {special}: {out}{err}");
            assert!(err.contains(special), "{flag} {special}: {err}");
        }
    }
}

#[test]
fn missing_paths_and_manifests_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", "[package]\nname = \"app\"\n");
    write(dir.path(), "src/lib.rs", FINDING);
    let cases: [(&[&str], &str); 4] = [
        (&["no-such-dir"], "no-such-dir"),
        (&["src", "src/gone.rs"], "src/gone.rs"),
        (&["--manifest-path", "nope/Cargo.toml"], "nope/Cargo.toml"),
        (&["--manifest-path", "src"], "is a directory"),
    ];
    for (args, named) in cases {
        let (code, out, err) = run_bounded(args, dir.path());
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(named), "{args:?}: {err}");
    }
    let (code, _, err) = run_bounded(&["config", "no-such-dir"], dir.path());
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_byte_order_mark_keeps_the_first_sql_statement() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "migrations/0001_init.sql",
        "\u{feff}SET app.tenant_id = 'a';\nSELECT 1;\n",
    );
    let (code, out, err) = run_bounded(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let d = &json["diagnostics"][0];
    assert_eq!(d["rule"], "tenant-setting-not-local", "{out}");
    // Columns count characters, the invisible mark included, as in a Rust file.
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(2)),
        "{out}"
    );
    assert_eq!(json["summary"]["sql_unparsable"], 0, "{out}");
}

#[test]
#[cfg(unix)]
fn a_file_reached_twice_is_linted_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", "[package]\nname = \"app\"\n");
    write(dir.path(), "src/lib.rs", FINDING);
    std::os::unix::fs::symlink(dir.path().join("src"), dir.path().join("alias")).unwrap();
    let (code, out, err) = run_bounded(
        &[".", "src/../src/lib.rs", "./src", "--format", "json"],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(findings(&out), [("src/lib.rs".to_string(), 2)], "{out}");
}

#[test]
fn what_is_linted_depends_only_on_the_tree_and_the_config() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", "[package]\nname = \"app\"\n");
    write(dir.path(), "src/ignored_by_dot_ignore.rs", FINDING);
    write(dir.path(), ".ignore", "src/ignored_by_dot_ignore.rs\n");
    write(dir.path(), "src/excluded_by_git_info.rs", FINDING);
    write(
        dir.path(),
        ".git/info/exclude",
        "src/excluded_by_git_info.rs\n",
    );
    // A module folder named `target` is code; cargo's build folder is not.
    write(dir.path(), "src/target/mod.rs", FINDING);
    write(dir.path(), "target/debug/build.rs", FINDING);
    write(dir.path(), "target/.rustc_info.json", "{}");
    write(dir.path(), "src/gitignored.rs", FINDING);
    write(dir.path(), "src/.gitignore", "gitignored.rs\n");
    // rustc compiles a file a `#[path]` names, even in an ignored or build folder.
    write(
        dir.path(),
        "src/lib.rs",
        "#[path = \"../target/generated/queries.rs\"]\nmod queries;\n#[path = \"../../outside.rs\"]\nmod outside;\n",
    );
    write(dir.path(), "target/generated/queries.rs", FINDING);
    // A .gitignore above the workspace root is the machine's, not the tree's.
    let above = dir.path().join("ws");
    write(&above, "Cargo.toml", "[package]\nname = \"ws\"\n");
    write(&above, "src/lib.rs", FINDING);
    write(dir.path(), ".gitignore", "ws/src/\n");
    let (code, out, err) = run_bounded(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}{err}");
    let mut found: Vec<String> = findings(&out).into_iter().map(|(f, _)| f).collect();
    found.sort();
    assert_eq!(
        found,
        [
            "src/excluded_by_git_info.rs",
            "src/ignored_by_dot_ignore.rs",
            "src/target/mod.rs",
            "target/generated/queries.rs"
        ],
        "{out}"
    );
    let (code, out, err) = run_bounded(&[above.to_str().unwrap(), "--format", "json"], &above);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(findings(&out), [("src/lib.rs".to_string(), 2)], "{out}");
}

#[test]
fn control_characters_in_code_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "src/lib.rs",
        "fn f(pool: &sqlx::PgPool) {\n    // \u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}1A\n    \
         sqlx::query(\"SET app.tenant_id = '\u{1b}[31m'\").execute(pool);\n}\n",
    );
    for args in [
        &["--color", "never"][..],
        &["--color", "always"],
        &["--format", "github"],
    ] {
        let mut all = vec![dir.path().to_str().unwrap()];
        all.extend(args);
        let (code, out, err) = run_bounded(&all, dir.path());
        assert_eq!(code, 1, "{out}{err}");
        for raw in ["\u{1b}]0;", "\u{1b}[2J", "\u{1b}[31m'", "\u{9b}", "\u{7}"] {
            assert!(!out.contains(raw), "{args:?} printed {raw:?}:\n{out}");
        }
        if args[0] == "--color" {
            assert!(out.contains("\\x1b[31m"), "{args:?}: {out}");
        }
    }
}

#[test]
#[cfg(target_os = "linux")]
fn file_names_that_are_not_utf8_stay_distinct() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    for name in [&b"a\xff.rs"[..], b"a\xfe.rs", b"a\\xff.rs"] {
        let path = dir
            .path()
            .join("src")
            .join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(path, FINDING).unwrap();
    }
    let (code, out, err) = run_bounded(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}{err}");
    let found: Vec<String> = findings(&out).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        found,
        ["src/a\\\\xff.rs", "src/a\\xfe.rs", "src/a\\xff.rs"],
        "{out}"
    );
}

#[test]
fn control_characters_in_config_and_baseline_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", "pub fn ok() {}\n");
    write(
        dir.path(),
        "tenantlint.toml",
        "# \u{1b}[2J\ntenant-columns = [\"a\u{1b}[2J\"\n",
    );
    let (code, out, err) = run_bounded(&[".", "--color", "always"], dir.path());
    assert_eq!(code, 2, "{out}{err}");
    assert!(!err.contains("\u{1b}[2J"), "{err}");
    std::fs::remove_file(dir.path().join("tenantlint.toml")).unwrap();
    let entry = "{\"rule\": \"x\u{1b}[2J\", \"path\": \"src/lib.rs\", \"fingerprint\": \"0\", \"count\": 1, \
                 \"message\": \"\u{1b}]0;owned\u{7}\"}";
    let baseline = format!("{{\"version\": 1, \"entries\": [{entry}]}}")
        .replace('\u{1b}', "\\u001b")
        .replace('\u{7}', "\\u0007");
    write(dir.path(), "baseline.json", baseline);
    let (code, out, err) = run_bounded(&[".", "--baseline", "baseline.json"], dir.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("stale baseline entry"), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err}");
}
