//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs the command line in-process: (exit code, stdout, stderr).
pub fn run_cli(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let mut argv = vec!["cargo-tenantlint".into()];
    argv.extend(args.iter().map(std::ffi::OsString::from));
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = cargo_tenantlint::run(argv, cwd, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).expect("stdout is UTF-8"),
        String::from_utf8(err).expect("stderr is UTF-8"),
    )
}

/// Replaces the elapsed time in a summary line, which differs between runs.
pub fn redact_elapsed(text: &str) -> String {
    text.lines()
        .map(|line| match line.rfind("; ") {
            Some(i)
                if line.ends_with('s') && line[i + 2..line.len() - 1].parse::<f64>().is_ok() =>
            {
                format!("{}; [elapsed]", &line[..i])
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
