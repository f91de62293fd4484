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
    /// PostgreSQL only: it does not run when `sql-dialect` is `mysql` or `sqlite`.
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
