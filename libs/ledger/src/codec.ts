import { createHash } from 'node:crypto';
import { assert } from './assert.js';

/**
 * Results are stored as JSON so a retry can return the first result verbatim. JSON has no bigint
 * and no date, so both are tagged: `{"$bigint": "12"}`, `{"$date": "2026-01-01T00:00:00.000Z"}`.
 */
export type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

export function encode(value: unknown): Encoded {
  if (value === null || value === undefined) {
    return null;
  }
  switch (typeof value) {
    case 'bigint':
      return { $bigint: value.toString() };
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      assert(Number.isFinite(value), 'cannot encode a non-finite number');
      return value;
    case 'object':
      break;
    default:
      assert(false, `cannot encode a ${typeof value}`);
  }
  if (value instanceof Date) {
    return { $date: value.toISOString() };
  }
  if (Array.isArray(value)) {
    return value.map((item) => encode(item));
  }
  // Object.fromEntries defines own properties: a key named `__proto__` stays a key (assigning it
  // would set the prototype and drop it from the JSON).
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => [key, encode(item)]),
  );
}

export function decode(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item) => decode(item));
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && typeof record.$bigint === 'string') {
    return BigInt(record.$bigint);
  }
  if (keys.length === 1 && typeof record.$date === 'string') {
    return new Date(record.$date);
  }
  return Object.fromEntries(keys.map((key) => [key, decode(record[key])]));
}

/** A stable digest of a request's parameters: equal parameters, equal fingerprint. */
export function fingerprint(kind: string, parameters: readonly unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify([kind, ...parameters.map((parameter) => encode(parameter))]))
    .digest('base64url');
}
