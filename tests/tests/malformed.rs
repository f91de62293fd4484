//! Malformed and extreme input: every case is linted or gets a clear diagnostic, the exit code
//! stays as documented (0 clean, 1 findings, 2 usage/configuration error), and a known finding
//! in a sibling file is never lost.

mod support;
use serde_json::Value;
use std::path::Path;
use support::write;
use tenantlint_tests::run_cli;

/// A file with one deny-level finding (`tenant-setting-not-local` on line 2).
const SIBLING: &str =
    "fn f(pool: &sqlx::PgPool) {\n    sqlx::query(\"SET app.tenant_id = 'a'\").execute(pool);\n}\n";

/// A project holding the sibling finding and `rel` with `bytes`.
fn project(rel: &str, bytes: impl AsRef<[u8]>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/sibling.rs", SIBLING);
    write(dir.path(), rel, bytes);
    dir
}

/// (rule, file, line) of every diagnostic.
type Found = Vec<(String, String, u64)>;

/// Lints `dir` as JSON; asserts exit 1 and that the sibling finding survived.
fn lint(dir: &Path) -> (Found, Value) {
    let (code, out, err) = run_cli(&[dir.to_str().unwrap(), "--format", "json"], dir);
    assert_eq!(code, 1, "{out}{err}");
    let json: Value = serde_json::from_str(&out).expect("valid JSON");
    let found = found_with_sibling(&json);
    (found, json)
}

/// (rule, file, line) of every diagnostic of a JSON report; asserts that the sibling's finding
/// survived.
fn found_with_sibling(json: &Value) -> Found {
    let found: Found = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        found.contains(&(
            "tenant-setting-not-local".into(),
            "src/sibling.rs".into(),
            2
        )),
        "the sibling's finding was lost: {found:?}"
    );
    found
}

fn rules_in(found: &Found, file: &str) -> Vec<String> {
    found
        .iter()
        .filter(|(_, f, _)| f == file)
        .map(|(r, _, _)| r.clone())
        .collect()
}

#[test]
fn syntax_errors_are_parse_errors_at_their_line() {
    let cases: &[(&str, u64)] = &[
        ("fn f() {\n    let = ;\n}\n", 2),
        ("fn f() {\n    let s = \"unterminated;\n}\n", 2),
        ("fn f() {}\n}\n}\n", 2),
        ("impl {\n", 1),
        ("fn f() {\n    sqlx::query!(\"SELECT 1\"\n}\n", 3),
        ("/* never closed\nfn f() {}\n", 1),
    ];
    for (text, line) in cases {
        let dir = project("src/broken.rs", text);
        let (found, _) = lint(dir.path());
        assert_eq!(rules_in(&found, "src/broken.rs"), ["parse-error"], "{text}");
        let at = found.iter().find(|(_, f, _)| f == "src/broken.rs").unwrap();
        assert_eq!(at.2, *line, "{text}: {found:?}");
    }
}

#[test]
fn non_utf8_files_are_io_errors_with_the_offset() {
    let cases: &[(&str, &[u8])] = &[
        ("src/invalid.rs", b"fn f() {}\n// \xff\xfe\n"),
        ("src/utf16.rs", b"\xff\xfef\x00n\x00 \x00f\x00(\x00)\x00"),
        ("migrations/0001_latin1.sql", b"-- caf\xe9\nSELECT 1;\n"),
    ];
    for (rel, bytes) in cases {
        let dir = project(rel, bytes);
        let (found, json) = lint(dir.path());
        assert_eq!(rules_in(&found, rel), ["io-error"], "{rel}");
        let message = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["file"] == *rel)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains("not valid UTF-8"), "{message}");
        assert!(message.contains("offset"), "{message}");
    }
}

