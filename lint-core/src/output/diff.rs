//! `--diff BASE`: keep only the findings on lines changed since the merge base of a git
//! revision and `HEAD`. The analysis still sees the whole workspace (a query's schema and consts
//! live in unchanged files); only the report is narrowed.
//!
//! The checkout may come from an untrusted pull request, so git runs with nothing the tree can
//! configure: the repository is the one enclosing the user's current directory (never one found
//! inside a linted folder, such as a committed bare repository), with an empty environment, no
//! system or global configuration, no fsmonitor, hooks, external diff, textconv or lazy fetch,
//! attributes read from the empty tree (a committed `.gitattributes` cannot mark files binary or
//! attach a filter), and paths read as bytes, however git quotes them. Git runs locally: no
//! network.

use crate::engine::report::Report;
use crate::syntax::source::rel_path;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The lines added or edited since the base revision, per path relative to the workspace root.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ChangedLines {
    /// 1-based inclusive line ranges of the new side of each hunk.
    ranges: HashMap<String, Vec<(u32, u32)>>,
    /// Files git does not track yet: every line is new.
    untracked: HashSet<String>,
}

impl ChangedLines {
    pub fn contains(&self, path: &str, line: u32) -> bool {
        self.untracked.contains(path)
            || self
                .ranges
                .get(path)
                .is_some_and(|r| r.iter().any(|&(from, to)| from <= line && line <= to))
    }

    /// Diffs the working tree against `git merge-base BASE HEAD` and lists untracked files, in
    /// the repository enclosing `cwd`, with paths relative to `root` (the workspace root).
    pub fn since(cwd: &Path, root: &Path, base: &str) -> Result<ChangedLines, String> {
        if base.starts_with('-') || base.is_empty() {
            return Err(format!("`{base}` is not a git revision"));
        }
        let repo = Repo::enclosing(cwd)?;
        let version = repo.git_version()?;
        supports_attr_source(&version)?;
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        if !root.starts_with(&repo.work_tree) {
            return Err(format!(
                "{} is not inside the git work tree of the current directory ({})",
                crate::engine::display_path(&root),
                crate::engine::display_path(&repo.work_tree)
            ));
        }
        let merge_base = repo.git(&["merge-base", base, "HEAD"])?;
        let merge_base = String::from_utf8_lossy(&merge_base).trim().to_string();
        let diff = repo.git(&[
            "diff",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--text",
            "--no-renames",
            "--ignore-submodules",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            &merge_base,
            "--",
        ])?;
        let untracked = repo.git(&[
            "ls-files",
            "-z",
            "--others",
            "--exclude-per-directory=.gitignore",
        ])?;
        let to_root = |from_top: &[u8]| rel_path(&root, &repo.resolve(from_top));
        Ok(ChangedLines {
            ranges: parse_unified_diff(&diff)
                .into_iter()
                .map(|(path, r)| (to_root(&path), r))
                .collect(),
            untracked: untracked
                .split(|&b| b == 0)
                .filter(|p| !p.is_empty())
                .map(to_root)
                .collect(),
        })
    }

    /// Drops the report's findings whose primary line did not change, counting them.
    pub fn narrow(&self, report: &mut Report) {
        let before = report.active().count();
        report
            .diagnostics
            .retain(|d| self.contains(&d.file.rel_path, d.location().line));
        report.summary.outside_diff += before - report.active().count();
        report.recount();
    }
}

/// A git repository found by its `.git` entry (a folder, or a file pointing to a worktree's
/// folder) in the current directory or a parent.
struct Repo {
    git_dir: PathBuf,
    work_tree: PathBuf,
}

/// `--attr-source`, which keeps the tree's own `.gitattributes` from choosing filters or hiding
/// files, came with git 2.40; an older git would obey the pull request's attributes, so diff mode
/// refuses to run on it rather than run unsafely.
const MIN_GIT: (u32, u32) = (2, 40);

fn supports_attr_source(version_line: &str) -> Result<(), String> {
    let numbers: Vec<u32> = version_line
        .trim()
        .strip_prefix("git version ")
        .unwrap_or_default()
        .split(['.', ' '])
        .take(2)
        .map_while(|n| n.parse().ok())
        .collect();
    match numbers[..] {
        [major, minor] if (major, minor) >= MIN_GIT => Ok(()),
        _ => Err(format!(
            "--diff needs git {}.{} or newer (found `{}`): older git reads the tree's own \
             .gitattributes, which a pull request controls",
            MIN_GIT.0,
            MIN_GIT.1,
            crate::render::escape_control(version_line.trim())
        )),
    }
}

