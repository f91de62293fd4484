//! The ready-made CI definitions parse, and the command lines they run are ones the CLI
//! accepts: the GitHub Action's lint step runs for real in bash against a stand-in `cargo`
//! that records its arguments, which are then given to `cargo_tenantlint::run`.

mod support;

use std::path::Path;
use std::process::Command;
use support::demo_repo;
use tenantlint_tests::{repo_root, run_cli};
use yaml_rust2::{Yaml, YamlLoader};

fn load_yaml(name: &str) -> Yaml {
    let text = std::fs::read_to_string(repo_root().join(name)).unwrap();
    let mut docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(docs.len(), 1, "{name}: one YAML document");
    docs.remove(0)
}

fn str_of<'a>(yaml: &'a Yaml, key: &str) -> &'a str {
    yaml[key].as_str().unwrap_or("")
}

/// Asserts that the CLI accepts `args` in `dir`: exit 0 or 1, never a usage error.
fn assert_accepted(args: &[String], dir: &Path, origin: &str) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run_cli(&args, dir);
    assert!(
        code == 0 || code == 1,
        "{origin}: `{}` exited {code}\n{err}{out}",
        args.join(" ")
    );
}

#[test]
fn action_yml_is_a_composite_action_with_the_documented_inputs() {
    let action = load_yaml("action.yml");
    assert_eq!(str_of(&action["runs"], "using"), "composite");
    for input in ["baseline", "diff", "args", "working-directory"] {
        assert!(
            !action["inputs"][input]["description"].is_badvalue(),
            "input `{input}` is declared with a description"
        );
    }
    let steps = action["runs"]["steps"].as_vec().expect("steps");
    let runs: Vec<&str> = steps.iter().map(|s| str_of(s, "run")).collect();
    assert!(runs.iter().any(|r| r.contains(
        r#"cargo install --locked --root "$ROOT" --path "$GITHUB_ACTION_PATH/cargo-tenantlint""#
    )));
    let cache = steps
        .iter()
        .find(|s| str_of(s, "uses").starts_with("actions/cache@"))
        .expect("the binary is cached");
    let key = str_of(&cache["with"], "key");
    assert!(
        key.contains("github.action_ref") && key.contains("steps.build.outputs.version"),
        "{key}"
    );
    let upload = steps
        .iter()
        .find(|s| str_of(s, "uses").starts_with("github/codeql-action/upload-sarif@"))
        .unwrap();
    assert!(
        str_of(upload, "if").contains("github.event.pull_request.head.repo.fork"),
        "fork pull requests have no token to upload with"
    );
    assert!(steps
        .iter()
        .any(|s| str_of(s, "uses").starts_with("github/codeql-action/upload-sarif@")));
    for (step, run) in steps.iter().zip(&runs) {
        // Inputs reach scripts through `env:`, never pasted into the script (injection).
        assert!(
            !run.contains("${{"),
            "step {:?} expands an expression in its script",
            step["name"]
        );
        if !run.is_empty() {
            assert_eq!(
                str_of(step, "shell"),
                "bash",
                "composite run steps need a shell"
            );
        }
    }
}

/// A folder holding an executable `cargo` that runs `script` (sh).
fn fake_cargo(script: &str) -> tempfile::TempDir {
    let bin = tempfile::tempdir().unwrap();
    let cargo = bin.path().join("cargo");
    std::fs::write(&cargo, format!("#!/bin/sh\n{script}")).unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&cargo)
        .status()
        .unwrap();
    bin
}

