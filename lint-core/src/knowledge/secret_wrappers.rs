//! Secret-wrapper libraries: the types that hide what they hold when formatted, the accessors
//! that hand the plain value back, the wrappers that mark a secret without hiding it, and the
//! derive attributes that leave a field out of a derived `Debug`. Matched on the last path
//! segment of a type or method, as the code names them after a `use`.

/// A library's types whose `Debug` (and absent `Display`) hide the value.
pub struct RedactingLibrary {
    pub library: &'static str,
    pub types: &'static [&'static str],
    /// Methods of those types (or of the traits they implement) that return the plain value.
    pub accessors: &'static [&'static str],
}

pub const REDACTING_LIBRARIES: &[RedactingLibrary] = &[
    RedactingLibrary {
        library: "secrecy",
        types: &[
            "Secret",
            "SecretString",
            "SecretBox",
            "SecretVec",
            "SecretSlice",
        ],
        accessors: &["expose_secret", "expose_secret_mut"],
    },
    // hyperswitch's `masking`: `Secret<T, Strategy>` and `StrongSecret<T, Strategy>`.
    RedactingLibrary {
        library: "masking",
        types: &["Secret", "StrongSecret"],
        accessors: &["peek", "peek_mut", "expose", "expose_option", "into_inner"],
    },
    RedactingLibrary {
        library: "redact",
        types: &["Secret"],
        accessors: &["expose_secret"],
    },
    // Names several small redaction crates give their wrapper.
    RedactingLibrary {
        library: "redacted, sensitive-value crates",
        types: &["Redacted", "Sensitive", "Masked"],
        accessors: &["into_inner"],
    },
];

/// Wrappers that mark their value as secret (it is wiped on drop) but whose `Debug` prints it:
/// `zeroize::Zeroizing<T>`. A value of such a type is a secret whatever it is called.
pub const MARKING_WRAPPERS: &[(&str, &str)] = &[("zeroize", "Zeroizing")];

/// Derive helpers whose field attribute leaves a field out of a derived `Debug`:
/// `#[debug(skip)]` (derive_more, derivative-style), `#[educe(Debug(ignore))]`,
/// `#[derivative(Debug = "ignore")]`.
pub const DEBUG_SKIP_ATTRIBUTES: &[&str] = &["debug", "educe", "derivative", "derive_more"];

/// Whether a type name (last segment) is one of the redacting wrappers.
pub fn is_redacting_wrapper(name: &str) -> bool {
    REDACTING_LIBRARIES.iter().any(|l| l.types.contains(&name))
}

/// Whether a method hands back the plain value of a redacting wrapper.
pub fn is_exposing_accessor(method: &str) -> bool {
    REDACTING_LIBRARIES
        .iter()
        .any(|l| l.accessors.contains(&method))
}

/// Whether a type name (last segment) marks its value as secret without hiding it.
pub fn is_marking_wrapper(name: &str) -> bool {
    MARKING_WRAPPERS.iter().any(|(_, t)| *t == name)
}
