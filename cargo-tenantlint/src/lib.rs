//! The `cargo tenantlint` command line: argument parsing and wiring of the engine, the rule
//! catalog and the renderers. No analysis happens here.

use clap::{Parser, Subcommand, ValueEnum};
use lint_core::baseline::{Baseline, Entry};
use lint_core::config::{Config, ConfigError, KnownRule};
use lint_core::diff::ChangedLines;
use lint_core::engine::{self, LintOptions, Report};
use lint_core::render;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

mod console;
mod init;
mod progress;

pub use console::Stream;

/// Exit codes, as documented in the README.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "cargo tenantlint",
    bin_name = "cargo tenantlint",
    version,
    about = "Find tenant-isolation bugs in Rust SaaS backends, without building or running them.",
    long_about = "Find tenant-isolation bugs in Rust SaaS backends, without building or running them.\n\n\
        With no PATH, lints the cargo workspace that contains the current directory. \
        Exits 0 when nothing is at deny level, 1 when something is, 2 on a usage, configuration or internal error.",
    after_help = "Examples:\n  cargo tenantlint                      lint this workspace\n  \
        cargo tenantlint --format json src/   machine-readable findings for src/\n  \
        cargo tenantlint --format sarif --baseline tenantlint-baseline.json > tenantlint.sarif\n  \
        cargo tenantlint --diff origin/main   only findings on lines changed since origin/main\n  \
        cargo tenantlint rules                list the rules\n  \
        cargo tenantlint explain query-missing-tenant-filter",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint files (the default when no subcommand is given).
    Check(CheckArgs),
    /// List the rules with their default level and summary.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Print a rule's documentation.
    Explain {
        /// The rule id, such as `tenant-setting-not-local`.
        rule: String,
    },
    /// Print the effective configuration and what was inferred from the workspace.
    Config {
        /// The folder whose configuration to show (default: the current workspace).
        path: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
        /// Print the JSON schema of tenantlint.toml instead (for editors).
        #[arg(long, conflicts_with_all = ["path", "config", "manifest_path"])]
        schema: bool,
    },
    /// Write a starter tenantlint.toml at the workspace root from what the schema says.
    Init {
        /// The folder whose workspace to set up (default: the current workspace).
        path: Option<PathBuf>,
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
        /// Replace an existing tenantlint.toml.
        #[arg(long)]
        force: bool,
    },
}

#[derive(clap::Args, Debug, Default)]
struct CheckArgs {
    /// Files or folders to lint (default: the cargo workspace of the current directory).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the --format output to FILE; the console (stderr) then gets the human report.
    #[arg(long, short = 'o', value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Run only these rules or categories (comma-separated ids, `isolation`, `hardening`,
    /// `engine`, `info`, or `all`); a rule that is off by default is turned on at warn.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    select: Vec<String>,
    /// Run these rules or categories as well as the configured ones.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    extend_select: Vec<String>,
    /// Do not run these rules or categories (wins over --select).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    ignore: Vec<String>,
    /// Print how many findings each rule has instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Use this configuration file instead of discovering tenantlint.toml / Cargo.toml metadata.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The Cargo.toml of the workspace to lint.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// Print only the summary line (human format).
    #[arg(long, short)]
    quiet: bool,
    /// List every statement that could not be parsed (human format; by default one line
    /// counts them).
    #[arg(long)]
    show_unparsed: bool,
    /// When to color human output. NO_COLOR is respected.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Ignore `tenantlint: allow(...)` comments (for CI on untrusted pull requests).
    #[arg(long)]
    no_inline_suppressions: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Record the current findings in FILE (a baseline for --baseline) and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Report only findings not accepted by this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Exit 1 when baseline entries match no finding any more, so the baseline only shrinks.
    #[arg(long, requires = "baseline")]
    baseline_strict: bool,
    /// Report only findings on lines changed since this git revision (the whole workspace is
    /// still analysed).
    #[arg(long, value_name = "BASE")]
    diff: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Format {
    #[default]
    Human,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions annotations (and a table in $GITHUB_STEP_SUMMARY when set).
    Github,
    /// GitLab Code Quality report.
    Gitlab,
    /// Cargo's JSON messages, for rust-analyzer's check.overrideCommand.
    CargoJson,
    /// One line per finding: `path:line:column: level[rule] message`.
    Concise,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default)]