#[test]
fn nul_bytes_are_linted_or_reported() {
    // A NUL in a comment or string is valid Rust; a bare one is a syntax error.
    let dir = project(
        "src/nul.rs",
        "// a\0comment\nfn g(pool: &sqlx::PgPool) {\n    sqlx::query(\"SET app.tenant_id = '\0'\").execute(pool);\n}\n",
    );
    let (found, _) = lint(dir.path());
    assert_eq!(rules_in(&found, "src/nul.rs"), ["tenant-setting-not-local"]);
    let dir = project("src/bare_nul.rs", "fn g() {}\n\0\0\0\n");
    let (found, _) = lint(dir.path());
    assert_eq!(rules_in(&found, "src/bare_nul.rs"), ["parse-error"]);
    let dir = project("migrations/0001_nul.sql", "CREATE TABLE t (id INT);\n\0\n");
    let (found, _) = lint(dir.path());
    assert!(
        rules_in(&found, "migrations/0001_nul.sql")
            .iter()
            .all(|r| r == "sql-parse-error"),
        "{found:?}"
    );
}

#[test]
fn empty_files_are_linted_and_clean() {
    let dir = project("src/empty.rs", "");
    write(dir.path(), "migrations/0001_empty.sql", "");
    write(dir.path(), "src/blank.rs", "\n\n   \n");
    write(dir.path(), "src/bom.rs", "\u{feff}");
    let (found, json) = lint(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(json["summary"]["files"], 5);
}

#[cfg(unix)]
#[test]
fn links_that_cannot_be_followed_are_io_errors() {
    use std::os::unix::fs::symlink;
    let dir = project("src/ok.rs", "fn ok() {}\n");
    let src = dir.path().join("src");
    symlink(src.join("missing.rs"), src.join("dangling.rs")).unwrap();
    symlink(src.join("self.rs"), src.join("self.rs")).unwrap();
    symlink(src.join("b.rs"), src.join("a.rs")).unwrap();
    symlink(src.join("a.rs"), src.join("b.rs")).unwrap();
    let (found, _) = lint(dir.path());
    for link in ["src/dangling.rs", "src/self.rs", "src/a.rs", "src/b.rs"] {
        assert_eq!(rules_in(&found, link), ["io-error"], "{link}: {found:?}");
    }
    // Named on the command line, a dangling link names nothing: a usage error.
    let sibling = src.join("sibling.rs");
    let dangling = src.join("dangling.rs");
    let (code, _, err) = run_cli(
        &[
            dangling.to_str().unwrap(),
            sibling.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(dangling.to_str().unwrap()), "{err}");
}

#[cfg(unix)]
#[test]
fn entries_that_are_not_regular_files_are_skipped() {
    let dir = project("src/dir.rs/inner.rs", "fn ok() {}\n");
    let fifo = dir.path().join("src/pipe.rs");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let (found, json) = lint(dir.path());
    // A folder named like a source file is walked; a pipe is never opened (it would block),
    // and is reported.
    assert_eq!(json["summary"]["files"], 2);
    if made.is_ok_and(|s| s.success()) {
        assert_eq!(rules_in(&found, "src/pipe.rs"), ["io-error"], "{found:?}");
        let (code, out, _) = run_cli(&[fifo.to_str().unwrap()], dir.path());
        assert_eq!(code, 0, "{out}");
    }
}

#[test]
fn config_with_wrong_types_or_bad_bytes_exits_2_with_a_location() {
    let cases: &[(&[u8], &str)] = &[
        (b"exclude = 3\n", "invalid type"),
        (b"global-tables = [1, 2]\n", "invalid type"),
        (
            b"[rules]\ntenant-setting-not-local = 5\n",
            "tenant-setting-not-local",
        ),
        (b"tenant-columns = [\n", "tenantlint.toml"),
        (b"tenant-columns = [\"org\0id\"]\n", "tenantlint.toml"),
        (b"tenant-columns = [\"caf\xe9\"]\n", "UTF-8"),
    ];
    for (toml, expected) in cases {
        let dir = project("tenantlint.toml", toml);
        let (code, out, err) = run_cli(
            &[dir.path().to_str().unwrap(), "--color", "never"],
            dir.path(),
        );
        let shown = String::from_utf8_lossy(toml);
        assert_eq!(code, 2, "{shown}: {out}{err}");
        assert!(
            err.contains(expected),
            "{shown}: expected {expected:?} in {err}"
        );
        assert!(out.is_empty(), "{shown}: {out}");
    }
}

#[test]
fn sql_that_sqlparser_rejects_is_reported_where_it_is() {
    let dir = project(
        "src/queries.rs",
        "fn q(pool: &sqlx::PgPool) {\n    sqlx::query(\"SELEC * FROM documents WHERE\").execute(pool);\n}\n",
    );
    write(
        dir.path(),
        "migrations/0001_init.sql",
        "CREATE TABLE documents (id INT, tenant_id INT);\nCREATE TABLE ((;\n",
    );
    let (found, json) = lint(dir.path());
    assert!(found.contains(&("sql-parse-error".into(), "src/queries.rs".into(), 2)));
    assert!(found.contains(&(
        "sql-parse-error".into(),
        "migrations/0001_init.sql".into(),
        2
    )));
    assert_eq!(json["summary"]["sql_unparsable"], 2);
}

#[test]
fn query_file_naming_a_missing_file_is_an_io_error_at_the_argument() {
    let dir = project(
        "src/files.rs",
        "fn q(pool: &sqlx::PgPool) {\n    let a = sqlx::query_file!(\"queries/missing.sql\");\n    let b = sqlx::query_file_as!(Doc, \"queries\");\n    let c = sqlx::query_file!(\"queries/latin1.sql\");\n}\n",
    );
    write(dir.path(), "Cargo.toml", "[package]\nname = \"x\"\n");
    write(dir.path(), "queries/latin1.sql", b"SELECT 'caf\xe9';\n");
    let (found, json) = lint(dir.path());
    let errors: Vec<&Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "io-error" && d["file"] == "src/files.rs")
        .collect();
    assert_eq!(errors.len(), 3, "{found:?}");
    // The unreadable query file is also reported on its own, as every .sql file is linted.
    assert_eq!(rules_in(&found, "queries/latin1.sql"), ["io-error"]);
    for (d, (line, column, name)) in errors.iter().zip([
        (2, 31, "queries/missing.sql"),
        (3, 39, "queries"),
        (4, 31, "queries/latin1.sql"),
    ]) {
        assert_eq!(d["file"], "src/files.rs");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(line), Some(column)),
            "{d}"
        );
        assert!(d["message"].as_str().unwrap().contains(name), "{d}");
    }
}

