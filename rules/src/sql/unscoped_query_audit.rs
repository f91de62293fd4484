use crate::sql::query_missing_tenant_filter::unscoped_statements;
use lint_core::client_reach::RowChoice;
use lint_core::declare_rule;
use lint_core::rule::{Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Lists the statements `query-missing-tenant-filter` finds unanchored but does not report
    /// because no client-chosen value picks their rows: the values bound into them were read
    /// from the database or made by the server, and no request value reaches their function's
    /// parameters through the workspace calls. These are the statements of background work
    /// across all tenants (retention sweeps, schedulers, cache refreshes, backfills, CLIs) and
    /// of lookups by ids the same function just selected; also statements a client value picks
    /// after a check settled its tenant (a key a tenant-scoped statement found first, rows of
    /// the caller's own identity), with the check named. Off by default: turn it on
    /// (`[rules.unscoped-query-audit] level = "warn"`) for a periodic review.
    ///
    /// ## Why is this bad?
    /// Such a statement is safe only as long as what feeds it stays server-side. A later change
    /// that passes a request value into one of them turns it into a cross-tenant read or write,
    /// and `query-missing-tenant-filter` reports it then; the audit shows where those places are
    /// before that happens.
    ///
    /// ## Example
    /// ```rust
    /// // A scheduler deletes expired runs of every tenant.
    /// sqlx::query("DELETE FROM runs WHERE finished_at < $1")
    ///     .bind(Utc::now() - retention)
    ///     .execute(&pool)
    ///     .await?;
    /// ```
    ///
    /// ## Use instead
    /// Nothing to change when the statement is meant to cover every tenant; say so with
    /// `// tenantlint: allow(unscoped-query-audit) -- retention sweep over all tenants`.
    ///
    /// ## Not reported
    /// Statements a client value reaches: `query-missing-tenant-filter` reports those.
    pub struct UnscopedQueryAudit {
        id: "unscoped-query-audit",
        category: Audit,
        summary: "unfiltered statement on a tenant table that no client value reaches (for review)",
        cheat_sheet: "Database Security: tenant filtering in shared tables",
        cwe: 639,
        precision: "medium",
        needs: [OrmQueries, RequestFlows],
    }
}

impl Rule for UnscopedQueryAudit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        for (mut finding, rows) in unscoped_statements(cx) {
            match rows {
                RowChoice::Server => finding.message.push_str(
                    "; no client-chosen value picks its rows on any request path (background work or server-made keys)",
                ),
                RowChoice::Settled(why) => finding.message.push_str(&format!("; {why}")),
                RowChoice::Checked(path) => finding.message.push_str(&format!(
                    "; {}, and the caller checks the loaded row's tenant before using it",
                    path.describe()
                )),
                _ => continue,
            }
            cx.report(finding);
        }
    }
}
