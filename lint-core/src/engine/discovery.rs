//! Which files to lint: `.rs` and `.sql` under the given paths, honouring `.gitignore`, skipping
//! `target/` and `.git/` and the configuration's `exclude` globs.

use crate::config::Config;
use std::path::{Path, PathBuf};

/// The files to lint, sorted, and the paths that could not be walked with why.
pub fn discover(
    paths: &[PathBuf],
    root: &Path,
    config: &Config,
) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_file() {
            // An explicitly named file is linted whatever its ignore status.
            files.push(path.clone());
            continue;
        }
        if !path.exists() {
            errors.push((path.clone(), "no such file or directory".to_string()));
            continue;
        }
        let walker = ignore::WalkBuilder::new(path)
            .hidden(true)
            .git_ignore(true)
            .git_exclude(true)
            .require_git(false)
            .follow_links(true)
            // Following links must not walk into /proc or another mount.
            .same_file_system(true)
            .filter_entry(|e| {
                let name = e.file_name();
                !(e.file_type().is_some_and(|t| t.is_dir()) && (name == "target" || name == ".git"))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    let p = e.path();
                    let lintable = p.extension().is_some_and(|x| x == "rs" || x == "sql");
                    if lintable
                        && e.file_type().is_some_and(|t| t.is_file())
                        && !config.is_excluded(&crate::engine::rel_path(root, p))
                    {
                        files.push(p.to_path_buf());
                    }
                }
                Err(err) => {
                    let path = error_path(&err).unwrap_or_else(|| path.clone());
                    errors.push((path, describe(&err)));
                }
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
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
                ancestor.display()
            )
        }
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => describe(err),
        other => format!("cannot read: {other}"),
    }
}
