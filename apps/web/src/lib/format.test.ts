import { describe, expect, test } from 'vitest';
import { creditNumber, credits, megapixels, timeAgo, timeUntil } from './format.js';
import { formatDate, formatDateTime } from './usage/dates.js';

describe('numbers, areas and dates, formatted the same way on every page', () => {
  test('credits are grouped by thousands, with one word for one credit', () => {
    expect(credits(4685)).toBe('4,685 credits');
    expect(credits(1)).toBe('1 credit');
    expect(credits(-1200)).toBe('-1,200 credits');
    expect(creditNumber(1_250_000)).toBe('1,250,000');
  });

  test('megapixels are rounded to two decimals at most', () => {
    expect(megapixels(1.048576)).toBe('1.05 MP');
    expect(megapixels(4)).toBe('4 MP');
  });

  test("a moment and a day: the viewer's language, in the time zone given", () => {
    const at = '2026-11-22T14:05:00.000Z';
    expect(formatDateTime(at, 'UTC', 'en-GB')).toBe('22 Nov 2026, 14:05');
    expect(formatDateTime(at, 'UTC', 'en-US')).toBe('Nov 22, 2026, 2:05 PM');
    expect(formatDateTime(at, 'Europe/Paris', 'en-GB')).toBe('22 Nov 2026, 15:05');
    expect(formatDate(at, 'UTC', 'en-GB')).toBe('22 Nov 2026');
    expect(formatDate(at, 'UTC', 'de-DE')).toBe('22.11.2026');
  });

  test('relative times, and a day (in the same format as elsewhere) once they are old', () => {
    const now = new Date('2026-11-22T14:05:00.000Z');
    expect(timeAgo(new Date(now.getTime() - 3 * 60_000), now)).toBe('3 min ago');
    expect(timeAgo(new Date(now.getTime() - 5 * 24 * 3_600_000), now)).toBe(formatDate(new Date(now.getTime() - 5 * 24 * 3_600_000)));
    expect(timeUntil(new Date(now.getTime() + 2 * 24 * 3_600_000), now)).toBe('in 2 days');
  });
});
