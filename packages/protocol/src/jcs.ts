/**
 * RFC 8785 JSON Canonicalization Scheme, and the response's `commitment_hash` (settlement.md §4).
 *
 * JCS = ECMAScript serialisation of primitives (numbers as `Number.prototype.toString`, which
 * is what `String(n)` gives; -0 as `0`), object members sorted by the UTF-16 code units of their
 * names, no whitespace, and the minimal string escaping below.
 */

import { createHash } from 'node:crypto';

const HEX = '0123456789abcdef';
const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  92: '\\\\',
};

/** Thrown for values that have no JSON form: NaN, infinities, lone surrogates, functions, cycles. */
export class CanonicalizationError extends TypeError {
  override name = 'CanonicalizationError';
}

function serializeString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      // JCS works on I-JSON: a string must be well-formed UTF-16 (a pair high + low).
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      throw new CanonicalizationError(`lone surrogate U+${c.toString(16)} at index ${i}`);
    }
    const short = SHORT_ESCAPES[c];
    if (short === undefined && c >= 0x20) continue;
    out += s.slice(start, i);
    out += short ?? `\\u00${HEX.charAt(c >> 4)}${HEX.charAt(c & 0xf)}`;
    start = i + 1;
  }
  return `${out}${s.slice(start)}"`;
}

function serializeNumber(n: number): string {
  if (!Number.isFinite(n)) throw new CanonicalizationError(`${n} has no JSON form`);
  // String(-0) is already "0"; Object.is keeps that explicit.
  return Object.is(n, -0) ? '0' : String(n);
}

/** Code-unit order, which is what `<` on JS strings compares (not locale, not code points). */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function serialize(value: unknown, parents: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return serializeNumber(value);
    case 'string':
      return serializeString(value);
    case 'object':
      break;
    default:
      throw new CanonicalizationError(`a ${typeof value} has no JSON form`);
  }
  if (parents.has(value)) throw new CanonicalizationError('cyclic structure');
  parents.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((item) => serialize(item, parents)).join(',')}]`;
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new CanonicalizationError('only plain objects and arrays can be canonicalized');
    }
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort(compareKeys)) {
      const member = record[key];
      // As in JSON.stringify: an undefined member is absent, not null.
      if (member === undefined) continue;
      members.push(`${serializeString(key)}:${serialize(member, parents)}`);
    }
    out = `{${members.join(',')}}`;
  }
  parents.delete(value);
  return out;
}

/**
 * The RFC 8785 canonical JSON text of a JSON value (plain objects, arrays, strings, finite
 * numbers, booleans, null).
 * @throws CanonicalizationError for anything without a JSON form.
 */
export function canonicalize(value: unknown): string {
  return serialize(value, new Set());
}

/** What `commitment_hash` binds: the challenge, the miner's hotkey (`""` offline), the settlement. */
export interface CommitmentInput {
  challenge_id: string;
  miner: string;
  settlement: unknown;
}

/** `"sha256:"` + lowercase hex SHA-256 of the JCS text (UTF-8) of `{challenge_id, miner, settlement}` (§4). */
export function commitmentHash(input: CommitmentInput): string {
  const text = canonicalize({
    challenge_id: input.challenge_id,
    miner: input.miner,
    settlement: input.settlement,
  });
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}
