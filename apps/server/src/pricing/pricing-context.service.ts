import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { catalogs, parseCatalog, type Catalog, type TierLimits } from '@atelier/pricing';
import { subscriptionTier } from '../billing/catalog.js';
import { isLive } from '../billing/subscription-sync.service.js';
import { sha256 } from '../common/crypto.js';
import { ApiError } from '../common/error.filter.js';
import { notFound } from '../orgs/organization.guard.js';
import { PricingContextRepository, type PricingContextRow } from './pricing-context.repository.js';

/** The price lists an org can be priced with; `custom` is an operator's catalog file. */
export const catalogChoices = ['default', 'list-a', 'list-b', 'extended', 'custom'] as const;
export type CatalogChoice = (typeof catalogChoices)[number];

export interface PricingContext {
  catalog: Catalog;
  /** The subscription tier's limits (Free without a live subscription). */
  tier: TierLimits & { id: string };
}

/** Parsed custom catalogs, by the hash of their data: each version is parsed once. */
const CUSTOM_CACHE_LIMIT = 64;

/**
 * Which catalog prices an org's jobs, and what its tier allows. The org chooses the catalog (an
 * operator with the credits command, or an owner's setting), never a request field; every job
 * records the catalog id and version it was priced with.
 */
@Injectable()
export class PricingContextService {
  private readonly custom = new Map<string, Catalog>();

  constructor(@Inject(PricingContextRepository) private readonly repository: PricingContextRepository) {}

  async contextFor(organizationId: string): Promise<PricingContext> {
    const row = await this.repository.find(organizationId);
    if (row === undefined) throw notFound('The organization');
    return this.contextOf(row);
  }

  /** The context of a row read elsewhere (with other things, in one round trip). */
  contextOf(row: PricingContextRow): PricingContext {
    return { catalog: this.catalogOf(row), tier: tierOf(row) };
  }

  /** Sets the org's catalog; custom data is checked by the pricing library first (400 naming the path). */
  async setCatalog(organizationId: string, choice: CatalogChoice, customData?: unknown): Promise<Catalog> {
    let custom: unknown = null;
    if (choice === 'custom') {
      const parsed = parseCatalog(customData);
      if (!parsed.ok) {
        const first = parsed.issues[0];
        throw new ApiError(HttpStatus.BAD_REQUEST, {
          code: 'invalid_request',
          message: `catalog: ${first === undefined ? 'is not a valid catalog' : `${first.path}: ${first.message}`}`,
          field: 'catalog',
        });
      }
      custom = customData;
    }
    if (!(await this.repository.setCatalog(organizationId, choice, custom))) throw notFound('The organization');
    return this.catalogOf({ pricingCatalog: choice, customCatalog: custom });
  }

  private catalogOf(row: Pick<PricingContextRow, 'pricingCatalog' | 'customCatalog'>): Catalog {
    if (row.pricingCatalog === 'custom' && row.customCatalog !== null) return this.parsedCustom(row.customCatalog);
    return Object.values(catalogs).find((catalog) => catalog.id === row.pricingCatalog) ?? catalogs.defaultCatalog;
  }

  private parsedCustom(data: unknown): Catalog {
    const key = sha256(JSON.stringify(data));
    const cached = this.custom.get(key);
    if (cached !== undefined) return cached;
    const parsed = parseCatalog(data);
    // Checked when it was set: a row edited by hand into something invalid is an operator's error.
    if (!parsed.ok) throw new Error(`the stored custom catalog is not valid: ${JSON.stringify(parsed.issues[0])}`);
    if (this.custom.size >= CUSTOM_CACHE_LIMIT) this.custom.clear();
    this.custom.set(key, parsed.catalog);
    return parsed.catalog;
  }
}

function tierOf(row: PricingContextRow): TierLimits & { id: string } {
  const id = row.tier !== null && isLive({ status: row.subscriptionStatus ?? 'canceled' }) ? row.tier : 'free';
  const tier = subscriptionTier(id === 'basic' || id === 'pro' || id === 'enterprise' ? id : 'free');
  return { id: tier.id, name: tier.name, ...tier.limits };
}
