//! The credential vocabulary: whether a binding, field, header or type name says its value is a
//! secret (`api_key`, `client_secret`, `refresh_token`, `session_id`) rather than something
//! about a secret (`api_key_id`, `token_hash`, `password_reset_url`), and which wrapper types
//! redact what they hold.

use crate::ir::*;
use crate::knowledge::secret_wrappers::{is_marking_wrapper, is_redacting_wrapper};
use crate::knowledge::wrappers::{REQUEST_BODY_WRAPPERS, SERVER_VALUE_WRAPPERS};
use crate::model::RustFile;
use crate::semantic::types::is_std_holder;
use crate::semantic::vocab::to_snake;

/// Nouns that name a credential when they are the head (last word) of a name.
const SECRET_HEADS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "jwt",
    "apikey",
    "credential",
    "creds",
    "authorization",
    "bearer",
    "privkey",
];

/// Qualifiers that make `key` a credential (`api_key`, `private_key`, `signing_key`).
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "private",
    "secret",
    "signing",
    "encryption",
    "access",
    "master",
    "hmac",
    "client",
    "session",
];

/// Qualifiers that turn a credential word into something that is not one: a digest, a count,
/// a redacted copy, a predicate, or a token of another kind (cancellation, pagination, lexer).
const NEUTRAL_WORDS: &[&str] = &[
    "hash",
    "hashed",
    "digest",
    "redacted",
    "masked",
    "encrypted",
    "obfuscated",
    "truncate",
    "truncated",
    "mask",
    "redact",
    "obfuscate",
    "censor",
    "censored",
    "shorten",
    "abbreviate",
    "len",
    "length",
    "count",
    "num",
    "max",
    "min",
    "total",
    "is",
    "has",
    "cancel",
    "cancellation",
    "shutdown",
    "page",
    "next",
    "continuation",
    "pagination",
    "cursor",
];

/// Whether a name says its value is a credential. `extra` holds the configured `secret-names`,
/// matched as whole names or as the tail of one (`stripe` matches `stripe` and `live_stripe`).
pub fn is_secret_name(name: &str, extra: &[String]) -> bool {
    let snake = to_snake(name.trim_start_matches("r#"));
    let words: Vec<&str> = snake
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let Some((&last, qualifiers)) = words.split_last() else {
        return false;
    };
    if words.iter().any(|w| NEUTRAL_WORDS.contains(w)) {
        return false;
    }
    if extra.iter().any(|e| {
        let e = to_snake(e);
        snake == e || snake.ends_with(&format!("_{e}"))
    }) {
        return true;
    }
    let head = singular(last);
    let qualifier = qualifiers.last().copied().unwrap_or("");
    match head {
        "key" => KEY_QUALIFIERS.contains(&qualifier),
        "id" => qualifier == "session",
        "header" => matches!(qualifier, "auth" | "authorization"),
        _ => SECRET_HEADS.contains(&head),
    }
}

/// Credential words that also name references and resource ids (a provider's
/// `checkout_token`, a payment `token`, a `session_id`, a card network's `authorization`
/// approval code): whether one holds a credential depends on the code, where `password` or
/// `client_secret` never does.
const AMBIGUOUS_HEADS: &[&str] = &["token", "jwt", "bearer", "authorization"];

/// Whether a credential name could also be a reference (`token`, `session_id`), rather than
/// naming a credential whatever the code (`password`, `api_key`, a configured secret name).
pub fn is_ambiguous_secret_name(name: &str, extra: &[String]) -> bool {
    let snake = to_snake(name.trim_start_matches("r#"));
    let configured = extra.iter().any(|e| {
        let e = to_snake(e);
        snake == e || snake.ends_with(&format!("_{e}"))
    });
    let head = snake.rsplit('_').next().unwrap_or("");
    !configured
        && is_secret_name(name, extra)
        && (AMBIGUOUS_HEADS.contains(&singular(head)) || is_session_id_name(name))
}

/// Words of values nobody can guess or enumerate (a nonce, a digest, a signature): besides the
/// credentials themselves, a key made only of such values is authorised by possession.
const POSSESSION_WORDS: &[&str] = &[
    "token",
    "session",
    "sid",
    "secret",
    "nonce",
    "csrf",
    "otp",
    "jti",
    "challenge",
    "verifier",
    "signature",
    "fingerprint",
    "hash",
    "hashed",
    "digest",
    "sha",
    "sha256",
];

/// Whether a name says its value is unguessable: a credential (`api_key`, `session_id`) or a
/// value derived from one or made to be unguessable (`token_hash`, `nonce`, `csrf_token`). The
/// same vocabulary as [`is_secret_name`], with the digests it leaves out (they cannot be
/// logged to harm, but they can be looked up only by whoever holds them).
pub fn is_possession_name(name: &str) -> bool {
    let snake = to_snake(name.trim_start_matches("r#"));
    is_secret_name(name, &[])
        || snake
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| POSSESSION_WORDS.contains(&singular(w)))
}

