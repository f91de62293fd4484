use lint_core::client_reach::{function_rows, site_rows, RowChoice};
use lint_core::declare_rule;
use lint_core::diagnostic::Finding;
use lint_core::provenance::binds_identity;
use lint_core::rule::{Rule, RuleContext, RuleMeta};
use lint_core::sql_scope::{check_statement, describe_instance, Assumptions, ScopeIssue};

declare_rule! {
    /// ## What it does
    /// Parses every SQL statement the code sends (sqlx, tokio-postgres, diesel, sea-orm, rusqlite,
    /// mysql, `.sql` query files) and checks each instance of a tenant-scoped table: in FROM,
    /// every JOIN, subqueries, CTE bodies, every UNION arm, `UPDATE ... FROM` and
    /// `DELETE ... USING`. Each instance must be *anchored* to one tenant, by a predicate on the
    /// AND-spine of the WHERE clause or of an inner join's ON (an outer join's ON anchors only
    /// its nullable side):
    ///
    /// - its tenant column compared with a value (a bind, a literal, `current_setting(..)`,
    ///   `IN (...)`, `= ANY($1)`), or `IS NULL` (rows without a tenant are global rows);
    /// - its tenant column equal to the tenant column of an anchored instance
    ///   (`ON a.tenant_id = b.tenant_id`, `USING (tenant_id)`), or of an enclosing query's
    ///   instance in a correlated subquery;
    /// - *key-join carry-over*: every column of its primary key or of a unique key equal to a
    ///   value read from an anchored row: a column (`JOIN users u ON u.id = d.owner_id`,
    ///   `JOIN v2_job j USING (id)`), an array element or JSON field of one
    ///   (`ON fv.id = f.versions[1]`), `= ANY(d.ids)`, the column a scoped subquery selects
    ///   (`WHERE id IN (SELECT job_id FROM t WHERE tenant_id = $1)`), or a numbered placeholder
    ///   an anchored column is equal to in the WHERE clause. The joined row is then the one a
    ///   tenant-owned row points to. Columns of a composite key may also be plain values, as
    ///   long as one comes from an anchored row.
    ///
    /// Keys come from the migrations: `PRIMARY KEY` and `UNIQUE` column options and table
    /// constraints, `ALTER TABLE ... ADD CONSTRAINT` (and `DROP CONSTRAINT`), and
    /// `CREATE UNIQUE INDEX` without a `WHERE` predicate (a partial index is no key). A table
    /// the migrations create without a key has none; only a table the schema does not know at
    /// all (no migrations, or a table created elsewhere) is taken to be keyed by `id`.
    ///
    /// Not anchoring: a predicate under OR (unless every branch has it), under NOT,
    /// `IS NOT NULL`, `<>`, a tautology; a lookup by key values that are all client-chosen
    /// (`WHERE q.id = $1` is the insecure direct object reference this rule exists for); a join
    /// on a column that is not the joined table's key (`ON uo.user_uuid = u.uuid`: a user has
    /// memberships in many tenants); a key steered by a bind (`ON u.id = d.owner_id + $2`,
    /// `COALESCE(d.owner_id, $2)`).
    ///
    /// One root cause is reported once: an instance that a reported instance's filter would
    /// anchor through its key (`FROM q JOIN j USING (id) WHERE q.id = $1`) is not reported
    /// again; the lookup by a client-chosen value is.
    ///
    /// It also reports an INSERT whose column list leaves the tenant column out, and
    /// `UPDATE ... SET tenant_id = ...` or `ON CONFLICT ... DO UPDATE SET tenant_id = ...`, which
    /// move rows between tenants.
    ///
    /// Queries built with diesel's DSL (`t::table.filter(..)`, joins with and without `.on(..)`,
    /// `update`, `delete`, `insert_into(..).values(..)`, boxed queries filtered over several
    /// statements) and with sea-orm (`Entity::find()`, `find_by_id`, `Condition::all()/any()`,
    /// `find_also_related`, `update_many`, `delete_many`, `ActiveModel { .. }.insert`) get the
    /// same checks (`find_by_id((org_id, id))` and `delete_by_id` are filtered by the tenant
    /// column when the entity's `#[sea_orm(primary_key)]` fields include it); a project helper that filters on the tenant by a parameter (`secure_find(org_id)`)
    /// scopes its callers' queries, and a query keyed by `self`'s primary key acts on a row already loaded.
    /// With foreign keys known (migrations, `joinable!`), rows keyed to the principal
    /// (`user_uuid = $me` on the membership table, on a table whose tenant column is nullable, or
    /// on a grant table such as `users_collections`) are the caller's own, provided every other
    /// tenant instance of the query shares their tenant column; a filter on a left-joined table
    /// makes that join an inner one.
    ///
    /// Tenant-scoped tables are those in `tenant-tables`, plus those created with a
    /// `tenant-columns` column in the migrations, diesel `table!` blocks or sea-orm entities,
    /// minus `global-tables`. Migrations (files under a migrations folder, also when the code
    /// applies one with `include_str!`) change every tenant at once and are not checked. A
    /// `format!` hole standing for a fragment (a subquery in `FROM ({})`, a predicate in
    /// `WHERE {}` or `AND {}`, a clause after a table name) may hold the filter: such instances
    /// are not reported.
    ///
    /// ### Who picks the rows
    /// A statement is reported when a client can choose the rows it touches: a value bound or
    /// spliced into it is a request input read in its function (not checked against the
    /// verified identity there), or a parameter that some request path fills with a request
    /// input through the workspace calls, unchecked on the way (`handler → use case →
    /// repository`). A value set into a struct's field (`DeleteDoc { id: path.id }`) reaches
    /// every method of that type that reads `self.id`, so a command object handed to a generic
    /// executor carries it on. The parameters of a trait impl none of whose methods a call is
    /// seen reaching (its callers are outside the workspace) are taken as client-filled; a
    /// method that nothing calls, of an impl whose other methods the workspace calls, receives
    /// no request value. The message names the input and that path, from the handler. A
    /// statement
    /// that binds nothing is reported when its function handles a request. A named statement
    /// of a `.sql` query file (`--! name`) is judged by the functions that call its generated
    /// code (`<file stem>::<name>` or `<file stem>::<verb>_<name>`): reported when one of them
    /// handles a client value or a request, not when all of them run without one. Statements
    /// of query files no Rust code is seen calling are reported without this check.
    ///
    /// ## Not reported
    /// Statements whose bound values come from the database or the server (ids the same
    /// function selected, keys it generated) or from parameters no request value reaches: the
    /// work of schedulers, retention sweeps, cache refreshes, backfills and CLIs. The
    /// allow-by-default `unscoped-query-audit` lists them, with the statements a check settled:
    ///
    /// - *a key settled under the tenant*: the function first ran a statement anchored to the
    ///   tenant with the same value bound (`UPDATE jobs SET .. WHERE id = $1 AND tenant_id = $2
    ///   RETURNING id`) and stops when it finds no row (`fetch_one(..)?`, or `fetch_optional`
    ///   then a `?` on the optional row), or it compared the tenant field of a row loaded by
    ///   that value and stopped on a mismatch; a later `DELETE FROM job_logs WHERE job_id = $1`
    ///   acts on that tenant's job;
    /// - *a lookup checked by its result* (`checked-lookups`): every request path that hands
    ///   the client value to the statement gets back the row it loads, compares that row's
    ///   tenant field with another value and stops on a mismatch (`let r = get(id)?; if
    ///   r.account_id != account_id { return Err(NotFound) }`, or a `match` that keeps the row
    ///   only in an arm guarded by `if r.account_id == account_id` while its other arms
    ///   return an error) before using it, or hands the row with the caller's verified identity
    ///   to a check of the workspace whose "no" stops it (`if !doc.visible_to(caller.user_id,
    ///   &db).await { return Err(NotFound) }`, also with the row bound by `if let` and a
    ///   workspace macro that returns as the stop); a check that reads the row alone, one whose
    ///   body allows everyone, one the call graph only guesses by name, and a call whose error
    ///   is only propagated with `?` do not count; one path that goes on past a mismatch (or
    ///   only logs it) keeps the statement reported;
    /// - *rows of the caller's own identity* (`identity-owned-rows`): a column of the table is
    ///   equal to a value of the verified identity (`DELETE FROM tokens WHERE owner_email = $1
    ///   AND prefix = $2` with the session's email), so the rows are the caller's own;
    /// - *a tenant filter every call applies* (`optional-tenant-filters`): an ORM query filtered
    ///   on the tenant under `if let Some(org) = org` whose calls all pass `Some(..)`, or whose
    ///   calls with `None` run where no client value or request reaches (a nightly job's
    ///   `list(None)`).
    ///
    /// Tenant roots (the table the tenant
    /// column references, keyed by that column: the tenants themselves) are not tenant data, so
    /// finding the tenant by its own credential is not reported; list such a table in
    /// `tenant-tables` to check it anyway. A `.sql` file outside the migrations folders that
    /// creates or alters tables and takes no parameters (a schema dump) is schema.
    ///
    /// This trades recall for precision: a request value that the flow analysis loses (sent
    /// through a channel or a job queue, stored and read back, passed through more than four
    /// levels of calls or a closure) makes its statement look server-fed. Set
    /// `client-chosen-rows = false` to report every unanchored statement.
    ///
    /// ## Why is this bad?
    /// In a shared-table database, the WHERE clause is the only thing between one customer's
    /// request and every other customer's rows. One forgotten `AND tenant_id = $2` on a lookup by
    /// id lets any tenant read or change any other tenant's record by guessing its id. A join
    /// counts as a filter only when it pins each joined row to one row the tenant owns: joining
    /// a membership table on the user (rather than on its key) returns the user's memberships
    /// in every tenant, a real cross-tenant bug shape.
    ///
    /// ## Example
    /// ```rust
    /// sqlx::query_as!(Document, "SELECT * FROM documents WHERE id = $1", id)
    ///     .fetch_one(&pool)
    ///     .await?;
    /// sqlx::query!(
    ///     "SELECT o.name FROM users u
    ///      JOIN users_organizations uo ON uo.user_uuid = u.uuid
    ///      JOIN organizations o ON o.uuid = uo.org_uuid
    ///      WHERE u.uuid = $1",
    ///     user_id
    /// )
    /// .fetch_all(&pool)
    /// .await?;
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// sqlx::query_as!(
    ///     Document,
    ///     "SELECT * FROM documents WHERE id = $1 AND tenant_id = $2",
    ///     id,
    ///     claims.tenant_id
    /// )
    /// .fetch_one(&pool)
    /// .await?;
    /// // The author row is pinned by its key to a row of the caller's tenant.
    /// sqlx::query!(
    ///     "SELECT d.title, u.name FROM documents d
    ///      JOIN users u ON u.id = d.author_id
    ///      WHERE d.id = $1 AND d.tenant_id = $2",
    ///     id,
    ///     claims.tenant_id
    /// )
    /// .fetch_one(&pool)
    /// .await?;
    /// ```
    ///
    /// ## Options
    /// - `trust-rls` (default `false`): accept unfiltered statements on tables the migrations
    ///   protect with `ENABLE` and `FORCE ROW LEVEL SECURITY` and a policy on the tenant column.
    ///   The default asks for the filter anyway, as defense in depth.
    /// - `client-chosen-rows` (default `true`): report only statements whose rows a client can
    ///   choose (see "Not reported"). `false` reports every unanchored statement here, as before
    ///   the provenance check.
    /// - `parent-key-joins` (default `true`): a row joined by one of its columns to the whole
    ///   single-column key of an anchored row (`flows f LEFT JOIN flow_notes n ON n.flow_id =
    ///   f.id WHERE f.tenant_id = $1`) is that row's child and in its tenant. This trades recall
    ///   for precision: when a client can write the reference column without a tenant check, a
    ///   child of another tenant can point at the caller's parent and is read with it. `false`
    ///   asks for the child's own tenant predicate.
    /// - `identity-owned-rows` (default `true`): a statement whose rows a value of the verified
    ///   identity picks (the caller's own user id or email) reads the caller's own rows. This
    ///   trades recall for precision: a user who belongs to several tenants reaches their own
    ///   rows in every one of them (`DELETE FROM memberships WHERE user_id = $me` leaves every
    ///   tenant). `false` reports such statements.
    /// - `checked-lookups` (default `true`): a lookup whose returned row every request path
    ///   checks by its tenant field or by a workspace check given the caller's identity,
    ///   stopping on a mismatch, is taken to read that row (see
    ///   "Not reported"). This trades recall for precision: a statement that writes before the
    ///   caller's check (`UPDATE reports SET .. WHERE id = $1 RETURNING *`, then `if
    ///   r.account_id != me { return }`) has already changed another tenant's row. `false`
    ///   reports such statements, with the path.
    /// - `optional-tenant-filters` (default `true`): an ORM query that adds its tenant filter
    ///   only when an `Option` parameter is `Some` (`if let Some(org) = org { q =
    ///   q.filter(org_id.eq(org)) }`) is judged by the calls that pass something else: `None`
    ///   from a worker reaches every tenant on purpose, `None` (or a client's optional value)
    ///   on a request path is reported; when every call passes `Some(..)` it is not. This
    ///   trades recall for precision: a call the call graph does not resolve (a function
    ///   pointer, a macro) may pass `None`. `false` judges the query as unfiltered.
    pub struct QueryMissingTenantFilter {
        id: "query-missing-tenant-filter",
        category: Isolation,
        summary: "statement reaches a tenant-scoped table without a tenant filter",
        cheat_sheet: "Database Security: tenant filtering in shared tables",
        options: ["trust-rls", "client-chosen-rows", "parent-key-joins", "identity-owned-rows", "checked-lookups", "optional-tenant-filters"],
        cwe: 639,
        precision: "high",
        security_severity: "8.8",
        needs: [OrmQueries, RequestFlows],
    }
}

