/**
 * The JSON Schemas of schema/ (the single source of truth of the wire format), compiled once
 * with ajv, and the translation of ajv's errors into the stable codes and paths of
 * conformance/README.md.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { ErrorCode } from './errors';
import { isObject, pointerToPath, type Segment } from './path';

export type SchemaName = 'challenge' | 'response' | 'verdict';

/** An error before paths are formatted: segments keep document order computable. */
export interface RawError {
  code: ErrorCode;
  path: Segment[];
  message: string;
}

/** schema/ sits beside src/ and dist/ alike, so the same relative path works compiled or not. */
export const SCHEMA_DIR = join(__dirname, '..', 'schema');

export function loadSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
}

let ajv: Ajv2020 | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

export function validatorFor(name: SchemaName): ValidateFunction {
  let fn = compiled.get(name);
  if (fn === undefined) {
    ajv ??= new Ajv2020({
      allErrors: true,
      // NaN and ±Infinity fail `type: number`; mapError turns that into NOT_FINITE. Only fields
      // the schema reads are typed, so an overflow in an unknown field stays ignored.
      strictNumbers: true,
      discriminator: true,
      allowUnionTypes: true,
      strict: true,
    });
    fn = ajv.compile(loadSchema(name));
    compiled.set(name, fn);
  }
  return fn;
}

function valueAt(doc: unknown, path: readonly Segment[]): unknown {
  let node = doc;
  for (const seg of path) {
    if (typeof seg === 'number') node = Array.isArray(node) ? node[seg] : undefined;
    else node = isObject(node) ? node[seg] : undefined;
  }
  return node;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value) ?? String(value)}`;
}

/**
 * One ajv error as a RawError, or undefined for errors that only restate another one (the
 * `oneOf` around the party variants, whose real verdict is the discriminator's).
 */
export function mapAjvError(err: ErrorObject, doc: unknown): RawError | undefined {
  const path = pointerToPath(err.instancePath, doc);
  const value = valueAt(doc, path);
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required': {
      const field = String(params.missingProperty);
      return { code: 'MISSING', path: [...path, field], message: `required field ${field} is missing` };
    }
    case 'type':
      if (typeof value === 'number' && !Number.isFinite(value)) {
        return { code: 'NOT_FINITE', path, message: `${value} is not a finite number` };
      }
      return { code: 'TYPE', path, message: `must be ${String(params.type)}, found ${describe(value)}` };
    case 'const':
      // The only const the reader checks on its own is `version` (intent goes through the discriminator).
      return {
        code: path.length === 1 && path[0] === 'version' ? 'VERSION' : 'FORMAT',
        path,
        message: `must be ${JSON.stringify(params.allowedValue)}, found ${describe(value)}`,
      };
    case 'enum':
      return {
        code: 'FORMAT',
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, found ${describe(value)}`,
      };
    case 'pattern':
      return { code: 'FORMAT', path, message: `must match ${String(params.pattern)}, found ${describe(value)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { code: 'RANGE', path, message: `${err.message ?? 'out of range'}, found ${describe(value)}` };
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
      return { code: 'RANGE', path, message: `${err.message ?? 'length out of range'}` };
    case 'discriminator': {
      // ajv reports the party object; the contract names its `intent` field.
      const intentPath = [...path, String(params.tag)];
      const tagValue = params.tagValue;
      if (tagValue === undefined)
        return { code: 'MISSING', path: intentPath, message: 'required field intent is missing' };
      if (typeof tagValue !== 'string') {
        return { code: 'TYPE', path: intentPath, message: `must be string, found ${describe(tagValue)}` };
      }
      return {
        code: 'UNKNOWN_INTENT',
        path: intentPath,
        message: `intent must be one of buy, sell, defer, swap, found ${JSON.stringify(tagValue)}`,
      };
    }
    case 'oneOf':
    case 'anyOf':
      return undefined;
    default:
      // A keyword added to a schema without a mapping here: a bug of this package, said as such.
      return { code: 'INTERNAL', path, message: `unmapped schema keyword ${err.keyword}: ${err.message ?? ''}` };
  }
}
