//! The naming vocabulary: how identifiers, headers and columns are compared as names
//! (`tenantId`, `X-Tenant-Id` and `tenant_id` are one name).

/// `X-Tenant-Id`, `tenantId`, `tenant_id` → `tenantid`.
pub fn normalize_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let lower = lower.strip_prefix("x-").unwrap_or(&lower);
    lower
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
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
    let snake = to_snake(name);
    let flat = normalize_name(name);
    vocabulary
        .iter()
        .any(|v| flat == normalize_name(v) || snake.ends_with(&format!("_{v}")))
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
