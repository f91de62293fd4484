pub mod tenant_from_request;
