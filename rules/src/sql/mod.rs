pub mod query_missing_tenant_filter;
pub mod rls_not_enabled;
pub mod sql_built_with_format;
pub mod tenant_setting_not_local;
pub mod unscoped_query_audit;