/// Whether values of this type identify rather than authenticate: a UUID or an integer.
pub fn is_identifier_type(ty: &Ty) -> bool {
    matches!(ty.name(), "Uuid" | "Ulid") || ty.is_integer()
}

/// `session_id`, `sessionId`: a credential when it is the session's bearer value, a correlation
/// id when it is a UUID or a number minted per connection.
pub fn is_session_id_name(name: &str) -> bool {
    to_snake(name).ends_with("session_id")
}

/// Heads that name something about a credential rather than the credential.
const DERIVED_HEADS: &[&str] = &[
    "id",
    "ids",
    "uuid",
    "hash",
    "digest",
    "fingerprint",
    "prefix",
    "suffix",
    "len",
    "length",
    "count",
    "size",
    "type",
    "kind",
    "name",
    "expiry",
    "expires",
    "ttl",
];

/// Whether a name says its value is derived from or about a credential (`token_id`,
/// `key_hash`, `secret_name`), so that a credential-named field holding it is fine.
pub fn is_derived_name(name: &str) -> bool {
    let snake = to_snake(name.trim_start_matches("r#"));
    let words: Vec<&str> = snake.split('_').filter(|w| !w.is_empty()).collect();
    words.iter().any(|w| NEUTRAL_WORDS.contains(w))
        || words.last().is_some_and(|w| DERIVED_HEADS.contains(w)) && !is_secret_name(name, &[])
}

fn singular(word: &str) -> &str {
    match word {
        "credentials" => "credential",
        "secrets" | "tokens" | "passwords" | "keys" | "apikeys" => &word[..word.len() - 1],
        _ => word,
    }
}

/// Whether a type hides its value when formatted (`Secret<String>`, `SecretString`,
/// `Option<Redacted<T>>`): looks through references and the usual containers.
pub fn is_redacting_type(ty: &Ty) -> bool {
    let Some(path) = ty.path() else { return false };
    let last = path.last();
    if is_redacting_wrapper(last) || last.contains("Redact") {
        return true;
    }
    (is_std_holder(last) || last == "Vec") && path.generics.first().is_some_and(is_redacting_type)
}

/// Whether a type marks its value as a secret while printing it (`Zeroizing<String>`,
/// `Option<Zeroizing<Vec<u8>>>`): a credential by type, whatever the value is called.
pub fn is_marked_secret_type(ty: &Ty) -> bool {
    let Some(path) = ty.path() else { return false };
    let last = path.last();
    is_marking_wrapper(last)
        || (is_std_holder(last) || last == "Vec")
            && path.generics.first().is_some_and(is_marked_secret_type)
}

/// Methods that look a named value up: `headers.get("authorization")`, `env::var("API_KEY")`.
const LOOKUP_METHODS: &[&str] = &["get", "get_all", "header", "var", "get_one", "remove"];

/// The name a value is known by: the binding (`token`), field (`cfg.api_key`), const
/// (`API_KEY`), accessor (`key.expose_secret()`), callee (`load_password()`), or the key it is
/// looked up by (`headers.get(AUTHORIZATION)`).
pub fn value_name(file: &RustFile, expr: ExprId) -> Option<String> {
    match &file.expr(file.strip(expr)).kind {
        ExprKind::Path(p) => Some(p.last().to_string()),
        ExprKind::Field { member, .. } => Some(member.name.clone()),
        ExprKind::Index { base, .. } => value_name(file, *base),
        // `token.map(RefreshToken::secret)`: an accessor mapped over an `Option` or `Result`.
        ExprKind::MethodCall { method, args, .. }
            if matches!(method.name.as_str(), "map" | "and_then")
                && args
                    .last()
                    .is_some_and(|&a| matches!(file.expr(a).kind, ExprKind::Path(_))) =>
        {
            args.last().and_then(|&a| value_name(file, a))
        }
        ExprKind::MethodCall { method, args, .. } => {
            match args
                .first()
                .filter(|_| LOOKUP_METHODS.contains(&method.name.as_str()))
            {
                Some(&key) => file
                    .static_str(key)
                    .or_else(|| value_name(file, key))
                    .or_else(|| Some(method.name.clone())),
                None => Some(method.name.clone()),
            }
        }
        ExprKind::Call { func, args } => {
            let name = match &file.expr(*func).kind {
                ExprKind::Path(p) => p.last().to_string(),
                _ => return None,
            };
            match args
                .first()
                .filter(|_| LOOKUP_METHODS.contains(&name.as_str()))
            {
                Some(&key) => file.static_str(key).or_else(|| value_name(file, key)),
                None => Some(name),
            }
        }
        _ => None,
    }
}

/// Containers and extractors whose `Debug`/identity is that of what they hold.
fn is_transparent(name: &str) -> bool {
    is_std_holder(name)
        || name == "Vec"
        || SERVER_VALUE_WRAPPERS.contains(&name)
        || REQUEST_BODY_WRAPPERS.contains(&name)
}

