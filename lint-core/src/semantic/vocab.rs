//! The naming vocabulary: how identifiers, headers and columns are compared as names
//! (`tenantId`, `X-Tenant-Id` and `tenant_id` are one name).

/// `X-Tenant-Id`, `tenantId`, `tenant_id` → `tenantid`.
pub fn normalize_name(name: &str) -> String {
    normalized_bytes(name).map(char::from).collect()
}

/// `currentTenantId` → `current_tenant_id`, `X-Org-Id` → `x_org_id`.
pub fn to_snake(name: &str) -> String {
    let mut snake = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '-' || c == ' ' {
            snake.push('_');
        } else if c.is_ascii_uppercase() && prev_lower {
            snake.push('_');
            snake.push(c.to_ascii_lowercase());
        } else {
            snake.push(c.to_ascii_lowercase());
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    snake
}

/// Whether `name` is one of the `vocabulary` names (snake case), or ends with one after an
/// underscore: `tenant_id`, `tenantId`, `X-Tenant-Id`, `current_tenant_id`.
pub fn is_tenant_name(vocabulary: &[String], name: &str) -> bool {
    // Asked for most identifiers of a workspace: compared without allocating per entry.
    let snake = to_snake(name);
    vocabulary.iter().any(|v| {
        normalized_bytes(name).eq(normalized_bytes(v))
            || snake
                .strip_suffix(v.as_str())
                .is_some_and(|head| head.ends_with('_'))
    })
}

/// The bytes of [`normalize_name`], without building the string.
fn normalized_bytes(name: &str) -> impl Iterator<Item = u8> + '_ {
    let bytes = name.as_bytes();
    let rest = match bytes {
        [b'x' | b'X', b'-', rest @ ..] => rest,
        _ => bytes,
    };
    rest.iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_snake_splits_camel_case_and_dashes() {
        assert_eq!(to_snake("currentTenantId"), "current_tenant_id");
        assert_eq!(to_snake("X-Org-Id"), "x_org_id");
        assert_eq!(to_snake("tenant_id"), "tenant_id");
        assert_eq!(to_snake("HTTPServer"), "httpserver");
    }

    #[test]
    fn normalize_name_drops_the_x_prefix_case_and_separators() {
        assert_eq!(normalize_name("x-Tenant"), "tenant");
        assert_eq!(normalize_name("X_org"), "xorg");
        assert_eq!(normalize_name("é-x-Ïd"), "xd");
        assert_eq!(normalize_name("X-Tenant-Id"), "tenantid");
        assert_eq!(normalize_name("tenantId"), "tenantid");
        assert_eq!(normalize_name("tenant_id"), "tenantid");
    }

    #[test]
    fn tenant_names_match_whole_or_as_a_suffix() {
        let vocabulary = vec!["tenant_id".to_string(), "org_id".to_string()];
        for yes in [
            "tenant_id",
            "tenantId",
            "X-Tenant-Id",
            "current_tenant_id",
            "orgId",
        ] {
            assert!(is_tenant_name(&vocabulary, yes), "{yes}");
        }
        for no in ["tenant", "id", "tenant_ids", "subtenant_idx", "user_id"] {
            assert!(!is_tenant_name(&vocabulary, no), "{no}");
        }
    }
}
