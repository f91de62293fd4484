//! Issue 13, item 7: the cost of one file grows about linearly with its size. Each case
//! generates a file of `n` repetitions of one construct and of `8n`, lints both in memory and
//! compares the work units the engine counted on the file (`Report::file_work`: nodes lowered
//! and walked, `let`s examined, SQL text rebuilt and parsed, statements folded into the
//! schema): linear work is about 8 times as much, quadratic work 64 times. The count does not
//! depend on the machine, so the bound is tight; speed goals belong in the bench
//! (`tests/benches/analysis.rs`). A run that does not finish within the deadline fails too.

use lint_core::config::Config;
use lint_core::engine;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// The largest work ratio between the `8n` and the `n` input that passes: linear work with a
/// fixed part gives under 8.
const MAX_RATIO: f64 = 10.0;
/// A run that takes longer has blown up (a hang guard, not a speed goal).
const DEADLINE: Duration = Duration::from_secs(240);
const SCHEMA: &str =
    "CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, a BIGINT);\n";

/// The work units spent on the generated files (the whole run's, summed over `files`) when
/// linting them in memory with every rule, on a thread bounded by [`DEADLINE`].
fn lint_work(case: &str, config: Config, files: Vec<(&'static str, String)>) -> u64 {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let root = PathBuf::from("/nonexistent/tenantlint-cost");
        let sources = files
            .into_iter()
            .map(|(rel, text)| (root.join(rel), text))
            .collect();
        let report = engine::lint_sources(root, config, sources, tenantlint_rules::ALL);
        let _ = send.send(report.file_work.iter().map(|(_, w)| w).sum::<u64>());
    });
    receive
        .recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("{case}: still running after {DEADLINE:?}"))
}

/// Fails when linting `8n` repetitions costs more than [`MAX_RATIO`] times the work of `n`;
/// `generate` writes `src/lib.rs` beside a one-table schema scoped by `org_id`, so that the
/// scope analysis of its queries has instances to anchor.
fn assert_near_linear(case: &str, n: usize, generate: fn(usize) -> String) {
    let mut config = Config::default();
    config.tenant_columns = vec!["org_id".into()];
    config.tenant_columns_configured = true;
    assert_files_near_linear(case, n, &config, &|n| {
        vec![
            ("migrations/0001_items.sql", SCHEMA.to_string()),
            ("src/lib.rs", generate(n)),
        ]
    });
}

