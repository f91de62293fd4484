//! The configuration model: what `tenantlint.toml` says, typed, and the small questions asked of
//! it (is this table global, what is this rule's setting for this file). The facts read it;
//! loading, validation and error spans live in `engine/config.rs`.

use crate::semantic::level::Level;
use globset::GlobSet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The SQL dialect embedded statements are parsed with.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SqlDialect {
    #[default]
    Postgres,
    Mysql,
    Sqlite,
    Generic,
}

/// The tenant column when neither the configuration nor the schema names one.
pub const DEFAULT_TENANT_COLUMN: &str = "tenant_id";

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
    pub(crate) matcher: GlobSet,
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
    /// Whether `tenant-columns` was written; when not, the engine infers them from the schema.
    pub tenant_columns_configured: bool,
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
    pub(crate) exclude_matcher: GlobSet,
    pub sql_dialect: Option<SqlDialect>,
    /// Object-key and path prefixes shared by every tenant on purpose (`public/`).
    pub shared_storage_prefixes: Vec<String>,
    pub rules: BTreeMap<String, RuleSetting>,
    pub overrides: Vec<Override>,
    /// The work units (`syntax::work`) one file may spend before its analysis stops; not read
    /// from `tenantlint.toml`: the default is far above any real file, embedders may lower it.
    pub max_file_work: u64,
    /// How paths relative to the linted root become paths relative to the configuration's
    /// folder, which the globs are written against.
    pub(crate) anchor: Anchor,
}

/// The linted root as seen from the configuration file's folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// The same folder (or no configuration file, or not anchored yet).
    #[default]
    Same,
    /// The root is this folder below the configuration's.
    Below(String),
    /// The configuration is in this folder below the root.
    Above(String),
    /// Neither contains the other: no glob matches.
    Unrelated,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            tenant_columns: vec![DEFAULT_TENANT_COLUMN.into()],
            tenant_columns_configured: false,
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
            max_file_work: crate::syntax::work::Work::CAP,
            anchor: Anchor::Same,
        }
    }
}

impl Config {
    /// Tells the configuration which folder the paths it is asked about are relative to. Globs
    /// (`exclude`, `[[overrides]] files`) are relative to the configuration file's folder, so
    /// they mean the same whichever folder the linter runs from.
    pub fn anchor_at(&mut self, root: &Path) {
        let Some(base) = self.source.as_ref().and_then(|s| s.path.parent()) else {
            return;
        };
        let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let (base, root) = (real(base), real(root));
        let slashed = |p: &Path| p.to_string_lossy().replace('\\', "/");
        self.anchor = if let Ok(below) = root.strip_prefix(&base) {
            match slashed(below) {
                b if b.is_empty() => Anchor::Same,
                b => Anchor::Below(b),
            }
        } else if let Ok(above) = base.strip_prefix(&root) {
            Anchor::Above(slashed(above))
        } else {
            Anchor::Unrelated
        };
    }

    /// A root-relative path as the configuration's globs see it; `None` outside its folder.
    pub(crate) fn glob_path<'a>(&self, rel_path: &'a str) -> Option<std::borrow::Cow<'a, str>> {
        match &self.anchor {
            Anchor::Same => Some(rel_path.into()),
            Anchor::Below(prefix) => Some(format!("{prefix}/{rel_path}").into()),
            Anchor::Above(folder) => rel_path
                .strip_prefix(folder.as_str())
                .and_then(|r| r.strip_prefix('/'))
                .map(Into::into),
            Anchor::Unrelated => None,
        }
    }

    /// Whether a path relative to the workspace root is excluded by the config.
    pub fn is_excluded(&self, rel_path: &str) -> bool {
        self.glob_path(rel_path)
            .is_some_and(|p| self.exclude_matcher.is_match(p.as_ref()))
    }

    /// The rule's setting for one file: the `[rules]` entry, then every matching override in order.
    pub fn rule_setting(&self, rule: &str, rel_path: &str) -> RuleSetting {
        let mut setting = self.rules.get(rule).cloned().unwrap_or_default();
        let path = self.glob_path(rel_path);
        for o in &self.overrides {
            if path
                .as_ref()
                .is_some_and(|p| o.matcher.is_match(p.as_ref()))
            {
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
