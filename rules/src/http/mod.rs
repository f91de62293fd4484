pub mod helpers;
pub mod tenant_from_request;
