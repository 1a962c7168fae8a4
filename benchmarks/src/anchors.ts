/**
 * Reference medians from shared/notes/solver-ideas.md (2-core x86-64, solve only, plain
 * transportation instances), shown beside NASH's numbers. Keyed by `sellers x buyers`.
 */
export const ANCHORS_MS: Record<string, { lemon: number; ortools: number; highs: number }> = {
  '20x20': { lemon: 0.008, ortools: 0.08, highs: 1.1 },
  '50x50': { lemon: 0.031, ortools: 0.57, highs: 3.95 },
  '100x100': { lemon: 0.167, ortools: 1.34, highs: 16.0 },
  '300x300': { lemon: 3.27, ortools: 12.8, highs: 330 },
};

/** The N-API empty call of the same note. */
export const NAPI_NOOP_ANCHOR_NS = 11;