impl Rule for QueryMissingTenantFilter {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let client_chosen_rows = cx.bool_option("client-chosen-rows", true);
        let checked_lookups = cx.bool_option("checked-lookups", true);
        for (mut finding, rows) in unscoped_statements(cx) {
            match rows {
                RowChoice::Client(path) => finding
                    .message
                    .push_str(&format!("; a client chooses its rows: {}", path.describe())),
                RowChoice::Request(handler) => finding
                    .message
                    .push_str(&format!("; it runs for every request to {handler}")),
                RowChoice::Dispatched(t) => finding.message.push_str(&format!(
                    "; its values come through the trait `{t}`, and no call of this impl is seen"
                )),
                RowChoice::Checked(path) if !checked_lookups || !client_chosen_rows => {
                    finding.message.push_str(&format!(
                        "; a client chooses its rows: {} (the caller checks the row's tenant only after the lookup)",
                        path.describe()
                    ))
                }
                RowChoice::Checked(_) => continue,
                RowChoice::Unknown => {}
                RowChoice::Server | RowChoice::Settled(_) if !client_chosen_rows => {}
                RowChoice::Server | RowChoice::Settled(_) => continue,
            }
            cx.report(finding);
        }
    }
}

/// Every unanchored tenant table instance, bad INSERT and tenant reassignment of the file, with
/// who picks the rows it touches.
pub fn unscoped_statements(cx: &RuleContext<'_>) -> Vec<(Finding, RowChoice)> {
    let trust_rls = cx.bool_option("trust-rls", false);
    let identity_owned_rows = cx.bool_option("identity-owned-rows", true);
    let ws = cx.workspace;
    let accept = |table: &str| trust_rls && lint_core::rls::is_rls_protected(ws, table);
    let assumptions = Assumptions {
        accept_unscoped: &accept,
        parent_key_joins: cx.bool_option("parent-key-joins", true),
    };
    let text = &cx.file.source.text;
    let mut findings = Vec::new();
    // Migrations (down migrations included) change the schema for every tenant at once.
    if lint_core::schema::in_migrations_folder(&cx.file.source.rel_path) {
        return findings;
    }
    let file = cx.file;
    for site in file
        .sql_sites
        .iter()
        .filter(|s| !file.is_test_code(s.function))
        // A migration file the code applies itself (`include_str!("../migrations/x.sql")`),
        // and schema dumps outside the migrations folders.
        .filter(|s| !s.text.includes_migration && !s.is_migration())
    {
        let mut rows = None;
        // A query file's statements each have their callers.
        let names = site
            .function
            .is_none()
            .then(|| lint_core::facts::sql_query_files::statement_names(site));
        for (i, stmt) in site.statements.iter().enumerate() {
            let named = names.as_ref().and_then(|n| n.get(i)?.as_deref());
            let statement_rows =
                named.and_then(|n| ws.query_callers.rows(&file.source.rel_path, n).cloned());
            for issue in check_statement(&stmt.statement, ws, &assumptions, &file.source.work) {
                let span = if issue.span().start.line == 0 {
                    site.statement_span(text, stmt)
                } else {
                    site.span_of(text, stmt, issue.span())
                };
                let finding = match &issue {
                    ScopeIssue::Unscoped {
                        table,
                        alias,
                        column,
                        ..
                    } => {
                        let qualifier = alias.as_deref().unwrap_or(table.as_str());
                        Finding::new(
                            format!(
                                "{} is not filtered by tenant: this statement reaches every tenant's rows",
                                describe_instance(table, alias.as_deref())
                            ),
                            span,
                        )
                        .primary_label(format!("no `{column}` predicate for this table"))
                        .help(format!(
                            "add `AND {qualifier}.{column} = $N` to the WHERE clause (or to an inner join's ON), \
                             bound to the tenant of the authenticated caller"
                        ))
                    }
                    ScopeIssue::InsertWithoutTenant { table, column, .. } => Finding::new(
                        format!("INSERT into `{table}` does not set `{column}`"),
                        span,
                    )
                    .primary_label(format!("`{column}` missing from the column list"))
                    .help(format!(
                        "insert `{column}` from the authenticated caller's tenant, so the row belongs to exactly one tenant"
                    )),
                    ScopeIssue::TenantReassigned { table, column, .. } => Finding::new(
                        format!("`{table}.{column}` is reassigned: rows move to another tenant"),
                        span,
                    )
                    .primary_label(format!("`{column}` overwritten"))
                    .help(format!(
                        "never update `{column}`; filter on it instead (`WHERE {column} = $N`), and leave it out of \
                         `ON CONFLICT ... DO UPDATE SET`"
                    )),
                };
                let identity_owned = match &issue {
                    ScopeIssue::Unscoped { picked_by, .. } => {
                        identity_owned_rows && binds_identity(file, ws, site, picked_by)
                    }
                    _ => false,
                };
                let rows = match &statement_rows {
                    Some(r) => r.clone(),
                    None if identity_owned => RowChoice::Settled(
                        "its rows are picked by the verified caller's own identity".into(),
                    ),
                    None => rows
                        .get_or_insert_with(|| site_rows(file, &ws.client_reach, site))
                        .clone(),
                };
                findings.push((finding.maybe_label(site.call_label(span)), rows));
            }
        }
    }
    findings.extend(check_orm_queries(cx, &accept));
    findings
}

