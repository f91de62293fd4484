//! The rule catalog. One file per rule, grouped by threat; [`ALL`] is the one registry.

use lint_core::rule::Rule;

pub mod cache;
pub mod http;
pub mod ids;
pub mod logging;
pub mod sql;
pub mod storage;

/// Every implemented rule, in the order `cargo tenantlint rules` lists them.
pub static ALL: &[&dyn Rule] = &[
    &http::tenant_from_request::TenantFromRequest,
    &sql::query_missing_tenant_filter::QueryMissingTenantFilter,
    &sql::unscoped_query_audit::UnscopedQueryAudit,
    &sql::tenant_setting_not_local::TenantSettingNotLocal,
    &sql::sql_built_with_format::SqlBuiltWithFormat,
    &sql::rls_not_enabled::RlsNotEnabled,
    &cache::cache_key_missing_tenant::CacheKeyMissingTenant,
    &storage::storage_key_missing_tenant::StorageKeyMissingTenant,
    &storage::storage_key_traversal::StorageKeyTraversal,
    &logging::sensitive_data_logged::SensitiveDataLogged,
    &ids::sequential_resource_id::SequentialResourceId,
];

/// Looks a rule up by id.
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().id == id)
}
