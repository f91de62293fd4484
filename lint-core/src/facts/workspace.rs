//! The workspace index every rule and fact may read, and one analysed file. Built by the
//! engine's pipeline; it lives below the engine so the facts can take it without importing it.

use crate::facts::passes::Computed;
use crate::facts::schema::Schema;
use crate::facts::sql::SqlSite;
use crate::semantic::settings::Config;
use crate::syntax::model::RustFile;
use crate::syntax::source::SourceFile;
use crate::syntax::span::Span;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// One file after parsing: its text, its Rust model (if it parsed) and its SQL.
#[derive(Debug)]
pub struct AnalyzedFile {
    pub source: Arc<SourceFile>,
    pub rust: Option<RustFile>,
    pub sql_sites: Vec<SqlSite>,
    /// SQL sinks whose text could not be known statically (a parameter, a call result).
    pub unresolved_sql: usize,
    /// Log, tracing and print calls with the values they record; `#[instrument]`s.
    pub logging: Computed<crate::logging::LogFacts>,
    /// Keys and paths handed to caches and storage.
    pub key_sinks: Computed<Vec<crate::keys::KeySink>>,
    /// Per function: the request-derived values and where they flow.
    pub request_flows: Computed<Vec<crate::taint::FnFlow>>,
    /// SQL files named by `query_file!` that cannot be read: the path argument and why.
    pub unreadable_sql: Vec<(Span, String)>,
    /// The request-flow pass's sinks and SQL-site indexes, built on first use after the key
    /// sinks (each flow query reads them; rebuilding them per query made the rule pass
    /// quadratic in the functions of a file).
    pub flow_sinks: std::sync::OnceLock<crate::taint::FileSinks>,
}

impl AnalyzedFile {
    pub fn is_migration(&self) -> bool {
        self.sql_sites.iter().any(SqlSite::is_migration)
    }

    /// Whether the file, or `function` in it, is test code (`semantic::test_code`).
    pub fn is_test_code(&self, function: Option<crate::ir::FnId>) -> bool {
        crate::semantic::test_code::is_test_code(&self.source, self.rust.as_ref(), function)
    }
}

/// What every rule may ask about the whole workspace.
#[derive(Debug)]
pub struct Workspace {
    pub root: PathBuf,
    pub config: Config,
    pub schema: Schema,
    /// String consts and statics by name, where the name is unambiguous.
    pub(crate) consts: HashMap<String, Option<String>>,
    /// The workspace's `macro_rules!` that return from their caller (`err!(..)`).
    pub returning_macros: crate::semantic::macros::ReturningMacros,
    vocabulary: Vec<String>,
    /// Structs whose derived `Debug` prints credentials; fields declared with redacting types.
    pub credential_types: Computed<crate::logging::CredentialTypes>,
    /// The table columns the workspace's queries address rows by.
    pub key_lookups: Computed<crate::facts::key_lookups::KeyLookups>,
    /// Clients, path fields and key-building helpers across the workspace.
    pub keys: Computed<crate::keys::KeyIndex>,
    /// Summaries of the workspace's functions and extractors for request-value flow.
    pub flow_index: Computed<crate::taint::FlowIndex>,
    /// Tables declared in Rust (diesel `table!`, sea-orm entities) and tenant-scoping helpers;
    /// the helpers only when a rule needs `Fact::OrmQueries`.
    pub orm: Computed<crate::orm::OrmIndex>,
    /// Whether the tenant columns were configured or inferred from the schema, and from what.
    pub tenant_inference: crate::facts::tenant_inference::TenantInference,
    /// Which workspace function each call can reach, and where requests enter (file indexes
    /// are those of the analyzed files).
    /// Built with the request flows (`Fact::RequestFlows`).
    pub call_graph: Computed<crate::semantic::callgraph::CallGraph>,
    /// The function parameters a client-chosen value reaches on some request path (built with
    /// the request flows).
    pub client_reach: crate::client_reach::ClientReach,
    /// Who runs each named query of the `.sql` query files (built with the request flows).
    pub query_callers: crate::facts::sql_query_files::QueryCallers,
    /// The keys of the schema's tables that hold per-tenant rows by their columns (a tenant
    /// column, not a tenant root), worked out on first use: rules ask for every table per file.
    schema_tenant_tables: std::sync::OnceLock<std::collections::HashSet<String>>,
    /// The keys of the tables a tenant column's foreign key references, worked out on first use.
    tenant_referenced: std::sync::OnceLock<std::collections::HashSet<String>>,
}