fn with_path(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn the_action_installs_from_its_own_checkout_once() {
    let action = load_yaml("action.yml");
    let steps = action["runs"]["steps"].as_vec().unwrap();
    let step = |name: &str| {
        steps
            .iter()
            .find(|s| str_of(s, "name") == name)
            .unwrap_or_else(|| panic!("step {name}"))
    };
    let work = tempfile::tempdir().unwrap();
    let output = work.path().join("output");
    let locate = work.path().join("locate.sh");
    std::fs::write(
        &locate,
        str_of(step("Locate the cargo-tenantlint build"), "run"),
    )
    .unwrap();
    let status = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&locate)
        .env("GITHUB_ACTION_PATH", repo_root())
        .env("RUNNER_TEMP", work.path())
        .env("GITHUB_OUTPUT", &output)
        .status()
        .unwrap();
    assert!(status.success());
    let outputs = std::fs::read_to_string(&output).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        outputs.contains(&format!("version={version}\n")),
        "{outputs}"
    );
    let root = work.path().join(format!("cargo-tenantlint-{version}"));
    assert!(
        outputs.contains(&format!("root={}\n", root.display())),
        "{outputs}"
    );

    // `cargo install` is stood in for: it records its arguments and drops a binary in --root.
    let recorded = work.path().join("install-args");
    let bin = fake_cargo(&format!(
        "printf '%s\\n' \"$@\" > '{}'\nmkdir -p \"$4/bin\" && touch \"$4/bin/cargo-tenantlint\" && chmod +x \"$4/bin/cargo-tenantlint\"\n",
        recorded.display()
    ));
    let install = work.path().join("install.sh");
    std::fs::write(&install, str_of(step("Install cargo-tenantlint"), "run")).unwrap();
    let github_path = work.path().join("path");
    for _ in 0..2 {
        let status = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&install)
            .env("PATH", with_path(bin.path()))
            .env("GITHUB_ACTION_PATH", repo_root())
            .env("ROOT", &root)
            .env("GITHUB_PATH", &github_path)
            .env("GITHUB_OUTPUT", &output)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::remove_file(&recorded).ok();
    }
    assert!(!recorded.exists(), "a cached binary is not rebuilt");
    assert_eq!(
        std::fs::read_to_string(&github_path).unwrap(),
        format!("{0}/bin\n{0}/bin\n", root.display())
    );
    // The path it installs from is a package cargo can install.
    let manifest =
        std::fs::read_to_string(repo_root().join("cargo-tenantlint/Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"cargo-tenantlint\""));
}

#[test]
fn the_pre_commit_script_builds_once_from_its_checkout_then_runs_the_tool() {
    let checkout = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(checkout.path().join(".ci")).unwrap();
    let script = checkout.path().join(".ci/pre-commit-hook");
    std::fs::copy(repo_root().join(".ci/pre-commit-hook"), &script).unwrap();
    let ran = checkout.path().join("ran");
    // The stand-in `cargo install` writes a stand-in binary that records its arguments.
    let bin = fake_cargo(&format!(
        "echo \"$*\" >> '{installs}'\nmkdir -p \"$5/bin\"\nprintf '#!/bin/sh\\nprintf \"%%s\\\\0\" \"$@\" > {ran}\\n' > \"$5/bin/cargo-tenantlint\"\nchmod +x \"$5/bin/cargo-tenantlint\"\n",
        installs = checkout.path().join("installs").display(),
        ran = ran.display(),
    ));
    let repo = demo_repo();
    for _ in 0..2 {
        let status = Command::new(&script)
            .args(["--diff", "HEAD"])
            .current_dir(repo.path())
            .env("PATH", with_path(bin.path()))
            .status()
            .unwrap();
        assert!(status.success());
    }
    let installs = std::fs::read_to_string(checkout.path().join("installs")).unwrap();
    assert_eq!(installs.lines().count(), 1, "built once: {installs}");
    assert!(
        installs.contains(&format!(
            "install --locked --quiet --root {0}/target/pre-commit --path {0}/cargo-tenantlint",
            checkout.path().display()
        )),
        "{installs}"
    );
    let args: Vec<String> = std::fs::read_to_string(&ran)
        .unwrap()
        .split('\0')
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(args, ["tenantlint", "--diff", "HEAD"]);
    assert_accepted(&args, repo.path(), "the pre-commit script");
}

#[test]
fn ci_workflow_runs_the_ci_script() {
    let ci = load_yaml(".github/workflows/ci.yml");
    let steps = ci["jobs"]["ci"]["steps"].as_vec().expect("steps");
    assert!(steps.iter().any(|s| str_of(s, "run") == ".ci/run"));
    assert_eq!(str_of(&ci["permissions"], "contents"), "read");
}

