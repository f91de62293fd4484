//! Library functions that verify a credential and return what it proves: their result is the
//! verified identity, whatever the caller names it.

use crate::ir::UseItem;

/// Full paths of functions that check a token's signature and return its claims
/// (`jsonwebtoken::decode::<Claims>(token, &key, &validation)`).
const CREDENTIAL_DECODERS: &[&[&str]] = &[
    &["jsonwebtoken", "decode"],
    &["josekit", "jwt", "decode_with_verifier"],
    &["josekit", "jwt", "decode_with_verifier_selector"],
];

/// Whether a call of `path`, written in a file with these imports, verifies a credential.
pub fn is_credential_decoder(path: &[String], uses: &[UseItem]) -> bool {
    let full = resolve(path, uses);
    CREDENTIAL_DECODERS
        .iter()
        .any(|d| full.len() >= d.len() && full[full.len() - d.len()..] == **d)
}

/// The call path with its first segment replaced by the import it names (`decode` after
/// `use jsonwebtoken::decode` is `jsonwebtoken::decode`).
pub(super) fn resolve(path: &[String], uses: &[UseItem]) -> Vec<String> {
    let Some((first, rest)) = path.split_first() else {
        return Vec::new();
    };
    let import = uses.iter().find(|u| {
        !u.glob
            && u.alias
                .as_deref()
                .or(u.path.last().map(String::as_str))
                .is_some_and(|name| name == first)
    });
    match import {
        Some(u) => u.path.iter().chain(rest).cloned().collect(),
        None => path.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(s: &str) -> Vec<String> {
        s.split("::").map(String::from).collect()
    }

    #[test]
    fn decoders_by_full_path_or_import() {
        let import = UseItem {
            path: segs("jsonwebtoken::decode"),
            alias: None,
            glob: false,
        };
        assert!(is_credential_decoder(&segs("jsonwebtoken::decode"), &[]));
        assert!(is_credential_decoder(
            &segs("decode"),
            std::slice::from_ref(&import)
        ));
        assert!(!is_credential_decoder(&segs("decode"), &[]));
        assert!(!is_credential_decoder(&segs("base64::decode"), &[import]));
    }
}