/// The empty tree, which git knows without storing it: attributes read from it are none.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

impl Repo {
    fn enclosing(cwd: &Path) -> Result<Repo, String> {
        let cwd = cwd.canonicalize().map_err(|e| {
            format!(
                "cannot resolve the current directory {}: {e}",
                crate::engine::display_path(cwd)
            )
        })?;
        cwd.ancestors()
            .find(|dir| dir.join(".git").exists())
            .map(|dir| Repo {
                git_dir: dir.join(".git"),
                work_tree: dir.to_path_buf(),
            })
            .ok_or_else(|| {
                format!(
                    "{} is not inside a git work tree",
                    crate::engine::display_path(&cwd)
                )
            })
    }

    /// `git --version`, in the same environment as every other call but with none of their
    /// options (an older git rejects `--attr-source` before it prints anything).
    fn git_version(&self) -> Result<String, String> {
        let output = isolated_git()
            .arg("--version")
            .current_dir(&self.work_tree)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// A path git printed relative to the top of the work tree, as the engine names files.
    fn resolve(&self, from_top: &[u8]) -> PathBuf {
        let path = self.work_tree.join(path_from_bytes(from_top));
        path.canonicalize().unwrap_or(path)
    }

    fn git(&self, args: &[&str]) -> Result<Vec<u8>, String> {
        let mut command = isolated_git();
        command
            .arg("--git-dir")
            .arg(&self.git_dir)
            .arg("--work-tree")
            .arg(&self.work_tree)
            .args(["--no-pager", "--no-replace-objects"])
            .arg(format!("--attr-source={EMPTY_TREE}"));
        for setting in [
            "core.fsmonitor=false",
            "core.hooksPath=/dev/null",
            "core.attributesFile=/dev/null",
            "core.excludesFile=/dev/null",
            "core.quotePath=false",
            "diff.external=",
            "protocol.allow=never",
        ] {
            command.args(["-c", setting]);
        }
        let output = command
            .args(args)
            .current_dir(&self.work_tree)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!(
                "`git {}` failed: {}",
                args.first().copied().unwrap_or_default(),
                crate::render::escape_control(stderr.lines().next().unwrap_or("no message").trim())
            ));
        }
        Ok(output.stdout)
    }
}

/// git with an empty environment (only `PATH` kept), no system or global configuration, no
/// prompts, lazy fetches or optional locks, and messages in English.
fn isolated_git() -> Command {
    let mut command = Command::new("git");
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command.envs([
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ("GIT_NO_LAZY_FETCH", "1"),
        ("GIT_TERMINAL_PROMPT", "0"),
        // No index refresh written back: the engine never writes to the linted tree.
        ("GIT_OPTIONAL_LOCKS", "0"),
        ("LC_ALL", "C"),
    ]);
    command
}

fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// The new-side line ranges of each file in a `git diff --unified=0` output, by the file's
/// path as bytes (relative to the top of the work tree).
pub fn parse_unified_diff(diff: &[u8]) -> HashMap<Vec<u8>, Vec<(u32, u32)>> {
    let mut ranges: HashMap<Vec<u8>, Vec<(u32, u32)>> = HashMap::new();
    let mut current: Option<Vec<u8>> = None;
    for line in diff.split(|&b| b == b'\n') {
        if let Some(name) = line.strip_prefix(b"+++ ") {
            current = header_path(name).and_then(|p| p.strip_prefix(b"b/").map(<[u8]>::to_vec));
        } else if line.starts_with(b"diff --git ") {
            current = None;
        } else if let (Some(hunk), Some(path)) = (line.strip_prefix(b"@@ "), &current) {
            if let Some(range) = new_side(&String::from_utf8_lossy(hunk)) {
                ranges.entry(path.clone()).or_default().push(range);
            }
        }
    }
    ranges
}

/// The name in a `+++ ` header: C-quoted when it holds a quote, backslash or control
/// character; followed by a tab when it holds a space.
fn header_path(name: &[u8]) -> Option<Vec<u8>> {
    match name.strip_prefix(b"\"") {
        Some(quoted) => unquote(quoted),
        None => Some(name.strip_suffix(b"\t").unwrap_or(name).to_vec()),
    }
}