#[test]
fn a_one_megabyte_file_is_linted_to_its_end() {
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 1 << 20 {
        text.push_str(&format!(
            "pub fn handler_{n}(id: i64) -> String {{\n    format!(\"item {{}}\", id + {n})\n}}\n"
        ));
        n += 1;
    }
    let lines = text.lines().count() as u64;
    text.push_str(SIBLING);
    let dir = project("src/big.rs", text);
    let (found, _) = lint(dir.path());
    assert_eq!(
        found
            .iter()
            .filter(|(_, f, _)| f == "src/big.rs")
            .collect::<Vec<_>>(),
        [&(
            "tenant-setting-not-local".to_string(),
            "src/big.rs".to_string(),
            lines + 2
        )]
    );
}

#[test]
fn a_file_over_the_size_limit_is_skipped_with_an_io_error() {
    let limit = lint_core::engine::MAX_FILE_BYTES as usize;
    let mut text = "// padding\n".repeat(limit / 11 + 1);
    text.push_str(SIBLING);
    let dir = project("src/huge.rs", text);
    let (found, json) = lint(dir.path());
    assert_eq!(rules_in(&found, "src/huge.rs"), ["io-error"]);
    assert!(json.to_string().contains("larger than 16 MiB"), "{json}");
}

#[test]
fn a_fifty_thousand_line_file_reports_the_right_line() {
    let mut text = String::from("pub const TABLE: &[u32] = &[\n");
    for i in 0..50_000 {
        text.push_str(&format!("    {i},\n"));
    }
    text.push_str("];\n");
    let before = text.lines().count() as u64;
    text.push_str(SIBLING);
    let dir = project("src/long.rs", text);
    let (found, _) = lint(dir.path());
    assert!(
        found.contains(&(
            "tenant-setting-not-local".into(),
            "src/long.rs".into(),
            before + 2
        )),
        "{found:?}"
    );
}

#[test]
fn a_very_long_string_literal_is_analysed() {
    let long = "x".repeat(2 << 20);
    let text = format!(
        "fn f(pool: &sqlx::PgPool) {{\n    sqlx::query(\"SET app.tenant_id = '{long}'\").execute(pool);\n    let s = \"{long}\";\n}}\n"
    );
    let dir = project("src/long_string.rs", text);
    let (found, _) = lint(dir.path());
    assert_eq!(
        rules_in(&found, "src/long_string.rs"),
        ["tenant-setting-not-local"]
    );
}

