import type { SpendReport } from '@atelier/contracts';
import { bucketLabel, bucketStarts } from './zoned-time.js';

export interface SpendSeries {
  key: string | null;
  label: string;
  /** Credits per bucket, aligned with `buckets`. */
  credits: number[];
  total: number;
  images: number;
  jobs: number;
}

export interface SpendChartData {
  /** Bucket starts (ISO), empty buckets included, so the time axis has no gaps. */
  buckets: string[];
  bucketLabels: string[];
  /** Largest total first; past `maximumSeries`, the rest are summed into one "Other" series. */
  series: SpendSeries[];
}

/** More series than this make a stacked chart unreadable. */
export const maximumSeries = 8;

/**
 * Turns the API's rows (one per group and bucket with spend) into one series per group over every
 * bucket of the range. `nameOf` names keys the server leaves unnamed (models, projects).
 */
export function spendChartData(report: SpendReport, nameOf: (key: string | null) => string | undefined, locale?: string): SpendChartData {
  const generated = bucketStarts(new Date(report.from), new Date(report.to), report.bucket, report.timeZone);
  // Rows whose start the generator did not produce (it should not happen) still get a column.
  const buckets = [...new Set([...generated, ...report.rows.map((row) => row.bucketStart)])].sort();
  const column = new Map(buckets.map((start, index) => [start, index]));
  const byKey = new Map<string | null, SpendSeries>();
  for (const row of report.rows) {
    let series = byKey.get(row.key);
    if (series === undefined) {
      const label = nameOf(row.key) ?? row.label ?? row.key ?? 'No project';
      series = { key: row.key, label, credits: buckets.map(() => 0), total: 0, images: 0, jobs: 0 };
      byKey.set(row.key, series);
    }
    const index = column.get(row.bucketStart) ?? 0;
    series.credits[index] = (series.credits[index] ?? 0) + row.credits;
    series.total += row.credits;
    series.images += row.images;
    series.jobs += row.jobs;
  }
  const ranked = [...byKey.values()].sort((a, b) => b.total - a.total || a.label.localeCompare(b.label));
  return {
    buckets,
    bucketLabels: buckets.map((start) => bucketLabel(start, report.bucket, report.timeZone, locale)),
    series: ranked.length <= maximumSeries ? ranked : [...ranked.slice(0, maximumSeries - 1), others(ranked.slice(maximumSeries - 1), buckets.length)],
  };
}

function others(rest: SpendSeries[], bucketCount: number): SpendSeries {
  const sum: SpendSeries = { key: '__other__', label: `${String(rest.length)} others`, credits: Array.from({ length: bucketCount }, () => 0), total: 0, images: 0, jobs: 0 };
  for (const series of rest) {
    series.credits.forEach((credits, index) => {
      sum.credits[index] = (sum.credits[index] ?? 0) + credits;
    });
    sum.total += series.total;
    sum.images += series.images;
    sum.jobs += series.jobs;
  }
  return sum;
}

/** A colour-blind-safe palette (Okabe–Ito), in series order. */
export const seriesColours = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#7f7f7f'] as const;
