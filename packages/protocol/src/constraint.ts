/**
 * The constraint grammar of settlement.md §1.2, with the lexical decisions that
 * conformance/README.md ("Constraint parses") writes down where the spec is silent:
 *
 *   constraint := attr op value | attr "in" list | attr "not in" list
 *   op         := "<" | "<=" | ">" | ">=" | "=" | "==" | "!="
 *   value      := number | identifier | quoted-string
 *   list       := "[" value ("," value)* "]"
 *
 * A hand-written lexer + recursive descent: the grammar is tiny, and a regex would make the
 * error cases (`x = 01`, `region in [US,]`) hard to reason about.
 */

import { ProtocolValidationError } from './errors';

export type ConstraintOp = '<' | '<=' | '>' | '>=' | '=' | '!=' | 'in' | 'not in';
export type ConstraintValue = string | number;

/** A parsed constraint. `op` is normalised (`==` is `=`); `values` has one element unless `in`. */
export interface Constraint {
  attr: string;
  op: ConstraintOp;
  values: ConstraintValue[];
}

/** Attributes of an edge (§2), or of anything a constraint is evaluated on. */
export type ConstraintAttributes = Readonly<Record<string, string | number>>;

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'string'; value: string; text: string }
  | { kind: 'op'; text: '<' | '<=' | '>' | '>=' | '=' | '==' | '!=' }
  | { kind: 'punct'; text: '[' | ']' | ',' };

const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_.-]/;
// JSON's number syntax, anchored at the lexer's position (sticky).
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
const ORDERING = new Set<ConstraintOp>(['<', '<=', '>', '>=']);
/** `max_defer_hours = H` (or `==`, `<=`) means `hours <= H` (§1.2). */
const DEFER_ALIAS = 'max_defer_hours';
const DEFER_ALIAS_OPS = new Set(['=', '==', '<=']);

class SyntaxFailure extends Error {}

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (WHITESPACE.has(c)) {
      i++;
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < text.length && IDENT_CHAR.test(text.charAt(j))) j++;
      tokens.push({ kind: 'ident', text: text.slice(i, j) });
      i = j;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (m === null) throw new SyntaxFailure(`malformed number at offset ${i}`);
      const value = Number(m[0]);
      // A literal too large for a double has no value to compare with.
      if (!Number.isFinite(value)) throw new SyntaxFailure(`number ${m[0]} overflows a double`);
      tokens.push({ kind: 'number', value, text: m[0] });
      i += m[0].length;
    } else if (c === '"' || c === "'") {
      // No escapes: a quoted string runs to the next identical quote.
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new SyntaxFailure(`unterminated string at offset ${i}`);
      tokens.push({ kind: 'string', value: text.slice(i + 1, end), text: text.slice(i, end + 1) });
      i = end + 1;
    } else if (c === '<' || c === '>') {
      const two = text.charAt(i + 1) === '=';
      tokens.push({ kind: 'op', text: two ? (c === '<' ? '<=' : '>=') : c });
      i += two ? 2 : 1;
    } else if (c === '=') {
      const two = text.charAt(i + 1) === '=';
      tokens.push({ kind: 'op', text: two ? '==' : '=' });
      i += two ? 2 : 1;
    } else if (c === '!' && text.charAt(i + 1) === '=') {
      tokens.push({ kind: 'op', text: '!=' });
      i += 2;
    } else if (c === '[' || c === ']' || c === ',') {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      throw new SyntaxFailure(`unexpected character ${JSON.stringify(c)} at offset ${i}`);
    }
  }
  return tokens;
}

function describe(token: Token | undefined): string {
  return token === undefined ? 'end of text' : JSON.stringify(token.text);
}

function isValue(token: Token | undefined): token is Extract<Token, { kind: 'ident' | 'number' | 'string' }> {
  return token !== undefined && (token.kind === 'ident' || token.kind === 'number' || token.kind === 'string');
}

function tokenValue(token: Extract<Token, { kind: 'ident' | 'number' | 'string' }>): ConstraintValue {
  return token.kind === 'ident' ? token.text : token.value;
}

type ParseOutcome =
  | { ok: true; constraint: Constraint }
  | { ok: false; code: 'CONSTRAINT_SYNTAX' | 'CONSTRAINT_ORDERING'; message: string };

