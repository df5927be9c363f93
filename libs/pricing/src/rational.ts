/**
 * Exact arithmetic for prices. Catalog rates are decimals (1.9 credits per MP·step) and sizes are
 * integers, so every price before rounding is an exact ratio of integers; bigint keeps it exact
 * whatever the magnitudes, and rounding happens once, in `roundHalfUp`.
 */
export interface Ratio {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/**
 * The exact ratio a decimal number stands for, read from its shortest decimal spelling (1.9 is
 * 19/10, not the binary double nearest to it). The catalog schema admits only positive numbers
 * without an exponent, which is what this accepts.
 */
export function decimalToRatio(value: number): Ratio | undefined {
  const digits = /^(\d+)(?:\.(\d+))?$/.exec(String(value));
  if (digits === null) return undefined;
  const whole = digits[1] ?? '0';
  const fraction = digits[2] ?? '';
  return { numerator: BigInt(whole + fraction), denominator: 10n ** BigInt(fraction.length) };
}

/**
 * The rounding rule, the only one in this library: round half up (2.5 → 3, 2.49 → 2) on the exact
 * ratio, for non-negative ratios with a positive denominator.
 */
export function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}