enum ListFormat {
    #[default]
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Reads one environment variable.
pub type EnvLookup = dyn Fn(&str) -> Option<OsString>;

/// Which of the process's streams are terminals, and the environment colour and width are read
/// from.
pub struct Terminal {
    pub stdout: bool,
    pub stderr: bool,
    /// Reads an environment variable (`NO_COLOR`, `CLICOLOR_FORCE`, `TERM`, `COLUMNS`).
    pub env: Box<EnvLookup>,
}

impl Terminal {
    /// The real process.
    pub fn detect() -> Terminal {
        Terminal {
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
            env: Box::new(|k| std::env::var_os(k)),
        }
    }

    /// No terminal and an empty environment: what tests run with.
    pub fn none() -> Terminal {
        Terminal {
            stdout: false,
            stderr: false,
            env: Box::new(|_| None),
        }
    }

    fn is_terminal(&self, stream: Stream) -> bool {
        match stream {
            Stream::Stdout => self.stdout,
            Stream::Stderr => self.stderr,
        }
    }
}

/// Runs the command line. `args` includes the program name; `cwd` stands for the current
/// directory so that tests can run in-process.
pub fn run(args: Vec<OsString>, cwd: &Path, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    run_with_terminal(args, cwd, out, err, &Terminal::none())
}

/// [`run`] for the real process: colour and width follow the terminal, and a long human-format
/// run shows a progress bar on stderr when it is a terminal.
pub fn run_with_terminal(
    mut args: Vec<OsString>,
    cwd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminal: &Terminal,
) -> i32 {
    // `cargo tenantlint ARGS` runs `cargo-tenantlint tenantlint ARGS`.
    if args.get(1).is_some_and(|a| a == "tenantlint") {
        args.remove(1);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let use_stdout = !e.use_stderr();
            let text = e.render().to_string();
            let _ = if use_stdout {
                write!(out, "{text}")
            } else {
                write!(err, "{text}")
            };
            return if use_stdout { EXIT_CLEAN } else { EXIT_ERROR };
        }
    };
    let result = match cli.command {
        None => check(cli.check, cwd, out, err, terminal),
        Some(Command::Check(args)) => check(args, cwd, out, err, terminal),
        Some(Command::Rules { format }) => list_rules(format, out),
        Some(Command::Explain { rule }) => explain(&rule, out, err),
        Some(Command::Config { schema: true, .. }) => {
            writeln!(out, "{}", lint_core::config::json_schema()).map(|()| EXIT_CLEAN)
        }
        Some(Command::Config {
            path,
            config,
            manifest_path,
            schema: false,
        }) => show_config(path, config, manifest_path, cwd, out, err),
        Some(Command::Init {
            path,
            manifest_path,
            force,
        }) => init::run(path, manifest_path, force, cwd, out, err),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            EXIT_ERROR
        }
    }
}

fn known_rules() -> Vec<KnownRule<'static>> {
    engine::known_rules(tenantlint_rules::ALL)
}

/// The folders to lint and the cargo workspace they belong to.
fn targets(paths: &[PathBuf], manifest_path: Option<&Path>, cwd: &Path) -> (Vec<PathBuf>, PathBuf) {
    let absolute = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        }
    };
    if paths.is_empty() {
        let start = manifest_path
            .map(|m| {
                absolute(m)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            })
            .unwrap_or_else(|| cwd.to_path_buf());
        let root = workspace_root(&start);
        return (vec![root.clone()], root);
    }
    let paths: Vec<PathBuf> = paths.iter().map(|p| absolute(p)).collect();
    let first = &paths[0];
    let start = if first.is_file() {
        first
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| cwd.to_path_buf())
    } else {
        first.clone()
    };
    let root = workspace_root(&start);
    let root = if paths.iter().all(|p| p.starts_with(&root)) {
        root
    } else {
        cwd.to_path_buf()
    };
    (paths, root)
}

