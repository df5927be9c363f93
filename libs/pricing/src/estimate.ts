import type { Catalog } from './catalog.js';
import type { CatalogIndex } from './catalog-index.js';
import { isError } from './check-number.js';
import type { EstimateFailure, EstimateResult, EstimateSuccess } from './estimate-result.js';
import { catalogIndexFor } from './parse-catalog.js';
import { priceRequest } from './price-request.js';
import { freeUnitsUsed } from './usage.js';
import { validateRequest, type ResolvedRequest } from './validate-request.js';

/**
 * The price of a generation request under a catalog: the one computation behind the cost shown
 * under Generate, the hold the server places and the amount it captures. `request` and `usage` are
 * untrusted (raw JSON, browser state); every fault comes back as an error naming its field and
 * what is allowed, never as an exception.
 */
export function estimate(request: unknown, catalog: Catalog, usage?: unknown): EstimateResult {
  const priced = priceUntrusted(request, catalog, usage);
  return priced.ok ? priced.estimate : priced;
}

export interface PricedRequest {
  readonly ok: true;
  readonly estimate: EstimateSuccess;
  readonly request: ResolvedRequest;
  readonly index: CatalogIndex;
  readonly freeUnitsUsed: number;
}

/** `estimate`, also handing back the checked request and catalog for callers that search around it. */
export function priceUntrusted(request: unknown, catalog: Catalog, usage: unknown): PricedRequest | EstimateFailure {
  const index = catalogIndexFor(catalog);
  if (!('catalog' in index)) {
    const first = index[0];
    return {
      ok: false,
      errors: [{ field: 'catalog', code: 'invalid_catalog', message: `The price catalog is invalid at ${first?.path ?? ''}: ${first?.message ?? ''}` }],
    };
  }
  const validated = validateRequest(request, index);
  if (!validated.ok) return validated;
  const used = freeUnitsUsed(usage, validated.request.offer.pricing.freeAllowance);
  if (isError(used)) return { ok: false, errors: [used] };
  return { ok: true, estimate: priceRequest(validated.request, index.catalog, used), request: validated.request, index, freeUnitsUsed: used };
}
