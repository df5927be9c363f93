import { api, unwrap } from '../api/client.js';

/** What the offline renderer's images say about themselves, everywhere they are shown. */
export const DEMO_RENDERER_LABEL = 'Demo renderer — not AI';

/** The provider id of the offline renderer (jobs and assets it made carry it). */
export function isDemoRenderer(provider: string | undefined): boolean {
  return provider === 'local';
}

/**
 * Which image providers this server has (GET /api/providers): whether it is a demo (no real
 * provider, every image from the offline renderer) and which adapters run each model and
 * operation. Loaded once per page load by the org shell; until then nothing is claimed.
 */
class ProviderStatus {
  loaded = $state(false);
  demo = $state(false);
  private routes = $state<Record<string, string[]>>({});
  private loading: Promise<void> | undefined;

  load(): Promise<void> {
    this.loading ??= unwrap(api.GET('/api/providers'))
      .then((body) => {
        this.demo = body.demo;
        this.routes = Object.fromEntries(body.models.map((model) => [`${model.modelId} ${model.operation}`, model.routes]));
        this.loaded = true;
      })
      .catch(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** Adapters for a model and operation, best first; undefined until loaded or when unknown. */
  routesFor(modelId: string, operation: string): string[] | undefined {
    return this.routes[`${modelId} ${operation}`];
  }

  /** False only when the server said no provider runs it. */
  available(modelId: string, operation: string): boolean {
    const routes = this.routesFor(modelId, operation);
    return routes === undefined || routes.length > 0;
  }

  /** True when the server said only the offline renderer makes it. */
  demoRendered(modelId: string, operation: string): boolean {
    const routes = this.routesFor(modelId, operation);
    return routes !== undefined && routes.length > 0 && routes.every(isDemoRenderer);
  }
}

export const providerStatus = new ProviderStatus();