/// A usage error for a path to lint that does not exist, or a `--manifest-path` that is not a
/// file: linting nothing, or the folder above, would pass silently.
fn check_paths(paths: &[PathBuf], manifest_path: Option<&Path>, cwd: &Path) -> Result<(), String> {
    for p in paths {
        if !cwd.join(p).exists() {
            return Err(format!(
                "{}: no such file or directory",
                lint_core::engine::display_path(p)
            ));
        }
    }
    match manifest_path {
        Some(m) if !cwd.join(m).is_file() => Err(format!(
            "--manifest-path {}: {}",
            lint_core::engine::display_path(m),
            if cwd.join(m).is_dir() {
                "is a directory; name the Cargo.toml file"
            } else {
                "no such file"
            }
        )),
        _ => Ok(()),
    }
}

/// The root paths are reported relative to: the folder of the configuration file when it
/// holds the workspace (so globs, baselines and output paths mean the same from any folder
/// below it), else the workspace root.
fn report_root(workspace: PathBuf, config: &Config) -> PathBuf {
    let config_dir = config
        .source
        .as_ref()
        .and_then(|s| s.path.parent())
        .map(Path::to_path_buf);
    match config_dir {
        Some(dir) if !dir.as_os_str().is_empty() && workspace.starts_with(&dir) => dir,
        _ => workspace,
    }
}

/// The cargo workspace root for `start`, as cargo finds it: the `workspace` key of the nearest
/// package names it, else the nearest ancestor manifest with a `[workspace]` table, else the
/// nearest package, else `start`. Manifests are parsed, never executed: cargo is not run.
pub fn workspace_root(start: &Path) -> PathBuf {
    let manifest = |dir: &Path| -> Option<toml::Table> {
        let text = lint_core::safe_read::read_in_own_folder(&dir.join("Cargo.toml")).ok()?;
        text.parse::<toml::Table>().ok()
    };
    let mut nearest_package: Option<PathBuf> = None;
    for dir in start.ancestors() {
        let Some(m) = manifest(dir) else { continue };
        if m.contains_key("workspace") {
            return dir.to_path_buf();
        }
        if nearest_package.is_none() {
            nearest_package = Some(dir.to_path_buf());
            // `package.workspace = "../.."` points at the root explicitly.
            let explicit = m
                .get("package")
                .and_then(|p| p.get("workspace"))
                .and_then(toml::Value::as_str);
            if let Some(rel) = explicit {
                let root = lexically_normal(&dir.join(rel));
                if manifest(&root).is_some_and(|r| r.contains_key("workspace")) {
                    return root;
                }
            }
        }
    }
    nearest_package.unwrap_or_else(|| start.to_path_buf())
}

/// `a/b/../c` → `a/c`, without touching the file system (symlinks stay as written).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn load_config(explicit: Option<&Path>, cwd: &Path, start: &Path) -> Result<Config, ConfigError> {
    let known = known_rules();
    match explicit {
        Some(p) => {
            let p = if p.is_absolute() {
                p.to_path_buf()
            } else {
                cwd.join(p)
            };
            Config::load(&p, &known)
        }
        None => Config::discover(start, &known),
    }
}

fn report_config_error(e: ConfigError, err: &mut dyn Write) -> i32 {
    // The file may come from the pull request: no escape sequence in it reaches the terminal.
    let message = render::escape_control(&e.message).into_owned();
    let mut report = miette::MietteDiagnostic::new(message).with_code("config-error");
    if let Some(help) = &e.help {
        report = report.with_help(render::escape_control(help).into_owned());
    }
    if let Some(span) = e.span {
        report = report.with_label(miette::LabeledSpan::at(span.range(), "here"));
    }
    let source = miette::NamedSource::new(
        lint_core::engine::display_path(&e.path),
        render::mask_control(&e.text).into_owned(),
    );
    let report = miette::Report::new(report).with_source_code(source);
    let _ = writeln!(err, "{report:?}");
    if e.span.is_none() {
        let _ = writeln!(err, "in {}", lint_core::engine::display_path(&e.path));
    }
    EXIT_ERROR
}

