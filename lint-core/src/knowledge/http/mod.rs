//! Web-facing public libraries: what verifies a credential.

pub mod verifiers;
