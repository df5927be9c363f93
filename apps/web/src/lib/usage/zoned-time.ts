import type { SpendQuery } from '@atelier/contracts';

type Bucket = SpendQuery['bucket'];

interface WallClock {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = partFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partFormatters.set(timeZone, formatter);
  }
  return formatter;
}

function wallClockParts(instant: number, timeZone: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  const parts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type in parts) parts[part.type as keyof typeof parts] = Number(part.value);
  }
  return parts;
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = wallClockParts(instant, timeZone);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant of 00:00 on a calendar day in a time zone (the first instant of the day across a DST gap). */
export function startOfDay(day: WallClock, timeZone: string): Date {
  const guess = Date.UTC(day.year, day.month - 1, day.day);
  let instant = guess - offsetAt(guess, timeZone);
  // A second pass corrects for an offset that changes between the guess and the answer.
  instant = guess - offsetAt(instant, timeZone);
  return new Date(instant);
}

export function wallClockDay(instant: Date, timeZone: string): WallClock {
  const parts = wallClockParts(instant.getTime(), timeZone);
  return { year: parts.year, month: parts.month, day: parts.day };
}

function addDays(day: WallClock, days: number): WallClock {
  const date = new Date(Date.UTC(day.year, day.month - 1, day.day + days));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** The start of the bucket holding a day, as Postgres' date_trunc cuts it (weeks start on Monday). */
function truncate(day: WallClock, bucket: Bucket): WallClock {
  if (bucket === 'month') return { year: day.year, month: day.month, day: 1 };
  if (bucket === 'week') {
    const weekday = new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay(); // 0 = Sunday
    return addDays(day, -((weekday + 6) % 7));
  }
  return day;
}

function next(day: WallClock, bucket: Bucket): WallClock {
  if (bucket === 'day') return addDays(day, 1);
  if (bucket === 'week') return addDays(day, 7);
  return day.month === 12 ? { year: day.year + 1, month: 1, day: 1 } : { year: day.year, month: day.month + 1, day: 1 };
}

/** Every bucket start (ISO) overlapping [from, to), in the zone, as the server labels its rows. */
export function bucketStarts(from: Date, to: Date, bucket: Bucket, timeZone: string, maximum = 800): string[] {
  const starts: string[] = [];
  let day = truncate(wallClockDay(from, timeZone), bucket);
  for (let start = startOfDay(day, timeZone); start < to && starts.length < maximum; start = startOfDay(day, timeZone)) {
    starts.push(start.toISOString());
    day = next(day, bucket);
  }
  return starts;
}

/**
 * The range the usage page asks for: the last `count` buckets up to now, whole buckets in the
 * org's zone, ending at the start of the next bucket.
 */
export function lastBuckets(now: Date, count: number, bucket: Bucket, timeZone: string): { from: Date; to: Date } {
  const current = truncate(wallClockDay(now, timeZone), bucket);
  let first = current;
  for (let index = 1; index < count; index += 1) first = previous(first, bucket);
  return { from: startOfDay(first, timeZone), to: startOfDay(next(current, bucket), timeZone) };
}

function previous(day: WallClock, bucket: Bucket): WallClock {
  if (bucket === 'day') return addDays(day, -1);
  if (bucket === 'week') return addDays(day, -7);
  return day.month === 1 ? { year: day.year - 1, month: 12, day: 1 } : { year: day.year, month: day.month - 1, day: 1 };
}

/**
 * A bucket's label in the org's zone and the viewer's language ("22 Nov" / "Nov 22", "w/c 17 Nov",
 * "Nov 2026"), as the rest of the page's dates. `locale` is for tests; the app leaves it to the browser.
 */
export function bucketLabel(startIso: string, bucket: Bucket, timeZone: string, locale?: string): string {
  const date = new Date(startIso);
  if (bucket === 'month') return new Intl.DateTimeFormat(locale, { timeZone, month: 'short', year: 'numeric' }).format(date);
  const dayMonth = new Intl.DateTimeFormat(locale, { timeZone, day: 'numeric', month: 'short' }).format(date);
  return bucket === 'week' ? `w/c ${dayMonth}` : dayMonth;
}
