//! Libraries that authenticate a message by its signature: HMAC verification and constant-time
//! comparison of a computed signature with the one the client sent. An endpoint that checks
//! one and stops on failure (an incoming webhook) was sent by the holder of the secret, so the
//! tenant its path or body names is an address, not a claim.

use super::authz::{imports, Denial};
use super::verifiers::resolve;
use crate::ir::UseItem;

/// Methods of a MAC that compare it with the received tag: hmac's (`Mac::verify_slice`,
/// `verify`, `verify_truncated_left/right`: an error on mismatch) and subtle's `ct_eq` (a
/// `Choice`, false on mismatch).
const VERIFYING_METHODS: &[(&str, &str, Denial)] = &[
    ("hmac", "verify_slice", Denial::Err),
    ("hmac", "verify", Denial::Err),
    ("hmac", "verify_truncated_left", Denial::Err),
    ("hmac", "verify_truncated_right", Denial::Err),
    ("subtle", "ct_eq", Denial::False),
];

/// Functions, by full path: ring's `hmac::verify` and `constant_time::verify_slices_are_equal`
/// (an error on mismatch), `constant_time_eq` and openssl's `memcmp::eq` (false on mismatch).
const VERIFYING_FUNCTIONS: &[(&[&str], Denial)] = &[
    (&["ring", "hmac", "verify"], Denial::Err),
    (
        &["ring", "constant_time", "verify_slices_are_equal"],
        Denial::Err,
    ),
    (&["constant_time_eq", "constant_time_eq"], Denial::False),
    (&["constant_time_eq", "constant_time_eq_32"], Denial::False),
    (&["constant_time_eq", "constant_time_eq_64"], Denial::False),
    (&["openssl", "memcmp", "eq"], Denial::False),
];

/// Whether a method call in a file with these imports compares a signature; how it fails.
pub fn verifying_method(method: &str, uses: &[UseItem]) -> Option<Denial> {
    VERIFYING_METHODS
        .iter()
        .find(|(krate, m, _)| *m == method && imports(uses, krate))
        .map(|(_, _, d)| *d)
}

/// Whether a call of `path` in a file with these imports compares a signature; how it fails.
pub fn verifying_function(path: &[String], uses: &[UseItem]) -> Option<Denial> {
    let last = path.last()?;
    if !VERIFYING_FUNCTIONS
        .iter()
        .any(|(p, _)| p.last() == Some(&last.as_str()))
    {
        return None;
    }
    let full = resolve(path, uses);
    VERIFYING_FUNCTIONS
        .iter()
        .find(|(p, _)| full.len() >= p.len() && full[full.len() - p.len()..] == **p)
        .map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(s: &str) -> Vec<String> {
        s.split("::").map(String::from).collect()
    }

    #[test]
    fn verifiers_by_import() {
        let ring = [UseItem {
            path: segs("ring::hmac"),
            alias: None,
            glob: false,
        }];
        assert_eq!(
            verifying_function(&segs("hmac::verify"), &ring),
            Some(Denial::Err)
        );
        assert_eq!(verifying_function(&segs("hmac::verify"), &[]), None);
        let hmac = [UseItem {
            path: segs("hmac::Mac"),
            alias: None,
            glob: false,
        }];
        assert_eq!(verifying_method("verify_slice", &hmac), Some(Denial::Err));
        assert_eq!(verifying_method("verify_slice", &[]), None);
    }
}
