use lint_core::config::SqlDialect;
use lint_core::declare_rule;
use lint_core::diagnostic::Finding;
use lint_core::rule::{Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Folds the migrations in order and, for each tenant-scoped table, requires
    /// `ALTER TABLE ... ENABLE ROW LEVEL SECURITY`, `ALTER TABLE ... FORCE ROW LEVEL SECURITY` and
    /// at least one `CREATE POLICY` that compares the tenant column with the session's tenant. It reports at the
    /// `CREATE TABLE`, naming what is missing, including a later `DISABLE ROW LEVEL SECURITY`.
    /// A policy that admits every row (`USING (true)`), or a permissive policy that does not
    /// read the tenant column beside one that does (permissive policies are OR-ed, so it widens
    /// the tenant policy), is reported where it is created.
    /// A tenant policy compares the tenant column with a value of the session (a setting, a
    /// function, a subquery); one that compares it with a literal or with another table's
    /// column (a join inside the policy) ties rows to no request.
    /// When no table uses row-level security at all, or no policy anywhere is a tenant policy
    /// (RLS that enforces per-user permissions inside a tenant), that is one architectural
    /// fact: it is reported once, with the list of tenant tables, at the tenant table that holds the
    /// tenants' credentials (a unique column of unguessable values, `key_digest` or
    /// `client_secret`: a lookup by it authenticates a tenant, so its rows are worth most),
    /// else at the first tenant table the migrations create. Tenant roots (the table the tenant column references, keyed by it: the tenants
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
        let is_tenant_column = |c: &str| ws.is_tenant_column(c);
        let rls_in_use = ws
            .schema
            .tables
            .values()
            .any(|t| t.rls.enabled || t.rls.forced || !t.rls.policies.is_empty());
        let tenant_rls_in_use = ws
            .schema
            .tables
            .values()
            .any(|t| ws.is_tenant_table(&t.name) && t.rls.has_tenant_policy(is_tenant_column));
        if !tenant_rls_in_use {
            // CockroachDB before 25.2 has no row-level security: the advice cannot be followed.
            if rls_in_use || !ws.schema.cockroach_ddl {
                if let Some(f) = no_tenant_rls_anywhere(ws, rel, rls_in_use) {
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
            let has_tenant_policy = table.rls.has_tenant_policy(is_tenant_column);
            for p in table
                .rls
                .policies
                .iter()
                .filter(|p| &p.at.file.rel_path == rel)
            {
                if p.admits_all {
                    findings.push(
                        Finding::new(
                            format!("policy `{}` on `{}` admits every row", p.name, table.name),
                            p.at.span,
                        )
                        .primary_label("USING (true)")
                        .help("compare the tenant column with the request's tenant, e.g. `USING (tenant_id = current_setting('app.tenant_id')::uuid)`"),
                    );
                } else if p.permissive && !p.is_tenant_policy(is_tenant_column) && has_tenant_policy
                {
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
                    "no policy compares the tenant column with the session's tenant".to_string()
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

/// A database where no row-level security policy separates tenants (none at all, or policies
/// that enforce something else, such as per-user permissions inside a tenant): one finding
/// listing every tenant table, at the first one holding a tenant credential as a unique key,
/// else at the first one created.
fn no_tenant_rls_anywhere(
    ws: &lint_core::engine::Workspace,
    rel: &str,
    rls_in_use: bool,
) -> Option<Finding> {
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
        (!sql(a), !in_migrations(a), !holds_credentials(a))
            .cmp(&(!sql(b), !in_migrations(b), !holds_credentials(b)))
            .then(lint_core::schema::migration_order(
                &a.declared_in,
                &b.declared_in,
            ))
            .then(a.declared_at.start.cmp(&b.declared_at.start))
    });
    let first = tables.first().filter(|t| t.declared_in == rel)?;
    let label = if holds_credentials(first) {
        "tenant credentials: a lookup by them authenticates a tenant"
    } else {
        "first tenant-scoped table"
    };
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
    let fact = if rls_in_use {
        "row-level security here does not separate tenants (no policy compares the tenant column with the session's tenant)"
    } else {
        "no table uses row-level security"
    };
    Some(
        Finding::new(
            format!(
                "{fact}: {} tenant tables rely on application filters alone ({})",
                tables.len(),
                names.join(", ")
            ),
            first.declared_at,
        )
        .primary_label(label)
        .help(format!(
            "enable and force row-level security with a tenant policy on each tenant table, e.g. \
             ALTER TABLE {t} ENABLE ROW LEVEL SECURITY; ALTER TABLE {t} FORCE ROW LEVEL SECURITY; \
             CREATE POLICY tenant_isolation ON {t} USING ({column} = current_setting('app.tenant_id')::uuid);",
            t = first.name
        )),
    )
}

/// Whether a table keys its rows by unguessable values (a credential or its digest, by the
/// credential vocabulary): the table a request's credential is looked up in. Names only rank
/// where the one finding is shown; they never decide whether it is reported.
fn holds_credentials(table: &&lint_core::schema::Table) -> bool {
    table
        .keys()
        .any(|k| k.len() == 1 && lint_core::secrets::is_possession_name(&k[0]))
}
