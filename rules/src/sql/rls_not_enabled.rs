use lint_core::config::SqlDialect;
use lint_core::declare_rule;
use lint_core::diagnostic::Finding;
use lint_core::rule::{Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Folds the migrations in order and, for each tenant-scoped table, requires
    /// `ALTER TABLE ... ENABLE ROW LEVEL SECURITY`, `ALTER TABLE ... FORCE ROW LEVEL SECURITY` and
    /// at least one `CREATE POLICY` whose expression reads the tenant column. It reports at the
    /// `CREATE TABLE`, naming what is missing, including a later `DISABLE ROW LEVEL SECURITY`.
    /// A policy that admits every row (`USING (true)`), or a permissive policy that does not
    /// read the tenant column beside one that does (permissive policies are OR-ed, so it widens
    /// the tenant policy), is reported where it is created.
    /// When no table uses row-level security at all, that is one architectural fact: it is
    /// reported once, at the first tenant table the migrations create, with the list of tenant
    /// tables. Tenant roots (the table the tenant column references, keyed by it: the tenants
    /// themselves) are not tenant tables.
    /// PostgreSQL only: it does not run when `sql-dialect` is `mysql` or `sqlite`, nor when the
    /// migrations use CockroachDB-only DDL (`STORING`, `INTERLEAVE IN PARENT`, `crdb_internal`)
    /// and no RLS, since CockroachDB before 25.2 has none.
    ///
    /// ## Why is this bad?
    /// Application-level filters are one forgotten `WHERE` away from a cross-tenant leak. With
    /// row-level security the database itself refuses other tenants' rows. Without `FORCE`,
    /// the table owner (often the role the application connects as) bypasses every policy, and a
    /// policy that does not mention the tenant protects nothing.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE documents (
    ///     id        UUID PRIMARY KEY,
    ///     tenant_id UUID NOT NULL,
    ///     title     TEXT NOT NULL
    /// );
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE documents (
    ///     id        UUID PRIMARY KEY,
    ///     tenant_id UUID NOT NULL,
    ///     title     TEXT NOT NULL
    /// );
    /// ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
    /// ALTER TABLE documents FORCE ROW LEVEL SECURITY;
    /// CREATE POLICY tenant_isolation ON documents
    ///     USING (tenant_id = current_setting('app.tenant_id')::uuid);
    /// ```
    pub struct RlsNotEnabled {
        id: "rls-not-enabled",
        category: Hardening,
        summary: "tenant-scoped table without forced row-level security and a tenant policy",
        cheat_sheet: "Database Security: row-level security",
        cwe: 284,
        precision: "high",
        security_severity: "5.0",
    }
}

impl Rule for RlsNotEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        if matches!(
            cx.config().sql_dialect,
            Some(SqlDialect::Mysql | SqlDialect::Sqlite)
        ) || !cx.file.is_migration()
        {
            return;
        }
        let ws = cx.workspace;
        let rel = &cx.file.source.rel_path;
        let rls_in_use = ws
            .schema
            .tables
            .values()
            .any(|t| t.rls.enabled || t.rls.forced || !t.rls.policies.is_empty());
        if !rls_in_use {
            // CockroachDB before 25.2 has no row-level security: the advice cannot be followed.
            if !ws.schema.cockroach_ddl {
                if let Some(f) = no_rls_anywhere(ws, rel) {
                    cx.report(f);
                }
            }
            return;
        }
        let mut findings = Vec::new();
        for table in ws.schema.tables.values() {
            if !ws.is_tenant_table(&table.name) {
                continue;
            }
            let is_tenant_column = |c: &str| ws.is_tenant_column(c);
            let has_tenant_policy = table.rls.has_tenant_policy(is_tenant_column);
            for p in table
                .rls
                .policies
                .iter()
                .filter(|p| &p.at.file.rel_path == rel)
            {
                let reads_tenant = p.columns.iter().any(|c| is_tenant_column(c));
                if p.admits_all {
                    findings.push(
                        Finding::new(
                            format!("policy `{}` on `{}` admits every row", p.name, table.name),
                            p.at.span,
                        )
                        .primary_label("USING (true)")
                        .help("compare the tenant column with the request's tenant, e.g. `USING (tenant_id = current_setting('app.tenant_id')::uuid)`"),
                    );
                } else if p.permissive && !reads_tenant && has_tenant_policy {
                    // Without any tenant policy the CREATE TABLE finding already says so.
                    findings.push(
                        Finding::new(
                            format!(
                                "permissive policy `{}` on `{}` does not depend on the tenant",
                                p.name, table.name
                            ),
                            p.at.span,
                        )
                        .primary_label("no tenant column in this policy")
                        .help(
                            "permissive policies are OR-ed: this one admits matching rows of every tenant. \
                             Add the tenant predicate to it, or make it `AS RESTRICTIVE`",
                        ),
                    );
                }
            }
            if &table.declared_in != rel {
                continue;
            }
            let rls = &table.rls;
            let mut missing = Vec::new();
            if !rls.enabled {
                missing.push(match &rls.disabled_at {
                    Some(at) => {
                        format!("row-level security is disabled again at {}", at.describe())
                    }
                    None => "no ENABLE ROW LEVEL SECURITY".to_string(),
                });
            }
            if !rls.forced {
                missing
                    .push("no FORCE ROW LEVEL SECURITY (the table owner bypasses policies)".into());
            }
            if !rls.has_tenant_policy(is_tenant_column) {
                missing.push(if rls.policies.is_empty() {
                    "no policy".to_string()
                } else {
                    "no policy reads the tenant column".to_string()
                });
            }
            if missing.is_empty() {
                continue;
            }
            let column = table
                .columns
                .iter()
                .find(|c| ws.is_tenant_column(c))
                .cloned()
                .unwrap_or_else(|| "tenant_id".into());
            findings.push(
                Finding::new(
                    format!(
                        "tenant table `{}` is not protected by row-level security: {}",
                        table.name,
                        missing.join("; ")
                    ),
                    table.declared_at,
                )
                .primary_label("tenant-scoped table")
                .help(format!(
                    "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY; ALTER TABLE {t} FORCE ROW LEVEL SECURITY; \
                     CREATE POLICY tenant_isolation ON {t} USING ({column} = current_setting('app.tenant_id')::uuid);",
                    t = table.name
                )),
            );
        }
        for f in findings {
            cx.report(f);
        }
    }
}

