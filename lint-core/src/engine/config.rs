//! `tenantlint.toml` and `[workspace.metadata.tenantlint]`: loading and validation with spans.
//! The typed model it fills is `semantic/settings.rs`, re-exported here.

use crate::semantic::level::Level;
use crate::semantic::settings::Anchor;
pub use crate::semantic::settings::{
    table_name_eq, Config, ConfigSource, Override, RuleSetting, SqlDialect, DEFAULT_TENANT_COLUMN,
};
use crate::span::Span;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

// The configuration as written: every key, kebab-case, nothing unknown. The doc comments are
// the JSON schema's descriptions (`cargo tenantlint config --schema`).
/// cargo-tenantlint's configuration: tenantlint.toml, or [workspace.metadata.tenantlint] in Cargo.toml.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[schemars(title = "tenantlint.toml")]
struct RawConfig {
    /// Columns that hold the tenant id. Unset, they are inferred from the schema.
    tenant_columns: Option<Vec<String>>,
    /// Other names the Rust code gives the tenant id (bindings, fields, parameters).
    #[serde(default)]
    tenant_aliases: Vec<String>,
    /// Tenant-scoped tables besides those with a tenant column.
    #[serde(default)]
    tenant_tables: Vec<String>,
    /// Tables every tenant shares on purpose.
    #[serde(default)]
    global_tables: Vec<String>,
    /// Request headers that carry a tenant id.
    #[serde(default)]
    tenant_headers: Vec<String>,
    /// Binding, field and header names whose values are credentials.
    #[serde(default)]
    secret_names: Vec<String>,
    /// Functions, methods and extractor types that check a client-supplied tenant against the
    /// authenticated principal.
    #[serde(default)]
    tenant_verifiers: Vec<String>,
    /// Extractor types, methods and fields whose values come from the verified identity.
    #[serde(default)]
    trusted_sources: Vec<String>,
    /// Globs of files not to lint, relative to this file's folder.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    exclude: Vec<Spanned<String>>,
    /// The SQL dialect `.sql` files and embedded statements are parsed with.
    sql_dialect: Option<SqlDialect>,
    /// Object-key and path prefixes shared by every tenant on purpose (`public/`).
    #[serde(default)]
    shared_storage_prefixes: Vec<String>,
    /// Rule levels (`allow`, `note`, `warn`, `deny`), or tables with `level` and the rule's options.
    #[serde(default)]
    #[schemars(schema_with = "rules_schema")]
    rules: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    /// Rule settings for the files matching globs, applied in order.
    #[serde(default)]
    overrides: Vec<RawOverride>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawOverride {
    /// Globs relative to the configuration file's folder.
    #[schemars(with = "Vec<String>")]
    files: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "rules_schema")]
    rules: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

/// The level names a configuration may use.
const LEVELS: &[&str] = &["allow", "note", "warn", "deny"];

/// `[rules]`: each value a level, or a table with a level and options.
fn rules_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "additionalProperties": {
            "anyOf": [
                { "enum": LEVELS },
                {
                    "type": "object",
                    "properties": { "level": { "enum": LEVELS } },
                    "additionalProperties": { "type": ["boolean", "string", "number", "array"] }
                }
            ]
        }
    })
}

