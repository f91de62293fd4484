pub mod cache_key_missing_tenant;
