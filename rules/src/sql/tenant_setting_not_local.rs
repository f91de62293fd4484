use lint_core::declare_rule;
use lint_core::diagnostic::Finding;
use lint_core::engine::Workspace;
use lint_core::rls::{any_policy_reads_a_setting, policy_reads_setting};
use lint_core::rule::{Rule, RuleContext, RuleMeta};
use lint_core::sql_util::{
    bool_literal, function_args, function_name, is_runtime_value, string_literal,
};
use sqlparser::ast::{ContextModifier, Expr, ObjectName, Set, Spanned, Statement, Value, Visit};
use std::ops::ControlFlow;

declare_rule! {
    /// ## What it does
    /// Finds tenant context stored in a database session setting for the whole connection:
    /// `set_config('app.tenant_id', $1, false)`, `SET app.tenant_id = ...` and
    /// `SET SESSION app.tenant_id = ...`, in embedded SQL and in `.sql` files. A `search_path`
    /// or `ROLE` set from a runtime value is reported too (schema- or role-per-tenant setups).
    ///
    /// A custom setting is tenant context when it is set from a runtime value, or when a
    /// row-level security policy reads it with `current_setting('..')`. Where no policy in the
    /// workspace reads any setting, a constant counts too, unless it is an on/off or numeric
    /// toggle. Not reported: a constant no policy reads (`SET neon.forward_ddl = false`).
    ///
    /// ## Why is this bad?
    /// Row-level security policies usually read the tenant from `current_setting('app.tenant_id')`.
    /// A session-level setting outlives the request: when the pooled connection is handed to
    /// the next request, that request runs as the previous tenant until something overwrites
    /// the setting. An error path that skips the reset leaks one tenant's rows to another.
    ///
    /// ## Example
    /// ```rust
    /// sqlx::query("SELECT set_config('app.tenant_id', $1, false)")
    ///     .bind(tenant_id)
    ///     .execute(&mut *conn)
    ///     .await?;
    /// ```
    ///
    /// ## Use instead
    /// Set it for the current transaction only, inside the transaction that runs the queries:
    /// ```rust
    /// let mut tx = pool.begin().await?;
    /// sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
    ///     .bind(tenant_id)
    ///     .execute(&mut *tx)
    ///     .await?;
    /// ```
    /// or `SET LOCAL app.tenant_id = '...'`. The setting then ends with the transaction.
    pub struct TenantSettingNotLocal {
        id: "tenant-setting-not-local",
        category: Isolation,
        summary: "tenant context set for the whole pooled connection instead of the transaction",
        cheat_sheet: "Database Security: row-level security and session context",
        cwe: 488,
        precision: "high",
        security_severity: "8.1",
    }
}

impl Rule for TenantSettingNotLocal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let text = &cx.file.source.text;
        let mut findings = Vec::new();
        for site in &cx.file.sql_sites {
            for stmt in &site.statements {
                if let Statement::Set(set) = &stmt.statement {
                    if let Some(name) = session_wide_set(set, cx.workspace) {
                        let span = site.statement_span(text, stmt);
                        findings.push(
                            Finding::new(format!("`{name}` is set for the whole session, not the transaction"), span)
                                .primary_label("session-wide SET")
                                .maybe_label(site.call_label(span))
                                .help(format!(
                                    "use `SET LOCAL {name} = ...` inside the transaction, so the setting ends with it \
                                     and the next user of the pooled connection does not inherit it"
                                )),
                        );
                    }
                }
                let _ = stmt.statement.visit(&mut SetConfigVisitor(cx.workspace, |e: &Expr, name: &str| {
                    let span = site.span_of(text, stmt, e.span());
                    findings.push(
                        Finding::new(
                            format!("`set_config('{name}', ..., false)` keeps the setting for the whole session"),
                            span,
                        )
                        .primary_label("is_local = false")
                        .maybe_label(site.call_label(span))
                        .help(format!(
                            "pass `true` as the third argument, `set_config('{name}', $1, true)`, inside the \
                             transaction that runs the tenant's queries"
                        )),
                    );
                }));
            }
        }
        for f in findings {
            cx.report(f);
        }
    }
}

/// The variable a session-wide `SET` changes, when it carries tenant context.
fn session_wide_set(set: &Set, ws: &Workspace) -> Option<String> {
    match set {
        Set::SingleAssignment {
            scope,
            variable,
            values,
            ..
        } => {
            if matches!(scope, Some(ContextModifier::Local)) {
                return None;
            }
            let name = variable_name(variable);
            let values: Vec<&Expr> = values.iter().collect();
            carries_tenant_context(ws, &name, &values).then_some(name)
        }
        Set::SetRole {
            context_modifier,
            role_name: Some(role),
        } if !matches!(context_modifier, Some(ContextModifier::Local))
            && role.value.starts_with(lint_core::sql::HOLE_PREFIX) =>
        {
            Some("ROLE".into())
        }
        _ => None,
    }
}

/// Custom settings (`app.tenant_id`: a dotted name) are how RLS policies receive the tenant: one
/// carries it when a policy reads it with `current_setting(..)`, or when it is set from a
/// runtime value (a constant toggle such as `neon.forward_ddl = false` names no tenant).
/// `search_path` and `role` scope a schema- or role-per-tenant setup when set from a runtime
/// value. Anything else (`statement_timeout`, pg_dump's `search_path = ''`) carries no tenant.
fn carries_tenant_context(ws: &Workspace, name: &str, values: &[&Expr]) -> bool {
    let runtime_value = values.iter().any(|v| is_runtime_value(v));
    if !name.contains('.') {
        return runtime_value
            && matches!(name.to_ascii_lowercase().as_str(), "search_path" | "role");
    }
    if runtime_value || policy_reads_setting(ws, name) {
        return true;
    }
    // Without visible policies the tenant setting is unknown: a constant still counts,
    // unless it is an on/off or numeric toggle, which no tenant id is.
    !any_policy_reads_a_setting(ws) && !values.iter().all(|v| is_toggle(v))
}

/// `false`, `off`, `1`, `'on'`: a switch or a number, not an identifier.
fn is_toggle(value: &Expr) -> bool {
    let word = match value {
        Expr::Identifier(i) => i.value.to_ascii_lowercase(),
        Expr::Value(v) => match &v.value {
            Value::Boolean(_) | Value::Number(..) => return true,
            Value::SingleQuotedString(s) => s.to_ascii_lowercase(),
            _ => return false,
        },
        _ => return false,
    };
    matches!(
        word.as_str(),
        "on" | "off" | "true" | "false" | "yes" | "no"
    ) || !word.is_empty() && word.chars().all(|c| c.is_ascii_digit())
}

fn variable_name(name: &ObjectName) -> String {
    lint_core::schema::object_name(name)
}

/// Calls back on every `set_config(name, value, false)`.
struct SetConfigVisitor<'w, F>(&'w Workspace, F);

impl<F: FnMut(&Expr, &str)> sqlparser::ast::Visitor for SetConfigVisitor<'_, F> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = expr {
            if function_name(f) == "set_config" {
                let args = function_args(f);
                if args.len() == 3 && bool_literal(args[2]) == Some(false) {
                    let name = string_literal(args[0]);
                    let tenant_context = match name {
                        Some(name) => carries_tenant_context(self.0, name, &args[1..2]),
                        // A setting name chosen at run time: assume the worst.
                        None => true,
                    };
                    if tenant_context {
                        (self.1)(expr, name.unwrap_or("..."));
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }
}