/// The type of a value where the function says it: a parameter's declared type, `self`, or a
/// `let` initialised with a struct literal or a `Type::constructor(..)` call. Containers
/// (`Option`, `Arc`, `Json`...) are looked through.
pub fn value_type(file: &RustFile, function: Option<FnId>, expr: ExprId) -> Option<Ty> {
    let function = function?;
    let id = file.strip(expr);
    let name = file.as_ident(id)?;
    let f = file.function(function);
    if name == "self" {
        return f.owner.as_ref().map(|o| peel(&o.self_ty).clone());
    }
    for p in &f.params {
        // `x: T`, or an extractor unwrapped in place: `Json(x): Json<T>`.
        let mut names = Vec::new();
        file.bindings(p.pat, &mut names);
        if let [(n, _)] = names.as_slice() {
            if n == name {
                return Some(peel(&p.ty).clone());
            }
        }
    }
    let offset = file.expr(id).span.start;
    if let Some(ty) = annotated_let_type(file, &f.body, name, offset) {
        return Some(peel(&ty).clone());
    }
    let init = crate::flow::reaching_let(file, function, name, offset)?;
    let path = match &file.expr(file.strip(init)).kind {
        ExprKind::Struct { path, .. } => path.clone(),
        ExprKind::Call { func, .. } => match &file.expr(*func).kind {
            ExprKind::Path(p) if p.segments.len() >= 2 => {
                let ty = &p.segments[p.segments.len() - 2];
                if !ty.starts_with(|c: char| c.is_ascii_uppercase()) {
                    return None;
                }
                Path {
                    segments: vec![ty.clone()],
                    generics: Vec::new(),
                }
            }
            _ => return None,
        },
        _ => return None,
    };
    Some(Ty::Path(path))
}

/// The written type of the last `let name: T = ..` before `offset`, in nested blocks too.
fn annotated_let_type(file: &RustFile, body: &Block, name: &str, offset: u32) -> Option<Ty> {
    let mut found: Option<(u32, Ty)> = None;
    let mut consider = |block: &Block| {
        for stmt in &block.stmts {
            if let Stmt::Let {
                pat,
                ty: Some(ty),
                span,
                ..
            } = stmt
            {
                let named =
                    matches!(&file.pat(*pat).kind, PatKind::Ident { name: n, .. } if n == name);
                if named
                    && span.start < offset
                    && found.as_ref().is_none_or(|(at, _)| *at < span.start)
                {
                    found = Some((span.start, ty.clone()));
                }
            }
        }
    };
    consider(body);
    file.walk_block(body, &mut |id| match &file.expr(id).kind {
        ExprKind::Block(b) | ExprKind::If { then: b, .. } | ExprKind::Loop { body: b, .. } => {
            consider(b)
        }
        _ => {}
    });
    found.map(|(_, ty)| ty)
}

fn peel(ty: &Ty) -> &Ty {
    crate::semantic::types::peel(ty, &is_transparent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names() {
        let none: &[String] = &[];
        for yes in [
            "api_key",
            "apiKey",
            "X-Api-Key",
            "password",
            "refresh_token",
            "client_secret",
            "private_key",
            "session_id",
            "auth_header",
            "authorization",
            "tokens",
            "expose_secret",
            "AccessToken",
        ] {
            assert!(is_secret_name(yes, none), "{yes}");
        }
        for no in [
            "api_key_id",
            "token_hash",
            "password_hash",
            "hashed_password",
            "key",
            "cache_key",
            "token_type",
            "max_tokens",
            "cancellation_token",
            "secret_name",
            "user_id",
            "is_secret",
            "redacted_token",
            "truncate_token",
            "mask_api_key",
            "",
        ] {
            assert!(!is_secret_name(no, none), "{no}");
        }
        assert!(is_derived_name("token_id"));
        assert!(is_derived_name("key_hash"));
        assert!(!is_derived_name("key"));
        assert!(!is_derived_name("session_id"));
        for yes in [
            "session_token",
            "api_key",
            "token_hash",
            "nonce",
            "csrf_token",
            "otp",
            "sid",
            "pkce_verifier",
            "sha256",
            "password",
        ] {
            assert!(is_possession_name(yes), "{yes}");
        }
        for no in [
            "user_id", "doc_id", "email", "name", "ip", "path", "key", "shard",
        ] {
            assert!(!is_possession_name(no), "{no}");
        }
        assert!(is_ambiguous_secret_name("checkout_token", none));
        assert!(is_ambiguous_secret_name("session_id", none));
        assert!(is_ambiguous_secret_name("authorization", none));
        assert!(!is_ambiguous_secret_name("client_secret", none));
        assert!(!is_ambiguous_secret_name("api_key", none));
        assert!(!is_ambiguous_secret_name("dsn", &["dsn".into()]));
        assert!(is_secret_name("stripe", &["stripe".into()]));
        assert!(is_secret_name("live_stripe", &["stripe".into()]));
    }
}