/// A database that uses row-level security nowhere: one finding, at the first tenant table the
/// migrations create, listing every tenant table.
fn no_rls_anywhere(ws: &lint_core::engine::Workspace, rel: &str) -> Option<Finding> {
    let mut tables: Vec<&lint_core::schema::Table> = ws
        .schema
        .tables
        .values()
        .filter(|t| ws.is_tenant_table(&t.name))
        .collect();
    // Reported in a migration (a schema dump only when there is none): not in Rust table
    // declarations, where no migration could add the policy.
    let sql = |t: &&lint_core::schema::Table| t.declared_in.ends_with(".sql");
    let in_migrations =
        |t: &&lint_core::schema::Table| lint_core::schema::is_migration_path(&t.declared_in);
    tables.sort_by(|a, b| {
        (!sql(a), !in_migrations(a))
            .cmp(&(!sql(b), !in_migrations(b)))
            .then(lint_core::schema::migration_order(
                &a.declared_in,
                &b.declared_in,
            ))
            .then(a.declared_at.start.cmp(&b.declared_at.start))
    });
    let first = tables.first().filter(|t| t.declared_in == rel)?;
    let column = first
        .columns
        .iter()
        .find(|c| ws.is_tenant_column(c))
        .map_or("tenant_id", |c| c.as_str());
    const LISTED: usize = 12;
    let mut names: Vec<String> = tables
        .iter()
        .take(LISTED)
        .map(|t| format!("`{}`", t.name))
        .collect();
    if tables.len() > LISTED {
        names.push(format!("and {} more", tables.len() - LISTED));
    }
    Some(
        Finding::new(
            format!(
                "no table uses row-level security: {} tenant tables rely on application filters alone ({})",
                tables.len(),
                names.join(", ")
            ),
            first.declared_at,
        )
        .primary_label("first tenant-scoped table")
        .help(format!(
            "enable and force row-level security with a tenant policy on each tenant table, e.g. \
             ALTER TABLE {t} ENABLE ROW LEVEL SECURITY; ALTER TABLE {t} FORCE ROW LEVEL SECURITY; \
             CREATE POLICY tenant_isolation ON {t} USING ({column} = current_setting('app.tenant_id')::uuid);",
            t = first.name
        )),
    )
}