fn assert_files_near_linear(
    case: &str,
    n: usize,
    config: &Config,
    file: &dyn Fn(usize) -> Vec<(&'static str, String)>,
) {
    let small = lint_work(case, config.clone(), file(n)).max(1);
    let large = lint_work(case, config.clone(), file(8 * n));
    let ratio = large as f64 / small as f64;
    eprintln!(
        "{case}: {n} cost {small} units, {} cost {large} ({ratio:.1}x)",
        8 * n
    );
    assert!(
        ratio < MAX_RATIO,
        "{case}: 8 times the input cost {ratio:.1} times the work ({small} -> {large} units)"
    );
}

/// A chain of typed `let`s, each used as a cache key: every use asked for the declared type
/// by walking the whole body again.
#[test]
fn typed_lets_used_as_keys() {
    assert_near_linear("typed lets", 60, |n| {
        let lets: String = (1..n)
            .map(|i| {
                format!(
                    "    let k{i}: String = format!(\"doc:{{}}\", k{p});\n    \
                     let _: Option<String> = conn.get(&k{i}).await?;\n",
                    p = i - 1
                )
            })
            .collect();
        format!(
            "use redis::AsyncCommands;\npub async fn f(mut conn: redis::aio::ConnectionManager, \
             id: i64) -> redis::RedisResult<()> {{\n    let k0: String = format!(\"doc:{{id}}\");\n\
             {lets}    Ok(())\n}}\n"
        )
    });
}

/// A function running one query on `items t0` and `n - 1` more instances, the `i`th joined
/// `ON` the condition `on(i)`, filtered by `filter` with `$1` bound to the org and `$2` to an id.
fn joining_query(n: usize, on: &dyn Fn(usize) -> String, filter: &str) -> String {
    let joins: String = (1..n)
        .map(|i| format!(" JOIN items t{i} ON {}", on(i)))
        .collect();
    format!(
        "pub async fn f(pool: &sqlx::PgPool, org: i64, id: i64) {{\n    sqlx::query(\"SELECT 1 FROM \
         items t0{joins} WHERE {filter}\").bind(org).bind(id).execute(pool).await.unwrap();\n}}\n"
    )
}

/// One query joining the same table again and again, each instance keyed to the previous.
#[test]
fn joins_in_one_query() {
    assert_near_linear("joins", 150, |n| {
        joining_query(n, &|i| format!("t{i}.id = t{}.a", i - 1), "t0.org_id = $1")
    });
}

/// One query whose joined instances are all keyed by the same placeholder: each equality
/// was compared with every other to find the columns they equate.
#[test]
fn joins_keyed_by_one_placeholder() {
    assert_near_linear("one placeholder", 150, |n| {
        joining_query(
            n,
            &|i| format!("t{i}.id = $2"),
            "t0.org_id = $1 AND t0.id = $2",
        )
    });
}

/// One query whose chain of parent-key joins is anchored at its far end: every child was
/// found one pass over the joins after its parent.
#[test]
fn parent_key_joins_anchored_at_the_end() {
    assert_near_linear("parent keys", 150, |n| {
        joining_query(
            n,
            &|i| format!("t{}.a = t{i}.id", i - 1),
            &format!("t{}.org_id = $1", n - 1),
        )
    });
}

#[test]
fn sql_calls_in_one_function() {
    assert_near_linear("SQL calls", 60, |n| {
        let calls: String = (0..n)
            .map(|_| {
                "    sqlx::query(\"SELECT a FROM items WHERE id = $1 AND org_id = $2\")\
                 .bind(id).bind(org).execute(pool).await.unwrap();\n"
            })
            .collect();
        format!("pub async fn f(pool: &sqlx::PgPool, id: i64, org: i64) {{\n{calls}}}\n")
    });
}

#[test]
fn statements_in_one_string() {
    assert_near_linear("statements", 150, |n| {
        let statements = "SELECT a FROM items WHERE id = $1 AND org_id = $2; ".repeat(n);
        format!(
            "pub async fn f(pool: &sqlx::PgPool) {{\n    sqlx::raw_sql(\"{statements}\")\
             .execute(pool).await.unwrap();\n}}\n"
        )
    });
}

#[test]
fn push_str_calls_building_one_query() {
    assert_near_linear("push_str", 100, |n| {
        let pushes: String = (0..n)
            .map(|i| format!("    q.push_str(\" AND a = {i}\");\n"))
            .collect();
        format!(
            "pub async fn f(pool: &sqlx::PgPool, org: i64) {{\n    let mut q = \
             String::from(\"SELECT a FROM items WHERE org_id = $1\");\n{pushes}    \
             sqlx::query(&q).bind(org).execute(pool).await.unwrap();\n}}\n"
        )
    });
}

#[test]
fn let_else_statements() {
    assert_near_linear("let-else", 100, |n| {
        let lets: String = (0..n)
            .map(|i| format!("    let Some(v{i}) = x.get({i}) else {{ return; }};\n"))
            .collect();
        format!("pub fn f(x: Vec<i64>) {{\n{lets}}}\n")
    });
}

#[test]
fn handlers_in_one_file() {
    assert_near_linear("handlers", 60, |n| {
        (0..n)
            .map(|i| {
                format!(
                    "pub async fn h{i}(axum::extract::Path(id): axum::extract::Path<i64>, \
                     axum::extract::State(pool): axum::extract::State<sqlx::PgPool>) {{\n    \
                     sqlx::query(\"SELECT a FROM items WHERE id = $1\").bind(id)\
                     .execute(&pool).await.unwrap();\n}}\n"
                )
            })
            .collect()
    });
}

/// Handlers that each read a path id into a query with no tenant filter, all registered on one
/// router: each is a finding whose message asks the request-flow pass where the bound value came
/// from. Every such query rebuilt the sinks of the whole file, and every function's evaluation
/// scanned every SQL site of the file (the pass's expressions are counted since).
#[test]
fn request_flows_of_handlers_in_one_file() {
    let mut config = Config::default();
    config.tenant_columns = vec!["org_id".into()];
    config.tenant_columns_configured = true;
    assert_files_near_linear("request flows", 40, &config, &|n| {
        let handlers: String = (0..n)
            .map(|i| {
                format!(
                    "pub async fn h{i}(Path(id): Path<i64>, State(pool): State<sqlx::PgPool>) \
                     -> String {{\n    let r: (i64,) = sqlx::query_as(\"SELECT a FROM items \
                     WHERE id = $1\").bind(id).fetch_one(&pool).await.unwrap();\n    \
                     r.0.to_string()\n}}\n"
                )
            })
            .collect();
        let routes: String = (0..n)
            .map(|i| format!("    let r = r.route(\"/items{i}/:id\", get(h{i}));\n"))
            .collect();
        vec![
            ("migrations/0001_items.sql", SCHEMA.to_string()),
            (
                "src/lib.rs",
                format!(
                    "use axum::{{extract::{{Path, State}}, routing::get, Router}};\n{handlers}\
                     pub fn app() -> Router<sqlx::PgPool> {{\n    let r = Router::new();\n\
                     {routes}    r\n}}\n"
                ),
            ),
        ]
    });
}

/// Many `impl` blocks, each with a method that queries: every SQL site asked whether its
/// function is test code by scanning every `impl` and module of the file.
#[test]
fn impl_blocks_in_one_file() {
    assert_near_linear("impl blocks", 60, |n| {
        (0..n)
            .map(|i| {
                format!(
                    "pub struct S{i};\nimpl S{i} {{\n    pub async fn f(&self, pool: &sqlx::PgPool, \
                     id: i64) {{\n        sqlx::query(\"SELECT a FROM items WHERE id = $1\")\
                     .bind(id).execute(pool).await.unwrap();\n    }}\n}}\n"
                )
            })
            .collect()
    });
}

#[test]
fn tables_in_one_migration() {
    assert_files_near_linear("tables", 150, &Config::default(), &|n| {
        let tables: String = (0..n)
            .map(|i| {
                format!(
                    "CREATE TABLE t{i} (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL \
                     REFERENCES orgs(id), a BIGINT);\n"
                )
            })
            .collect();
        vec![
            (
                "migrations/0001_orgs.sql",
                "CREATE TABLE orgs (id BIGINT PRIMARY KEY);\n".to_string(),
            ),
            ("migrations/0002_tables.sql", tables),
            ("src/lib.rs", "pub fn ok() {}\n".to_string()),
        ]
    });
}

/// A function whose query sets the tenant of the session from its argument.
fn tenant_setting_query(i: usize) -> String {
    format!(
        "pub async fn f{i}(pool: &sqlx::PgPool, org: &str) {{\n    sqlx::query(\"SELECT \
         set_config('app.org_id', $1, false)\").bind(org).execute(pool).await.unwrap();\n}}\n"
    )
}

/// Lints a small file with one such query and a big one with 400, under `cap`.
fn lint_small_and_big(cap: u64) -> engine::Report {
    let root = PathBuf::from("/nonexistent/tenantlint-cap");
    let mut config = Config::default();
    config.max_file_work = cap;
    let sources = vec![
        (root.join("migrations/0001_items.sql"), SCHEMA.to_string()),
        (root.join("src/ok.rs"), tenant_setting_query(0)),
        (
            root.join("src/big.rs"),
            (0..400).map(tenant_setting_query).collect(),
        ),
    ];
    engine::lint_sources(root.clone(), config, sources, tenantlint_rules::ALL)
}

fn spent(report: &engine::Report, rel: &str) -> u64 {
    report
        .file_work
        .iter()
        .find(|(p, _)| p == rel)
        .map_or(0, |(_, w)| *w)
}

fn found_in(report: &engine::Report, rel: &str) -> Vec<&'static str> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.file.rel_path == rel)
        .map(|d| d.rule)
        .collect()
}

