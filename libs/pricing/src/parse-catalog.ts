import type { Catalog } from './catalog.js';
import { buildCatalogIndex, type CatalogIndex } from './catalog-index.js';
import { parseCatalogShape } from './catalog-schema.js';
import { checkCatalog } from './check-catalog.js';
import type { CatalogIssue } from './errors.js';
import { invalid } from './schema.js';

export type ParseCatalogResult = { readonly ok: true; readonly catalog: Catalog } | { readonly ok: false; readonly issues: readonly CatalogIssue[] };

// Keyed by object identity: a catalog parsed once is never parsed again, and an object that was
// handed to `estimate` without parsing is checked once, then remembered with its verdict.
const indexes = new WeakMap<object, CatalogIndex | readonly CatalogIssue[]>();

/**
 * Validates catalog data (JSON from a file or from `/api/pricing/catalog`) and returns it frozen,
 * or the issues, each naming the path at fault.
 */
export function parseCatalog(input: unknown): ParseCatalogResult {
  const issues: CatalogIssue[] = [];
  let shaped: Catalog | typeof invalid;
  try {
    shaped = parseCatalogShape(input, '', issues);
  } catch {
    // Only a getter or Proxy in the input can throw here; plain JSON never does.
    return { ok: false, issues: [{ path: '', message: 'could not be read' }] };
  }
  if (shaped === invalid) return { ok: false, issues };
  const catalog = deepFreeze(shaped);
  issues.push(...checkCatalog(catalog));
  if (issues.length > 0) return { ok: false, issues };
  indexes.set(catalog, buildCatalogIndex(catalog));
  return { ok: true, catalog };
}

/** The index of a catalog, parsing it first when this exact object has not been seen. */
export function catalogIndexFor(catalog: unknown): CatalogIndex | readonly CatalogIssue[] {
  if (typeof catalog !== 'object' || catalog === null) return [{ path: '', message: 'a catalog is an object' }];
  const known = indexes.get(catalog);
  if (known !== undefined) return known;
  const parsed = parseCatalog(catalog);
  const verdict = parsed.ok ? (indexes.get(parsed.catalog) ?? buildCatalogIndex(parsed.catalog)) : parsed.issues;
  indexes.set(catalog, verdict);
  return verdict;
}

/** Parses a catalog that ships with this library; a fault is a bug here, so it throws. */
export function loadBuiltInCatalog(data: unknown): Catalog {
  const parsed = parseCatalog(data);
  if (parsed.ok) return parsed.catalog;
  const first = parsed.issues[0];
  throw new Error(`Built-in price catalog is invalid at ${first?.path ?? '?'}: ${first?.message ?? ''}`);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