fn use_color(choice: ColorChoice, stream: Stream, terminal: &Terminal) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => console::auto_color(terminal.is_terminal(stream), &terminal.env),
    }
}

fn check(
    args: CheckArgs,
    cwd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminal: &Terminal,
) -> std::io::Result<i32> {
    check_paths(&args.paths, args.manifest_path.as_deref(), cwd).map_err(std::io::Error::other)?;
    let (paths, workspace) = targets(&args.paths, args.manifest_path.as_deref(), cwd);
    let mut config = match load_config(args.config.as_deref(), cwd, &paths[0]) {
        Ok(c) => c,
        Err(e) => return Ok(report_config_error(e, err)),
    };
    let root = report_root(workspace, &config);
    let metas = engine::all_metas(tenantlint_rules::ALL);
    let only_rules = match select_rules(&args, &metas, &mut config) {
        Ok(only) => only,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(EXIT_ERROR);
        }
    };
    let baseline = match &args.baseline {
        Some(path) => match Baseline::load(&cwd.join(path)) {
            Ok(b) => Some(b),
            Err(e) => {
                writeln!(err, "error: {e}")?;
                return Ok(EXIT_ERROR);
            }
        },
        None => None,
    };
    // The human report goes to stdout, or to stderr when stdout is a file of another format.
    let console = match (&args.output_file, args.format) {
        (Some(_), Format::Human | Format::Concise) | (None, _) => Stream::Stdout,
        (Some(_), _) => Stream::Stderr,
    };
    let human_console =
        matches!(args.format, Format::Human | Format::Concise) || args.output_file.is_some();
    let bar = progress::Bar::new(progress::wanted(human_console, args.quiet, terminal.stderr));
    let mut report = engine::lint_with_progress(
        LintOptions {
            paths,
            root,
            config,
            threads: args.threads,
            inline_suppressions: !args.no_inline_suppressions,
            only_rules,
        },
        tenantlint_rules::ALL,
        &bar,
    );
    bar.finish();
    let (stale, every_finding) = match gate(&args, baseline.as_ref(), &mut report, cwd, err)? {
        Ok(gated) => gated,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(EXIT_ERROR);
        }
    };
    let ci = render::CiContext {
        metas: &metas,
        repo_prefix: render::repo_prefix(&report.root),
    };
    let human = render::human::HumanOptions {
        color: use_color(args.color, console, terminal),
        quiet: args.quiet,
        show_unparsed: args.show_unparsed,
        width: console::width(
            terminal.is_terminal(console).then_some(console),
            &terminal.env,
        ),
    };
    let mut file_out = match &args.output_file {
        Some(path) => match std::fs::File::create(cwd.join(path)) {
            Ok(f) => Some(std::io::BufWriter::new(f)),
            Err(e) => {
                writeln!(err, "error: cannot write {}: {e}", path.display())?;
                return Ok(EXIT_ERROR);
            }
        },
        None => None,
    };
    let machine = !matches!(args.format, Format::Human | Format::Concise);
    let formatted: &mut dyn Write = match &mut file_out {
        Some(f) => f,
        None => &mut *out,
    };
    if let Some(line) = report
        .workspace
        .tenant_inference
        .describe(lint_core::config::DEFAULT_TENANT_COLUMN)
    {
        // The human report's first line, on whichever stream gets it; machine output stays
        // parseable and a machine-only run keeps stderr quiet.
        if !machine {
            writeln!(formatted, "note: {line}")?;
        } else if args.output_file.is_some() {
            writeln!(err, "note: {line}")?;
        }
    }
    // Code scanning closes the alerts a SARIF file leaves out, so in diff mode the SARIF
    // holds every finding; the exit code and the other formats keep to the changed lines.
    let gated_summary = report.summary.clone();
    let gated = match every_finding {
        Some(all) if args.format == Format::Sarif => {
            let gated = std::mem::replace(&mut report.diagnostics, all);
            report.recount();
            Some(gated)
        }
        _ => None,
    };
    if args.statistics && !machine {
        console::statistics(&report, &metas, formatted)?;
    } else {
        render_format(args.format, &report, &ci, &human, formatted)?;
    }
    formatted.flush()?;
    if let Some(gated) = gated {
        report.diagnostics = gated;
        report.summary = gated_summary.clone();
    }
    if machine && (args.output_file.is_some() || args.statistics) {
        if args.statistics {
            console::statistics(&report, &metas, err)?;
        } else {
            render::human::render(&report, &human, err)?;
        }
    }
    report.summary = gated_summary;
    let failing = report.summary.errors > 0
        || (args.deny_warnings && report.summary.warnings > 0)
        || (args.baseline_strict && !stale.is_empty());
    Ok(if failing { EXIT_FINDINGS } else { EXIT_CLEAN })
}

