import type { Operation } from '@atelier/pricing';
import type { ImageProvider } from './provider.js';

/** The adapters the server built: `local` always, the real ones only when their API key is set. */
export interface ProviderAdapters {
  local: ImageProvider;
  /** Present when BFL_API_KEY is set. */
  blackForestLabs?: ImageProvider;
  /** Present when STABILITY_API_KEY is set. */
  stability?: ImageProvider;
}

/**
 * Picks who runs a job: the real adapter of the model's catalog provider when it is configured and
 * runs that model and operation, else `local` (which runs every catalog model, so a server
 * without keys still works, and so do the models of providers without an adapter).
 */
export class ProviderRegistry {
  private readonly byCatalogProvider: ReadonlyMap<string, ImageProvider>;

  constructor(private readonly adapters: ProviderAdapters) {
    const real = new Map<string, ImageProvider>();
    if (adapters.blackForestLabs !== undefined) real.set('black-forest-labs', adapters.blackForestLabs);
    if (adapters.stability !== undefined) real.set('stability', adapters.stability);
    this.byCatalogProvider = real;
  }

  /** `catalogProvider` is the catalog model's `provider` field, e.g. 'black-forest-labs'. */
  providerFor(modelId: string, catalogProvider: string, operation: Operation): ImageProvider {
    const real = this.byCatalogProvider.get(catalogProvider);
    if (real?.supports(modelId, operation) === true) return real;
    return this.adapters.local;
  }

  /** The configured adapters, local first. */
  all(): ImageProvider[] {
    return [this.adapters.local, ...this.byCatalogProvider.values()];
  }
}
