//! # nash-solver-core
//!
//! The exact NASH settlement engine (`shared/spec/settlement.md`): read a challenge, build its
//! edges, find the welfare optimum `W*` (with all-or-nothing lots and swap ratios), split the
//! surplus by the Nash bargaining solution over the whole frontier, write the miner response
//! with an optimality certificate, and verify responses into verdicts.
//!
//! No N-API here: `packages/solver-binding` maps these types to JavaScript.
//!
//! ## Pipeline and the choice of methods
//!
//! | stage | module | method | why |
//! |---|---|---|---|
//! | input | [`challenge`], [`constraint`] | own JSON reader (depth-limited, overflow kept as ±inf so `1e999` is reported at its path), serde types, §1.2 grammar | every error names its JSON path and rule; parties sorted by id so nothing depends on input order |
//! | edges | [`edges`] | attributes, constraints, bonuses, defer pricing, corridors | §2 |
//! | welfare LP | [`flow`] | primal network simplex (strongly feasible trees, block pricing) | the common structure is a transportation problem; measured against LEMON in `benchmarks/`; optimality is priced to the real profits (`Transport::cost_scale`), not to the penalty arcs of soft lower bounds |
//! | welfare with ratios | [`lp`] | revised bounded simplex with the basis inverse in product form (`eta_file`: the network part rebuilt leaf by leaf without fill), partial pricing, duals carried across pivots, warm starts across solves with the same constraints (`solve_lp_from`) | swap ratios add side constraints that break the network structure; the welfare LP of a 300×300 swap market (678 rows, 31,000 columns) takes about 50 ms, and the Nash stage's probes over one face start from the last basis; optimality is priced to the scale of the real costs (`Lp::cost_scale`), not of big-M penalty columns |
//! | lots (MIP) | [`welfare`], [`relax`] | depth-first branch and bound, exact-penalty relaxations, every tied pattern enumerated; a child its parent's flow satisfies is not re-solved, and the parent's duals prune before a solve | §3.1 is a MIP with lots; §3.2 needs every pattern that reaches `W*` |
//! | Nash | [`nash`], [`split`], [`frontier_ipm`], [`bipartite_ipm`], [`sparse_finish`], [`grid_polish`], [`dense_chol`], [`sparse_chol`], [`master`] | exact split of the welfare allocation (Fujishige's lexicographically optimal base) and one first-order test; on a degenerate face, per connected component (large ones on threads), a primal-dual interior-point solve in owner-arc variables (whole component — laid out densely when it is a complete bipartite graph of single-leg parties, as on plain markets, and then thinned by exchange moves that keep every leg total and utility, and finished by Newton's method on the thinned answer's pattern — or over growing edge subsets when it is large and sparse), then the exact split; column generation to polish or as the last resort; [`price_ladder`] writes the same program over the prices parties trade at, an independent formulation the tests hold the stage against | the frontier is the optimal face of the welfare LP, a product over its components; the linear oracle over it is a max-weight flow |
//! | certificate | [`certificate`] | the branch-and-bound tree with LP duals per leaf | checking is O(leaves × edges), no solve; see the module for exactly what it proves |
//! | verdicts | [`verify`], [`stability`] | recompute everything from the trades; one oracle LP for Nash-stability | §5 |
//!
//! Crates such as HiGHS, `microlp` or Clarabel were considered: HiGHS is the test oracle (from
//! TypeScript, `packages/solver-binding/tests`), not a dependency, because its C++ build would
//! dominate every CI run and it cannot give the frontier's face and duals in one network
//! structure; `microlp` warns that it may cycle or panic; a conic solver is measured at 188 ms
//! for 100 agents (`shared/notes/solver-ideas.md`). The benchmarks decide the rest.

pub mod api;
pub mod bipartite_ipm;
pub mod certificate;
pub mod challenge;
pub mod constraint;
pub mod deadline;
pub mod dense_chol;
pub mod edges;
pub mod error;
mod eta_file;
pub mod flow;
pub mod frontier_ipm;
pub mod grid_polish;
pub mod jcs;
pub mod limits;
pub mod lp;
pub mod market;
pub mod master;
pub mod nash;
mod parallel;
pub mod price_ladder;
pub mod relax;
pub mod response;
pub mod sparse_chol;
pub mod sparse_finish;
pub mod split;
pub mod stability;
#[cfg(test)]
mod test_rng;
mod union_find;
pub mod verify;
pub mod welfare;
mod wide;

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
pub use lp::{solve_lp, solve_lp_from, Lp, LpError, LpSolution, Warm};
pub use market::Market;