#[test]
fn deep_nesting_is_linted_or_reported_never_a_crash() {
    const DEPTH: usize = 5000;
    let nested = |open: &str, inner: &str, close: &str| {
        format!("{}{inner}{}", open.repeat(DEPTH), close.repeat(DEPTH))
    };
    let cases = [
        (
            "parens",
            format!("fn f() {{ let x = {}; }}\n", nested("(", "1", ")")),
        ),
        ("blocks", format!("fn f() {}\n", nested("{ ", "1", " }"))),
        (
            "vecs",
            format!("fn f() {{ let v = {}; }}\n", nested("vec![", "1", "]")),
        ),
        (
            "macros",
            format!("fn f() {{ {}; }}\n", nested("format!(\"{}\", ", "sql", ")")),
        ),
        (
            "closures",
            format!("fn f() {{ let c = {}; }}\n", nested("|x| ", "x", "")),
        ),
        (
            "binary",
            format!("fn f() {{ let s = 1{}; }}\n", " + 1".repeat(DEPTH * 4)),
        ),
        (
            "method chain",
            format!("fn f() {{ q{}; }}\n", ".bind(tenant_id)".repeat(DEPTH)),
        ),
        (
            "types",
            format!("type T = {};\n", nested("Vec<", "u8", ">")),
        ),
        (
            "modules",
            format!("{}\n", nested("mod m { ", "fn f() {}", " }")),
        ),
    ];
    for (name, text) in cases {
        let dir = project("src/deep.rs", text);
        let (found, _) = lint(dir.path());
        let rules = rules_in(&found, "src/deep.rs");
        assert!(
            rules.is_empty() || rules == ["parse-error"],
            "{name}: {found:?}"
        );
    }
}

/// Found by the `sql_text` fuzz target: the 200-byte cut of an unparsable statement's span
/// fell inside a multi-byte character.
#[test]
fn sql_parse_error_spans_never_split_a_character() {
    // 7 ASCII bytes then two-byte characters: byte 200 is the middle of one.
    let statement = format!("SELEC x{};\n", "é".repeat(150));
    for (rel, text) in [
        ("migrations/0001_bad.sql", statement.clone()),
        (
            "src/q.rs",
            format!("fn q(pool: &sqlx::PgPool) {{\n    sqlx::query(\"{statement}\").execute(pool);\n}}\n"),
        ),
        // A format! piece holding an escaped brace starts at a two-byte character.
        (
            "src/f.rs",
            "fn q(pool: &sqlx::PgPool) {\n    sqlx::query(&format!(\"é{{\")).execute(pool);\n}\n"
                .to_string(),
        ),
    ] {
        let root = std::path::PathBuf::from("/nonexistent");
        let report = lint_core::engine::lint_sources(
            root.clone(),
            lint_core::config::Config::default(),
            vec![(root.join(rel), text)],
            tenantlint_rules::ALL,
        );
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.rule == "sql-parse-error")
            .unwrap_or_else(|| panic!("{rel}: no sql-parse-error"));
        let (start, end) = (d.primary.span.start as usize, d.primary.span.end as usize);
        let text = &d.file.text;
        assert!(start < end && end <= text.len(), "{rel}: {start}..{end}");
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "{rel}: {start}..{end} splits a character"
        );
        let dir = project(rel, &d.file.text);
        let (found, _) = lint(dir.path());
        assert!(rules_in(&found, rel).contains(&"sql-parse-error".to_string()));
    }
}

/// The hostile-input cases below run the CLI in a child process (this test binary, re-entered
/// through [`bounded_child`]) so that a stack overflow or an allocation failure is a failed
/// test, not a dead test run; the child is limited in address space (`prlimit`, where the
/// machine has it) and killed past a deadline.
const CHILD_DIR: &str = "TENANTLINT_BOUNDED_CHILD_DIR";
/// Threads get 512 MiB stacks in a debug build (reserved, not committed): room for them.
const CHILD_ADDRESS_SPACE: u64 = 6 << 30;
const CHILD_DEADLINE: std::time::Duration = std::time::Duration::from_secs(180);

