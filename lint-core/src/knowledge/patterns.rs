//! The `regex` crate: how a compiled pattern is made and tested, and whether a pattern admits
//! only identifier characters, so a value it accepts cannot carry SQL (no quote, space, `;`).

/// `(type, function)` calls that compile a pattern from their first argument, matched on the
/// last two path segments (`regex::Regex::new`, `regex::bytes::Regex::new`).
pub const PATTERN_CONSTRUCTORS: &[(&str, &str)] = &[("Regex", "new")];

/// `(type, function)` lazy holders whose closure's value is the static's value:
/// `LazyLock::new(|| Regex::new(..).unwrap())`, `once_cell::sync::Lazy::new(..)`.
pub const LAZY_HOLDERS: &[(&str, &str)] =
    &[("LazyLock", "new"), ("Lazy", "new"), ("LazyCell", "new")];

/// Methods of a compiled pattern that answer whether a string matches it.
pub const MATCH_METHODS: &[&str] = &["is_match"];

/// Methods that give the compiled pattern or fail: `Regex::new(..).unwrap()`.
pub const UNWRAPS: &[&str] = &["unwrap", "expect"];

/// Whether a pattern, in the `regex` crate's syntax, is anchored at both ends (`^..$`, `\A..\z`)
/// and between them admits only `[A-Za-z0-9_-]` (or `\w`, `\d`): a sequence of such characters
/// and classes, each optionally repeated. Alternation, groups, flags, `.` and negated classes
/// are not recognised, so such a pattern is not taken for an identifier check.
pub fn admits_only_identifiers(pattern: &str) -> bool {
    let Some(body) = pattern
        .strip_prefix('^')
        .or_else(|| pattern.strip_prefix("\\A"))
    else {
        return false;
    };
    let Some(body) = body.strip_suffix('$').or_else(|| body.strip_suffix("\\z")) else {
        return false;
    };
    // `\$` at the end is a literal dollar, not the anchor.
    if body.ends_with('\\') {
        return false;
    }
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let atom_ok = match chars[i] {
            '[' => match class_end(&chars, i + 1) {
                Some(end) => {
                    i = end + 1;
                    true
                }
                None => false,
            },
            '\\' => {
                let ok = chars
                    .get(i + 1)
                    .is_some_and(|c| matches!(c, 'w' | 'd' | '-' | '_'));
                i += 2;
                ok
            }
            c if is_identifier_char(c) => {
                i += 1;
                true
            }
            _ => false,
        };
        if !atom_ok {
            return false;
        }
        i = skip_quantifier(&chars, i);
    }
    true
}

fn is_identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The index of the `]` closing a class that starts at `start` (after its `[`), when the class
/// holds identifier characters, same-kind ranges (`a-z`, `A-Z`, `0-9`) and `\w`, `\d` only.
fn class_end(chars: &[char], start: usize) -> Option<usize> {
    if chars.get(start) == Some(&'^') {
        return None;
    }
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            ']' if i > start => return Some(i),
            '\\' => {
                if !chars
                    .get(i + 1)
                    .is_some_and(|c| matches!(c, 'w' | 'd' | '-' | '_'))
                {
                    return None;
                }
                i += 2;
            }
            c if is_identifier_char(c) => {
                // A range: both ends of one kind, so `A-z` (which holds `\`, `[`, `^`) is not one.
                if c != '-'
                    && chars.get(i + 1) == Some(&'-')
                    && chars.get(i + 2).is_some_and(|e| *e != ']')
                {
                    let end = chars[i + 2];
                    let same_kind = (c.is_ascii_lowercase() && end.is_ascii_lowercase())
                        || (c.is_ascii_uppercase() && end.is_ascii_uppercase())
                        || (c.is_ascii_digit() && end.is_ascii_digit());
                    if !same_kind || end < c {
                        return None;
                    }
                    i += 3;
                } else {
                    i += 1;
                }
            }
            _ => return None,
        }
    }
    None
}

/// Past a quantifier (`*`, `+`, `?`, `{n}`, `{n,m}`, each optionally lazy) at `i`, if any.
fn skip_quantifier(chars: &[char], mut i: usize) -> usize {
    match chars.get(i) {
        Some('*' | '+' | '?') => i += 1,
        Some('{') => {
            let mut j = i + 1;
            while chars
                .get(j)
                .is_some_and(|c| c.is_ascii_digit() || *c == ',')
            {
                j += 1;
            }
            if chars.get(j) != Some(&'}') {
                return i;
            }
            i = j + 1;
        }
        _ => return i,
    }
    if chars.get(i) == Some(&'?') {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::admits_only_identifiers;

    #[test]
    fn identifier_patterns() {
        for p in [
            r"^[a-zA-Z][a-zA-Z0-9_-]*$",
            r"^[a-z0-9_]{1,63}$",
            r"^\w+$",
            r"\A[A-Z_]+\z",
            r"^[-a-z]+$",
        ] {
            assert!(admits_only_identifiers(p), "{p}");
        }
        for p in [
            r"[a-z]+",
            r"^[a-z]+",
            r"[a-z]+$",
            r"^[a-z ]+$",
            r"^[a-z']+$",
            r"^.+$",
            r"^[A-z]+$",
            r"^[^;]+$",
            r"^(a|b;)$",
            r"^[a-z]+\$",
            r"^[a-z",
            r"^[]$",
            r"^a{1,$",
            "",
        ] {
            assert!(!admits_only_identifiers(p), "{p}");
        }
    }
}
