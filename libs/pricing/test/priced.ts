import { estimate, type Catalog, type EstimateSuccess } from '../src/index.js';

/** The estimate of a request a test expects to be valid; fails the test with the errors otherwise. */
export function priced(request: unknown, catalog: Catalog, usage?: unknown): EstimateSuccess {
  const result = estimate(request, catalog, usage);
  if (!result.ok) throw new Error(`expected a price, got ${JSON.stringify(result.errors)}`);
  return result;
}

export function creditsOf(request: unknown, catalog: Catalog, usage?: unknown): number {
  return priced(request, catalog, usage).credits;
}