/// Renders the report in one of the formats.
fn render_format(
    format: Format,
    report: &Report,
    ci: &render::CiContext,
    human: &render::human::HumanOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => render::human::render(report, human, out),
        Format::Concise => console::concise(report, out),
        Format::Json => render::json::render(report, out),
        Format::Sarif => render::sarif::render(report, ci, out),
        Format::Github => {
            render::github::render(report, ci, out)?;
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                let mut summary = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(path)?;
                render::github::step_summary(report, ci, &mut summary)?;
            }
            Ok(())
        }
        Format::Gitlab => render::gitlab::render(report, ci, out),
        Format::CargoJson => render::cargo_json::render(report, out),
    }
}

/// The rules `--select`, `--extend-select` and `--ignore` leave running, or `None` when none is
/// given. A selected rule whose configured level is `allow` is turned on at `warn`.
fn select_rules(
    args: &CheckArgs,
    metas: &[&'static lint_core::rule::RuleMeta],
    config: &mut Config,
) -> Result<Option<Vec<String>>, String> {
    if args.select.is_empty() && args.extend_select.is_empty() && args.ignore.is_empty() {
        return Ok(None);
    }
    let matching = |tokens: &[String], flag: &str| -> Result<Vec<&'static str>, String> {
        let mut ids = Vec::new();
        for token in tokens.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            let matched: Vec<&'static str> = metas
                .iter()
                .filter(|m| token == "all" || m.id == token || m.category.as_str() == token)
                .map(|m| m.id)
                .collect();
            if matched.is_empty() {
                let names = metas.iter().map(|m| m.id).chain([
                    "isolation",
                    "hardening",
                    "engine",
                    "info",
                    "all",
                ]);
                return Err(format!(
                    "{flag} {token}: no rule or category of that name{}; `cargo tenantlint rules` lists them",
                    lint_core::config::closest(token, names)
                        .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"))
                ));
            }
            ids.extend(matched);
        }
        Ok(ids)
    };
    let selected = matching(&args.select, "--select")?;
    let extended = matching(&args.extend_select, "--extend-select")?;
    let ignored = matching(&args.ignore, "--ignore")?;
    let base: Vec<&str> = if args.select.is_empty() {
        metas.iter().map(|m| m.id).collect()
    } else {
        selected.clone()
    };
    let mut only: Vec<String> = Vec::new();
    for id in base.into_iter().chain(extended.iter().copied()) {
        if !ignored.contains(&id) && !only.iter().any(|o| o == id) {
            only.push(id.to_string());
        }
    }
    for id in selected.iter().chain(&extended) {
        let Some(meta) = metas.iter().find(|m| m.id == *id) else {
            continue;
        };
        let setting = config.rules.entry(id.to_string()).or_default();
        if setting.level.unwrap_or(meta.default_level()) == lint_core::rule::Level::Allow {
            setting.level = Some(lint_core::rule::Level::Warn);
        }
    }
    Ok(Some(only))
}

