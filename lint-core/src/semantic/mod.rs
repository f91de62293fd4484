//! Layer 2, semantic: questions about what code means that are not about tenants or any
//! library: bindings and shadowing, name resolution, types, the call graph, test code, naming
//! vocabulary. Imports only `syntax`.

pub mod bindings;
pub mod callgraph;
pub mod level;
pub mod macros;
pub mod settings;
pub mod test_code;
pub mod types;
pub mod vocab;
