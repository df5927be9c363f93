import { describe, expect, test } from 'vitest';
import { formatMegapixels, roundMegapixels } from './size.js';

describe('megapixels as people read them', () => {
  test("a catalog's bound keeps two decimals at most and no trailing zeros", () => {
    expect(roundMegapixels(1.048576)).toBe('1.05');
    expect(roundMegapixels(9.4)).toBe('9.4');
    expect(roundMegapixels(4)).toBe('4');
    expect(roundMegapixels(268.435456)).toBe('268.44');
  });

  test('a measured area has two decimals', () => {
    expect(formatMegapixels(1024 * 1024)).toBe('1.05');
    expect(formatMegapixels(4096 * 4096)).toBe('16.78');
  });
});
