import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, fingerprint } from './codec.js';

describe('codec', () => {
  it('round-trips bigints and dates through JSON', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.bigInt(), fc.date({ noInvalidDate: true }), fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
      node: fc.oneof(fc.array(tie('any'), { maxLength: 3 }), fc.dictionary(fc.string().filter((key) => key !== '$bigint' && key !== '$date'), tie('any'), { maxKeys: 3 })),
      any: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('node')),
    })).any;
    fc.assert(
      fc.property(value, (item) => {
        expect(decode(JSON.parse(JSON.stringify(encode(item))))).toEqual(item);
      }),
    );
  });

  it('keeps a key named __proto__ as a key (found by the property above)', () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as Record<string, unknown>;
    const decoded = decode(JSON.parse(JSON.stringify(encode(value)))) as Record<string, unknown>;
    expect(Object.keys(decoded)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual({ x: 1 });
  });

  it('fingerprints equal parameters equally and different ones differently', () => {
    expect(fingerprint('hold', [1n, 'a', null])).toBe(fingerprint('hold', [1n, 'a', null]));
    expect(fingerprint('hold', [1n, 'a', null])).not.toBe(fingerprint('hold', [2n, 'a', null]));
    expect(fingerprint('hold', [1n])).not.toBe(fingerprint('capture', [1n]));
    expect(fingerprint('hold', [1n])).not.toBe(fingerprint('hold', ['1']));
  });
});
