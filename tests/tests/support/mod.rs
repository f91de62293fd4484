//! Scratch copies of the demo, in plain folders or git repositories, for the CI tests.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::path::{Path, PathBuf};
use std::process::Command;
use tenantlint_tests::repo_root;

/// Writes `bytes` to `rel` under `dir`, creating the folders on the way.
pub fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A copy of `fixtures/demo` in a new temporary folder.
pub fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = repo_root().join("fixtures/demo");
    for entry in walkdir::WalkDir::new(&demo) {
        let entry = entry.expect("walk demo");
        let to = dir.path().join(entry.path().strip_prefix(&demo).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

/// Runs git in `dir` with a fixed identity and no user configuration; panics on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=tenantlint",
            "-c",
            "user.email=tenantlint@example.com",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A copy of the demo committed in a new git repository.
pub fn demo_repo() -> tempfile::TempDir {
    let dir = demo_copy();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "demo"]);
    dir
}

pub fn edit(path: PathBuf, change: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, change(text)).unwrap();
}

/// A second copy of the demo's session-setting bug, under another name.
pub const ANOTHER_SESSION_SETTING: &str = r#"
pub async fn set_tenant_for_reports(pool: &PgPool, tenant_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT set_config('app.tenant_id', $1, false)")
        .bind(tenant_id.to_string())
        .execute(pool)
        .await?;
    Ok(())
}
"#;

/// A new bug, unlike any other in the demo.
pub const NEW_SESSION_SETTING: &str = r#"
pub async fn impersonate(pool: &PgPool, tenant_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SET SESSION app.tenant_id = $1").bind(tenant_id).execute(pool).await?;
    Ok(())
}
"#;
