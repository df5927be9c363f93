import type { EstimateError } from './errors.js';
import { pricingLimits } from './limits.js';

/**
 * Reads a property of untrusted input. Plain JSON never throws here, but a getter or a Proxy from
 * browser state can, and `estimate` promises never to throw, so this is the one place that
 * catches: the caller turns the failure into an `unreadable` error.
 */
export function readProperty(holder: unknown, key: string): { readonly value: unknown } | undefined {
  if (typeof holder !== 'object' || holder === null) return { value: undefined };
  try {
    return { value: (holder as Record<string, unknown>)[key] };
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

export function unreadable(field: string): EstimateError {
  return { field, code: 'unreadable', message: `${field} could not be read` };
}

/** A rejected value as a short quotation, so a megabyte of junk never ends up in a message or a log. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : describeType(value);
  const limit = pricingLimits.maximumQuotedInputLength;
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  return `a ${typeof value}`;
}
