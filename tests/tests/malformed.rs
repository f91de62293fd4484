//! Malformed and extreme input: every case is linted or gets a clear diagnostic, the exit code
//! stays as documented (0 clean, 1 findings, 2 usage/configuration error), and a known finding
//! in a sibling file is never lost.

use serde_json::Value;
use std::path::Path;
use tenantlint_tests::run_cli;

/// A file with one deny-level finding (`tenant-setting-not-local` on line 2).
const SIBLING: &str =
    "fn f(pool: &sqlx::PgPool) {\n    sqlx::query(\"SET app.tenant_id = 'a'\").execute(pool);\n}\n";

fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

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
    (found, json)
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
