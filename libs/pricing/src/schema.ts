import type { CatalogIssue } from './errors.js';

// A small schema library in the manner of zod, for catalogs. zod/mini was measured first: its
// strict objects alone add 4–6 KB gzipped, which with the estimator and the default catalog broke
// the 15 KB budget for the browser bundle; this file adds about 1 KB. Each parser either returns
// the value (a fresh copy, never the input) or records issues at dotted paths and returns `invalid`.

export const invalid: unique symbol = Symbol('invalid');

export type Parser<T> = (value: unknown, path: string, issues: CatalogIssue[]) => T | typeof invalid;

function fail(issues: CatalogIssue[], path: string, message: string): typeof invalid {
  issues.push({ path, message });
  return invalid;
}

function join(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function number(accept: (value: number) => boolean, description: string): Parser<number> {
  return (value, path, issues) => (typeof value === 'number' && accept(value) ? value : fail(issues, path, description));
}

export function wholeNumber(minimum: number, maximum: number): Parser<number> {
  return number((value) => Number.isInteger(value) && value >= minimum && value <= maximum, `must be a whole number from ${minimum} to ${maximum}`);
}

export function text(pattern: RegExp, maximumLength: number, description: string): Parser<string> {
  return (value, path, issues) =>
    typeof value === 'string' && value.length <= maximumLength && pattern.test(value) ? value : fail(issues, path, description);
}

export function oneOf<const T extends string>(values: readonly T[]): Parser<T> {
  return (value, path, issues) => values.find((candidate) => candidate === value) ?? fail(issues, path, `must be one of ${values.join(', ')}`);
}

/** Marks a field that may be absent; absent fields stay absent in the output. */
export function optional<T>(parser: Parser<T>): Parser<T | undefined> {
  return (value, path, issues) => (value === undefined ? undefined : parser(value, path, issues));
}

export function list<T>(item: Parser<T>, minimumLength: number, maximumLength: number): Parser<T[]> {
  return (value, path, issues) => {
    if (!Array.isArray(value) || value.length < minimumLength || value.length > maximumLength) {
      return fail(issues, path, `must be a list of ${minimumLength} to ${maximumLength} entries`);
    }
    const output: T[] = [];
    let ok = true;
    for (const [index, entry] of (value as unknown[]).entries()) {
      const parsed = item(entry, join(path, index), issues);
      if (parsed === invalid) ok = false;
      else output.push(parsed);
    }
    return ok ? output : invalid;
  };
}

/** An object with exactly these keys (an unknown key is a typo until proven otherwise). */
export function object<T extends object>(shape: { readonly [K in keyof T]-?: Parser<T[K]> }): Parser<T> {
  return (value, path, issues) => {
    if (!isPlainObject(value)) return fail(issues, path, 'must be an object');
    const output: Record<string, unknown> = {};
    let ok = true;
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(shape, key)) continue;
      fail(issues, join(path, key), 'unknown key');
      ok = false;
    }
    for (const key of Object.keys(shape) as (keyof T & string)[]) {
      const parsed = shape[key](value[key], join(path, key), issues);
      if (parsed === invalid) ok = false;
      else if (parsed !== undefined) output[key] = parsed;
    }
    // Every key of T was parsed by its own parser above, so the copy has T's shape.
    return ok ? (output as T) : invalid;
  };
}

/** An object whose keys all come from a fixed set, each optional. */
export function partialRecord<K extends string, V>(keys: readonly K[], value: Parser<V>): Parser<Partial<Record<K, V>>> {
  return object(Object.fromEntries(keys.map((key) => [key, optional(value)])) as { [Key in K]-?: Parser<V | undefined> });
}

/** One of several object shapes, told apart by the string at `kind`. */
export function tagged<T extends { readonly kind: string }>(variants: { readonly [K in T['kind']]: Parser<Extract<T, { kind: K }>> }): Parser<T> {
  const kinds = Object.keys(variants) as T['kind'][];
  return (value, path, issues) => {
    const kind = isPlainObject(value) ? kinds.find((candidate) => candidate === value.kind) : undefined;
    if (kind === undefined) return fail(issues, join(path, 'kind'), `must be one of ${kinds.join(', ')}`);
    return variants[kind](value, path, issues);
  };
}
