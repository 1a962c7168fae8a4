//! Node-API binding of nash-solver-core.
