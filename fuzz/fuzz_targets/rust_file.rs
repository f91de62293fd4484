//! Arbitrary bytes as a `.rs` file through parsing, lowering, SQL extraction and every rule.
//! Bytes that are not UTF-8 stop at the engine's read, as they do on disk.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        tenantlint_fuzz::lint(vec![
            (
                "migrations/0001_init.sql",
                tenantlint_fuzz::MIGRATION.into(),
            ),
            ("src/lib.rs", text.to_owned()),
        ]);
    }
});
