import type { Operation } from '@atelier/pricing';
import { ProviderHealth, type ProviderHealthView } from './provider-health.js';
import type { ImageProvider, ProviderId } from './provider.js';

/** The adapters the server built: `local` always, the real ones only when their keys are set. */
export interface ProviderAdapters {
  local: ImageProvider;
  /** Present when BFL_API_KEY is set. */
  blackForestLabs?: ImageProvider;
  /** Present when STABILITY_API_KEY is set. */
  stability?: ImageProvider;
  /** Other configured real adapters (WaveSpeed, …), in order of preference as second routes. */
  others?: ImageProvider[];
  /**
   * The operator's order of preference (PROVIDER_PREFERENCE): adapters listed here come first, in
   * this order, for every model they run; then the model's own provider; then the others.
   */
  preference?: readonly string[];
}

/**
 * Picks who runs a job. With no real provider configured the server is a demo: every model runs
 * on `local` (the offline renderer, labelled "Demo renderer — not AI"). With at least one, a model
 * runs only on real adapters that support it, in order of preference: its catalog provider's own
 * adapter first, then every other configured adapter that runs it (a second route for failover);
 * a model that none runs is unavailable (never a placeholder at the real price). An operator's
 * `preference` (e.g. their own ComfyUI, then fal) goes before all that.
 */
export class ProviderRegistry {
  private readonly real: ImageProvider[];
  readonly health = new ProviderHealth();

  constructor(private readonly adapters: ProviderAdapters) {
    this.real = [adapters.blackForestLabs, adapters.stability, ...(adapters.others ?? [])].filter(
      (adapter): adapter is ImageProvider => adapter !== undefined,
    );
  }

  /** True when no real provider is configured: everything is drawn by the offline renderer. */
  get demo(): boolean {
    return this.real.length === 0;
  }

  /** The adapters to try for a job, best first; empty when the model is unavailable on this server. */
  routesFor(modelId: string, catalogProvider: string, operation: Operation): ImageProvider[] {
    if (this.demo) return this.adapters.local.supports(modelId, operation) ? [this.adapters.local] : [];
    const able = this.real.filter((adapter) => adapter.supports(modelId, operation));
    const native = able.filter((adapter) => adapter.id === catalogProvider);
    const usual = [...native, ...able.filter((adapter) => adapter.id !== catalogProvider)];
    const preference = this.adapters.preference ?? [];
    if (preference.length === 0) return usual;
    const rank = (adapter: ImageProvider): number => {
      const index = preference.indexOf(adapter.id);
      return index === -1 ? preference.length : index;
    };
    // A stable sort: the preferred first in the operator's order, the rest as usual.
    return usual.map((adapter, index) => ({ adapter, index })).sort((a, b) => rank(a.adapter) - rank(b.adapter) || a.index - b.index).map((entry) => entry.adapter);
  }

  /** The first route, or undefined when the model is unavailable. */
  providerFor(modelId: string, catalogProvider: string, operation: Operation): ImageProvider | undefined {
    return this.routesFor(modelId, catalogProvider, operation)[0];
  }

  /** The adapter with this id, when configured (`local` always is). */
  byId(id: string): ImageProvider | undefined {
    return id === 'local' ? this.adapters.local : this.real.find((adapter) => adapter.id === id);
  }

  /** The configured adapters, local first. */
  all(): ImageProvider[] {
    return [this.adapters.local, ...this.real];
  }

  /** The adapters that can be routed to: `local` in a demo, else the real ones. */
  routableIds(): ProviderId[] {
    return (this.demo ? [this.adapters.local] : this.real).map((adapter) => adapter.id);
  }

  /** Health of the routable adapters as this process saw their calls. */
  healthViews(): ProviderHealthView[] {
    return this.routableIds().map((id) => this.health.view(id));
  }
}
