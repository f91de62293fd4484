//! The layer order of `lint-core/src`: syntax < semantic < knowledge < facts < engine < output.
//! A module may refer to its own layer and lower ones; this test reads every module's `crate::`
//! paths (use trees and inline paths, with lib.rs's flat re-exports resolved to their folder) and
//! fails on a reference that goes up, unless it is in `REMAINING_UPWARD` below.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

const LAYERS: [&str; 6] = [
    "syntax",
    "semantic",
    "knowledge",
    "facts",
    "engine",
    "output",
];

/// Edges that still go up, each (module file, layer it refers to). The next phase of issue 12
/// removes them; an entry that no longer occurs fails the test too, so the list only shrinks.
const REMAINING_UPWARD: &[(&str, &str, &str)] = &[
    // Facts read the configuration, which lives in engine/config.rs. The next phase moves the
    // configuration model (`Config`, `SqlDialect`, `table_name_eq`) below the facts.
    ("facts/http.rs", "engine", CONFIG),
    ("facts/keys.rs", "engine", CONFIG),
    ("facts/orm/diesel.rs", "engine", CONFIG),
    ("facts/orm/mod.rs", "engine", CONFIG),
    ("facts/orm/sea_orm.rs", "engine", CONFIG),
    ("facts/schema.rs", "engine", CONFIG),
    ("facts/sql.rs", "engine", CONFIG),
    ("facts/sql_scope.rs", "engine", CONFIG),
    ("facts/sql_sites.rs", "engine", CONFIG),
    ("facts/taint.rs", "engine", CONFIG),
    ("facts/workspace.rs", "engine", CONFIG),
    // `is_test_code` takes an `AnalyzedFile` (now facts/workspace.rs); it needs only the file's
    // source and model, so the next phase passes those instead.
    (
        "semantic/test_code.rs",
        "facts",
        "takes facts::workspace::AnalyzedFile",
    ),
];

const CONFIG: &str = "reads engine::config";

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text without `//` comments (doc links name modules without depending on them).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first segments of the paths under `rest`, which follows a `::`: `a::b` → `a`,
/// `{a, b::{c}, d as e}` → `a`, `b`, `d`.
fn first_segments(rest: &str) -> Vec<String> {
    let Some(group) = rest.strip_prefix('{') else {
        return vec![ident_at(rest).to_string()];
    };
    let (mut depth, mut names, mut expect_name) = (1, Vec::new(), true);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 1 => break,
            '}' => depth -= 1,
            ',' if depth == 1 => expect_name = true,
            c if depth == 1 && expect_name && (c.is_ascii_alphabetic() || c == '_') => {
                names.push(ident_at(&group[i..]).to_string());
                expect_name = false;
            }
            _ => {}
        }
    }
    names
}

/// lib.rs's `pub use <layer>::..;` re-exports: flat name → layer.
fn flat_names(lib: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for stmt in code_of(lib).split(';') {
        let Some(path) = stmt.trim().split_once("use ").map(|(_, p)| p.trim()) else {
            continue;
        };
        let Some((layer, rest)) = path.split_once("::") else {
            continue;
        };
        if rank(layer).is_none() {
            continue;
        }
        let inner = rest.trim().trim_start_matches('{').trim_end_matches('}');
        for item in inner.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let name = item
                .rsplit(" as ")
                .next()
                .unwrap()
                .rsplit("::")
                .next()
                .unwrap();
            map.insert(name.trim().to_string(), layer.to_string());
        }
    }
    map
}

#[test]
fn no_module_refers_to_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let flat = flat_names(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    assert!(
        flat.contains_key("keys") && flat.contains_key("ir"),
        "lib.rs re-exports not read"
    );
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = BTreeSet::new();
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let Some(own) = rel.split_once('/').and_then(|(l, _)| rank(l)) else {
            continue; // lib.rs and the test support at the root
        };
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for (at, _) in code.match_indices("crate::") {
            for name in first_segments(&code[at + "crate::".len()..]) {
                let layer = if rank(&name).is_some() {
                    Some(name.clone())
                } else {
                    flat.get(&name).cloned()
                };
                if let Some(layer) = layer.filter(|l| rank(l).unwrap() > own) {
                    upward.insert((rel.clone(), layer));
                }
            }
        }
    }
    let allowed: BTreeSet<(String, String)> = REMAINING_UPWARD
        .iter()
        .map(|(m, l, _)| (m.to_string(), l.to_string()))
        .collect();
    let new: Vec<_> = upward.difference(&allowed).collect();
    let gone: Vec<_> = allowed.difference(&upward).collect();
    assert!(new.is_empty(), "modules refer to a higher layer: {new:#?}");
    assert!(
        gone.is_empty(),
        "allow-listed edges no longer occur; remove them: {gone:#?}"
    );
}
