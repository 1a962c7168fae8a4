/**
 * The spec constants TypeScript needs (settlement.md §1, §3, §5, §6). Names and values mirror
 * `crates/solver-core/src/limits.rs`, the one place the Rust side keeps them;
 * tests/constants.test.ts parses that file and fails if a value drifts. The JSON Schemas repeat
 * a few of these numbers (schema keywords cannot refer to code); the same test checks them.
 */

/** The only challenge `version` this engine reads (§1). */
export const SPEC_VERSION = 1;
/** Hex digits allowed after `0x` in a `challenge_id` (§1). */
export const CHALLENGE_ID_HEX_MIN = 8;
export const CHALLENGE_ID_HEX_MAX = 128;
/** `response_window_ms` range and default (§1). */
export const RESPONSE_WINDOW_MIN_MS = 1;
export const RESPONSE_WINDOW_MAX_MS = 10_000;
export const RESPONSE_WINDOW_DEFAULT_MS = 200;
export const DEFAULT_CURRENCY = 'TAO';
/** Parties per challenge (§1, §6). */
export const MAX_PARTIES = 1024;
/** Party id length (§1.1). */
export const PARTY_ID_MAX_LEN = 64;
/** Constraint strings in all, constraints and preferences together (§6). */
export const MAX_CONSTRAINT_STRINGS = 4096;
/** Size of a challenge or response document in UTF-8 bytes (§6). */
export const MAX_JSON_BYTES = 1 << 20;
/** Default bargaining weight (§1.1) and default `duration_hours` of an edge (§2). */
export const DEFAULT_WEIGHT = 1.0;
export const DEFAULT_DURATION_HOURS = 1.0;

/** Feasibility tolerance: every absolute check uses `FEASIBILITY_TOL * max(1, |bound|)` (§3). */
export const FEASIBILITY_TOL = 1e-6;
/** A settlement is on the frontier when its gap is at most this (§3.1). */
export const FRONTIER_GAP_TOL = 1e-6;
/** Relative tolerance of the Nash first-order test and the per-trade conditions (§3.2). */
export const NASH_STABILITY_TOL = 1e-6;
/** Tolerance of claims against the validator's recomputation (§4). */
export const CLAIM_TOL = 1e-6;
/** Relative accuracy the solver itself reaches on the Nash utilities (§3.2). */
export const NASH_SOLVE_TOL = 1e-9;

/** Q tiers: `T(gap)` (§5), as [largest gap, factor], checked in order; beyond the last, 0. */
export const Q_GAP_TIERS: readonly (readonly [number, number])[] = [
  [1e-6, 1.0],
  [1e-3, 0.9],
  [1e-2, 0.7],
];
/** `N` factor of Q: Nash-stable or not (§5). */
export const Q_NASH_STABLE = 1.0;
export const Q_NASH_UNSTABLE = 0.85;

/**
 * Deepest nesting of arrays and objects a document may have, the top-level value being level 1.
 * Not a spec number: it stands for the "nested too deeply" of INVALID_JSON (conformance/README.md)
 * and mirrors `MAX_JSON_DEPTH` of the Rust reader (crates/solver-core/src/challenge.rs; a test
 * compares them). A real challenge nests 6 deep.
 */
export const MAX_JSON_DEPTH = 128;

/** The tolerance of an absolute check against `bound` (§3). */
export function absTol(bound: number): number {
  return FEASIBILITY_TOL * Math.max(1, Math.abs(bound));
}

/** `T(gap)` of §5. */
export function gapFactor(gap: number): number {
  for (const [limit, factor] of Q_GAP_TIERS) {
    if (gap <= limit) return factor;
  }
  return 0;
}

/** The quality score Q of §5 for a valid, undominated response. */
export function qualityScore(gap: number, nashStable: boolean): number {
  return gapFactor(gap) * (nashStable ? Q_NASH_STABLE : Q_NASH_UNSTABLE);
}
