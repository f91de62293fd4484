//! File-system input: a small tree written to a fresh temporary folder from generated entries
//! (Rust and SQL files, `include_str!` and `query_file!` calls, symlinks, FIFOs) and linted
//! from disk, the way the command line does. A secret file sits beside the tree: whatever the
//! links and includes point at (the secret, the tree's parent, a FIFO, `/dev/zero`, a link to
//! itself), the secret's text must never reach the report or its rendering, and no run may
//! hang (libFuzzer's `-timeout` reports a stall).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use lint_core::config::Config;
use lint_core::engine::{self, LintOptions};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const SECRET: &str = "TENANTLINT-FUZZ-SECRET-7f3a";
const DIRS: &[&str] = &["", "src", "src/a", "migrations", "queries", "target"];
const NAMES: &[&str] = &[
    "lib.rs",
    "m.rs",
    "0001_init.sql",
    "q.sql",
    "link.rs",
    "data",
];

#[derive(Arbitrary, Debug)]
enum Entry {
    Source { dir: u8, name: u8, body: Body },
    Link { dir: u8, name: u8, target: Target },
    Fifo { dir: u8, name: u8 },
}

#[derive(Arbitrary, Debug)]
enum Body {
    Handler,
    IncludeStr(Target),
    QueryFile(Target),
    Sql,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Target {
    /// The secret beside the tree, by an absolute path.
    Secret,
    /// The secret by a path relative to the entry's folder (`../../secret.txt`).
    SecretRelative,
    /// The folder that holds the tree and the secret.
    Parent,
    /// The tree's root (a loop for a link inside it).
    Root,
    /// Another entry's path inside the tree.
    Sibling {
        dir: u8,
        name: u8,
    },
    DevZero,
    /// The link itself.
    Itself,
    Missing,
}

fn pick(list: &[&'static str], n: u8) -> &'static str {
    list[n as usize % list.len()]
}

fn rel(dir: u8, name: u8) -> PathBuf {
    Path::new(pick(DIRS, dir)).join(pick(NAMES, name))
}

/// Where `target` points, seen from the entry at `at` inside `root` (under `outer`).
fn target_path(target: Target, outer: &Path, root: &Path, at: &Path) -> PathBuf {
    match target {
        Target::Secret => outer.join("secret.txt"),
        Target::SecretRelative => {
            let depth = at.parent().map_or(0, |p| p.components().count());
            let mut p = PathBuf::from("..");
            for _ in 0..depth {
                p.push("..");
            }
            p.join("secret.txt")
        }
        Target::Parent => outer.to_path_buf(),
        Target::Root => root.to_path_buf(),
        Target::Sibling { dir, name } => root.join(rel(dir, name)),
        Target::DevZero => PathBuf::from("/dev/zero"),
        Target::Itself => root.join(at),
        Target::Missing => root.join("missing/nothing.rs"),
    }
}

fn write_tree(entries: &[Entry], outer: &Path, root: &Path) {
    for entry in entries.iter().take(12) {
        let (dir, name) = match entry {
            Entry::Source { dir, name, .. }
            | Entry::Link { dir, name, .. }
            | Entry::Fifo { dir, name } => (*dir, *name),
        };
        let at = rel(dir, name);
        let path = root.join(&at);
        if path.symlink_metadata().is_ok() {
            continue;
        }
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let shown = |t: Target| target_path(t, outer, root, &at).display().to_string();
        let _ = match entry {
            Entry::Source { body, .. } => {
                let text = match body {
                    Body::Handler => "pub async fn h(pool: &sqlx::PgPool, id: i64) {\n    \
                        sqlx::query(\"SELECT * FROM documents WHERE id = $1\").bind(id)\
                        .execute(pool).await.unwrap();\n}\n"
                        .to_string(),
                    Body::IncludeStr(t) => format!(
                        "pub async fn h(pool: &sqlx::PgPool) {{\n    \
                         sqlx::query(include_str!(\"{}\")).execute(pool).await.unwrap();\n}}\n",
                        shown(*t)
                    ),
                    Body::QueryFile(t) => format!(
                        "pub async fn h(pool: &sqlx::PgPool) {{\n    \
                         sqlx::query_file!(\"{}\").execute(pool).await.unwrap();\n}}\n",
                        shown(*t)
                    ),
                    Body::Sql => tenantlint_fuzz::MIGRATION.to_string(),
                };
                std::fs::write(&path, text)
            }
            Entry::Link { target, .. } => symlink(target_path(*target, outer, root, &at), &path),
            Entry::Fifo { .. } => std::process::Command::new("mkfifo")
                .arg(&path)
                .status()
                .map(|_| ()),
        };
    }
}

fuzz_target!(|entries: Vec<Entry>| {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let outer = std::env::temp_dir().join(format!(
        "tenantlint-fuzz-tree-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let root = outer.join("tree");
    std::fs::create_dir_all(&root).expect("a temporary folder");
    // Neither Rust nor SQL: a file that read it would show it in a parse error's snippet.
    std::fs::write(outer.join("secret.txt"), format!("{SECRET} ((( SELECT\n")).expect("write");
    write_tree(&entries, &outer, &root);

    let report = engine::lint(
        LintOptions {
            paths: vec![root.clone()],
            root: root.clone(),
            config: Config::default(),
            threads: 1,
            inline_suppressions: true,
            only_rules: None,
        },
        tenantlint_rules::ALL,
    );
    let out = tenantlint_fuzz::render_all(&report);
    let _ = std::fs::remove_dir_all(&outer);
    assert!(
        !String::from_utf8_lossy(&out).contains(SECRET),
        "the secret beside the tree reached the report: {entries:?}"
    );
});
