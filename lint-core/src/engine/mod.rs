//! Layer 5, engine: configuration, rules, diagnostics, suppression, discovery, and the
//! pipeline: discover files, parse each once in parallel, build the workspace index, extract SQL,
//! run the rules, apply suppressions, and return sorted diagnostics.

pub mod config;
pub mod diagnostic;
pub mod discovery;
pub mod engine_rules;
pub mod report;
pub mod rule;
pub mod suppress;

pub use crate::facts::workspace::{AnalyzedFile, Workspace};
pub use crate::semantic::vocab::to_snake;
pub use crate::syntax::source::rel_path;
pub use report::{Report, Summary};

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Finding, Label, Severity, Suppressed, SuppressionKind};
use crate::facts::passes::{Computed, Fact};
use crate::facts::tenant_inference::TenantInference;
use crate::rule::{Level, Rule, RuleContext, RuleMeta};
use crate::schema::{self, Schema};
use crate::source::{FileKind, SourceFile};
use crate::span::Span;
use crate::sql::{SqlOrigin, SqlSite, SqlText};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

pub use crate::safe_read::{display_path, MAX_FILE_BYTES};
/// Parsing, lowering and the walks over a file recurse once per level of nesting, which
/// `parse::MAX_NESTING` bounds. Measured at that bound over 25 shapes of nesting (parentheses,
/// blocks, generics, references, closures, chains, else-if, patterns, macros): the deepest
/// (`&&&..u8` types) needs 12-16 MiB in a release build and 128-256 MiB in a debug build; the
/// threads get 4x and 2x that (only the pages used are committed).
const STACK_BYTES: usize = if cfg!(debug_assertions) {
    512 << 20
} else {
    64 << 20
};

/// What to lint and how.
pub struct LintOptions {
    /// Files and folders to lint.
    pub paths: Vec<PathBuf>,
    /// Paths in output are relative to this folder.
    pub root: PathBuf,
    pub config: Config,
    /// 0 lets rayon decide.
    pub threads: usize,
    pub inline_suppressions: bool,
    /// Run only these rules (the fixture harness runs one rule per fixture folder).
    pub only_rules: Option<Vec<String>>,
}

/// Every rule the engine knows: the engine's own diagnostics, then the catalog.
pub fn all_metas(rules: &[&dyn Rule]) -> Vec<&'static RuleMeta> {
    engine_rules::ALL
        .iter()
        .copied()
        .chain(rules.iter().map(|r| r.meta()))
        .collect()
}

/// What the configuration loader needs to validate `[rules]`: each rule's id and options.
pub fn known_rules(rules: &[&dyn Rule]) -> Vec<config::KnownRule<'static>> {
    all_metas(rules)
        .into_iter()
        .map(|m| config::KnownRule {
            id: m.id,
            options: m.options,
        })
        .collect()
}

/// The stages of a run that report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and parsing files.
    Parsing,
    /// Running the rules on each file.
    Checking,
}

/// Receives progress from a run, from worker threads. The engine only counts; how (and whether)
/// to show it is the caller's business.
pub trait Progress: Sync {
    /// A stage begins with `total` files to go through.
    fn stage(&self, _stage: Stage, _total: usize) {}
    /// One more file of the current stage is done.
    fn file_done(&self) {}
}

/// Progress that goes nowhere.
pub struct NoProgress;
impl Progress for NoProgress {}

pub fn lint(opts: LintOptions, rules: &[&dyn Rule]) -> Report {
    lint_with_progress(opts, rules, &NoProgress)
}

/// [`lint`], telling `progress` how far it got.
pub fn lint_with_progress(
    opts: LintOptions,
    rules: &[&dyn Rule],
    progress: &dyn Progress,
) -> Report {
    let started = Instant::now();
    let threads = opts.threads;
    in_pool(threads, move || {
        lint_in_pool(opts, rules, progress, started)
    })
}

