import { describe, expect, it } from 'vitest';
import { checkWholeNumber } from './check-number.js';

describe('checkWholeNumber', () => {
  const rule = { min: 256, max: 1440, multipleOf: 32, unit: 'px' };

  it('returns a value within the rule', () => {
    expect(checkWholeNumber(512, 'width', rule)).toBe(512);
  });

  it('suggests the nearest multiples that are in range', () => {
    expect(checkWholeNumber(1000, 'width', rule)).toMatchObject({ message: 'width must be a multiple of 32 (nearest: 992 or 1024)' });
    expect(checkWholeNumber(1430, 'width', { ...rule, max: 1430 })).toMatchObject({ message: 'width must be a multiple of 32 (nearest: 1408)' });
  });

  it('names what is wrong, in order of the checks', () => {
    expect(checkWholeNumber(undefined, 'width', rule)).toMatchObject({ code: 'required', message: 'width is required (256–1440 px)' });
    expect(checkWholeNumber('512', 'width', rule)).toMatchObject({ code: 'invalid_type', message: 'width must be a number (256–1440 px), not a string' });
    expect(checkWholeNumber(Infinity, 'width', rule)).toMatchObject({ code: 'not_finite' });
    expect(checkWholeNumber(512.5, 'width', rule)).toMatchObject({ code: 'not_integer' });
    expect(checkWholeNumber(2048, 'width', rule)).toMatchObject({ code: 'out_of_range', message: 'width must be between 256–1440 px, not 2048' });
  });
});
