//! `--diff BASE`: keep only the findings on lines changed since a git revision. The analysis
//! still sees the whole workspace (a query's schema and consts live in unchanged files); only
//! the report is narrowed. Git runs locally through the `git` command: no network.

use crate::engine::Report;
use std::collections::{HashMap, HashSet};
use std::path::Path;
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

    /// Runs `git diff --unified=0 BASE` (working tree against BASE) and lists untracked files,
    /// in `root`, with paths relative to it.
    pub fn since(root: &Path, base: &str) -> Result<ChangedLines, String> {
        if base.starts_with('-') || base.is_empty() {
            return Err(format!("`{base}` is not a git revision"));
        }
        if git(root, &["rev-parse", "--is-inside-work-tree"]).is_err() {
            return Err(format!("{} is not inside a git work tree", root.display()));
        }
        let diff = git(
            root,
            &[
                "diff",
                "--unified=0",
                "--no-color",
                "--no-ext-diff",
                "--no-renames",
                "--relative",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                base,
                "--",
            ],
        )?;
        let untracked = git(root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
        Ok(ChangedLines {
            ranges: parse_unified_diff(&diff),
            untracked: untracked
                .split('\0')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
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

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        // Paths as written, whatever the user's git configuration says.
        .args(["-c", "core.quotePath=false"])
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "`git {}` failed: {}",
            args.first().copied().unwrap_or_default(),
            stderr.lines().next().unwrap_or("no message").trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| "git printed a path that is not UTF-8".into())
}

/// The new-side line ranges of each file in a `git diff --unified=0` output.
pub fn parse_unified_diff(diff: &str) -> HashMap<String, Vec<(u32, u32)>> {
    let mut ranges: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = path.strip_prefix("b/").map(str::to_string);
        } else if line.starts_with("diff --git ") {
            current = None;
        } else if let (Some(hunk), Some(path)) = (line.strip_prefix("@@ "), &current) {
            if let Some(range) = new_side(hunk) {
                ranges.entry(path.clone()).or_default().push(range);
            }
        }
    }
    ranges
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
        let diff = "\
diff --git a/src/db.rs b/src/db.rs
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
";
        let ranges = parse_unified_diff(diff);
        assert_eq!(ranges["src/db.rs"], vec![(3, 3), (11, 13)]);
        assert!(!ranges.contains_key("src/old.rs"));
        assert_eq!(ranges["src/with space.rs"], vec![(1, 2)]);
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
        let err = ChangedLines::since(Path::new("."), "--output=/tmp/x").unwrap_err();
        assert!(err.contains("not a git revision"), "{err}");
    }
}
