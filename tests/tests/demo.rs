//! Snapshots of what a user sees on the bundled demo, in each format. Update after an
//! intended change with `INSTA_UPDATE=always cargo test -p tenantlint-tests --test demo`.

use tenantlint_tests::{redact_elapsed, repo_root, run_cli};

#[test]
fn human_output() {
    let (code, out, err) = run_cli(&["fixtures/demo", "--color", "never"], &repo_root());
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!(redact_elapsed(&out));
}

#[test]
fn json_output() {
    let (code, out, err) = run_cli(&["fixtures/demo", "--format", "json"], &repo_root());
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!(out);
}

#[test]
fn output_is_identical_on_one_and_two_threads_and_across_runs() {
    let run = |threads: &str| {
        run_cli(
            &["fixtures/demo", "--format", "json", "--threads", threads],
            &repo_root(),
        )
        .1
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("2"));
}
