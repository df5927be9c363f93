import { describe, expect, it } from 'vitest';
import { decimalToRatio, roundHalfUp } from './rational.js';

describe('decimalToRatio', () => {
  it('reads the decimal spelling, not the binary double', () => {
    expect(decimalToRatio(1.9)).toEqual({ numerator: 19n, denominator: 10n });
    expect(decimalToRatio(10)).toEqual({ numerator: 10n, denominator: 1n });
    expect(decimalToRatio(1.048576)).toEqual({ numerator: 1048576n, denominator: 1000000n });
  });

  it('refuses what it cannot read exactly', () => {
    expect(decimalToRatio(1e-7)).toBeUndefined();
    expect(decimalToRatio(-1)).toBeUndefined();
    expect(decimalToRatio(Number.NaN)).toBeUndefined();
  });
});

describe('roundHalfUp', () => {
  it('rounds halves up and everything else to the nearest', () => {
    expect(roundHalfUp(5n, 2n)).toBe(3n);
    expect(roundHalfUp(249n, 100n)).toBe(2n);
    expect(roundHalfUp(251n, 100n)).toBe(3n);
    expect(roundHalfUp(0n, 7n)).toBe(0n);
    expect(roundHalfUp(7845n, 100n)).toBe(78n);
  });
});
