//! Baselines for adopting the linter on an existing codebase, and the line-independent
//! fingerprints that SARIF and GitLab reports share with them.
//!
//! A finding's identity is its rule, its path and a hash of the code it flags with all
//! whitespace removed: moving code up or down, or re-indenting it, keeps the identity, while
//! editing the flagged code gives it a new one (so it is reviewed again). Identical findings in
//! one file share an identity; the baseline counts them, so a duplicated bug is still new.

use crate::diagnostic::{Diagnostic, Suppressed, SuppressionKind};
use crate::engine::Report;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The baseline file format version; bumped only for incompatible changes.
pub const VERSION: u32 = 1;

/// Hex digits kept from the SHA-256 of a finding's code: 128 bits.
const FINGERPRINT_HEX_LEN: usize = 32;

/// The hash of the code a finding flags: the full source lines of its primary span, with
/// whitespace removed. A finding without code (an unreadable file) is identified by its message.
pub fn code_fingerprint(d: &Diagnostic) -> String {
    let file = &d.file;
    let start = file.line_of(d.primary.span.start);
    let end = file.line_of(d.primary.span.end).max(start);
    let mut hasher = Sha256::new();
    let mut empty = true;
    for line in start..=end {
        for part in file.line_text(line).split_whitespace() {
            hasher.update(part.as_bytes());
            empty = false;
        }
    }
    if empty {
        hasher.update(d.message.as_bytes());
    }
    hex(&hasher.finalize())
}

/// One fingerprint per diagnostic, unique within the report and stable when unrelated lines
/// move: a hash of rule, path and code, then `:` and the occurrence among identical findings
/// (counted in report order). This is what GitHub's `primaryLocationLineHash` and GitLab's
/// `fingerprint` hold.
pub fn finding_fingerprints(diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let mut hasher = Sha256::new();
            for part in [d.rule, d.file.rel_path.as_str(), &code_fingerprint(d)] {
                hasher.update(part.as_bytes());
                hasher.update([0]);
            }
            let key = hex(&hasher.finalize());
            let occurrence = seen.entry(key.clone()).or_insert(0);
            *occurrence += 1;
            format!("{key}:{occurrence}")
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    let mut out: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    out.truncate(FINGERPRINT_HEX_LEN);
    out
}

/// The `--baseline` file: findings accepted for now, to be fixed later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    /// [`code_fingerprint`] of the flagged code.
    pub fingerprint: String,
    /// How many identical findings the entry accepts.
    pub count: usize,
    /// The finding's message when it was recorded, for the reader of the file.
    #[serde(default)]
    pub message: String,
}

/// Rule, path and code fingerprint.
type Key = (String, String, String);

impl Entry {
    fn key(&self) -> Key {
        (
            self.rule.clone(),
            self.path.clone(),
            self.fingerprint.clone(),
        )
    }
}

impl Baseline {
    /// A baseline that accepts every finding of the report that nothing suppressed yet.
    pub fn from_report(report: &Report) -> Baseline {
        let mut entries: Vec<Entry> = Vec::new();
        let mut index: HashMap<Key, usize> = HashMap::new();
        for d in report.active() {
            let key = (
                d.rule.to_string(),
                d.file.rel_path.clone(),
                code_fingerprint(d),
            );
            match index.get(&key) {
                Some(&i) => entries[i].count += 1,
                None => {
                    index.insert(key.clone(), entries.len());
                    entries.push(Entry {
                        rule: key.0,
                        path: key.1,
                        fingerprint: key.2,
                        count: 1,
                        message: d.message.clone(),
                    });
                }
            }
        }
        // Sorted by what a reviewer scans for, so that the file diffs well.
        entries.sort_by(|a, b| {
            (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint))
        });
        Baseline {
            version: VERSION,
            entries,
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = crate::safe_read::read_in_own_folder(path).map_err(|why| {
            format!(
                "cannot use baseline {}: {why}",
                crate::engine::display_path(path)
            )
        })?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("invalid baseline {}: {e}", path.display()))?;
        if baseline.version != VERSION {
            return Err(format!(
                "baseline {} has version {}, this cargo-tenantlint reads version {VERSION}; \
                 write a new one with --write-baseline",
                path.display(),
                baseline.version
            ));
        }
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| format!("cannot serialize baseline: {e}"))?;
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
    }

    /// Marks the report's findings that the baseline accepts as suppressed, up to each entry's
    /// count, and recounts the summary. Returns the entries (with the unmatched count) that
    /// matched fewer findings than they accept: fixed or changed code, so the baseline can shrink.
    pub fn apply(&self, report: &mut Report) -> Vec<Entry> {
        let mut remaining: HashMap<Key, usize> = HashMap::new();
        for e in &self.entries {
            *remaining.entry(e.key()).or_insert(0) += e.count;
        }
        for d in report.diagnostics.iter_mut().filter(|d| !d.is_suppressed()) {
            let key = (
                d.rule.to_string(),
                d.file.rel_path.clone(),
                code_fingerprint(d),
            );
            if let Some(left) = remaining.get_mut(&key).filter(|left| **left > 0) {
                *left -= 1;
                d.suppressed = Some(Suppressed {
                    kind: SuppressionKind::Baseline,
                    reason: Some("accepted in the baseline".into()),
                });
            }
        }
        let mut stale: Vec<Entry> = Vec::new();
        for e in &self.entries {
            let Some(left) = remaining.get_mut(&e.key()) else {
                continue;
            };
            if *left > 0 {
                stale.push(Entry {
                    count: (*left).min(e.count),
                    ..e.clone()
                });
                *left -= (*left).min(e.count);
            }
        }
        report.summary.stale_baseline = stale.iter().map(|e| e.count).sum();
        report.recount();
        stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{diagnostic, report_of, source};

    #[test]
    fn fingerprints_ignore_position_and_whitespace_but_not_code() {
        let a = source("a.rs", "fn f() {\n    run(\"SET app.tenant_id = 1\");\n}\n");
        let moved = source(
            "a.rs",
            "\n\n// new\nfn f() {\n        run( \"SET app.tenant_id = 1\" );\n}\n",
        );
        let edited = source("a.rs", "fn f() {\n    run(\"SET app.tenant_id = 2\");\n}\n");
        let fp = |file: &std::sync::Arc<crate::source::SourceFile>| {
            let at = file.text.find("run").unwrap();
            code_fingerprint(&diagnostic(file, "rule-a", at, at + 3))
        };
        assert_eq!(fp(&a), fp(&moved));
        assert_ne!(fp(&a), fp(&edited));
    }

    #[test]
    fn counts_duplicates_and_reports_stale_entries() {
        let text = "bad();\nbad();\nworse();\n";
        let file = source("src/lib.rs", text);
        let bad = |n: usize| {
            let at = text.match_indices("bad").nth(n).unwrap().0;
            diagnostic(&file, "rule-a", at, at + 3)
        };
        let worse_at = text.find("worse").unwrap();
        let worse = diagnostic(&file, "rule-b", worse_at, worse_at + 5);

        // Recorded: one `bad()` and one `worse()`.
        let recorded = Baseline::from_report(&report_of(vec![bad(0), worse]));
        assert_eq!(recorded.entries.len(), 2);

        // Now: `bad()` twice (a duplicated bug) and `worse()` fixed.
        let mut now = report_of(vec![bad(0), bad(1)]);
        let stale = recorded.apply(&mut now);
        assert_eq!(now.summary.baselined, 1);
        assert_eq!(now.summary.errors, 1, "the second `bad()` is new");
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].rule, "rule-b");
        assert_eq!(now.summary.stale_baseline, 1);
    }
}
