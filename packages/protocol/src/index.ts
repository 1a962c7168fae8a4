/**
 * @nash/protocol: the NASH wire format (settlement.md) for TypeScript — generated types,
 * runtime validation with stable error codes and JSON paths, the constraint grammar, RFC 8785
 * canonical JSON and the commitment hash.
 */

export * from './constants';
export {
  type Constraint,
  type ConstraintAttributes,
  type ConstraintOp,
  type ConstraintValue,
  evaluateConstraint,
  parseConstraint,
  tryParseConstraint,
} from './constraint';
export { ERROR_CODES, type ErrorCode, isErrorCode, type ProtocolError, ProtocolValidationError } from './errors';
export type * from './generated/challenge';
export type * from './generated/response';
export type * from './generated/verdict';
export { CanonicalizationError, type CommitmentInput, canonicalize, commitmentHash } from './jcs';
export {
  parseChallenge,
  parseResponse,
  type ValidationResult,
  validateChallenge,
  validateResponse,
  validateVerdict,
} from './validate';
