//! Issue 13, item 7: the cost of one file grows about linearly with its size. Each case
//! generates a file of `n` repetitions of one construct and of `8n`, lints both in memory and
//! compares the times: linear work takes about 8 times as long, quadratic work 64 times. The
//! bound is wide (a loaded machine, a debug build) and no speed goal is asserted; a case that
//! does not finish within its deadline fails too.

use lint_core::config::Config;
use lint_core::engine;
use std::path::PathBuf;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

/// The largest time ratio between the `8n` and the `n` input that passes.
const MAX_RATIO: f64 = 24.0;
/// Times under this are rounded up to it: start-up costs dominate them.
const FLOOR: Duration = Duration::from_millis(40);
/// One case measures at a time: cases running side by side on a few cores would skew each
/// other's ratios.
static MEASURING: Mutex<()> = Mutex::new(());
/// A run that takes longer has blown up.
const DEADLINE: Duration = Duration::from_secs(240);
const SCHEMA: &str =
    "CREATE TABLE items (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, a BIGINT);\n";

/// The time to lint `files` in memory with every rule, on a thread bounded by [`DEADLINE`].
fn lint_time(case: &str, files: Vec<(&'static str, String)>) -> Duration {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let root = PathBuf::from("/nonexistent/tenantlint-cost");
        let sources = files
            .into_iter()
            .map(|(rel, text)| (root.join(rel), text))
            .collect();
        let started = Instant::now();
        let report = engine::lint_sources(root, Config::default(), sources, tenantlint_rules::ALL);
        let _ = send.send((started.elapsed(), report.diagnostics.len()));
    });
    let (took, _) = receive
        .recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("{case}: still running after {DEADLINE:?}"));
    took
}

/// Fails when linting `8n` repetitions takes more than [`MAX_RATIO`] times as long as `n`;
/// `generate` writes `src/lib.rs` beside a one-table schema.
fn assert_near_linear(case: &str, n: usize, generate: fn(usize) -> String) {
    assert_files_near_linear(case, n, &|n| {
        vec![
            ("migrations/0001_items.sql", SCHEMA.to_string()),
            ("src/lib.rs", generate(n)),
        ]
    });
}

fn assert_files_near_linear(
    case: &str,
    n: usize,
    file: &dyn Fn(usize) -> Vec<(&'static str, String)>,
) {
    let _alone = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    // The smaller run twice: the first warms the allocator and the rule tables.
    lint_time(case, file(n));
    let small = lint_time(case, file(n)).max(FLOOR);
    let large = lint_time(case, file(8 * n)).max(FLOOR);
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    eprintln!(
        "{case}: {n} in {small:?}, {} in {large:?} ({ratio:.1}x)",
        8 * n
    );
    assert!(
        ratio < MAX_RATIO,
        "{case}: 8 times the input took {ratio:.1} times as long ({small:?} -> {large:?})"
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

/// One query joining the same table again and again, each instance keyed to the previous.
#[test]
fn joins_in_one_query() {
    assert_near_linear("joins", 150, |n| {
        let joins: String = (1..n)
            .map(|i| format!(" JOIN items t{i} ON t{i}.id = t{p}.a", p = i - 1))
            .collect();
        format!(
            "pub async fn f(pool: &sqlx::PgPool, org: i64) {{\n    sqlx::query(\"SELECT 1 FROM \
             items t0{joins} WHERE t0.org_id = $1\").bind(org).execute(pool).await.unwrap();\n}}\n"
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

#[test]
fn tables_in_one_migration() {
    assert_files_near_linear("tables", 150, &|n| {
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