/// Queries built with diesel's DSL or sea-orm, with the same table-instance semantics.
fn check_orm_queries(
    cx: &RuleContext<'_>,
    accept: &dyn Fn(&str) -> bool,
) -> Vec<(Finding, RowChoice)> {
    let file = cx.file;
    let Some(rust) = &file.rust else {
        return Vec::new();
    };
    let optional_filters = cx.bool_option("optional-tenant-filters", true);
    let reach = &cx.workspace.client_reach;
    lint_core::orm::check_file(file, cx.workspace)
        .into_iter()
        .filter(|i| !accept(&i.table))
        .filter(|i| !file.is_test_code(rust.function_at(i.span.start)))
        .map(|i| {
            let Some(f) = rust.function_at(i.span.start) else {
                return (orm_finding(i), RowChoice::Unknown);
            };
            let by_callers = i
                .when_some
                .filter(|_| optional_filters)
                .and_then(|param| reach.when_some_rows(&file.source.rel_path, f, param));
            match by_callers {
                Some((rows, note)) => {
                    let mut finding = orm_finding(i);
                    finding.message.push_str(&note);
                    (finding, rows)
                }
                None => (orm_finding(i), function_rows(file, reach, f)),
            }
        })
        .collect()
}

fn orm_finding(i: lint_core::orm::OrmIssue) -> Finding {
    use lint_core::orm::OrmIssueKind;
    match i.kind {
            OrmIssueKind::Unscoped => Finding::new(
                format!(
                    "{} is not filtered by tenant: this query reaches every tenant's rows",
                    describe_instance(&i.table, None)
                ),
                i.span,
            )
            .primary_label(if i.joined {
                format!("joined without a `{}` predicate", i.column)
            } else {
                format!("no `{}` filter for this table", i.column)
            })
            .help(format!(
                "add `{}`, bound to the tenant of the authenticated caller",
                i.fix
            )),
            OrmIssueKind::InsertWithoutTenant => Finding::new(
                format!("INSERT into `{}` does not set `{}`", i.table, i.column),
                i.span,
            )
            .primary_label(format!("`{}` not set", i.column))
            .help(format!(
                "set `{}` from the authenticated caller's tenant, so the row belongs to exactly one tenant",
                i.fix
            )),
            OrmIssueKind::TenantReassigned => Finding::new(
                format!("`{}.{}` is reassigned: rows move to another tenant", i.table, i.column),
                i.span,
            )
            .primary_label(format!("`{}` overwritten", i.column))
            .help(format!(
                "never update `{}`; filter on it instead (`{}`)",
                i.column, i.fix
            )),
    }
}
