//! Which files to lint: `.rs` and `.sql` under the given paths. What is linted depends on the
//! tree and the configuration only: `.gitignore` files between the workspace root and each file
//! count; `.ignore` files, git's global excludes and `.git/info/exclude` (machine state, not the
//! tree) do not. Cargo's build output, `.git/` and the configuration's `exclude` globs are
//! skipped. A symbolic link is followed only when its canonical target stays inside the
//! workspace root; FIFOs, sockets and devices are skipped. Every skip of that kind is reported.

use crate::config::Config;
use crate::safe_read::{kind_of, Boundary};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The files to lint (canonical paths, sorted, each once) and the paths that were not linted
/// with why.
pub fn discover(
    paths: &[PathBuf],
    root: &Path,
    config: &Config,
) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let root = Boundary::new(root);
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let Ok(canonical) = path.canonicalize() else {
            errors.push((path.clone(), "no such file or directory".to_string()));
            continue;
        };
        if !canonical.is_dir() {
            // An explicitly named file is linted whatever its ignore status.
            match std::fs::metadata(&canonical) {
                Ok(m) if m.is_file() => files.push(canonical),
                Ok(m) => errors.push((path.clone(), not_regular(&m.file_type()))),
                Err(e) => errors.push((path.clone(), format!("cannot read: {e}"))),
            }
            continue;
        }
        // Links may lead anywhere inside the workspace; a folder named outside it is its own
        // boundary.
        let boundary = if canonical.starts_with(root.path()) {
            root.clone()
        } else {
            Boundary::new(&canonical)
        };
        walk(
            &canonical,
            (root.path(), &boundary),
            config,
            &mut files,
            &mut errors,
        );
    }
    files.sort();
    files.dedup();
    (files, errors)
}

fn walk(
    dir: &Path,
    (root, boundary): (&Path, &Boundary),
    config: &Config,
    files: &mut Vec<PathBuf>,
    errors: &mut Vec<(PathBuf, String)>,
) {
    let refused: Arc<Mutex<Vec<(PathBuf, String)>>> = Arc::default();
    let parents = parent_ignores(dir, boundary.path());
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(false)
        .ignore(false)
        .parents(false)
        .require_git(false)
        .follow_links(true)
        // Following links must not walk into /proc or another mount.
        .same_file_system(true)
        .filter_entry({
            let boundary = boundary.clone();
            let refused = Arc::clone(&refused);
            move |e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                if is_dir && (e.file_name() == ".git" || is_build_output(e.path())) {
                    return false;
                }
                if ignored_by_parents(&parents, e.path(), is_dir) {
                    return false;
                }
                if e.path_is_symlink() {
                    if let Err(why) = boundary.admit(e.path()) {
                        if let Ok(mut r) = refused.lock() {
                            r.push((
                                e.path().to_path_buf(),
                                format!("symbolic link not followed: {why}"),
                            ));
                        }
                        return false;
                    }
                }
                true
            }
        })
        .build();
    for entry in walker {
        match entry {
            Ok(e) => {
                let p = e.path();
                let lintable = p.extension().is_some_and(|x| x == "rs" || x == "sql");
                let Some(file_type) = e.file_type() else {
                    continue;
                };
                if !lintable || file_type.is_dir() {
                    continue;
                }
                if !file_type.is_file() {
                    errors.push((p.to_path_buf(), not_regular(&file_type)));
                    continue;
                }
                // Canonical, so that a file reached through a linked folder or `..` is linted once.
                let Ok(canonical) = p.canonicalize() else {
                    continue;
                };
                if !config.is_excluded(&crate::engine::rel_path(root, &canonical)) {
                    files.push(canonical);
                }
            }
            Err(err) => {
                let path = error_path(&err).unwrap_or_else(|| dir.to_path_buf());
                let described = describe(&err);
                let why = match std::fs::read_link(&path) {
                    Ok(target) if !described.starts_with("symbolic link loop") => format!(
                        "symbolic link not followed: its target {} cannot be read",
                        crate::safe_read::display_path(&target)
                    ),
                    _ => described,
                };
                errors.push((path, why));
            }
        }
    }
    let refused = refused.lock().map(|mut r| std::mem::take(&mut *r));
    errors.extend(refused.unwrap_or_default());
}

fn not_regular(t: &std::fs::FileType) -> String {
    format!("{} is not a regular file: skipped", kind_of(t))
}

/// Cargo marks its build folders (`target/` or any configured target dir) with these files; a
/// module folder that happens to be called `target` has neither and is linted.
fn is_build_output(dir: &Path) -> bool {
    dir.join("CACHEDIR.TAG").is_file() || dir.join(".rustc_info.json").is_file()
}

/// The `.gitignore` files of the folders from the workspace root down to (not including) `dir`,
/// deepest first: the walker reads those at and below `dir` itself, and nothing above the root
/// may decide what is linted.
fn parent_ignores(dir: &Path, root: &Path) -> Vec<Gitignore> {
    let Ok(below) = dir.strip_prefix(root) else {
        return Vec::new();
    };
    let mut folders = vec![root.to_path_buf()];
    let mut current = root.to_path_buf();
    for part in below.parent().into_iter().flat_map(Path::components) {
        current.push(part);
        folders.push(current.clone());
    }
    if below.as_os_str().is_empty() {
        folders.clear();
    }
    folders
        .iter()
        .rev()
        .filter_map(|folder| {
            let file = folder.join(".gitignore");
            if !file.is_file() {
                return None;
            }
            let mut builder = GitignoreBuilder::new(folder);
            builder.add(&file);
            builder.build().ok()
        })
        .collect()
}

fn ignored_by_parents(parents: &[Gitignore], path: &Path, is_dir: bool) -> bool {
    parents
        .iter()
        .map(|g| g.matched_path_or_any_parents(path, is_dir))
        .find(|m| !m.is_none())
        .is_some_and(|m| m.is_ignore())
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn describe(err: &ignore::Error) -> String {
    match err {
        ignore::Error::Loop { ancestor, .. } => {
            format!(
                "symbolic link loop back to {}: not followed",
                crate::engine::display_path(ancestor)
            )
        }
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => describe(err),
        other => format!("cannot read: {other}"),
    }
}
