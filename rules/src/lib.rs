//! The rule catalog. One file per rule, grouped by threat; [`ALL`] is the one registry.

use lint_core::rule::Rule;

pub mod http;
pub mod sql;

/// Every implemented rule, in the order `cargo tenantlint rules` lists them.
pub static ALL: &[&dyn Rule] = &[
    &sql::tenant_setting_not_local::TenantSettingNotLocal,
    &http::tenant_from_request::TenantFromRequest,
];

/// Looks a rule up by id.
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().id == id)
}
