//! `tenantlint.toml` and `[workspace.metadata.tenantlint]`: loading and validation with spans.
//! The typed model it fills is `semantic/settings.rs`, re-exported here.

use crate::semantic::level::Level;
pub use crate::semantic::settings::{
    table_name_eq, Config, ConfigSource, Override, RuleSetting, SqlDialect,
};
use crate::span::Span;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

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
