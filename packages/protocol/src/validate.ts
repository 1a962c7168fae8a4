/**
 * Runtime validation of wire documents: read (size, depth, syntax), schema (ajv, compiled once
 * from schema/), semantic rules; errors translated to stable codes and JSON paths, and sorted so
 * that the first is the one the Rust reader reports (conformance/README.md, "Check order").
 */

import { readDocument } from './document';
import { type ErrorCode, type ProtocolError, ProtocolValidationError } from './errors';
import type { Challenge } from './generated/challenge';
import type { Response } from './generated/response';
import type { Verdict } from './generated/verdict';
import { compareDocumentOrder, type FieldOrder, formatPath, type Path } from './path';
import { mapAjvError, type RawError, type SchemaName, validatorFor } from './schemas';
import { challengeRules, pathKey, responseRules } from './semantic';

export type ValidationResult<K extends string, T> =
  | ({ ok: true } & { [key in K]: T })
  | { ok: false; errors: ProtocolError[] };

/** When one field breaks several rules, the one the reader meets first is kept. */
const PRIORITY: readonly ErrorCode[] = [
  'INVALID_JSON',
  'TOO_LARGE',
  'NOT_FINITE',
  'TYPE',
  'MISSING',
  'VERSION',
  'FORMAT',
  'UNKNOWN_INTENT',
  'RANGE',
  'LIMIT',
  'DUPLICATE_ID',
  'SWAP_SAME_RESOURCE',
  'CONSTRAINT_SYNTAX',
  'CONSTRAINT_ORDERING',
  'DEADLINE_EXCEEDED',
  'INTERNAL',
];

const CHALLENGE_ORDER: FieldOrder = {
  fields: [
    'version',
    'challenge_id',
    'timestamp',
    'response_window_ms',
    'currency',
    'network',
    'latency_ms',
    'parties',
    'id',
    'intent',
    'attributes',
    'constraints',
    'preferences',
    'when',
    'bonus',
    'weight',
    'resource',
    'quantity',
    'available',
    'current',
    'min',
    'max',
    'price',
    'compensation',
    'per',
    'give',
    'get',
    'ratio',
    'give_per_get_max',
  ],
  isMap: (prefix) =>
    (prefix.length === 3 && prefix[0] === 'parties' && prefix[2] === 'attributes') ||
    (prefix[0] === 'network' && prefix[1] === 'latency_ms' && prefix.length >= 2),
};

const RESPONSE_ORDER: FieldOrder = {
  fields: [
    'challenge_id',
    'settlement',
    'trades',
    'action',
    'seller',
    'buyer',
    'resource',
    'quantity',
    'price_per_unit',
    'total',
    'utility',
    'parties',
    'welfare',
    'equilibrium_proof',
    'pareto_optimal',
    'nash_stable',
    'utility_scores',
    'certificate',
    'commitment_hash',
    'response_time_ms',
  ],
  isMap: (prefix) =>
    (prefix[0] === 'settlement' && prefix[1] === 'parties' && prefix.length === 2) ||
    (prefix[0] === 'equilibrium_proof' && prefix[1] === 'utility_scores' && prefix.length === 2),
};

const VERDICT_ORDER: FieldOrder = {
  fields: ['valid', 'errors', 'welfare', 'optimal_welfare', 'gap', 'pareto_optimal', 'nash_stable', 'dominated', 'q'],
  isMap: () => false,
};

interface Kind {
  schema: SchemaName;
  order: FieldOrder;
  rules(doc: unknown, failed: ReadonlySet<string>): RawError[];
}

const KINDS = {
  challenge: { schema: 'challenge', order: CHALLENGE_ORDER, rules: challengeRules },
  response: { schema: 'response', order: RESPONSE_ORDER, rules: (doc: unknown) => responseRules(doc) },
  verdict: { schema: 'verdict', order: VERDICT_ORDER, rules: () => [] },
} satisfies Record<SchemaName, Kind>;

/** All errors of a document, first (in check order) first; empty when valid. */
function collect(kind: Kind, input: unknown): { doc: unknown; errors: ProtocolError[] } {
  const read = readDocument(input);
  if (!read.ok) return { doc: undefined, errors: [read.error] };
  const { doc } = read;

  const validate = validatorFor(kind.schema);
  const raw: RawError[] = [];
  if (!validate(doc)) {
    for (const err of validate.errors ?? []) {
      const mapped = mapAjvError(err, doc);
      if (mapped !== undefined) raw.push(mapped);
    }
  }
  const failed = new Set(raw.map((e) => pathKey(e.path)));
  raw.push(...kind.rules(doc, failed));

  // One error per path: the one the reader meets first.
  const byPath = new Map<string, RawError>();
  for (const e of raw) {
    const key = pathKey(e.path);
    const held = byPath.get(key);
    if (held === undefined || PRIORITY.indexOf(e.code) < PRIORITY.indexOf(held.code)) byPath.set(key, e);
  }
  const errors = [...byPath.values()]
    .sort((a, b) => compareDocumentOrder(a.path as Path, b.path as Path, doc, kind.order))
    .map((e) => ({ code: e.code, path: formatPath(e.path), message: e.message }));
  return { doc, errors };
}

function run<T>(kind: Kind, input: unknown): { ok: true; value: T } | { ok: false; errors: ProtocolError[] } {
  try {
    const { doc, errors } = collect(kind, input);
    return errors.length === 0 ? { ok: true, value: doc as T } : { ok: false, errors };
  } catch (err) {
    // Validation must answer, never throw; anything escaping is a bug of this package.
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [{ code: 'INTERNAL', path: '$', message: `validator failure: ${message}` }] };
  }
}

/**
 * Validates a challenge (settlement.md §1, §6): JSON text or a parsed value. On success the
 * document itself is returned, typed; defaults (§1) are not filled in.
 */
export function validateChallenge(input: unknown): ValidationResult<'challenge', Challenge> {
  const r = run<Challenge>(KINDS.challenge, input);
  return r.ok ? { ok: true, challenge: r.value } : r;
}

/** Validates a miner response (§4) structurally; the claims are checked by a validator (§5). */
export function validateResponse(input: unknown): ValidationResult<'response', Response> {
  const r = run<Response>(KINDS.response, input);
  return r.ok ? { ok: true, response: r.value } : r;
}

/** Validates a verdict (§5). */
export function validateVerdict(input: unknown): ValidationResult<'verdict', Verdict> {
  const r = run<Verdict>(KINDS.verdict, input);
  return r.ok ? { ok: true, verdict: r.value } : r;
}

/**
 * Parses and validates challenge text.
 * @throws ProtocolValidationError carrying the first error's `code` and `path`, and all errors.
 */
export function parseChallenge(text: string): Challenge {
  const r = validateChallenge(text);
  if (!r.ok) throw new ProtocolValidationError(r.errors);
  return r.challenge;
}

/**
 * Parses and validates response text.
 * @throws ProtocolValidationError carrying the first error's `code` and `path`, and all errors.
 */
export function parseResponse(text: string): Response {
  const r = validateResponse(text);
  if (!r.ok) throw new ProtocolValidationError(r.errors);
  return r.response;
}
