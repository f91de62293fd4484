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

mod progress;

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
    },
}

#[derive(clap::Args, Debug, Default)]
struct CheckArgs {
    /// Files or folders to lint (default: the cargo workspace of the current directory).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
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
}

#[derive(ValueEnum, Clone, Copy, Debug, Default)]
enum ListFormat {
    #[default]
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default)]
enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Runs the command line. `args` includes the program name; `cwd` stands for the current
/// directory so that tests can run in-process.
pub fn run(args: Vec<OsString>, cwd: &Path, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    run_with_terminal(args, cwd, out, err, false)
}

/// [`run`] for the real process: when `stderr_is_terminal`, a long human-format run shows a
/// progress bar on the process's stderr.
pub fn run_with_terminal(
    mut args: Vec<OsString>,
    cwd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
    stderr_is_terminal: bool,
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
        None => check(cli.check, cwd, out, err, stderr_is_terminal),
        Some(Command::Check(args)) => check(args, cwd, out, err, stderr_is_terminal),
        Some(Command::Rules { format }) => list_rules(format, out),
        Some(Command::Explain { rule }) => explain(&rule, out, err),
        Some(Command::Config {
            path,
            config,
            manifest_path,
        }) => show_config(path, config, manifest_path, cwd, out, err),
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
    engine::all_metas(tenantlint_rules::ALL)
        .into_iter()
        .map(|m| KnownRule {
            id: m.id,
            options: m.options,
        })
        .collect()
}

/// The folders to lint and the root paths are reported relative to.
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

/// The nearest folder whose Cargo.toml declares a `[workspace]`, else the nearest with a
/// Cargo.toml, else `start` itself. Read as text: cargo is never run.
fn workspace_root(start: &Path) -> PathBuf {
    let mut nearest_package = None;
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = lint_core::safe_read::read_in_own_folder(&manifest) {
            if text.lines().any(|l| l.trim() == "[workspace]") {
                return dir.to_path_buf();
            }
            nearest_package.get_or_insert_with(|| dir.to_path_buf());
        }
    }
    nearest_package.unwrap_or_else(|| start.to_path_buf())
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

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn check(
    args: CheckArgs,
    cwd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
    stderr_is_terminal: bool,
) -> std::io::Result<i32> {
    check_paths(&args.paths, args.manifest_path.as_deref(), cwd).map_err(std::io::Error::other)?;
    let (paths, root) = targets(&args.paths, args.manifest_path.as_deref(), cwd);
    let config = match load_config(args.config.as_deref(), cwd, &paths[0]) {
        Ok(c) => c,
        Err(e) => return Ok(report_config_error(e, err)),
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
    let bar = progress::Bar::new(progress::wanted(
        args.format == Format::Human,
        args.quiet,
        stderr_is_terminal,
    ));
    let mut report = engine::lint_with_progress(
        LintOptions {
            paths,
            root,
            config,
            threads: args.threads,
            inline_suppressions: !args.no_inline_suppressions,
            only_rules: None,
        },
        tenantlint_rules::ALL,
        &bar,
    );
    bar.finish();
    let stale = match gate(&args, baseline.as_ref(), &mut report, cwd, err)? {
        Ok(stale) => stale,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(EXIT_ERROR);
        }
    };
    let metas = engine::all_metas(tenantlint_rules::ALL);
    let ci = render::CiContext {
        metas: &metas,
        repo_prefix: render::repo_prefix(&report.root),
    };
    match args.format {
        Format::Human => render::human::render(
            &report,
            &render::human::HumanOptions {
                color: use_color(args.color),
                quiet: args.quiet,
                width: 100,
            },
            out,
        )?,
        Format::Json => render::json::render(&report, out)?,
        Format::Sarif => render::sarif::render(&report, &ci, out)?,
        Format::Github => {
            render::github::render(&report, &ci, out)?;
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                let mut summary = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(path)?;
                render::github::step_summary(&report, &ci, &mut summary)?;
            }
        }
        Format::Gitlab => render::gitlab::render(&report, &ci, out)?,
        Format::CargoJson => render::cargo_json::render(&report, out)?,
    }
    let failing = report.summary.errors > 0
        || (args.deny_warnings && report.summary.warnings > 0)
        || (args.baseline_strict && !stale.is_empty());
    Ok(if failing { EXIT_FINDINGS } else { EXIT_CLEAN })
}

/// Applies `--write-baseline`, `--baseline` and `--diff` to the report, in that order: the
/// baseline sees every finding (so entries for unchanged code are not stale), the diff then
/// narrows what is reported. Returns the stale baseline entries, or a usage error.
fn gate(
    args: &CheckArgs,
    baseline: Option<&Baseline>,
    report: &mut Report,
    cwd: &Path,
    err: &mut dyn Write,
) -> std::io::Result<Result<Vec<Entry>, String>> {
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
    if let Some(base) = &args.diff {
        match ChangedLines::since(cwd, &report.root, base) {
            Ok(changed) => changed.narrow(report),
            Err(e) => return Ok(Err(format!("--diff {base}: {e}"))),
        }
    }
    Ok(Ok(stale))
}

fn list_rules(format: ListFormat, out: &mut dyn Write) -> std::io::Result<i32> {
    let metas: Vec<_> = tenantlint_rules::ALL.iter().map(|r| r.meta()).collect();
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
