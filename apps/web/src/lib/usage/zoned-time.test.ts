import { describe, expect, it } from 'vitest';
import { bucketLabel, bucketStarts, lastBuckets, startOfDay } from './zoned-time.js';

describe('zoned time', () => {
  it('finds midnight in a zone on both sides of a daylight-saving change', () => {
    expect(startOfDay({ year: 2026, month: 10, day: 25 }, 'Europe/Paris').toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(startOfDay({ year: 2026, month: 10, day: 26 }, 'Europe/Paris').toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect(startOfDay({ year: 2026, month: 3, day: 9 }, 'America/New_York').toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(startOfDay({ year: 2026, month: 1, day: 1 }, 'UTC').toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('lists every day bucket of a range, the DST change included', () => {
    const starts = bucketStarts(new Date('2026-10-24T22:00:00Z'), new Date('2026-10-27T23:00:00Z'), 'day', 'Europe/Paris');
    expect(starts).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', '2026-10-26T23:00:00.000Z']);
  });

  it('starts weeks on Monday and months on the first, like date_trunc', () => {
    // 2026-11-22 is a Sunday: its week began on Monday 16 November.
    expect(bucketStarts(new Date('2026-11-22T12:00:00Z'), new Date('2026-11-24T00:00:00Z'), 'week', 'UTC')).toEqual([
      '2026-11-16T00:00:00.000Z',
      '2026-11-23T00:00:00.000Z',
    ]);
    expect(bucketStarts(new Date('2026-11-15T00:00:00Z'), new Date('2027-01-02T00:00:00Z'), 'month', 'Asia/Tokyo')).toEqual([
      '2026-10-31T15:00:00.000Z',
      '2026-11-30T15:00:00.000Z',
      '2026-12-31T15:00:00.000Z',
    ]);
  });

  it('asks for whole buckets up to the end of the current one', () => {
    const range = lastBuckets(new Date('2026-11-22T10:30:00Z'), 7, 'day', 'Europe/Paris');
    expect(range.from.toISOString()).toBe('2026-11-15T23:00:00.000Z');
    expect(range.to.toISOString()).toBe('2026-11-22T23:00:00.000Z');
    const months = lastBuckets(new Date('2026-01-10T00:00:00Z'), 12, 'month', 'UTC');
    expect(months.from.toISOString()).toBe('2025-02-01T00:00:00.000Z');
    expect(months.to.toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });

  it('labels buckets in the zone', () => {
    expect(bucketLabel('2026-11-15T23:00:00.000Z', 'day', 'Europe/Paris', 'en-GB')).toBe('16 Nov');
    expect(bucketLabel('2026-11-15T23:00:00.000Z', 'day', 'Europe/Paris', 'en-US')).toBe('Nov 16');
    expect(bucketLabel('2026-11-15T23:00:00.000Z', 'day', 'Europe/Paris', 'de-DE')).toBe('16. Nov.');
    expect(bucketLabel('2026-11-16T00:00:00.000Z', 'week', 'UTC', 'en-GB')).toBe('w/c 16 Nov');
    expect(bucketLabel('2026-10-31T15:00:00.000Z', 'month', 'Asia/Tokyo', 'en-GB')).toBe('Nov 2026');
  });
});
