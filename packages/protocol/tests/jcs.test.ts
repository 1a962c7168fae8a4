import { CanonicalizationError, canonicalize, commitmentHash } from '../src';

describe('canonicalize refuses what JSON cannot carry', () => {
  test.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate in a key', { '\udc00': 1 }],
    ['a function', () => 1],
    ['a bigint', 1n],
    ['undefined', undefined],
    ['a Date', new Date(0)],
  ])('%s', (_name, value) => {
    expect(() => canonicalize(value)).toThrow(CanonicalizationError);
  });

  test('a cycle', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(() => canonicalize(a)).toThrow(CanonicalizationError);
  });

  test('shared (not cyclic) substructures are fine', () => {
    const shared = { b: 1 };
    expect(canonicalize([shared, shared])).toBe('[{"b":1},{"b":1}]');
  });
});

describe('canonicalize, RFC 8785 rules', () => {
  test('-0 is 0, undefined members are absent', () => {
    expect(canonicalize({ z: -0, a: undefined })).toBe('{"z":0}');
  });

  test('keys sort by UTF-16 code units, not code points', () => {
    // U+10000 is \ud800\udc00 in UTF-16 and sorts before U+FFFF there, after it by code point.
    expect(canonicalize({ '\uffff': 1, '\u{10000}': 2 })).toBe('{"\u{10000}":2,"\uffff":1}');
  });

  test('the §4 example commitment is sha256 of the JCS text', () => {
    const hash = commitmentHash({ challenge_id: '0x7a3f9c00', miner: '', settlement: { trades: [] } });
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const { createHash } = require('node:crypto') as typeof import('node:crypto');
    const text = '{"challenge_id":"0x7a3f9c00","miner":"","settlement":{"trades":[]}}';
    expect(hash).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
  });
});
