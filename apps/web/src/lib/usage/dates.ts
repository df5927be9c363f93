/**
 * The app's two absolute date formats, in the viewer's language (the browser's locale) and time zone
 * (or the one given): a moment ("22 Nov 2026, 14:05" / "Nov 22, 2026, 2:05 PM") and a day
 * ("22 Nov 2026" / "Nov 22, 2026"). Relative times ("3 min ago", "in 2 days") are in `format.ts`.
 * `locale` is for tests; the app leaves it to the browser.
 */
export function formatDateTime(at: string | Date, timeZone?: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone === undefined ? {} : { timeZone }) }).format(new Date(at));
}

/** A day, in the viewer's language. */
export function formatDate(at: string | Date, timeZone?: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', ...(timeZone === undefined ? {} : { timeZone }) }).format(new Date(at));
}
