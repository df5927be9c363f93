/** Display helpers shared by every page. Credits are integers; these only format them. */
import { formatDate } from './usage/dates.js';

const creditFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "1,234 credits" (or "1 credit"). */
export function credits(amount: number): string {
  return `${creditFormat.format(amount)} ${Math.abs(amount) === 1 ? 'credit' : 'credits'}`;
}

/** "1,234" */
export function creditNumber(amount: number): string {
  return creditFormat.format(amount);
}

/** "in 3 h 20 min", "in 2 days", "in 45 s" — how long until `at`, from `now`. */
export function timeUntil(at: Date | string, now: Date = new Date()): string {
  const milliseconds = new Date(at).getTime() - now.getTime();
  if (milliseconds <= 0) return 'now';
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 60) return `in ${String(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `in ${String(minutes)} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest === 0 ? `in ${String(hours)} h` : `in ${String(hours)} h ${String(rest)} min`;
  }
  return `in ${String(Math.round(hours / 24))} days`;
}

/** "3 min ago", "just now" */
export function timeAgo(at: Date | string, now: Date = new Date()): string {
  const seconds = Math.round((now.getTime() - new Date(at).getTime()) / 1000);
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${String(seconds)} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${String(minutes)} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${String(hours)} h ago`;
  return formatDate(at);
}

/** "1.05 MP": an area in megapixels, to two decimals at most (a catalog's 1.048576 MP is 1024²). */
export function megapixels(value: number): string {
  return `${String(Math.round(value * 100) / 100)} MP`;
}

/** Person colours: distinct hues, each dark enough for white initials (contrast 5:1 or more, WCAG AA). */
const personColours = [
  '#b42318', '#c2410c', '#a15c07', '#4d7c0f', '#15803d', '#047857', '#0f766e', '#0e7490',
  '#0369a1', '#1d4ed8', '#4338ca', '#6d28d9', '#7e22ce', '#a21caf', '#be185d', '#9f1239',
] as const;

/** Stable colour of a person, for cursors and avatars. */
export function personColour(id: string): string {
  let hash = 0;
  for (const character of id) hash = (hash * 31 + character.charCodeAt(0)) >>> 0;
  return personColours[hash % personColours.length] ?? personColours[0];
}

/** "AL" for "Ada Lovelace" */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter((part) => part !== '');
  const letters = parts.length > 1 ? [parts[0]?.[0], parts[parts.length - 1]?.[0]] : [parts[0]?.[0], parts[0]?.[1]];
  return letters.filter((letter) => letter !== undefined).join('').toUpperCase();
}
