import { describe, expect, it } from 'vitest';
import type { SpendReport } from '@atelier/contracts';
import { maximumSeries, spendChartData } from './spend-series.js';

function report(rows: SpendReport['rows'], groupBy: SpendReport['groupBy'] = 'member'): SpendReport {
  return {
    groupBy,
    bucket: 'day',
    scope: 'org',
    from: '2026-11-20T00:00:00.000Z',
    to: '2026-11-23T00:00:00.000Z',
    timeZone: 'UTC',
    rows,
    totals: { jobs: 0, images: 0, credits: 0, averageCreditsPerImage: null, byOperation: [] },
  };
}

const row = (bucketStart: string, key: string | null, credits: number, label: string | null = key): SpendReport['rows'][number] => ({
  bucketStart,
  key,
  label,
  jobs: 1,
  images: 2,
  credits,
});

describe('spendChartData', () => {
  it('puts each group on every day of the range, empty days as zero, biggest spender first', () => {
    const data = spendChartData(
      report([
        row('2026-11-20T00:00:00.000Z', 'a', 30, 'Ada'),
        row('2026-11-20T00:00:00.000Z', 'b', 50, 'Bea'),
        row('2026-11-22T00:00:00.000Z', 'a', 40, 'Ada'),
      ]),
      () => undefined,
      'en-GB',
    );
    expect(data.bucketLabels).toEqual(['20 Nov', '21 Nov', '22 Nov']);
    expect(data.series.map((series) => [series.label, series.credits, series.total])).toEqual([
      ['Ada', [30, 0, 40], 70],
      ['Bea', [50, 0, 0], 50],
    ]);
    expect(data.series[0]?.images).toBe(4);
  });

  it('names models and projects with the lookup, and the no-project group', () => {
    const data = spendChartData(
      report([row('2026-11-21T00:00:00.000Z', 'p1', 10), row('2026-11-21T00:00:00.000Z', null, 5)], 'project'),
      (key) => (key === 'p1' ? 'Autumn campaign' : undefined),
    );
    expect(data.series.map((series) => series.label)).toEqual(['Autumn campaign', 'No project']);
  });

  it('folds the smallest groups into one "others" series beyond the limit, keeping the total', () => {
    const rows = Array.from({ length: 12 }, (_, index) => row('2026-11-21T00:00:00.000Z', `m${String(index)}`, 100 - index));
    const data = spendChartData(report(rows, 'model'), () => undefined);
    expect(data.series).toHaveLength(maximumSeries);
    expect(data.series.at(-1)?.label).toBe('5 others');
    expect(data.series.reduce((sum, series) => sum + series.total, 0)).toBe(rows.reduce((sum, entry) => sum + entry.credits, 0));
  });
});