/// The stale baseline entries, and every finding when `--diff` narrowed the report.
type Gated = (Vec<Entry>, Option<Vec<lint_core::diagnostic::Diagnostic>>);

/// Applies `--write-baseline`, `--baseline` and `--diff` to the report, in that order: the
/// baseline sees every finding (so entries for unchanged code are not stale), the diff then
/// narrows what is reported. Returns the stale baseline entries and, in diff mode, every
/// finding before narrowing; or a usage error.
fn gate(
    args: &CheckArgs,
    baseline: Option<&Baseline>,
    report: &mut Report,
    cwd: &Path,
    err: &mut dyn Write,
) -> std::io::Result<Result<Gated, String>> {
    if let Some(path) = &args.write_baseline {
        let written = Baseline::from_report(report);
        if let Err(e) = written.write(&cwd.join(path)) {
            return Ok(Err(e));
        }
        written.apply(report);
        writeln!(
            err,
            "wrote {} findings to the baseline {}",
            report.summary.baselined,
            path.display()
        )?;
    }
    let stale = baseline.map(|b| b.apply(report)).unwrap_or_default();
    let level = if args.baseline_strict {
        "error"
    } else {
        "warning"
    };
    for entry in &stale {
        writeln!(
            err,
            "{level}: stale baseline entry: {} in {} ({} no longer found): {}",
            render::escape_control(&entry.rule),
            render::escape_control(&entry.path),
            entry.count,
            render::escape_control(&entry.message)
        )?;
    }
    if !stale.is_empty() {
        writeln!(
            err,
            "the code these entries accepted was fixed or changed; shrink the baseline with --write-baseline"
        )?;
    }
    let mut every_finding = None;
    if let Some(base) = &args.diff {
        match ChangedLines::since(cwd, &report.root, base) {
            Ok(changed) => {
                every_finding = Some(report.diagnostics.clone());
                changed.narrow(report);
            }
            Err(e) => return Ok(Err(format!("--diff {base}: {e}"))),
        }
    }
    Ok(Ok((stale, every_finding)))
}

