//! # nash-solver-core
//!
//! The exact NASH settlement engine (`shared/spec/settlement.md`): read a challenge, build its
//! edges, find the welfare optimum `W*` (with all-or-nothing lots and swap ratios), split the
//! surplus by the Nash bargaining solution over the whole frontier, write the miner response
//! with an optimality certificate, and verify responses into verdicts.
//!
//! No N-API here: `packages/solver-binding` maps these types to JavaScript.

pub mod api;
pub mod certificate;
pub mod challenge;
pub mod constraint;
pub mod deadline;
pub mod edges;
pub mod error;
pub mod flow;
pub mod frontier_ipm;
pub mod jcs;
pub mod limits;
pub mod lp;
pub mod market;
pub mod master;
pub mod nash;
pub mod relax;
pub mod response;
pub mod sparse_chol;
pub mod split;
pub mod stability;
pub mod verify;
pub mod welfare;

pub use api::{
    profile_json, solve_challenge, solve_json, validate_json, verify_challenge, verify_json,
    SolveOptions, StageTimings, VerifyOptions,
};
pub use challenge::{parse_challenge, parse_challenge_value, Challenge};
pub use constraint::{Constraint, Op};
pub use deadline::Deadline;
pub use edges::{build_market, edge_attrs, edge_index, party_index, EdgeAttrs};
pub use error::{ErrorCode, NashError};
pub use flow::{solve_transport, FlowError, Transport, TransportSolution};
pub use jcs::{canonicalize, commitment_hash};
pub use lp::{solve_lp, Lp, LpError, LpSolution};
pub use market::Market;
