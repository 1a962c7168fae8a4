/**
 * Stable error codes (conformance/README.md) and the error shapes of the package. The codes are
 * the same strings as the Rust core's `ErrorCode::as_str`, so a caller can switch on `code`
 * whichever implementation refused the input.
 */

export const ERROR_CODES = [
  'INVALID_JSON',
  'TOO_LARGE',
  'TYPE',
  'MISSING',
  'NOT_FINITE',
  'RANGE',
  'VERSION',
  'FORMAT',
  'DUPLICATE_ID',
  'UNKNOWN_INTENT',
  'SWAP_SAME_RESOURCE',
  'CONSTRAINT_SYNTAX',
  'CONSTRAINT_ORDERING',
  'LIMIT',
  'DEADLINE_EXCEEDED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One broken rule: its code, the JSON path of the offending field (`$` = document), the rule. */
export interface ProtocolError {
  code: ErrorCode;
  path: string;
  message: string;
}

/** Thrown by the `parse*` functions: the first broken rule, plus all of them in `errors`. */
export class ProtocolValidationError extends Error {
  readonly code: ErrorCode;
  readonly path: string;
  readonly errors: readonly ProtocolError[];

  constructor(errors: readonly ProtocolError[]) {
    const first = errors[0] ?? { code: 'INTERNAL', path: '$', message: 'no error given' };
    super(`${first.code} at ${first.path}: ${first.message}`);
    this.name = 'ProtocolValidationError';
    this.code = first.code;
    this.path = first.path;
    this.errors = errors;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