fn list_rules(format: ListFormat, out: &mut dyn Write) -> std::io::Result<i32> {
    // The engine's own diagnostics are configured like rules, so they are listed with them.
    let metas = engine::all_metas(tenantlint_rules::ALL);
    match format {
        ListFormat::Json => {
            let list: Vec<_> = metas
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "id": m.id,
                        "category": m.category,
                        "default_level": m.default_level(),
                        "summary": m.summary,
                        "cheat_sheet": m.cheat_sheet,
                        "options": m.options,
                        "cwe": m.cwe,
                        "precision": m.precision(),
                        "security_severity": m.security_severity(),
                        "docs_url": m.docs_url(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        }
        ListFormat::Human => {
            let width = metas.iter().map(|m| m.id.len()).max().unwrap_or(0);
            writeln!(
                out,
                "{:width$}  {:5}  {:10}  summary",
                "rule", "level", "category"
            )?;
            for m in metas {
                writeln!(
                    out,
                    "{:width$}  {:5}  {:10}  {}",
                    m.id,
                    m.default_level().as_str(),
                    m.category.as_str(),
                    m.summary
                )?;
            }
            writeln!(
                out,
                "\n`cargo tenantlint explain <rule>` prints a rule's documentation."
            )?;
        }
    }
    Ok(EXIT_CLEAN)
}

fn explain(rule: &str, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<i32> {
    match engine::all_metas(tenantlint_rules::ALL)
        .into_iter()
        .find(|m| m.id == rule)
    {
        Some(meta) => {
            write!(out, "{}", render::docs::rule_page(meta))?;
            Ok(EXIT_CLEAN)
        }
        None => {
            writeln!(
                err,
                "error: unknown rule `{rule}`; `cargo tenantlint rules` lists them"
            )?;
            Ok(EXIT_ERROR)
        }
    }
}

fn show_config(
    path: Option<PathBuf>,
    config_path: Option<PathBuf>,
    manifest_path: Option<PathBuf>,
    cwd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let paths: Vec<PathBuf> = path.into_iter().collect();
    check_paths(&paths, manifest_path.as_deref(), cwd).map_err(std::io::Error::other)?;
    let (paths, root) = targets(&paths, manifest_path.as_deref(), cwd);
    let config = match load_config(config_path.as_deref(), cwd, &paths[0]) {
        Ok(c) => c,
        Err(e) => return Ok(report_config_error(e, err)),
    };
    let report = engine::lint(
        LintOptions {
            paths,
            root,
            config,
            threads: 0,
            inline_suppressions: false,
            only_rules: Some(Vec::new()),
        },
        tenantlint_rules::ALL,
    );
    let ws = &report.workspace;
    let c = &ws.config;
    let list = |v: &[String]| {
        format!(
            "[{}]",
            v.iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match &c.source {
        Some(s) => writeln!(out, "# configuration: {} ({})", s.path.display(), s.table)?,
        None => writeln!(out, "# configuration: none found, defaults apply")?,
    }
    writeln!(out, "# workspace root: {}", ws.root.display())?;
    if let Some(line) = ws
        .tenant_inference
        .describe(lint_core::config::DEFAULT_TENANT_COLUMN)
    {
        writeln!(out, "# {line}")?;
    }
    writeln!(out, "tenant-columns = {}", list(&c.tenant_columns))?;
    writeln!(out, "tenant-aliases = {}", list(&c.tenant_aliases))?;
    writeln!(out, "tenant-tables = {}", list(&c.tenant_tables))?;
    writeln!(out, "global-tables = {}", list(&c.global_tables))?;
    writeln!(out, "tenant-headers = {}", list(&c.tenant_headers))?;
    writeln!(out, "secret-names = {}", list(&c.secret_names))?;
    writeln!(out, "tenant-verifiers = {}", list(&c.tenant_verifiers))?;
    writeln!(out, "trusted-sources = {}", list(&c.trusted_sources))?;
    writeln!(out, "exclude = {}", list(&c.exclude))?;
    writeln!(
        out,
        "sql-dialect = {:?}",
        c.sql_dialect
            .map_or("postgres (default)".to_string(), |d| format!("{d:?}")
                .to_lowercase())
    )?;
    writeln!(
        out,
        "shared-storage-prefixes = {}",
        list(&c.shared_storage_prefixes)
    )?;
    writeln!(out, "\n[rules]")?;
    for meta in engine::all_metas(tenantlint_rules::ALL) {
        let setting = c.rules.get(meta.id);
        let level = setting
            .and_then(|s| s.level)
            .unwrap_or(meta.default_level());
        let origin = if setting.and_then(|s| s.level).is_some() {
            "configured"
        } else {
            "default"
        };
        let options = setting
            .filter(|s| !s.options.is_empty())
            .map(|s| format!(" {}", toml::Value::Table(s.options.clone())))
            .unwrap_or_default();
        writeln!(
            out,
            "{} = {:?}  # {origin}{options}",
            meta.id,
            level.as_str()
        )?;
    }
    for o in &c.overrides {
        writeln!(out, "\n[[overrides]]\nfiles = {}", list(&o.files))?;
        for (rule, s) in &o.rules {
            writeln!(
                out,
                "# {rule} = {}",
                s.level.map_or("(options only)", |l| l.as_str())
            )?;
        }
    }
    writeln!(out, "\n# inferred")?;
    writeln!(
        out,
        "# {} tables in migrations, {} SQL files, {} Rust files",
        ws.schema.tables.len(),
        report.summary.sql_files,
        report.summary.rust_files
    )?;
    let tables = ws.tenant_tables();
    if ws.schema.is_empty() && c.tenant_tables.is_empty() {
        writeln!(
            out,
            "# no schema found: every table not in global-tables counts as tenant-scoped"
        )?;
    }
    writeln!(out, "# tenant-scoped tables:")?;
    for (name, at) in tables {
        writeln!(out, "#   {name}  ({at})")?;
    }
    Ok(EXIT_CLEAN)
}
