//! `tenantlint.toml` and `[workspace.metadata.tenantlint]`: loading, validation with spans, and
//! the effective per-file rule levels.

use crate::rule::Level;
use crate::span::Span;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The SQL dialect embedded statements are parsed with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SqlDialect {
    #[default]
    Postgres,
    Mysql,
    Sqlite,
    Generic,
}

/// The configuration as written: every key, kebab-case, nothing unknown.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawConfig {
    tenant_columns: Option<Vec<String>>,
    #[serde(default)]
    tenant_aliases: Vec<String>,
    #[serde(default)]
    tenant_tables: Vec<String>,
    #[serde(default)]
    global_tables: Vec<String>,
    #[serde(default)]
    tenant_headers: Vec<String>,
    #[serde(default)]
    secret_names: Vec<String>,
    #[serde(default)]
    tenant_verifiers: Vec<String>,
    #[serde(default)]
    trusted_sources: Vec<String>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    sql_dialect: Option<SqlDialect>,
    #[serde(default)]
    shared_storage_prefixes: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<RawRuleSetting>>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawRuleSetting {
    Level(Level),
    Table(toml::Table),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawOverride {
    files: Vec<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<RawRuleSetting>>,
}

/// What the configuration says about one rule.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RuleSetting {
    pub level: Option<Level>,
    /// Rule-specific options (`trust-rls = true`), validated by the rule's declaration.
    pub options: toml::Table,
}

#[derive(Debug, Clone)]
pub struct Override {
    pub files: Vec<String>,
    matcher: GlobSet,
    pub rules: BTreeMap<String, RuleSetting>,
}

/// Where a configuration came from, kept for error spans and `cargo tenantlint config`.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigSource {
    pub path: PathBuf,
    /// `tenantlint.toml`, or the Cargo.toml table it was read from.
    pub table: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub source: Option<ConfigSource>,
    pub tenant_columns: Vec<String>,
    pub tenant_aliases: Vec<String>,
    pub tenant_tables: Vec<String>,
    pub global_tables: Vec<String>,
    pub tenant_headers: Vec<String>,
    /// Extra binding, field and header names whose values are credentials.
    pub secret_names: Vec<String>,
    /// Functions, methods and extractor types that check a client-supplied tenant against the
    /// authenticated principal (membership or authorization checks), by name or path.
    pub tenant_verifiers: Vec<String>,
    /// Extractor types, methods and fields whose values come from the verified identity, added
    /// to the built-in names (claims, sessions, authenticated users, middleware extensions).
    pub trusted_sources: Vec<String>,
    pub exclude: Vec<String>,
    exclude_matcher: GlobSet,
    pub sql_dialect: Option<SqlDialect>,
    /// Object-key and path prefixes shared by every tenant on purpose (`public/`).
    pub shared_storage_prefixes: Vec<String>,
    pub rules: BTreeMap<String, RuleSetting>,
    pub overrides: Vec<Override>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            tenant_columns: vec!["tenant_id".into()],
            tenant_aliases: Vec::new(),
            tenant_tables: Vec::new(),
            global_tables: Vec::new(),
            tenant_headers: Vec::new(),
            secret_names: Vec::new(),
            tenant_verifiers: Vec::new(),
            trusted_sources: Vec::new(),
            exclude: Vec::new(),
            exclude_matcher: GlobSet::empty(),
            sql_dialect: None,
            shared_storage_prefixes: Vec::new(),
            rules: BTreeMap::new(),
            overrides: Vec::new(),
        }
    }
}

/// A configuration error with the span of the offending TOML.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub text: String,
    pub message: String,
    pub span: Option<Span>,
    pub help: Option<String>,
}

/// What a rule declaration offers for validating its options.
pub struct KnownRule<'a> {
    pub id: &'a str,
    /// Option keys the rule accepts besides `level`.
    pub options: &'a [&'a str],
}

impl Config {
    /// Finds the configuration for `start`: `tenantlint.toml`, else a `tenantlint` table in
    /// `Cargo.toml` metadata, in `start` or the nearest parent that has one.
    pub fn discover(start: &Path, known: &[KnownRule]) -> Result<Config, ConfigError> {
        let start = if start.is_file() {
            start.parent().unwrap_or(start)
        } else {
            start
        };
        for dir in start.ancestors() {
            let file = dir.join("tenantlint.toml");
            if file.is_file() {
                return Config::load(&file, known);
            }
            let cargo = dir.join("Cargo.toml");
            if cargo.is_file() {
                if let Some(config) = Config::load_cargo_metadata(&cargo, known)? {
                    return Ok(config);
                }
            }
        }
        Ok(Config::default())
    }