/// The only diagnostic of `rel` is the cap's, naming `cap` and `stage`.
fn assert_stopped(report: &engine::Report, rel: &str, cap: u64, stage: &str) {
    let stopped: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.file.rel_path == rel)
        .collect();
    assert_eq!(stopped.len(), 1, "only the cap is reported: {stopped:?}");
    assert_eq!(stopped[0].rule, "parse-error");
    let message = &stopped[0].message;
    assert!(
        message.contains(&format!("work cap of {cap} units")),
        "{message}"
    );
    assert!(
        message.contains(&format!("by the end of {stage}")),
        "{message}"
    );
}

/// A file that goes past the per-file work cap gets a `parse-error` naming the cap and no
/// other finding, while the other files of the run keep theirs.
#[test]
fn a_file_past_the_work_cap_stops_alone() {
    let uncapped = lint_small_and_big(u64::MAX);
    let (ok, big) = (
        spent(&uncapped, "src/ok.rs"),
        spent(&uncapped, "src/big.rs"),
    );
    assert!(big > 8 * ok, "the big file costs more: {ok} vs {big}");
    let ok_alone = found_in(&uncapped, "src/ok.rs");
    assert!(!ok_alone.is_empty(), "the small file has a finding");

    let cap = 2 * ok;
    let capped = lint_small_and_big(cap);
    assert_eq!(found_in(&capped, "src/ok.rs"), ok_alone);
    assert_stopped(&capped, "src/big.rs", cap, "parsing");
}

/// What the rules spend while checking (request flows and the other analyses computed on
/// demand) counts against the cap too: a file that goes past it only then is stopped the
/// same way, its findings dropped.
#[test]
fn the_work_cap_counts_what_checking_spends() {
    let uncapped = lint_small_and_big(u64::MAX);
    let big = spent(&uncapped, "src/big.rs");
    let capped = lint_small_and_big(big - 1);
    assert_eq!(
        found_in(&capped, "src/ok.rs"),
        found_in(&uncapped, "src/ok.rs")
    );
    assert_stopped(&capped, "src/big.rs", big - 1, "checking");
}
