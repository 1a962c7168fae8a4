/**
 * Reading a wire document before any schema rule: size, nesting depth, JSON syntax and
 * well-formed strings (conformance/README.md, "Challenge decisions the spec leaves open").
 * Accepts either JSON text or an already-parsed value, so callers holding an object get the
 * same guarantees as those holding text.
 */

import { MAX_JSON_BYTES, MAX_JSON_DEPTH } from './constants';
import type { ProtocolError } from './errors';

export type ReadOutcome = { ok: true; doc: unknown } | { ok: false; error: ProtocolError };

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function invalid(message: string): ReadOutcome {
  return { ok: false, error: { code: 'INVALID_JSON', path: '$', message } };
}

function tooLarge(bytes: number): ReadOutcome {
  return {
    ok: false,
    error: {
      code: 'TOO_LARGE',
      path: '$',
      message: `document is ${bytes} bytes, over the limit of ${MAX_JSON_BYTES} (§6)`,
    },
  };
}

/**
 * Deepest container nesting of JSON text, stopping early past the limit. Done on the text so
 * that a megabyte of `[` is refused before JSON.parse builds it.
 */
function textDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * Walks a value without recursion: refuses nesting deeper than the limit (which also catches
 * cycles), strings that are not well-formed UTF-16 (the Rust reader refuses an escaped lone
 * surrogate, and JCS cannot encode one), and values JSON has no form for.
 */
function checkValue(root: unknown): string | undefined {
  const stack: [unknown, number][] = [[root, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, depth] = item;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return 'a string holds a lone UTF-16 surrogate';
      continue;
    }
    if (value === null || typeof value === 'number' || typeof value === 'boolean') continue;
    if (typeof value !== 'object') return `a ${typeof value} is not JSON data`;
    // Containers: depth counts them, the top-level one being level 1.
    if (depth + 1 > MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels (or cyclic)`;
    if (Array.isArray(value)) {
      for (const v of value) stack.push([v, depth + 1]);
    } else {
      for (const [k, v] of Object.entries(value)) {
        if (LONE_SURROGATE.test(k)) return 'a key holds a lone UTF-16 surrogate';
        if (v !== undefined) stack.push([v, depth + 1]);
      }
    }
  }
  return undefined;
}

/** Reads JSON text, or checks an already-parsed value, into a document ready for the schema. */
export function readDocument(input: unknown): ReadOutcome {
  if (typeof input === 'string') {
    const bytes = Buffer.byteLength(input, 'utf8');
    if (bytes > MAX_JSON_BYTES) return tooLarge(bytes);
    if (textDepthExceeds(input, MAX_JSON_DEPTH)) return invalid(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    let doc: unknown;
    try {
      doc = JSON.parse(input);
    } catch (err) {
      return invalid(err instanceof Error ? err.message : 'not JSON');
    }
    const problem = checkValue(doc);
    return problem === undefined ? { ok: true, doc } : invalid(problem);
  }
  const problem = checkValue(input);
  if (problem !== undefined) return invalid(problem);
  // The 1 MiB limit is about JSON text; an in-memory value is measured as the text it stands for.
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch (err) {
    return invalid(err instanceof Error ? err.message : 'not JSON data');
  }
  if (text === undefined) return invalid('not JSON data');
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > MAX_JSON_BYTES ? tooLarge(bytes) : { ok: true, doc: input };
}
