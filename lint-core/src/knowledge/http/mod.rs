//! Web-facing public libraries: what verifies a credential, what authorizes a principal, what
//! authenticates a signed message.

pub mod authz;
pub mod signatures;
pub mod verifiers;
