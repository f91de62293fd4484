//! Arbitrary SQL text through sqlparser and the SQL rules, against a schema with tenant tables:
//! as a migration, as a query file, and inside `sqlx::query!` in a handler.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&place, sql)) = data.split_first() else {
        return;
    };
    let Ok(sql) = std::str::from_utf8(sql) else {
        return;
    };
    let mut files = vec![(
        "migrations/0001_init.sql",
        tenantlint_fuzz::MIGRATION.to_owned(),
    )];
    match place % 3 {
        0 => files.push(("migrations/0002_fuzz.sql", sql.to_owned())),
        1 => files.push(("queries/fuzz.sql", sql.to_owned())),
        _ => {
            // A raw string needs a delimiter the text does not contain.
            let hashes = "#".repeat(sql.matches('#').count().min(250) + 1);
            let handler = format!(
                "async fn handler(pool: &sqlx::PgPool, tenant_id: uuid::Uuid) {{\n    \
                 sqlx::query!(r{hashes}\"{sql}\"{hashes}, tenant_id).fetch_all(pool).await;\n}}\n"
            );
            files.push(("src/handler.rs", handler));
        }
    }
    tenantlint_fuzz::lint(files);
});