/// Undoes git's C-style quoting up to the closing quote.
fn unquote(quoted: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(quoted.len());
    let mut bytes = quoted.iter().copied();
    while let Some(b) = bytes.next() {
        match b {
            b'"' => return Some(out),
            b'\\' => {
                let escaped = bytes.next()?;
                out.push(match escaped {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'v' => 0x0b,
                    b'f' => 0x0c,
                    b'r' => b'\r',
                    b'0'..=b'3' => {
                        let (hi, lo) = (bytes.next()?, bytes.next()?);
                        let digit = |d: u8| (b'0'..=b'7').contains(&d).then(|| d - b'0');
                        ((escaped - b'0') << 6) | (digit(hi)? << 3) | digit(lo)?
                    }
                    other => other,
                });
            }
            other => out.push(other),
        }
    }
    None
}

/// `-12,3 +14,2 @@ fn x()` → lines 14 to 15; a pure deletion (`+14,0`) adds no line.
fn new_side(hunk: &str) -> Option<(u32, u32)> {
    let new = hunk.split_whitespace().find_map(|w| w.strip_prefix('+'))?;
    let (start, count) = match new.split_once(',') {
        Some((s, c)) => (s.parse::<u32>().ok()?, c.parse::<u32>().ok()?),
        None => (new.parse::<u32>().ok()?, 1),
    };
    (count > 0).then(|| (start, start + count - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hunks_of_added_edited_and_deleted_lines() {
        let diff = r#"diff --git a/src/db.rs b/src/db.rs
index 1111111..2222222 100644
--- a/src/db.rs
+++ b/src/db.rs
@@ -3 +3 @@ use x;
-old
+new
@@ -10,0 +11,3 @@ fn f() {
+a
+b
+c
@@ -20,2 +22,0 @@ fn g() {
-gone
-gone
diff --git a/src/old.rs b/src/old.rs
deleted file mode 100644
--- a/src/old.rs
+++ /dev/null
@@ -1,2 +0,0 @@
-x
-y
diff --git a/src/with space.rs b/src/with space.rs
--- a/src/with space.rs	
+++ b/src/with space.rs	
@@ -1 +1,2 @@
-z
+z
+w
diff --git "a/src/tab\there.rs" "b/src/tab\there.rs"
--- "a/src/tab\there.rs"
+++ "b/src/tab\there.rs"
@@ -0,0 +1 @@
+t
diff --git "a/src/caf\303\251.rs" "b/src/caf\303\251.rs"
+++ "b/src/caf\303\251.rs"
@@ -0,0 +4 @@
+e
"#;
        let ranges: HashMap<String, Vec<(u32, u32)>> = parse_unified_diff(diff.as_bytes())
            .into_iter()
            .map(|(p, r)| (String::from_utf8(p).unwrap(), r))
            .collect();
        assert_eq!(ranges["src/db.rs"], vec![(3, 3), (11, 13)]);
        assert!(!ranges.contains_key("src/old.rs"));
        assert_eq!(ranges["src/with space.rs"], vec![(1, 2)]);
        assert_eq!(ranges["src/tab\there.rs"], vec![(1, 1)]);
        assert_eq!(ranges["src/café.rs"], vec![(4, 4)]);
        let changed = ChangedLines {
            ranges,
            untracked: HashSet::from(["src/new.rs".to_string()]),
        };
        assert!(changed.contains("src/db.rs", 12));
        assert!(!changed.contains("src/db.rs", 14));
        assert!(!changed.contains("src/db.rs", 22));
        assert!(changed.contains("src/new.rs", 400));
    }

    #[test]
    fn refuses_an_option_as_revision() {
        let err =
            ChangedLines::since(Path::new("."), Path::new("."), "--output=/tmp/x").unwrap_err();
        assert!(err.contains("not a git revision"), "{err}");
    }

    #[test]
    fn diff_mode_needs_a_git_that_ignores_the_trees_attributes() {
        assert!(supports_attr_source("git version 2.47.3\n").is_ok());
        assert!(supports_attr_source("git version 2.40.0.windows.1").is_ok());
        assert!(supports_attr_source("git version 3.0").is_ok());
        let old = supports_attr_source("git version 2.34.1").unwrap_err();
        assert!(
            old.contains("needs git 2.40") && old.contains("2.34.1"),
            "{old}"
        );
        assert!(supports_attr_source("").is_err());
    }
}
