pub mod storage_key_missing_tenant;
pub mod storage_key_traversal;