    /// Loads a `tenantlint.toml` (or a Cargo.toml, when the file is named so).
    pub fn load(path: &Path, known: &[KnownRule]) -> Result<Config, ConfigError> {
        if path.file_name().is_some_and(|n| n == "Cargo.toml") {
            return Config::load_cargo_metadata(path, known)?.ok_or_else(|| ConfigError {
                path: path.to_owned(),
                text: String::new(),
                message:
                    "no [workspace.metadata.tenantlint] or [package.metadata.tenantlint] table"
                        .into(),
                span: None,
                help: None,
            });
        }
        let text = read_config_text(path)?;
        let raw: RawConfig = toml::from_str(&text).map_err(|e| toml_error(path, &text, e))?;
        Config::from_raw(
            raw,
            ConfigSource {
                path: path.to_owned(),
                table: "tenantlint.toml".into(),
            },
            &text,
            known,
        )
    }

    fn load_cargo_metadata(
        path: &Path,
        known: &[KnownRule],
    ) -> Result<Option<Config>, ConfigError> {
        #[derive(Deserialize)]
        struct Manifest {
            workspace: Option<Section>,
            package: Option<Section>,
        }
        #[derive(Deserialize)]
        struct Section {
            metadata: Option<Metadata>,
        }
        #[derive(Deserialize)]
        struct Metadata {
            tenantlint: Option<RawConfig>,
        }
        let text = read_config_text(path)?;
        // A manifest that is not ours to judge: cargo reports its own errors.
        if !text.contains("tenantlint") {
            return Ok(None);
        }
        let manifest: Manifest = toml::from_str(&text).map_err(|e| toml_error(path, &text, e))?;
        let pick = |s: Option<Section>, name: &str| {
            s.and_then(|s| s.metadata)
                .and_then(|m| m.tenantlint)
                .map(|c| (c, name.to_string()))
        };
        let found = pick(manifest.workspace, "[workspace.metadata.tenantlint]")
            .or_else(|| pick(manifest.package, "[package.metadata.tenantlint]"));
        match found {
            None => Ok(None),
            Some((raw, table)) => Config::from_raw(
                raw,
                ConfigSource {
                    path: path.to_owned(),
                    table,
                },
                &text,
                known,
            )
            .map(Some),
        }
    }

    fn from_raw(
        raw: RawConfig,
        source: ConfigSource,
        text: &str,
        known: &[KnownRule],
    ) -> Result<Config, ConfigError> {
        let err = |message: String, span: Span, help: Option<String>| ConfigError {
            path: source.path.clone(),
            text: text.to_string(),
            message,
            span: Some(span),
            help,
        };
        let rules = rule_settings(raw.rules, known, &err)?;
        let exclude_matcher = glob_set(&raw.exclude, &err)?;
        let mut overrides = Vec::new();
        for o in raw.overrides {
            overrides.push(Override {
                matcher: glob_set(&o.files, &err)?,
                files: o.files.into_iter().map(Spanned::into_inner).collect(),
                rules: rule_settings(o.rules, known, &err)?,
            });
        }
        let tenant_columns = raw
            .tenant_columns
            .unwrap_or_else(|| vec!["tenant_id".into()]);
        Ok(Config {
            source: Some(source),
            tenant_columns,
            tenant_aliases: raw.tenant_aliases,
            tenant_tables: raw.tenant_tables,
            global_tables: raw.global_tables,
            tenant_headers: raw.tenant_headers,
            secret_names: raw.secret_names,
            tenant_verifiers: raw.tenant_verifiers,
            trusted_sources: raw.trusted_sources,
            exclude: raw.exclude.into_iter().map(Spanned::into_inner).collect(),
            exclude_matcher,
            sql_dialect: raw.sql_dialect,
            shared_storage_prefixes: raw.shared_storage_prefixes,
            rules,
            overrides,
        })
    }

    /// Whether a path relative to the workspace root is excluded by the config.
    pub fn is_excluded(&self, rel_path: &str) -> bool {
        self.exclude_matcher.is_match(rel_path)
    }

    /// The rule's setting for one file: the `[rules]` entry, then every matching override in order.
    pub fn rule_setting(&self, rule: &str, rel_path: &str) -> RuleSetting {
        let mut setting = self.rules.get(rule).cloned().unwrap_or_default();
        for o in &self.overrides {
            if o.matcher.is_match(rel_path) {
                if let Some(s) = o.rules.get(rule) {
                    if s.level.is_some() {
                        setting.level = s.level;
                    }
                    setting.options.extend(s.options.clone());
                }
            }
        }
        setting
    }