/// The JSON schema of `tenantlint.toml`, for editors (taplo, Even Better TOML).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RawConfig);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
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
        let tenant_columns_configured = raw.tenant_columns.is_some();
        let tenant_columns = raw
            .tenant_columns
            .unwrap_or_else(|| vec![DEFAULT_TENANT_COLUMN.into()]);
        Ok(Config {
            source: Some(source),
            tenant_columns,
            tenant_columns_configured,
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
            max_file_work: crate::syntax::work::Work::CAP,
            anchor: Anchor::Same,
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

/// The top-level keys, for did-you-mean.
const KEYS: &[&str] = &[
    "tenant-columns",
    "tenant-aliases",
    "tenant-tables",
    "global-tables",
    "tenant-headers",
    "secret-names",
    "tenant-verifiers",
    "trusted-sources",
    "exclude",
    "sql-dialect",
    "shared-storage-prefixes",
    "rules",
    "overrides",
];

fn toml_error(path: &Path, text: &str, e: toml::de::Error) -> ConfigError {
    let message = e.message().trim().to_string();
    // serde: "unknown field `tenant-column`, expected one of ..."
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    let (message, help) = match unknown {
        Some(key) => {
            let keys: &[&str] = if message.contains("`files`") {
                &["files", "rules"]
            } else {
                KEYS
            };
            let help = match closest(key, keys.iter().copied()) {
                Some(c) => format!("did you mean `{c}`? docs/configuration.md lists the keys"),
                None => format!("the keys are: {}", keys.join(", ")),
            };
            (format!("unknown key `{key}`"), Some(help))
        }
        None => (message, None),
    };
    ConfigError {
        path: path.to_owned(),
        text: text.to_string(),
        message,
        span: e.span().map(|r| Span::new(r.start, r.end)),
        help,
    }
}

/// The name closest to `word`, when one is close enough to be a typo of it.
pub fn closest<'a>(word: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    names
        .map(|n| (strsim::jaro_winkler(word, n), n))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

/// A level name, or an error that says which names there are and which one was meant.
fn parse_level(
    value: &toml::Value,
    span: Span,
    err: &dyn Fn(String, Span, Option<String>) -> ConfigError,
) -> Result<Level, ConfigError> {
    let text = value.as_str();
    if let Some(level) = text.and_then(Level::parse) {
        return Ok(level);
    }
    // Words other linters use for the same levels.
    let meant = text.and_then(|t| match t.to_ascii_lowercase().as_str() {
        "error" | "forbid" | "fail" => Some("deny"),
        "warning" => Some("warn"),
        "off" | "ignore" | "none" | "disable" | "disabled" => Some("allow"),
        "info" | "hint" => Some("note"),
        other => closest(other, LEVELS.iter().copied()),
    });
    let found = match text {
        Some(t) => format!("`{t}`"),
        None => format!("a {}", value.type_str()),
    };
    let hint = meant.map_or(String::new(), |m| format!(" (did you mean `{m}`?)"));
    Err(err(
        format!("expected allow, note, warn or deny, found {found}{hint}"),
        span,
        None,
    ))
}

fn rule_settings(
    raw: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    known: &[KnownRule],
    err: &dyn Fn(String, Span, Option<String>) -> ConfigError,
) -> Result<BTreeMap<String, RuleSetting>, ConfigError> {
    let mut out = BTreeMap::new();
    for (name, setting) in raw {
        let name_span = Span::new(name.span().start, name.span().end);
        let setting_span = Span::new(setting.span().start, setting.span().end);
        let Some(rule) = known.iter().find(|k| k.id == name.get_ref()) else {
            return Err(err(
                format!("unknown rule `{}`", name.get_ref()),
                name_span,
                Some(match closest(name.get_ref(), known.iter().map(|k| k.id)) {
                    Some(c) => {
                        format!("did you mean `{c}`? `cargo tenantlint rules` lists them all")
                    }
                    None => "`cargo tenantlint rules` lists the rules".into(),
                }),
            ));
        };
        let setting = match setting.into_inner() {
            toml::Value::Table(mut table) => {
                let level = match table.remove("level") {
                    None => None,
                    Some(v) => Some(parse_level(&v, setting_span, err)?),
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
                if let Some((key, value)) = table.iter().find(|(_, v)| !v.is_bool()) {
                    return Err(err(
                        format!(
                            "option `{key}` of `{}` is true or false, found {}",
                            rule.id,
                            match value.as_str() {
                                Some(s) => format!("`{s:?}`"),
                                None => format!("a {}", value.type_str()),
                            }
                        ),
                        setting_span,
                        Some(format!("write `{key} = true` or `{key} = false`")),
                    ));
                }
                RuleSetting {
                    level,
                    options: table,
                }
            }
            value => RuleSetting {
                level: Some(parse_level(&value, setting_span, err)?),
                options: toml::Table::new(),
            },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn anchored(config_dir: &str, root: &str) -> Config {
        let mut config = Config {
            source: Some(ConfigSource {
                path: Path::new(config_dir).join("tenantlint.toml"),
                table: "tenantlint.toml".into(),
            }),
            ..Config::default()
        };
        config.anchor_at(Path::new(root));
        config
    }

    #[test]
    fn globs_are_relative_to_the_configuration_folder() {
        let below = anchored("/nonexistent/repo", "/nonexistent/repo/server");
        assert_eq!(
            below.glob_path("app/x.rs").as_deref(),
            Some("server/app/x.rs")
        );
        let above = anchored("/nonexistent/repo/server", "/nonexistent/repo");
        assert_eq!(
            above.glob_path("server/app/x.rs").as_deref(),
            Some("app/x.rs")
        );
        assert_eq!(above.glob_path("bridge/x.rs"), None);
        assert_eq!(above.glob_path("serverless/x.rs"), None);
        let same = anchored("/nonexistent/repo", "/nonexistent/repo");
        assert_eq!(same.glob_path("a.rs").as_deref(), Some("a.rs"));
        assert_eq!(
            anchored("/nonexistent/a", "/nonexistent/b").glob_path("a.rs"),
            None
        );
    }
}