/** Parses a constraint string; never throws. */
export function tryParseConstraint(text: string): ParseOutcome {
  let tokens: Token[];
  try {
    tokens = lex(text);
  } catch (err) {
    if (err instanceof SyntaxFailure) return { ok: false, code: 'CONSTRAINT_SYNTAX', message: err.message };
    throw err;
  }
  const syntax = (message: string): ParseOutcome => ({ ok: false, code: 'CONSTRAINT_SYNTAX', message });

  const first = tokens[0];
  if (first === undefined) return syntax('empty constraint');
  if (first.kind !== 'ident') return syntax(`expected an attribute name, found ${describe(first)}`);
  const attr = first.text;
  const second = tokens[1];

  // attr "in" list | attr "not" "in" list
  if (second?.kind === 'ident' && (second.text === 'in' || second.text === 'not')) {
    let k = 2;
    if (second.text === 'not') {
      const third = tokens[2];
      if (third?.kind !== 'ident' || third.text !== 'in')
        return syntax(`expected "in" after "not", found ${describe(third)}`);
      k = 3;
    }
    if (tokens[k]?.kind !== 'punct' || tokens[k]?.text !== '[')
      return syntax(`expected "[", found ${describe(tokens[k])}`);
    k++;
    const values: ConstraintValue[] = [];
    for (;;) {
      const v = tokens[k];
      if (!isValue(v)) return syntax(`expected a value in the list, found ${describe(v)}`);
      values.push(tokenValue(v));
      k++;
      const sep = tokens[k];
      if (sep?.kind === 'punct' && sep.text === ',') {
        k++;
        continue;
      }
      if (sep?.kind === 'punct' && sep.text === ']') {
        k++;
        break;
      }
      return syntax(`expected "," or "]", found ${describe(sep)}`);
    }
    if (k < tokens.length) return syntax(`unexpected ${describe(tokens[k])} after the list`);
    return { ok: true, constraint: { attr, op: second.text === 'not' ? 'not in' : 'in', values } };
  }

  // attr op value
  if (second?.kind !== 'op')
    return syntax(`expected an operator, "in" or "not in" after ${JSON.stringify(attr)}, found ${describe(second)}`);
  const value = tokens[2];
  if (!isValue(value)) return syntax(`expected a value after ${JSON.stringify(second.text)}, found ${describe(value)}`);
  if (tokens.length > 3) return syntax(`unexpected ${describe(tokens[3])} after the value`);

  let op: ConstraintOp = second.text === '==' ? '=' : second.text;
  let name = attr;
  if (attr === DEFER_ALIAS && DEFER_ALIAS_OPS.has(second.text)) {
    name = 'hours';
    op = '<=';
  }
  if (ORDERING.has(op) && value.kind !== 'number') {
    return {
      ok: false,
      code: 'CONSTRAINT_ORDERING',
      message: `ordering operator ${second.text} needs a number, found ${value.text}`,
    };
  }
  return { ok: true, constraint: { attr: name, op, values: [tokenValue(value)] } };
}

/**
 * Parses a constraint string (§1.2).
 * @throws ProtocolValidationError with code CONSTRAINT_SYNTAX or CONSTRAINT_ORDERING, path `$`.
 */
export function parseConstraint(text: string): Constraint {
  const outcome = tryParseConstraint(text);
  if (outcome.ok) return outcome.constraint;
  throw new ProtocolValidationError([
    { code: outcome.code, path: '$', message: `${outcome.message} in constraint ${JSON.stringify(text)}` },
  ]);
}

/** Numbers compare numerically, strings exactly, and a number never equals a string (§1.2). */
function equal(a: ConstraintValue, b: ConstraintValue): boolean {
  return typeof a === typeof b && a === b;
}

/**
 * Evaluates a parsed constraint on edge attributes (§1.2). An attribute the edge lacks makes
 * every operator false, `!=` and `not in` included: nothing is known about it. An ordering
 * operator on a non-numeric attribute is false.
 */
export function evaluateConstraint(c: Constraint, attrs: ConstraintAttributes): boolean {
  if (!Object.hasOwn(attrs, c.attr)) return false;
  const actual = attrs[c.attr];
  if (actual === undefined) return false;
  const [first] = c.values;
  switch (c.op) {
    case 'in':
      return c.values.some((v) => equal(actual, v));
    case 'not in':
      return !c.values.some((v) => equal(actual, v));
    case '=':
      return first !== undefined && equal(actual, first);
    case '!=':
      return first !== undefined && !equal(actual, first);
    default: {
      if (typeof actual !== 'number' || typeof first !== 'number') return false;
      switch (c.op) {
        case '<':
          return actual < first;
        case '<=':
          return actual <= first;
        case '>':
          return actual > first;
        case '>=':
          return actual >= first;
      }
    }
  }
}
