//! Authorization libraries: the calls that ask a policy engine whether a principal may act on a
//! resource, and how each one answers "no". A call of one of these that receives the client's
//! tenant and the verified identity, and whose denial stops the request, checks the tenant.

use super::verifiers::resolve;
use crate::ir::UseItem;

/// How an API says "denied".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    /// `Ok(false)` or `false`: the caller must branch on the answer (`if !allowed { return }`).
    False,
    /// An `Err`: `?` on the result stops the request.
    Err,
}

/// One library API: the crate that must be imported, the types or traits that own the
/// methods, the methods (a name ending in `*` is a prefix), and how a denial is returned.
struct Api {
    krate: &'static str,
    owners: &'static [&'static str],
    methods: &'static [&'static str],
    denial: Denial,
}

/// Policy engines. casbin's `CoreApi` (`enforce`, `enforce_mut`, `enforce_ex`, ...: `Result<bool>`),
/// oso's `Oso::is_allowed` (`Result<bool>`) and `authorize` (an error when denied), cedar-policy's
/// `Authorizer::is_authorized` (a `Response` whose `decision()` the caller compares).
const POLICY_ENGINES: &[Api] = &[
    Api {
        krate: "casbin",
        owners: &["CoreApi", "Enforcer", "CachedEnforcer", "SyncedEnforcer"],
        methods: &["enforce", "enforce_*"],
        denial: Denial::False,
    },
    Api {
        krate: "oso",
        owners: &["Oso"],
        methods: &["is_allowed"],
        denial: Denial::False,
    },
    Api {
        krate: "oso",
        owners: &["Oso"],
        methods: &["authorize"],
        denial: Denial::Err,
    },
    Api {
        krate: "cedar_policy",
        owners: &["Authorizer"],
        methods: &["is_authorized"],
        denial: Denial::False,
    },
];

/// Constructors of a policy request that bundles principal and resource before the engine is
/// asked (cedar-policy's `Request::new(principal, action, resource, context, schema)`).
const POLICY_REQUESTS: &[Api] = &[Api {
    krate: "cedar_policy",
    owners: &["Request"],
    methods: &["new"],
    denial: Denial::False,
}];

/// Whether a method call `recv.method(..)`, or a call of `path`, in a file with these imports
/// asks a policy engine; and how it denies.
pub fn policy_decision(call: &[String], uses: &[UseItem]) -> Option<Denial> {
    find(POLICY_ENGINES, call, uses).map(|api| api.denial)
}

/// Whether a call builds a policy request from its arguments.
pub fn is_policy_request(call: &[String], uses: &[UseItem]) -> bool {
    find(POLICY_REQUESTS, call, uses).is_some()
}

/// The API a call names: a method name alone (`enforcer.enforce(..)`) when the file imports
/// the crate, or a path that ends in the owner and the method (`Authorizer::is_authorized`,
/// `casbin::CoreApi::enforce`) after the file's imports.
fn find<'t>(table: &'t [Api], call: &[String], uses: &[UseItem]) -> Option<&'t Api> {
    let last = call.last()?;
    if !table.iter().any(|api| names(api, last)) {
        return None;
    }
    let full = resolve(call, uses);
    let (method, owner) = match full.as_slice() {
        [] => return None,
        [m] => (m.as_str(), None),
        [.., o, m] => (m.as_str(), Some(o.as_str())),
    };
    table.iter().find(|api| {
        let named = names(api, method);
        let imported = full.first().is_some_and(|c| c == api.krate) || imports(uses, api.krate);
        named && imported && owner.is_none_or(|o| api.owners.contains(&o))
    })
}

/// Whether one of the API's methods is called `method`.
fn names(api: &Api, method: &str) -> bool {
    api.methods.iter().any(|m| match m.strip_suffix('*') {
        Some(prefix) => method.starts_with(prefix),
        None => method == *m,
    })
}

/// Whether the file imports anything of a crate.
pub fn imports(uses: &[UseItem], krate: &str) -> bool {
    uses.iter()
        .any(|u| u.path.first().is_some_and(|c| c == krate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(s: &str) -> Vec<String> {
        s.split("::").map(String::from).collect()
    }

    fn import(s: &str) -> UseItem {
        UseItem {
            path: segs(s),
            alias: None,
            glob: false,
        }
    }

    #[test]
    fn engines_by_import_and_path() {
        let casbin = [import("casbin::CoreApi")];
        assert_eq!(
            policy_decision(&segs("enforce"), &casbin),
            Some(Denial::False)
        );
        assert_eq!(
            policy_decision(&segs("enforce_mut"), &casbin),
            Some(Denial::False)
        );
        assert_eq!(policy_decision(&segs("enforce"), &[]), None);
        let oso = [import("oso::Oso")];
        assert_eq!(policy_decision(&segs("authorize"), &oso), Some(Denial::Err));
        assert_eq!(policy_decision(&segs("authorize"), &casbin), None);
        let cedar = [import("cedar_policy::Authorizer")];
        assert_eq!(
            policy_decision(&segs("Authorizer::is_authorized"), &cedar),
            Some(Denial::False)
        );
        assert!(is_policy_request(
            &segs("Request::new"),
            &[import("cedar_policy::Request")]
        ));
        assert!(!is_policy_request(
            &segs("Request::new"),
            &[import("reqwest::Request")]
        ));
    }
}
