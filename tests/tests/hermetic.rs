//! The tool only reads the tree it lints: no file or folder is created, changed or touched,
//! whatever the output format, and a baseline is written only where it is asked to be.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use tenantlint_tests::{repo_root, run_cli};

/// Every path under `root` with its kind, size and modification time.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (bool, u64, SystemTime)> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            (
                e.path().to_path_buf(),
                (meta.is_dir(), meta.len(), meta.modified().unwrap()),
            )
        })
        .collect()
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn no_run_writes_to_the_linted_tree() {
    let tree = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let demo = tree.path().join("demo");
    copy_tree(&repo_root().join("fixtures/demo"), &demo);
    let before = snapshot(tree.path());
    let d = demo.to_str().unwrap();
    let baseline = outside.path().join("baseline.json");
    let b = baseline.to_str().unwrap();
    let runs: &[&[&str]] = &[
        &[d],
        &[d, "--format", "json"],
        &[d, "--format", "sarif"],
        &[d, "--format", "github"],
        &[d, "--format", "gitlab"],
        &[d, "--format", "cargo-json"],
        &[d, "--write-baseline", b],
        &[d, "--baseline", b, "--baseline-strict"],
        &["config", d],
    ];
    for args in runs {
        // From the tree itself, so a relative output path would land in it.
        let (code, out, err) = run_cli(args, &demo);
        assert!(code == 0 || code == 1, "{args:?}: {out}{err}");
        assert!(!out.is_empty(), "{args:?} printed nothing");
    }
    assert!(baseline.is_file(), "the baseline was not written");
    assert_eq!(before, snapshot(tree.path()));
}
