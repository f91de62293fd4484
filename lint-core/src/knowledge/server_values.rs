//! Library calls whose result the server makes, whatever the request says: fresh identifiers,
//! clocks, random numbers. Matched on the last two path segments (`Uuid::new_v4`) or the last
//! one for free functions of a crate (`rand::random`).

/// `(type or crate, function)`.
pub const SERVER_GENERATED: &[(&str, &str)] = &[
    ("Uuid", "new_v4"),
    ("Uuid", "now_v7"),
    ("Uuid", "new_v7"),
    ("Uuid", "now_v6"),
    ("Ulid", "new"),
    ("Ulid", "generate"),
    ("Utc", "now"),
    ("Local", "now"),
    ("SystemTime", "now"),
    ("Instant", "now"),
    ("OffsetDateTime", "now_utc"),
    ("rand", "random"),
    ("nanoid", "nanoid"),
];

/// Methods that give a value the server generates from a random source
/// (`rand::thread_rng().gen()`, `OsRng.next_u64()`).
pub const RANDOM_METHODS: &[&str] = &["gen", "gen_range", "next_u32", "next_u64", "sample"];

/// What a call path generates, when it is one of [`SERVER_GENERATED`].
pub fn generated_by(path: &[String]) -> Option<&'static str> {
    super::by_last_two(SERVER_GENERATED, path).map(|(_, name)| *name)
}
