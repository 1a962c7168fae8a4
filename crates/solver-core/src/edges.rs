//! Edges (§2): attributes, constraints, bonuses, defer pricing, surplus and corridors.
