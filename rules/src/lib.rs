//! The rule catalog. One file per rule, grouped by threat; [`ALL`] is the one registry.

use lint_core::rule::Rule;

pub mod sql;

/// Every implemented rule, in the order `cargo tenantlint rules` lists them.
pub static ALL: &[&dyn Rule] = &[
    &sql::query_missing_tenant_filter::QueryMissingTenantFilter,
    &sql::rls_not_enabled::RlsNotEnabled,
    &sql::sql_built_with_format::SqlBuiltWithFormat,
    &sql::tenant_setting_not_local::TenantSettingNotLocal,
];

/// Looks a rule up by id.
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().id == id)
}