    /// Whether a table is deliberately shared by all tenants.
    pub fn is_global_table(&self, table: &str) -> bool {
        self.global_tables.iter().any(|t| table_name_eq(t, table))
    }

    /// Whether an object key or path starts under a prefix shared by all tenants.
    pub fn is_shared_storage_key(&self, key_prefix: &str) -> bool {
        let key = key_prefix.trim_start_matches('/');
        self.shared_storage_prefixes
            .iter()
            .any(|p| !p.is_empty() && key.starts_with(p.trim_start_matches('/')))
    }
}

/// Compares table names case-insensitively, ignoring a schema qualifier on either side.
pub fn table_name_eq(a: &str, b: &str) -> bool {
    let base = |s: &str| {
        s.rsplit('.')
            .next()
            .unwrap_or(s)
            .trim_matches('"')
            .to_ascii_lowercase()
    };
    a.eq_ignore_ascii_case(b) || base(a) == base(b)
}

/// A configuration file must be a regular file under the size cap that stays in its folder (a
/// link to `/proc/self/environ` would print the CI's secrets in the parse error).
fn read_config_text(path: &Path) -> Result<String, ConfigError> {
    crate::safe_read::read_in_own_folder(path).map_err(|why| ConfigError {
        path: path.to_owned(),
        text: String::new(),
        message: format!("cannot use {}: {why}", crate::engine::display_path(path)),
        span: None,
        help: None,
    })
}

fn toml_error(path: &Path, text: &str, e: toml::de::Error) -> ConfigError {
    let message = e.message().to_string();
    let help = message.contains("unknown field").then(|| {
        "the keys are: tenant-columns, tenant-aliases, tenant-tables, global-tables, tenant-headers, \
         secret-names, tenant-verifiers, trusted-sources, exclude, sql-dialect, shared-storage-prefixes,
         [rules], [[overrides]]"
            .to_string()
    });
    ConfigError {
        path: path.to_owned(),
        text: text.to_string(),
        message,
        span: e.span().map(|r| Span::new(r.start, r.end)),
        help,
    }
}

fn rule_settings(
    raw: BTreeMap<Spanned<String>, Spanned<RawRuleSetting>>,
    known: &[KnownRule],
    err: &dyn Fn(String, Span, Option<String>) -> ConfigError,
) -> Result<BTreeMap<String, RuleSetting>, ConfigError> {
    let mut out = BTreeMap::new();
    for (name, setting) in raw {
        let name_span = Span::new(name.span().start, name.span().end);
        let setting_span = Span::new(setting.span().start, setting.span().end);
        let Some(rule) = known.iter().find(|k| k.id == name.get_ref()) else {
            let closest = known
                .iter()
                .map(|k| k.id)
                .min_by_key(|id| edit_distance(id, name.get_ref()))
                .filter(|id| edit_distance(id, name.get_ref()) <= 3);
            return Err(err(
                format!("unknown rule `{}`", name.get_ref()),
                name_span,
                Some(match closest {
                    Some(c) => {
                        format!("did you mean `{c}`? `cargo tenantlint rules` lists them all")
                    }
                    None => "`cargo tenantlint rules` lists the rules".into(),
                }),
            ));
        };
        let setting = match setting.into_inner() {
            RawRuleSetting::Level(level) => RuleSetting {
                level: Some(level),
                options: toml::Table::new(),
            },
            RawRuleSetting::Table(mut table) => {
                let level = match table.remove("level") {
                    None => None,
                    Some(v) => Some(v.as_str().and_then(Level::parse).ok_or_else(|| {
                        err(
                            "`level` must be \"allow\", \"warn\" or \"deny\"".into(),
                            setting_span,
                            None,
                        )
                    })?),
                };
                if let Some(key) = table.keys().find(|k| !rule.options.contains(&k.as_str())) {
                    let help = if rule.options.is_empty() {
                        format!("`{}` takes no options besides `level`", rule.id)
                    } else {
                        format!("`{}` takes: level, {}", rule.id, rule.options.join(", "))
                    };
                    return Err(err(
                        format!("unknown option `{key}` for rule `{}`", rule.id),
                        setting_span,
                        Some(help),
                    ));
                }
                RuleSetting {
                    level,
                    options: table,
                }
            }
        };
        out.insert(name.into_inner(), setting);
    }
    Ok(out)
}

fn glob_set(
    globs: &[Spanned<String>],
    err: &dyn Fn(String, Span, Option<String>) -> ConfigError,
) -> Result<GlobSet, ConfigError> {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g.get_ref()).map_err(|e| {
            err(
                format!("invalid glob: {e}"),
                Span::new(g.span().start, g.span().end),
                None,
            )
        })?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|e| err(format!("invalid globs: {e}"), Span::default(), None))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
