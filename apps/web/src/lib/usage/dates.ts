/** "22 Nov 2026, 14:05" in the viewer's time zone (or the one given). */
export function formatDateTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', ...(timeZone === undefined ? {} : { timeZone }) }).format(new Date(iso));
}

/** "22 Nov 2026" */
export function formatDate(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', ...(timeZone === undefined ? {} : { timeZone }) }).format(new Date(iso));
}