/// Not a test of its own: the child side of [`lint_bounded`].
#[test]
fn bounded_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let dir = Path::new(&dir);
    let (code, out, err) = run_cli(&[dir.to_str().unwrap(), "--format", "json"], dir);
    std::fs::write(dir.join("lint.json"), out).unwrap();
    std::fs::write(dir.join("lint.err"), err).unwrap();
    std::process::exit(code);
}

/// [`lint`] in a child bounded in memory and time.
fn lint_bounded(dir: &Path) -> (Found, Value) {
    let exe = std::env::current_exe().unwrap();
    let mut command = if Path::new("/usr/bin/prlimit").exists() {
        let mut c = std::process::Command::new("/usr/bin/prlimit");
        c.arg(format!("--as={CHILD_ADDRESS_SPACE}"))
            .arg("--")
            .arg(exe);
        c
    } else {
        std::process::Command::new(exe)
    };
    command
        .args([
            "bounded_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CHILD_DEADLINE {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("still running after {CHILD_DEADLINE:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    let tail: String = stderr
        .chars()
        .rev()
        .take(2000)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert_eq!(status.code(), Some(1), "{status}: {tail}");
    let out = std::fs::read_to_string(dir.join("lint.json")).unwrap();
    let json: Value = serde_json::from_str(&out).expect("valid JSON");
    let found = found_with_sibling(&json);
    (found, json)
}

/// The messages of `rule` in `file`.
fn messages(json: &Value, rule: &str, file: &str) -> Vec<String> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == rule && d["file"] == file)
        .map(|d| d["message"].as_str().unwrap().to_owned())
        .collect()
}

/// Issue 13, item 4: about 90k nested brackets, or a chain of a million terms, overflowed the
/// stack and aborted the run with no output.
#[test]
fn nesting_past_the_bound_is_a_parse_error_not_a_stack_overflow() {
    const DEEP: usize = 100_000;
    const LONG: usize = 300_000;
    let nested = |open: &str, inner: &str, close: &str| {
        format!("{}{inner}{}", open.repeat(DEEP), close.repeat(DEEP))
    };
    let cases = [
        (
            "parens",
            format!("fn f() {{ let x = {}; }}\n", nested("(", "1", ")")),
        ),
        ("blocks", format!("fn f() {}\n", nested("{ ", "1", " }"))),
        (
            "types",
            format!("type T = {};\n", nested("Vec<", "u8", ">")),
        ),
        (
            "macro brackets",
            format!("fn f() {{ m!{}; }}\n", nested("(", "", ")")),
        ),
        ("references", format!("type T = {}u8;\n", "&".repeat(DEEP))),
        (
            "plus chain",
            format!("fn f() {{ let s = 1{}; }}\n", " + 1".repeat(LONG)),
        ),
        (
            "field chain",
            format!("fn f() {{ let s = a{}; }}\n", ".b".repeat(LONG)),
        ),
        (
            "try chain",
            format!("fn f() {{ let s = a{}; }}\n", "?".repeat(LONG)),
        ),
        (
            "cast chain",
            format!("fn f() {{ let s = a{}; }}\n", " as u8".repeat(LONG)),
        ),
        (
            "else-if chain",
            format!("fn f() {{ if a {{}} {}}}\n", "else if a {} ".repeat(DEEP)),
        ),
    ];
    for (name, text) in cases {
        let dir = project("src/deep.rs", text);
        let (found, json) = lint_bounded(dir.path());
        assert_eq!(rules_in(&found, "src/deep.rs"), ["parse-error"], "{name}");
        let message = &messages(&json, "parse-error", "src/deep.rs")[0];
        assert!(message.contains("nesting deeper than"), "{name}: {message}");
    }
}

/// Issue 13, item 4: a 600k-term `AND` chain in SQL embedded in Rust overflowed the stack
/// (`sql_scope` facts recurse over it); the same in a `.sql` file is refused the same way.
#[test]
fn an_and_chain_past_the_bound_is_a_sql_parse_error_not_a_stack_overflow() {
    let condition = format!(
        "SELECT * FROM t WHERE {}",
        vec!["a = 1"; 200_000].join(" AND ")
    );
    for (rel, text) in [
        (
            "src/deep.rs",
            format!(
                "fn f(pool: &sqlx::PgPool) {{ sqlx::query(\"{condition}\").execute(pool); }}\n"
            ),
        ),
        ("migrations/0001_deep.sql", format!("{condition};\n")),
    ] {
        let dir = project(rel, text);
        let (_, json) = lint_bounded(dir.path());
        let errors = messages(&json, "sql-parse-error", rel);
        assert!(
            errors.len() == 1 && errors[0].contains("nesting deeper than"),
            "{rel}: {errors:?}"
        );
    }
}

/// Issue 13, item 5: five levels of `format!("{q}{q}..")` or `concat!(Q, Q, ..)` rebuilt an
/// exponentially long text (a 712-byte file took 2.6 GB).
#[test]
fn exponential_sql_rebuilding_stops_at_the_work_budget() {
    const LEVELS: usize = 8;
    let mut by_format = vec![
        "fn f(pool: &sqlx::PgPool) {".to_string(),
        "    let q0 = \"SELECT 1 FROM t WHERE a = 1 AND b = 2 \";".to_string(),
    ];
    let mut by_concat =
        vec!["const Q0: &str = \"SELECT 1 FROM t WHERE a = 1 AND b = 2 \";".to_string()];
    for i in 1..=LEVELS {
        let p = i - 1;
        by_format.push(format!(
            "    let q{i} = format!(\"{}\");",
            format!("{{q{p}}}").repeat(10)
        ));
        by_concat.push(format!(
            "const Q{i}: &str = concat!({});",
            vec![format!("Q{p}"); 10].join(", ")
        ));
    }
    by_format.push(format!("    sqlx::query(&q{LEVELS}).execute(pool);\n}}\n"));
    by_concat.push(format!(
        "fn f(pool: &sqlx::PgPool) {{ sqlx::query(Q{LEVELS}).execute(pool); }}\n"
    ));
    for text in [by_format.join("\n"), by_concat.join("\n")] {
        let dir = project("src/exp.rs", &text);
        let (_, json) = lint_bounded(dir.path());
        let refused = messages(&json, "io-error", "src/exp.rs");
        assert!(
            refused.len() == 1 && refused[0].contains("work budget"),
            "{text}\n{refused:?}"
        );
    }
}

/// Issue 13, item 6 (cost): one 1 MB file included by 200 call sites was read 200 times and
/// parsed into 7.5 GB. It is read once; the file's budget stops the sites past it.
#[test]
fn a_large_file_included_by_many_call_sites_is_budgeted() {
    let big = "SELECT 1 FROM t WHERE a = 1;\n".repeat(1 << 15);
    let sites: String = (0..200)
        .map(|i| format!("fn f{i}(pool: &sqlx::PgPool) {{ sqlx::query(include_str!(\"../big.sql.txt\")).execute(pool); }}\n"))
        .collect();
    let dir = project("src/inc.rs", sites);
    write(dir.path(), "big.sql.txt", big);
    let (_, json) = lint_bounded(dir.path());
    let refused = messages(&json, "io-error", "src/inc.rs");
    assert!(
        refused.len() == 1 && refused[0].contains("work budget"),
        "{refused:?}"
    );
}

/// Issue 13, item 7 (memory): a parsed statement takes ~18 KB, so a 16 MiB `.sql` file of
/// short statements took 10 GB. Past 20,000 statements the rest is reported, not parsed.
#[test]
fn statements_past_the_limit_are_reported_not_parsed() {
    let dir = project(
        "migrations/0001_seed.sql",
        "INSERT INTO t VALUES (1);\n".repeat(lint_core::sql::MAX_STATEMENTS + 50),
    );
    let (found, json) = lint_bounded(dir.path());
    let at: Vec<u64> = found
        .iter()
        .filter(|(r, f, _)| r == "sql-parse-error" && f == "migrations/0001_seed.sql")
        .map(|f| f.2)
        .collect();
    assert_eq!(at, [lint_core::sql::MAX_STATEMENTS as u64 + 1]);
    assert!(
        messages(&json, "sql-parse-error", "migrations/0001_seed.sql")[0].contains("statements")
    );
}
