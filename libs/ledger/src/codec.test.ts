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

  it('fingerprints equal parameters equally and different ones differently', () => {
    expect(fingerprint('hold', [1n, 'a', null])).toBe(fingerprint('hold', [1n, 'a', null]));
    expect(fingerprint('hold', [1n, 'a', null])).not.toBe(fingerprint('hold', [2n, 'a', null]));
    expect(fingerprint('hold', [1n])).not.toBe(fingerprint('capture', [1n]));
    expect(fingerprint('hold', [1n])).not.toBe(fingerprint('hold', ['1']));
  });
});