impl Workspace {
    pub fn new(root: PathBuf, config: Config, schema: Schema) -> Workspace {
        let vocabulary = config
            .tenant_columns
            .iter()
            .chain(&config.tenant_aliases)
            .chain(&config.tenant_headers)
            .map(|n| crate::semantic::vocab::to_snake(n))
            .collect();
        Workspace {
            root,
            config,
            schema,
            consts: HashMap::new(),
            returning_macros: Default::default(),
            vocabulary,
            credential_types: Default::default(),
            key_lookups: Default::default(),
            keys: Default::default(),
            flow_index: Default::default(),
            orm: Default::default(),
            tenant_inference: crate::facts::tenant_inference::TenantInference::Configured,
            call_graph: Default::default(),
            client_reach: Default::default(),
            query_callers: Default::default(),
            schema_tenant_tables: Default::default(),
            tenant_referenced: Default::default(),
        }
    }

    pub fn const_string(&self, name: &str) -> Option<&str> {
        self.consts.get(name)?.as_deref()
    }

    /// Whether a name (binding, field, header, column) denotes the tenant identifier:
    /// `tenant_id`, `tenantId`, `X-Tenant-Id`, `current_tenant_id`, configured aliases.
    pub fn is_tenant_name(&self, name: &str) -> bool {
        crate::semantic::vocab::is_tenant_name(&self.vocabulary, name)
    }

    /// Whether a column is one of the configured tenant columns.
    pub fn is_tenant_column(&self, column: &str) -> bool {
        self.config
            .tenant_columns
            .iter()
            .any(|c| c.eq_ignore_ascii_case(column))
    }

    /// Whether a table holds per-tenant rows: listed in `tenant-tables`, or created with a tenant
    /// column, and not listed in `global-tables`. With no schema and no list, every table is. A
    /// tenant root (the table the tenant column references) holds the tenants, not their data.
    pub fn is_tenant_table(&self, name: &str) -> bool {
        if self.config.is_global_table(name) {
            return false;
        }
        if self
            .config
            .tenant_tables
            .iter()
            .any(|t| crate::semantic::settings::table_name_eq(t, name))
        {
            return true;
        }
        if self.schema.is_empty() && self.config.tenant_tables.is_empty() {
            return true;
        }
        let tenant_tables = self.schema_tenant_tables.get_or_init(|| {
            let is_tenant_column = |c: &str| self.is_tenant_column(c);
            let referenced = self.tenant_referenced();
            self.schema
                .tables
                .iter()
                .filter(|(_, t)| {
                    t.columns.iter().any(|c| is_tenant_column(c))
                        && !Schema::is_tenant_root_among(t, referenced, is_tenant_column)
                })
                .map(|(key, _)| key.clone())
                .collect()
        });
        tenant_tables.contains(&crate::facts::schema::table_key(name))
    }

    /// The keys of the tables that a tenant column's foreign key references (the tenants
    /// table, or a tenant root), computed once for the workspace: asking per table is one
    /// lookup, not a pass over every foreign key.
    pub fn tenant_referenced(&self) -> &std::collections::HashSet<String> {
        self.tenant_referenced.get_or_init(|| {
            self.schema
                .referenced_by_tenant_columns(|c| self.is_tenant_column(c))
        })
    }

    /// Tenant-scoped tables with the migration that made each one: the `ALTER TABLE ... ADD
    /// COLUMN` of its tenant column, else its `CREATE TABLE` (for `cargo tenantlint config`).
    pub fn tenant_tables(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .schema
            .tables
            .values()
            .filter(|t| self.is_tenant_table(&t.name))
            .map(|t| {
                let added = t
                    .added_columns
                    .iter()
                    .find(|(c, _)| self.is_tenant_column(c))
                    .map(|(c, at)| format!("`{c}` added at {at}"));
                let created = || {
                    let line = t
                        .file
                        .as_ref()
                        .map(|f| f.line_of(t.declared_at.start))
                        .unwrap_or(0);
                    format!("{}:{}", t.declared_in, line)
                };
                (t.name.clone(), added.unwrap_or_else(created))
            })
            .collect();
        for t in &self.config.tenant_tables {
            if !out
                .iter()
                .any(|(n, _)| crate::semantic::settings::table_name_eq(n, t))
            {
                out.push((t.clone(), "tenant-tables in the configuration".into()));
            }
        }
        out
    }
}
