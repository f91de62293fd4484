//! Questions about what code means that are not about tenants or any library.

pub mod callgraph;