/// Lints files given as text, as if they were at their paths under `root`: discovery and reads
/// are skipped, everything else is the same (`query_file!` still reads from disk). For fuzzing
/// and embedding.
pub fn lint_sources(
    root: PathBuf,
    config: Config,
    sources: Vec<(PathBuf, String)>,
    rules: &[&dyn Rule],
) -> Report {
    let started = Instant::now();
    in_pool(1, move || {
        let (files, engine_diags) = split_loaded(
            sources
                .into_iter()
                .map(|(path, text)| analyze_text(&root, &path, text, sql_file_dialect(&config)))
                .collect(),
        );
        check_all(
            files,
            engine_diags,
            root,
            config,
            (true, None),
            rules,
            &NoProgress,
            started,
        )
    })
}

/// Runs `run` on a pool whose threads have room for deeply nested code; 0 threads lets rayon
/// decide.
fn in_pool<R: Send>(threads: usize, run: impl FnOnce() -> R + Send) -> R {
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(STACK_BYTES);
    if threads > 0 {
        builder = builder.num_threads(threads);
    }
    match builder.build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

fn lint_in_pool(
    opts: LintOptions,
    rules: &[&dyn Rule],
    progress: &dyn Progress,
    started: Instant,
) -> Report {
    let LintOptions {
        paths,
        root,
        mut config,
        inline_suppressions,
        only_rules,
        ..
    } = opts;
    // Canonical, like the discovered paths, so that every file has one relative path.
    let root = root.canonicalize().unwrap_or(root);
    config.anchor_at(&root);
    let (found, walk_errors) = crate::discovery::discover(&paths, &root, &config);
    progress.stage(Stage::Parsing, found.len());
    let loaded: Vec<Result<AnalyzedFile, Box<Diagnostic>>> = found
        .par_iter()
        .map(|p| {
            let file = load(&root, p, sql_file_dialect(&config));
            progress.file_done();
            file
        })
        .collect();
    let (mut files, mut engine_diags) = split_loaded(loaded);
    let linted = found.into_iter().collect();
    add_path_modules(&root, &config, linted, &mut files, &mut engine_diags);
    engine_diags.extend(
        walk_errors
            .into_iter()
            .map(|(path, message)| *io_diagnostic(&root, &path, message)),
    );
    check_all(
        files,
        engine_diags,
        root,
        config,
        (inline_suppressions, only_rules),
        rules,
        progress,
        started,
    )
}

/// Loads the files that `#[path = ".."]` module declarations name and discovery did not find
/// (a folder named `target`, an ignored one): rustc compiles them, so they are linted, when they
/// stay inside the workspace root and the configuration does not exclude them.
fn add_path_modules(
    root: &Path,
    config: &Config,
    mut linted: std::collections::HashSet<PathBuf>,
    files: &mut Vec<AnalyzedFile>,
    diags: &mut Vec<Diagnostic>,
) {
    let boundary = crate::safe_read::Boundary::new(root);
    let mut next = 0;
    while next < files.len() {
        let file = &files[next];
        next += 1;
        let (Some(rust), Some(dir)) = (&file.rust, file.source.path.parent()) else {
            continue;
        };
        let named: Vec<PathBuf> = rust.module_paths.iter().map(|p| dir.join(p)).collect();
        for path in named {
            match boundary.admit(&path) {
                Ok(canonical) => {
                    if config.is_excluded(&rel_path(root, &canonical))
                        || !linted.insert(canonical.clone())
                    {
                        continue;
                    }
                    match load(root, &canonical, sql_file_dialect(config)) {
                        Ok(module) => files.push(module),
                        Err(d) => diags.push(*d),
                    }
                }
                // A module file that does not exist is rustc's error to report.
                Err(crate::safe_read::Refusal::Io(_)) => {}
                Err(why) => diags.push(*io_diagnostic(
                    root,
                    &path,
                    format!("`#[path]` module not linted: {why}"),
                )),
            }
        }
    }
}

/// Separates the files that loaded from the diagnostics of those that did not.
fn split_loaded(
    loaded: Vec<Result<AnalyzedFile, Box<Diagnostic>>>,
) -> (Vec<AnalyzedFile>, Vec<Diagnostic>) {
    let mut engine_diags = Vec::new();
    let mut files = Vec::with_capacity(loaded.len());
    for l in loaded {
        match l {
            Ok(f) => files.push(f),
            Err(d) => engine_diags.push(*d),
        }
    }
    (files, engine_diags)
}

/// The library name of each crate folder that holds linted files (`crates/api` →
/// `myapp_api`), from the folder's `Cargo.toml` (`[lib] name`, else `[package] name`): other
/// crates of the workspace name it so in their paths, not by its folder. A folder whose
/// manifest cannot be read or names nothing keeps its folder name.
fn crate_names(root: &Path, files: &[AnalyzedFile]) -> HashMap<String, String> {
    let boundary = crate::safe_read::Boundary::new(root);
    let mut dirs: Vec<&str> = files
        .iter()
        .filter_map(|f| crate::semantic::callgraph::crate_dir(&f.source.rel_path))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    dirs.into_iter()
        .filter_map(|dir| {
            let manifest = root.join(dir).join("Cargo.toml");
            let text = crate::safe_read::read_text(&manifest, Some(&boundary)).ok()?;
            let doc: toml::Table = text.parse().ok()?;
            let name_in = |table: &str| doc.get(table)?.get("name")?.as_str().map(str::to_string);
            let name = name_in("lib").or_else(|| name_in("package"))?;
            Some((dir.to_string(), name.replace('-', "_")))
        })
        .collect()
}

/// The workspace call graph with its request entry points; files that did not parse have no
/// functions and keep their index.
fn build_call_graph(root: &Path, files: &[AnalyzedFile]) -> crate::semantic::callgraph::CallGraph {
    let empty = crate::model::RustFile::default();
    let rust: Vec<&crate::model::RustFile> = files
        .iter()
        .map(|f| f.rust.as_ref().unwrap_or(&empty))
        .collect();
    let named: Vec<(&str, &crate::model::RustFile)> = files
        .iter()
        .zip(&rust)
        .map(|(f, r)| (f.source.rel_path.as_str(), *r))
        .collect();
    let mut graph =
        crate::semantic::callgraph::CallGraph::build_named(&named, &crate_names(root, files));
    crate::http::mark_entry_points(&mut graph, &rust);
    graph
}

/// Everything after loading: the workspace index, SQL extraction, the rules, the summary.
#[allow(clippy::too_many_arguments)]
fn check_all(
    mut files: Vec<AnalyzedFile>,
    mut engine_diags: Vec<Diagnostic>,
    root: PathBuf,
    config: Config,
    (inline_suppressions, only_rules): (bool, Option<Vec<String>>),
    rules: &[&dyn Rule],
    progress: &dyn Progress,
    started: Instant,
) -> Report {
    let mut migrations: Vec<&AnalyzedFile> = files.iter().filter(|f| f.is_migration()).collect();
    migrations.sort_by(|a, b| schema::migration_order(&a.source.rel_path, &b.source.rel_path));
    let mut schema = Schema::from_migrations(migrations);
    let mut config = config;
    let orm = crate::orm::OrmIndex::build_tables(&files);
    orm.extend_schema(&mut schema);
    let inference = if config.tenant_columns_configured {
        TenantInference::Configured
    } else {
        let inferred = crate::facts::tenant_inference::infer(&schema);
        if let TenantInference::Inferred(t) = &inferred {
            // The ORM's scoping helpers (built with the ORM pass) are recognised by this column.
            config.tenant_columns = t.columns.clone();
        }
        inferred
    };
    let needs = needed_facts(&files, &config, rules, only_rules.as_deref());
    let mut workspace = Workspace::new(root.clone(), config, schema);
    workspace.tenant_inference = inference;
    workspace.consts = collect_consts(&files);
    workspace.returning_macros = crate::semantic::macros::ReturningMacros::build(
        files.iter().filter_map(|f| f.rust.as_ref()),
    );
    workspace.orm = Computed::skipped(orm);
    let cap = workspace.config.max_file_work;
    let mut stopped = vec![false; files.len()];
    stop_over_cap(&files, cap, "parsing", &mut stopped, &mut engine_diags);
    files
        .par_iter_mut()
        .zip(&stopped)
        .for_each(|(f, &stopped)| {
            if let Some(rust) = f.rust.as_ref().filter(|_| !stopped) {
                let extracted = crate::sql_sites::extract(&f.source, rust, &workspace);
                f.sql_sites = extracted.sites;
                f.unresolved_sql = extracted.unresolved;
                f.unreadable_sql = extracted.unreadable;
            }
        });
    stop_over_cap(
        &files,
        cap,
        "SQL extraction",
        &mut stopped,
        &mut engine_diags,
    );
    for fact in Fact::ALL.into_iter().filter(|f| needs.contains(f)) {
        run_pass(fact, &mut files, &mut workspace, &stopped);
        stop_over_cap(&files, cap, fact.as_str(), &mut stopped, &mut engine_diags);
    }
    let metas = all_metas(rules);
    progress.stage(Stage::Checking, files.len());
    let per_file: Vec<Vec<Diagnostic>> = files
        .par_iter()
        .zip(&stopped)
        .map(|(f, &stopped)| {
            if stopped {
                progress.file_done();
                return Vec::new();
            }
            let diags = check_file(
                f,
                &workspace,
                rules,
                &metas,
                only_rules.as_deref(),
                inline_suppressions,
            );
            progress.file_done();
            diags
        })
        .collect();
    // Request flows and other analyses computed on demand while checking are charged too;
    // checked once every file is done, so the totals, and which files stop, depend only on
    // the input.
    let checked = stopped.clone();
    stop_over_cap(&files, cap, "checking", &mut stopped, &mut engine_diags);
    let per_file = per_file
        .into_iter()
        .zip(checked.iter().zip(&stopped))
        .map(|(diags, (&before, &after))| if before == after { diags } else { Vec::new() });

    let mut summary = Summary {
        files: files.len(),
        rust_files: files
            .iter()
            .filter(|f| f.source.kind == FileKind::Rust)
            .count(),
        sql_files: files
            .iter()
            .filter(|f| f.source.kind == FileKind::Sql)
            .count(),
        ..Summary::default()
    };
    for f in &files {
        for site in &f.sql_sites {
            summary.sql_statements += site.statements.len();
            summary.sql_unparsable += site.errors.len();
            if site.text.has_holes() {
                summary.sql_dynamic += site.statements.len();
            }
        }
        summary.sql_unresolved += f.unresolved_sql;
    }
    let mut diagnostics: Vec<Diagnostic> = per_file.into_iter().flatten().collect();
    diagnostics.extend(engine_diags.into_iter().filter(|d| {
        only_rules
            .as_ref()
            .is_none_or(|only| only.iter().any(|r| r == d.rule))
    }));
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    summary.elapsed = started.elapsed();
    let mut file_work: Vec<(String, u64)> = files
        .iter()
        .map(|f| (f.source.rel_path.clone(), f.source.work.spent()))
        .collect();
    file_work.sort();
    let mut report = Report {
        root,
        diagnostics,
        summary,
        workspace,
        file_work,
    };
    report.recount();
    report
}

/// Stops the analysis of each file that went past `cap` work units by the end of `stage`:
/// its rules do not run and the per-file passes skip it, but the workspace passes still read
/// it (other files' calls resolve into it), each bounded by its own limits. Checked between
/// stages, so which files stop depends only on the input.
fn stop_over_cap(
    files: &[AnalyzedFile],
    cap: u64,
    stage: &str,
    stopped: &mut [bool],
    diags: &mut Vec<Diagnostic>,
) {
    for (f, stopped) in files.iter().zip(stopped.iter_mut()) {
        if *stopped || !f.source.work.over(cap) {
            continue;
        }
        *stopped = true;
        diags.push(Diagnostic {
            rule: engine_rules::ParseError::META.id,
            severity: Severity::Warning,
            message: format!(
                "analysis stopped: this file went past the work cap of {cap} units ({} spent by \
                 the end of {stage})",
                f.source.work.spent()
            ),
            file: f.source.clone(),
            primary: Label {
                span: Span::default(),
                message: String::new(),
            },
            secondary: Vec::new(),
            help: Some(
                "the rest of the workspace was still linted; this file's findings were not \
                 reported. Split the file, or exclude it if it is generated"
                    .into(),
            ),
            suppressed: None,
        });
    }
}

/// The facts the rules that run somewhere in this workspace declare they need.
fn needed_facts(
    files: &[AnalyzedFile],
    config: &Config,
    rules: &[&dyn Rule],
    only: Option<&[String]>,
) -> Vec<Fact> {
    let runs = |meta: &RuleMeta| {
        only.is_none_or(|o| o.iter().any(|r| r == meta.id))
            && files.iter().any(|f| {
                config
                    .rule_setting(meta.id, &f.source.rel_path)
                    .level
                    .unwrap_or(meta.default_level())
                    != Level::Allow
            })
    };
    let mut needs: Vec<Fact> = Vec::new();
    for meta in rules.iter().map(|r| r.meta()).filter(|m| runs(m)) {
        for fact in meta.needs.iter().flat_map(|f| f.with_inputs()) {
            if !needs.contains(fact) {
                needs.push(*fact);
            }
        }
    }
    needs
}

/// Computes one fact into the workspace and its files.
/// Files in `stopped` went past their work cap: the per-file parts of the pass skip them.
fn run_pass(fact: Fact, files: &mut [AnalyzedFile], workspace: &mut Workspace, stopped: &[bool]) {
    match fact {
        Fact::OrmQueries => {
            let mut orm = std::mem::take(&mut workspace.orm).into_value();
            orm.add_scoping_helpers(files, &workspace.config);
            workspace.orm = Computed::new(orm);
        }
        Fact::Logging => {
            workspace.credential_types = Computed::new(crate::logging::CredentialTypes::build(
                files.iter().filter_map(|f| f.rust.as_ref()),
                &workspace.config.secret_names,
            ));
            files.par_iter_mut().zip(stopped).for_each(|(f, &stopped)| {
                let facts = f
                    .rust
                    .as_ref()
                    .filter(|_| !stopped)
                    .map(|r| crate::logging::collect(r, &f.source.text));
                f.logging = Computed::new(facts.unwrap_or_default());
            });
        }
        Fact::KeyLookups => {
            workspace.key_lookups = Computed::new(crate::facts::key_lookups::KeyLookups::build(
                files,
                &workspace.schema,
            ));
        }
        Fact::KeySinks => {
            workspace.keys = Computed::new(crate::keys::KeyIndex::build(files, workspace));
            let ws = &*workspace;
            files.par_iter_mut().zip(stopped).for_each(|(f, &stopped)| {
                let sinks = f
                    .rust
                    .as_ref()
                    .filter(|_| !stopped)
                    .map(|r| crate::keys::extract(r, &f.sql_sites, ws));
                f.key_sinks = Computed::new(sinks.unwrap_or_default());
            });
        }
        Fact::RequestFlows => {
            workspace.call_graph = Computed::new(build_call_graph(&workspace.root, files));
            let (flow_index, flows) = crate::taint::analyze(files, workspace);
            workspace.flow_index = Computed::new(flow_index);
            for (f, flow) in files.iter_mut().zip(flows) {
                f.request_flows = Computed::new(flow);
            }
            workspace.client_reach = crate::client_reach::ClientReach::build(files, workspace);
            workspace.query_callers = crate::facts::sql_query_files::QueryCallers::build(
                files,
                &workspace.call_graph,
                &workspace.client_reach,
            );
        }
    }
}

fn io_diagnostic(root: &Path, path: &Path, message: String) -> Box<Diagnostic> {
    let rel = rel_path(root, path);
    Box::new(Diagnostic {
        rule: engine_rules::IoError::META.id,
        severity: Severity::Warning,
        message,
        file: Arc::new(SourceFile::new(
            path.to_owned(),
            rel,
            FileKind::Rust,
            String::new(),
        )),
        primary: Label {
            span: Span::default(),
            message: String::new(),
        },
        secondary: Vec::new(),
        help: Some("the file was skipped; the other files were linted".into()),
        suppressed: None,
    })
}

/// `.sql` files are read in the configured dialect (PostgreSQL by default).
fn sql_file_dialect(config: &Config) -> crate::config::SqlDialect {
    config.sql_dialect.unwrap_or_default()
}

fn load(
    root: &Path,
    path: &Path,
    dialect: crate::config::SqlDialect,
) -> Result<AnalyzedFile, Box<Diagnostic>> {
    let text = crate::safe_read::read_text(path, None).map_err(|why| {
        io_diagnostic(
            root,
            path,
            match why {
                crate::safe_read::Refusal::NotUtf8 { valid_up_to } => {
                    format!("file is not valid UTF-8 (invalid byte at offset {valid_up_to})")
                }
                crate::safe_read::Refusal::TooLarge => {
                    format!("file is larger than {} MiB", MAX_FILE_BYTES >> 20)
                }
                other => format!("file not linted: {other}"),
            },
        )
    })?;
    analyze_text(root, path, text, dialect)
}

/// Parses one file's text: a `.sql` file becomes one SQL site, anything else is Rust.
fn analyze_text(
    root: &Path,
    path: &Path,
    text: String,
    dialect: crate::config::SqlDialect,
) -> Result<AnalyzedFile, Box<Diagnostic>> {
    let rel = rel_path(root, path);
    let is_sql = path.extension().is_some_and(|e| e == "sql");
    if is_sql {
        let migration = schema::is_migration_path(&rel);
        let source = Arc::new(SourceFile::new(path.to_owned(), rel, FileKind::Sql, text));
        // A byte-order mark is not SQL; the offsets after it stay file offsets.
        let bom = if source.text.starts_with('\u{feff}') {
            3
        } else {
            0
        };
        let mut t = SqlText::default();
        t.push_literal(&source.text[bom..], bom as u32, true);
        // Parsing the statements costs about a unit per byte.
        source.work.charge(source.text.len() as u64);
        let mut site = SqlSite::new(
            SqlOrigin::File { migration },
            Span::new(0, source.text.len()),
            t,
            dialect,
        );
        // A schema dump outside the migrations folders is schema too.
        if !migration
            && !schema::in_migrations_folder(&source.rel_path)
            && schema::is_schema_script(&site.statements)
        {
            site.origin = SqlOrigin::File { migration: true };
        }
        return Ok(AnalyzedFile {
            source,
            rust: None,
            sql_sites: vec![site],
            unresolved_sql: 0,
            logging: Default::default(),
            key_sinks: Default::default(),
            request_flows: Default::default(),
            flow_sinks: Default::default(),
            unreadable_sql: Vec::new(),
        });
    }
    let source = Arc::new(SourceFile::new(path.to_owned(), rel, FileKind::Rust, text));
    let rust = crate::parse::parse_rust(&source.text);
    match rust {
        Ok(mut rust) => {
            rust.work = source.work.clone();
            // Lowering made each expression and pattern once.
            source
                .work
                .charge((rust.exprs.len() + rust.pats.len()) as u64);
            Ok(AnalyzedFile {
                logging: Default::default(),
                source,
                rust: Some(rust),
                sql_sites: Vec::new(),
                unresolved_sql: 0,
                key_sinks: Default::default(),
                request_flows: Default::default(),
                flow_sinks: Default::default(),
                unreadable_sql: Vec::new(),
            })
        }
        Err((message, span)) => Err(Box::new(Diagnostic {
            rule: engine_rules::ParseError::META.id,
            severity: Severity::Warning,
            message: format!("cannot parse this file: {message}"),
            file: source,
            primary: Label {
                span,
                message: message.clone(),
            },
            secondary: Vec::new(),
            help: Some("the rest of the workspace was still linted; this file was not".into()),
            suppressed: None,
        })),
    }
}

fn collect_consts(files: &[AnalyzedFile]) -> HashMap<String, Option<String>> {
    let mut consts: HashMap<String, Option<String>> = HashMap::new();
    for f in files {
        let Some(rust) = &f.rust else { continue };
        for c in &rust.consts {
            let Some(value) = rust.static_str(c.value) else {
                continue;
            };
            consts
                .entry(c.name.name.clone())
                .and_modify(|v| {
                    if v.as_deref() != Some(value.as_str()) {
                        *v = None;
                    }
                })
                .or_insert(Some(value));
        }
    }
    consts
}

/// Runs the enabled rules on one file and applies its suppressions, which mark the findings
/// they cover as suppressed.
fn check_file(
    file: &AnalyzedFile,
    ws: &Workspace,
    rules: &[&dyn Rule],
    metas: &[&'static RuleMeta],
    only: Option<&[String]>,
    inline_suppressions: bool,
) -> Vec<Diagnostic> {
    let rel = &file.source.rel_path;
    let level_of = |meta: &RuleMeta| -> Level {
        if only.is_some_and(|o| !o.iter().any(|r| r == meta.id)) {
            return Level::Allow;
        }
        ws.config
            .rule_setting(meta.id, rel)
            .level
            .unwrap_or(meta.default_level())
    };
    let make = |meta: &'static RuleMeta, f: Finding| -> Option<Diagnostic> {
        Some(Diagnostic {
            rule: meta.id,
            severity: level_of(meta).severity()?,
            message: f.message,
            file: file.source.clone(),
            primary: f.primary,
            secondary: f.secondary,
            help: f.help,
            suppressed: None,
        })
    };

    let mut diags = Vec::new();
    for (span, why) in &file.unreadable_sql {
        let finding = Finding::new(why.clone(), *span)
            .help("the query was not analysed; the rest of the file was");
        diags.extend(make(&engine_rules::IoError::META, finding));
    }
    let mut ran: Vec<&str> = Vec::new();
    for rule in rules {
        let meta = rule.meta();
        if level_of(meta) == Level::Allow {
            continue;
        }
        ran.push(meta.id);
        let setting = ws.config.rule_setting(meta.id, rel);
        let mut cx = RuleContext::new(file, ws, &setting.options);
        rule.check(&mut cx);
        diags.extend(
            cx.into_findings()
                .into_iter()
                .filter_map(|f| make(rule.meta(), f)),
        );
    }
    for site in &file.sql_sites {
        for e in &site.errors {
            // The first 200 bytes of the statement are enough to point at, cut at a character.
            let sql = &site.text.text;
            let mut end = e.end.min(e.start.saturating_add(200));
            while end > e.start && !sql.is_char_boundary(end as usize) {
                end -= 1;
            }
            let span = site.text.file_span(&file.source.text, e.start, end);
            let finding = Finding::new(
                format!("sqlparser cannot parse this statement, so it was not analysed: {}", e.message),
                span,
            )
            .help("if this is valid SQL for your database, set `sql-dialect` or allow `sql-parse-error` for this file");
            diags.extend(make(&engine_rules::SqlParseError::META, finding));
        }
    }

    // One finding per rule, place and message: a const used by several calls is one bug.
    let mut seen = std::collections::HashSet::new();
    diags.retain(|d| seen.insert((d.rule, d.primary.span, d.message.clone())));

    if !inline_suppressions {
        return diags;
    }
    let (suppressions, bad) = suppress::parse(&file.source);
    let mut used = vec![false; suppressions.len()];
    for d in &mut diags {
        let line = file.source.line_of(d.primary.span.start);
        // A suppression must say why; one that does not is reported and suppresses nothing.
        let justified = |s: &suppress::Suppression| s.reason.is_some() && s.covers(d.rule, line);
        if let Some(i) = suppressions.iter().position(justified) {
            used[i] = true;
            d.suppressed = Some(Suppressed {
                kind: SuppressionKind::InSource,
                reason: suppressions[i].reason.clone(),
            });
        }
    }
    let mut extra = Vec::new();
    for b in bad {
        extra.extend(make(
            &engine_rules::InvalidSuppression::META,
            Finding::new(b.message, b.span),
        ));
    }
    for (s, used) in suppressions.iter().zip(used) {
        for r in &s.rules {
            if !metas.iter().any(|m| m.id == r) {
                extra.extend(make(
                    &engine_rules::InvalidSuppression::META,
                    Finding::new(format!("suppression names unknown rule `{r}`"), s.span)
                        .help("`cargo tenantlint rules` lists the rule names"),
                ));
            }
        }
        if s.reason.is_none() {
            extra.extend(make(
                &engine_rules::InvalidSuppression::META,
                Finding::new(
                    "suppression without a reason: it suppresses nothing",
                    s.span,
                )
                .help(
                    "say why after the rule list: `// tenantlint: allow(rule) -- why this is safe`",
                ),
            ));
        }
        if !used && s.reason.is_some() && s.rules.iter().all(|r| ran.contains(&r.as_str())) {
            extra.extend(make(
                &engine_rules::UnusedSuppression::META,
                Finding::new(
                    format!(
                        "suppression of `{}` matches no finding",
                        s.rules.join("`, `")
                    ),
                    s.span,
                )
                .help("remove it: the code it excused is gone or fixed"),
            ));
        }
    }
    diags.extend(extra);
    diags
}
