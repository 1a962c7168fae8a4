/**
 * The rules of settlement.md §1 and §6 that JSON Schema cannot state: limits on counts, unique
 * ids, `min` ≤ `max`, a swap's two resources, the sell alias `available`/`max`, and the
 * constraint grammar. They run on the raw document next to the schema, defensively (the
 * document may be malformed anywhere), and skip a comparison whose operands the schema already
 * refused, so that one broken field yields one error.
 */

import { MAX_CONSTRAINT_STRINGS, MAX_PARTIES } from './constants';
import { tryParseConstraint } from './constraint';
import { isObject, type Segment } from './path';
import type { RawError } from './schemas';

/** Paths (formatted with `key`) that already carry a schema error. */
export type FailedPaths = ReadonlySet<string>;

export function pathKey(path: readonly Segment[]): string {
  return JSON.stringify(path);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `min` ≤ `max` in one quantity object, reported at the `min` (conformance/README.md). */
function checkMinMax(quantity: unknown, at: Segment[], capKey: string, failed: FailedPaths, out: RawError[]): void {
  if (!isObject(quantity)) return;
  const minPath = [...at, 'min'];
  const capPath = [...at, capKey];
  if (failed.has(pathKey(minPath)) || failed.has(pathKey(capPath))) return;
  const min = num(quantity.min);
  const cap = num(quantity[capKey]);
  if (min !== undefined && cap !== undefined && min > cap) {
    out.push({ code: 'RANGE', path: minPath, message: `min ${min} is above ${capKey} ${cap}` });
  }
}

function checkConstraintText(text: unknown, path: Segment[], out: RawError[]): void {
  if (typeof text !== 'string') return;
  const outcome = tryParseConstraint(text);
  if (!outcome.ok) out.push({ code: outcome.code, path, message: `${outcome.message} in ${JSON.stringify(text)}` });
}

function checkParty(party: Record<string, unknown>, i: number, failed: FailedPaths, out: RawError[]): void {
  const base: Segment[] = ['parties', i];
  if (Array.isArray(party.constraints)) {
    party.constraints.forEach((text, k) => {
      checkConstraintText(text, [...base, 'constraints', k], out);
    });
  }
  if (Array.isArray(party.preferences)) {
    party.preferences.forEach((pref, k) => {
      if (isObject(pref)) checkConstraintText(pref.when, [...base, 'preferences', k, 'when'], out);
    });
  }
  switch (party.intent) {
    case 'buy':
      checkMinMax(party.quantity, [...base, 'quantity'], 'max', failed, out);
      break;
    case 'sell': {
      const q = party.quantity;
      if (!isObject(q)) break;
      // `max` is accepted for `available` (§1.1); `available` wins when both are written.
      const capKey = 'available' in q ? 'available' : 'max' in q ? 'max' : undefined;
      if (capKey === undefined) {
        out.push({
          code: 'MISSING',
          path: [...base, 'quantity', 'available'],
          message: 'required field available (or its alias max) is missing',
        });
      } else {
        checkMinMax(q, [...base, 'quantity'], capKey, failed, out);
      }
      break;
    }
    case 'swap': {
      const give = party.give;
      const get = party.get;
      if (isObject(get)) checkMinMax(get.quantity, [...base, 'get', 'quantity'], 'max', failed, out);
      if (isObject(give) && isObject(get) && typeof give.resource === 'string' && give.resource === get.resource) {
        out.push({
          code: 'SWAP_SAME_RESOURCE',
          path: [...base, 'get', 'resource'],
          message: `a swap must give and get different resources, both are ${JSON.stringify(give.resource)}`,
        });
      }
      break;
    }
    default:
      break;
  }
}

/** Semantic rules of a challenge document. */
export function challengeRules(doc: unknown, failed: FailedPaths): RawError[] {
  const out: RawError[] = [];
  if (!isObject(doc) || !Array.isArray(doc.parties)) return out;
  const parties: unknown[] = doc.parties;

  // Limits come before any party (conformance/README.md, "Check order").
  if (parties.length > MAX_PARTIES) {
    out.push({
      code: 'LIMIT',
      path: ['parties'],
      message: `${parties.length} parties, over the limit of ${MAX_PARTIES} (§6)`,
    });
  } else {
    let strings = 0;
    for (const p of parties) {
      if (!isObject(p)) continue;
      if (Array.isArray(p.constraints)) strings += p.constraints.length;
      if (Array.isArray(p.preferences)) strings += p.preferences.length;
    }
    if (strings > MAX_CONSTRAINT_STRINGS) {
      out.push({
        code: 'LIMIT',
        path: ['parties'],
        message: `${strings} constraint and preference strings, over the limit of ${MAX_CONSTRAINT_STRINGS} (§6)`,
      });
    }
  }

  const firstIndexOfId = new Map<string, number>();
  parties.forEach((party, i) => {
    if (!isObject(party)) return;
    const id = party.id;
    if (typeof id === 'string' && !failed.has(pathKey(['parties', i, 'id']))) {
      const earlier = firstIndexOfId.get(id);
      if (earlier === undefined) firstIndexOfId.set(id, i);
      else {
        out.push({
          code: 'DUPLICATE_ID',
          path: ['parties', i, 'id'],
          message: `id ${JSON.stringify(id)} is already used by parties[${earlier}]`,
        });
      }
    }
    checkParty(party, i, failed, out);
  });
  return out;
}

/** Semantic rules of a response: at most one trade per (seller, buyer, resource) (§4). */
export function responseRules(doc: unknown): RawError[] {
  const out: RawError[] = [];
  if (!isObject(doc) || !isObject(doc.settlement) || !Array.isArray(doc.settlement.trades)) return out;
  const seen = new Map<string, number>();
  doc.settlement.trades.forEach((trade: unknown, j: number) => {
    if (!isObject(trade)) return;
    const { seller, buyer, resource } = trade;
    if (typeof seller !== 'string' || typeof buyer !== 'string' || typeof resource !== 'string') return;
    const key = JSON.stringify([seller, buyer, resource]);
    const earlier = seen.get(key);
    if (earlier === undefined) seen.set(key, j);
    else {
      out.push({
        code: 'DUPLICATE_ID',
        path: ['settlement', 'trades', j],
        message: `a second trade ${seller} -> ${buyer} of ${resource} (first: settlement.trades[${earlier}])`,
      });
    }
  });
  return out;
}
