//! Microsoft's SARIF Multitool checks our SARIF against the SARIF 2.1.0 spec and GitHub's
//! ingestion rules (`--rule-kind "Sarif;Gh"`): the demo's report must draw no error and no
//! warning. Runs where the tool is installed (`.ci/install-sarif-multitool.sh`, or a binary
//! named by SARIF_MULTITOOL); elsewhere it says it was skipped.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::demo_copy;
use tenantlint_tests::{repo_root, run_cli};

/// Where `.ci/install-sarif-multitool.sh` puts the binary by default.
const DEFAULT_INSTALL: &str =
    "/opt/sarif-multitool/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool";

fn multitool() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SARIF_MULTITOOL") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("Sarif.Multitool"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| Some(PathBuf::from(DEFAULT_INSTALL)).filter(|p| p.is_file()))
}

/// The Multitool's errors and warnings about one SARIF file, as `RULE: message` lines.
fn validate(tool: &Path, sarif: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.sarif");
    let output = dir.path().join("validation.sarif");
    std::fs::write(&input, sarif).unwrap();
    let run = Command::new(tool)
        .args([
            "validate",
            "--rule-kind",
            "Sarif;Gh",
            "--level",
            "Error;Warning",
        ])
        .arg("--output")
        .arg(&output)
        .arg(&input)
        .output()
        .expect("the SARIF Multitool runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "Sarif.Multitool failed: {stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    log["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["results"].as_array().cloned().unwrap_or_default())
        .filter(|r| matches!(r["level"].as_str(), Some("error" | "warning") | None))
        .map(|r| {
            format!(
                "{}: {}",
                r["ruleId"],
                r["message"]["arguments"]
                    .as_array()
                    .map(|a| a
                        .iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join(" | "))
                    .unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn the_demo_sarif_passes_the_multitool() {
    let Some(tool) = multitool() else {
        println!(
            "skipped: Sarif.Multitool not found; run .ci/install-sarif-multitool.sh or set SARIF_MULTITOOL"
        );
        return;
    };
    let root = repo_root();
    let (code, sarif, err) = run_cli(&["--format", "sarif", "fixtures/demo"], &root);
    assert_eq!(code, 1, "{err}");
    let problems = validate(&tool, &sarif);
    assert!(problems.is_empty(), "{problems:#?}");

    // Findings accepted by a baseline carry `suppressions`; they must pass as well.
    let dir = demo_copy();
    let path = dir.path().to_str().unwrap();
    let (code, _, err) = run_cli(&[path, "--write-baseline", "baseline.json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let (code, sarif, err) = run_cli(
        &[path, "--format", "sarif", "--baseline", "baseline.json"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(sarif.contains("\"suppressions\""));
    let problems = validate(&tool, &sarif);
    assert!(problems.is_empty(), "{problems:#?}");
}