/// The action's step with this `id`.
fn action_step(id: &str) -> Yaml {
    let action = load_yaml("action.yml");
    action["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| str_of(s, "id") == id)
        .unwrap_or_else(|| panic!("a step with id `{id}`"))
        .clone()
}

/// Runs the action's lint step with these inputs against a stand-in `cargo` and returns the
/// arguments it was called with.
fn lint_step_arguments(dir: &Path, inputs: &[(&str, &str)]) -> Vec<String> {
    let step = action_step("lint");
    let step = &step;
    let bin = tempfile::tempdir().unwrap();
    let recorded = bin.path().join("args");
    let fake_cargo = bin.path().join("cargo");
    std::fs::write(
        &fake_cargo,
        format!(
            "#!/bin/sh\nprintf '%s\\0' \"$@\" > '{}'\n",
            recorded.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&fake_cargo)
        .status()
        .unwrap();
    let script = bin.path().join("step.sh");
    std::fs::write(&script, str_of(step, "run")).unwrap();

    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = Command::new("bash")
        // How GitHub runs `shell: bash`.
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .current_dir(dir)
        .env("PATH", path)
        .env("GITHUB_OUTPUT", bin.path().join("output"))
        .envs(inputs.iter().copied())
        .status()
        .unwrap();
    assert!(
        status.success(),
        "the lint step failed with inputs {inputs:?}"
    );
    let args = std::fs::read_to_string(&recorded).unwrap();
    let outputs = std::fs::read_to_string(bin.path().join("output")).unwrap();
    assert!(outputs.contains("exit-code=0"), "{outputs}");
    args.split('\0')
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_action_runs_command_lines_the_cli_accepts() {
    let repo = demo_repo();
    let dir = repo.path();
    let (code, _, err) = run_cli(&["--write-baseline", "baseline.json"], dir);
    assert_eq!(code, 0, "{err}");

    let defaults = [
        ("BASELINE", ""),
        ("DIFF", ""),
        ("ARGS", ""),
        ("SARIF_FILE", "tenantlint.sarif"),
    ];
    let all = [
        ("BASELINE", "baseline.json"),
        ("DIFF", "HEAD"),
        ("ARGS", "--deny-warnings  --threads 2"),
        ("SARIF_FILE", "tenantlint.sarif"),
    ];
    for inputs in [&defaults[..], &all[..]] {
        let args = lint_step_arguments(dir, inputs);
        assert_eq!(args.first().map(String::as_str), Some("tenantlint"));
        assert!(args.windows(2).any(|w| w == ["--format", "sarif"]));
        // `cargo tenantlint ...` runs `cargo-tenantlint tenantlint ...`, which is what
        // `run_cli` passes on (it adds the program name).
        assert_accepted(&args, dir, &format!("action.yml with {inputs:?}"));
    }
    let args = lint_step_arguments(dir, &all);
    assert!(args.contains(&"--baseline".to_string()) && args.contains(&"--diff".to_string()));
    assert!(args.contains(&"--deny-warnings".to_string()));
}

#[test]
fn pre_commit_hooks_run_command_lines_the_cli_accepts() {
    let hooks = load_yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_vec().expect("a list of hooks");
    assert!(!hooks.is_empty());
    let repo = demo_repo();
    for hook in hooks {
        let id = str_of(hook, "id");
        assert!(
            !id.is_empty() && !str_of(hook, "name").is_empty(),
            "{hook:?}"
        );
        assert_eq!(str_of(hook, "language"), "script", "{id}");
        assert_eq!(hook["pass_filenames"].as_bool(), Some(false), "{id}");
        let entry = str_of(hook, "entry");
        assert_eq!(entry, ".ci/pre-commit-hook", "{id}");
        let script = std::fs::read_to_string(repo_root().join(entry)).unwrap();
        assert!(script.contains(r#"exec "$root/bin/cargo-tenantlint" tenantlint "$@""#));
        // What the script runs: `tenantlint` and the hook's arguments.
        let mut words = vec!["tenantlint".to_string()];
        for arg in hook["args"].as_vec().into_iter().flatten() {
            words.push(arg.as_str().unwrap().to_string());
        }
        // pre-commit runs hooks at the repository root.
        assert_accepted(&words, repo.path(), id);
    }
}

#[test]
fn yaml_examples_in_the_ci_guide_parse() {
    let guide = std::fs::read_to_string(repo_root().join("docs/ci.md")).unwrap();
    let mut blocks = 0;
    for block in guide.split("```yaml\n").skip(1) {
        let yaml = block.split("\n```").next().unwrap();
        YamlLoader::load_from_str(yaml).unwrap_or_else(|e| panic!("{e} in:\n{yaml}"));
        blocks += 1;
    }
    assert!(
        blocks >= 3,
        "docs/ci.md has its GitHub, fork and GitLab setups"
    );
}

/// Runs the action's install step in bash with stand-ins for `curl` (serving the files of
/// `served`, or failing when it is `None`) and `cargo` (recording that it built); returns the
/// step's outputs and whether it built from the checkout.
fn install_step(reference: &str, served: Option<&Path>) -> (tempfile::TempDir, String, bool) {
    let step = action_step("install");
    let step = &step;
    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let built = work.path().join("built");
    let curl = match served {
        // The last argument is the URL; `-o FILE` names the output.
        Some(dir) => format!(
            "#!/bin/sh\nout=''\nwhile [ $# -gt 1 ]; do [ \"$1\" = -o ] && out=\"$2\"; shift; done\n\
             cp \"{}/$(basename \"$1\")\" \"$out\"\n",
            dir.display()
        ),
        None => "#!/bin/sh\nexit 22\n".to_string(),
    };
    let cargo = format!(
        "#!/bin/sh\ntouch '{}'\nmkdir -p \"$4/bin\" && touch \"$4/bin/cargo-tenantlint\" && chmod +x \"$4/bin/cargo-tenantlint\"\n",
        built.display()
    );
    for (name, text) in [("curl", curl), ("cargo", cargo)] {
        std::fs::write(bin.join(name), text).unwrap();
        Command::new("chmod")
            .arg("+x")
            .arg(bin.join(name))
            .status()
            .unwrap();
    }
    let script = work.path().join("step.sh");
    std::fs::write(&script, str_of(step, "run")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let root = work.path().join("root");
    let status = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .env("PATH", path)
        .env("GITHUB_OUTPUT", work.path().join("output"))
        .env("GITHUB_PATH", work.path().join("path"))
        .env("GITHUB_ACTION_PATH", repo_root())
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("ROOT", &root)
        .env("REF", reference)
        .env("ACTION_REPOSITORY", "cargo-tenantlint/cargo-tenantlint")
        .env("PREBUILT", "true")
        // sha256sum's "FAILED" for the tampered archive is expected; keep it out of the log.
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the install step failed for {reference}");
    let outputs = std::fs::read_to_string(work.path().join("output")).unwrap_or_default();
    let built = built.exists();
    (work, outputs, built)
}

#[test]
fn the_action_installs_a_checked_release_binary_or_builds_from_its_checkout() {
    // A release archive and its checksum, as the release workflow packages them.
    let release = tempfile::tempdir().unwrap();
    let archive = "cargo-tenantlint-x86_64-unknown-linux-gnu.tar.gz";
    let staging = release.path().join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("cargo-tenantlint"), "#!/bin/sh\n").unwrap();
    let sh = |script: &str| {
        let status = Command::new("sh")
            .args(["-c", script])
            .current_dir(release.path())
            .status()
            .unwrap();
        assert!(status.success(), "{script}");
    };
    sh(&format!(
        "chmod +x staging/cargo-tenantlint && tar -czf {archive} -C staging cargo-tenantlint \
         && sha256sum {archive} > {archive}.sha256"
    ));

    let (work, outputs, built) = install_step("v0.1.0", Some(release.path()));
    assert!(outputs.contains("source=release") && !built, "{outputs}");
    assert!(work.path().join("root/bin/cargo-tenantlint").is_file());

    // A branch or commit ref has no release: build from the checkout, never download.
    let (_, outputs, built) = install_step("main", Some(release.path()));
    assert!(outputs.contains("source=build") && built, "{outputs}");

    // No release for the tag, or an archive that does not match its checksum: build.
    let (_, outputs, built) = install_step("v0.1.0", None);
    assert!(outputs.contains("source=build") && built, "{outputs}");
    sh(&format!("echo tampered >> {archive}"));
    let (work, outputs, built) = install_step("v0.1.0", Some(release.path()));
    assert!(outputs.contains("source=build") && built, "{outputs}");
    assert!(
        !work.path().join("root/bin/cargo-tenantlint").exists()
            || std::fs::read(work.path().join("root/bin/cargo-tenantlint"))
                .unwrap()
                .is_empty(),
        "a tampered archive is never unpacked"
    );
}

#[test]
fn the_release_workflow_packages_what_the_action_downloads() {
    let release = load_yaml(".github/workflows/release.yml");
    let targets: Vec<&str> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_vec()
        .expect("a build matrix")
        .iter()
        .map(|m| str_of(m, "target"))
        .collect();
    let action = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    for target in &targets {
        assert!(action.contains(&format!(" echo {target} ;;")), "{target}");
    }
    let steps: String = release["jobs"]["build"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| str_of(s, "run").to_string())
        .collect();
    assert!(steps.contains("--locked") && steps.contains("cargo-tenantlint-$TARGET.tar.gz"));
    assert!(steps.contains("sha256sum \"$archive\" > \"$archive.sha256\""));
}
