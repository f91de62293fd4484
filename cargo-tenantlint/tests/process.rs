//! The real binary as a process: what reaches stderr depending on whether it is a terminal,
//! and that a run needs no network.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-tenantlint");

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo")
}

/// A workspace large enough that a debug build lints it for more than the bar's one-second
/// delay.
fn large_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let body: String = (0..40)
        .map(|i| {
            format!(
                "pub async fn get_{i}(pool: &sqlx::PgPool, Path(id): Path<i64>) {{\n    \
                 sqlx::query(\"SELECT * FROM documents WHERE id = $1\").bind(id).fetch_one(pool).await;\n}}\n"
            )
        })
        .collect();
    for i in 0..400 {
        std::fs::write(src.join(format!("m{i}.rs")), &body).unwrap();
    }
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// Carriage returns and escape sequences are how a bar redraws itself.
fn has_progress(stderr: &[u8]) -> bool {
    stderr.iter().any(|&b| b == b'\r' || b == 0x1b)
        || String::from_utf8_lossy(stderr).contains("files")
}

#[test]
fn piped_stderr_gets_no_progress_bar() {
    let dir = large_workspace();
    let path = dir.path().to_str().unwrap();
    for format in ["human", "json", "sarif"] {
        let out = run(&[path, "--format", format, "--color", "never"]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The positive control for the test above: on a terminal (util-linux `script` provides
/// one), the same long run draws a bar, and machine-readable formats still do not.
#[test]
fn a_terminal_gets_a_bar_on_long_human_runs_only() {
    let Ok(probe) = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
    else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    if !probe.status.success() {
        eprintln!("skipped: `script` cannot allocate a terminal here");
        return;
    }
    let dir = large_workspace();
    // Standard output goes to a file, so only stderr is the terminal's.
    let in_terminal = |format: &str| {
        let out_file = dir.path().join("out.txt");
        let cmd = format!(
            "{BIN} {} --format {format} --color never > {}",
            dir.path().display(),
            out_file.display()
        );
        let out = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .output()
            .unwrap();
        out.stdout
    };
    let human = in_terminal("human");
    assert!(
        has_progress(&human),
        "no bar on a terminal: {}",
        String::from_utf8_lossy(&human)
    );
    let json = in_terminal("json");
    assert!(!has_progress(&json), "{}", String::from_utf8_lossy(&json));
}

/// With no network interface and proxies pointing nowhere, the output is the same: nothing
/// is fetched. Needs `unshare` and the right to make a network namespace (root in CI).
#[test]
fn runs_the_same_without_a_network() {
    let demo = demo();
    let args = [demo.to_str().unwrap(), "--format", "json"];
    let normal = run(&args);
    let isolated = Command::new("unshare")
        .arg("--net")
        .arg(BIN)
        .args(args)
        .envs(
            [
                "http_proxy",
                "https_proxy",
                "HTTP_PROXY",
                "HTTPS_PROXY",
                "ALL_PROXY",
            ]
            .map(|k| (k, "http://10.255.255.1:9")),
        )
        .output();
    match isolated {
        Ok(out) if !String::from_utf8_lossy(&out.stderr).contains("unshare failed") => {
            assert_eq!(out.status.code(), normal.status.code());
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&normal.stdout)
            );
        }
        _ => eprintln!("skipped: cannot create a network namespace here"),
    }
}

/// No internet socket is ever opened, checked at the system-call level with strace.
#[test]
fn opens_no_internet_socket() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.txt");
    let baseline = dir.path().join("baseline.json");
    let demo = demo();
    let traced = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=socket,connect", "-o"])
        .arg(&trace)
        .arg(BIN)
        .arg(&demo)
        .args(["--format", "sarif", "--write-baseline"])
        .arg(&baseline)
        .output();
    let Ok(out) = traced else {
        eprintln!("skipped: strace is not installed");
        return;
    };
    let Ok(calls) = std::fs::read_to_string(&trace) else {
        eprintln!(
            "skipped: strace cannot trace here: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    };
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let internet: Vec<&str> = calls
        .lines()
        .filter(|l| l.contains("AF_INET") || l.contains("AF_INET6"))
        .collect();
    assert!(internet.is_empty(), "{internet:?}");
}
