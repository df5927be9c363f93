import { defaultCatalog, type Operation } from '@atelier/pricing';
import { describe, expect, it } from 'vitest';
import { BlackForestLabsProvider } from '../../src/providers/black-forest-labs.provider.js';
import { FalProvider } from '../../src/providers/fal.provider.js';
import { LocalProvider } from '../../src/providers/local.provider.js';
import { ProviderRegistry } from '../../src/providers/provider-registry.js';
import { StabilityProvider } from '../../src/providers/stability.provider.js';

// No call is made: the adapters only answer `supports`.
const local = new LocalProvider();
const blackForestLabs = new BlackForestLabsProvider({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1' });
const stability = new StabilityProvider({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1' });

function catalogProviderOf(modelId: string): string {
  const model = defaultCatalog.models.find((candidate) => candidate.id === modelId);
  if (model === undefined) throw new Error(`no model ${modelId}`);
  return model.provider;
}

const ids = (providers: { id: string }[]): string[] => providers.map((provider) => provider.id);

describe('ProviderRegistry', () => {
  it('without keys the server is a demo: every model runs on the offline renderer', () => {
    const registry = new ProviderRegistry({ local });
    expect(registry.demo).toBe(true);
    for (const model of defaultCatalog.models) {
      for (const operation of Object.keys(model.operations) as Operation[]) {
        expect(ids(registry.routesFor(model.id, model.provider, operation))).toEqual(['local']);
      }
    }
    expect(ids(registry.all())).toEqual(['local']);
    expect(registry.healthViews().map((view) => [view.id, view.demo])).toEqual([['local', true]]);
  });

  it.each([
    ['flux-dev', 'text-to-image', 'black-forest-labs'],
    ['flux-pro', 'inpaint', 'black-forest-labs'],
    ['flux-1.1-pro', 'outpaint', 'black-forest-labs'],
    ['flux-schnell', 'text-to-image', undefined], // BFL's API has no schnell endpoint: unavailable, never a placeholder
    ['flux-realism-lora', 'text-to-image', undefined],
    ['stability-ultra', 'text-to-image', 'stability'],
    ['stability-sd3.5-large-turbo', 'text-to-image', 'stability'],
    ['stability-edit', 'replace-background-and-relight', 'stability'],
    ['stability-upscale', 'upscale-creative', 'stability'],
    ['qwen-image-edit', 'general-edit', undefined],
    ['huggingface-flux-dev', 'text-to-image', undefined],
    ['imagen-4', 'text-to-image', undefined],
  ] as const)('with both keys, %s %s runs on %s', (modelId, operation, expected) => {
    const registry = new ProviderRegistry({ local, blackForestLabs, stability });
    expect(registry.demo).toBe(false);
    expect(registry.providerFor(modelId, catalogProviderOf(modelId), operation)?.id).toBe(expected);
  });

  it('only configured real adapters are used, and the offline renderer never once one is', () => {
    const onlyStability = new ProviderRegistry({ local, stability });
    expect(onlyStability.providerFor('flux-dev', 'black-forest-labs', 'text-to-image')).toBeUndefined();
    expect(onlyStability.providerFor('stability-core', 'stability', 'text-to-image')?.id).toBe('stability');
    const onlyBfl = new ProviderRegistry({ local, blackForestLabs });
    expect(onlyBfl.providerFor('flux-dev', 'black-forest-labs', 'text-to-image')?.id).toBe('black-forest-labs');
    expect(onlyBfl.routesFor('stability-core', 'stability', 'text-to-image')).toEqual([]);
    expect(ids(onlyBfl.all())).toEqual(['local', 'black-forest-labs']);
    expect(ids(onlyBfl.healthViews())).toEqual(['black-forest-labs']);
  });

  it("routes the catalog provider's own adapter first, then every other adapter that runs the model", () => {
    const second = { id: 'wavespeed' as const, supports: (modelId: string) => modelId === 'flux-dev' || modelId === 'flux-schnell', generate: () => Promise.reject(new Error('unused')) };
    const registry = new ProviderRegistry({ local, blackForestLabs, stability, others: [second] });
    expect(ids(registry.routesFor('flux-dev', 'black-forest-labs', 'text-to-image'))).toEqual(['black-forest-labs', 'wavespeed']);
    // Listed under another provider: that provider's adapter comes first.
    expect(ids(registry.routesFor('flux-dev', 'wavespeed', 'text-to-image'))).toEqual(['wavespeed', 'black-forest-labs']);
    expect(ids(registry.routesFor('flux-schnell', 'black-forest-labs', 'text-to-image'))).toEqual(['wavespeed']);
  });

  it("fal is a second route for the catalog models it serves, after the model's own provider", () => {
    const fal = new FalProvider({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1' });
    const registry = new ProviderRegistry({ local, blackForestLabs, stability, others: [fal] });
    expect(ids(registry.routesFor('flux-dev', 'black-forest-labs', 'text-to-image'))).toEqual(['black-forest-labs', 'fal']);
    expect(ids(registry.routesFor('flux-1.1-pro', 'black-forest-labs', 'text-to-image'))).toEqual(['black-forest-labs', 'fal']);
    expect(ids(registry.routesFor('stability-sd3.5-large', 'stability', 'text-to-image'))).toEqual(['stability', 'fal']);
    expect(ids(registry.routesFor('qwen-image', 'wavespeed', 'text-to-image'))).toEqual(['fal']);
    // Inpaint: BFL's fill first, then FLUX.1 Fill on fal; outpaint has no fal route.
    expect(ids(registry.routesFor('flux-dev', 'black-forest-labs', 'inpaint'))).toEqual(['black-forest-labs', 'fal']);
    expect(ids(registry.routesFor('flux-dev', 'black-forest-labs', 'outpaint'))).toEqual(['black-forest-labs']);
  });

  it("an operator's preference (PROVIDER_PREFERENCE) goes first, in its order, then the usual order", () => {
    const fal = new FalProvider({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1' });
    const own = { id: 'comfyui' as const, supports: (modelId: string) => modelId === 'flux-dev', generate: () => Promise.reject(new Error('unused')) };
    const registry = new ProviderRegistry({ local, blackForestLabs, stability, others: [fal, own], preference: ['comfyui', 'fal'] });
    expect(ids(registry.routesFor('flux-dev', 'black-forest-labs', 'text-to-image'))).toEqual(['comfyui', 'fal', 'black-forest-labs']);
    expect(ids(registry.routesFor('flux-pro', 'black-forest-labs', 'text-to-image'))).toEqual(['fal', 'black-forest-labs']);
    expect(ids(registry.routesFor('stability-core', 'stability', 'text-to-image'))).toEqual(['stability']);
    const usual = new ProviderRegistry({ local, blackForestLabs, stability, others: [fal, own] });
    expect(ids(usual.routesFor('flux-dev', 'black-forest-labs', 'text-to-image'))).toEqual(['black-forest-labs', 'fal', 'comfyui']);
  });

  it('every route supports the model and operation', () => {
    const registry = new ProviderRegistry({ local, blackForestLabs, stability });
    for (const model of defaultCatalog.models) {
      for (const operation of Object.keys(model.operations) as Operation[]) {
        for (const route of registry.routesFor(model.id, model.provider, operation)) {
          expect(route.supports(model.id, operation), `${model.id} ${operation}`).toBe(true);
        }
      }
    }
  });

  it('health: recent errors, median latency, down after a retryable failure, cancelled calls not counted', () => {
    const registry = new ProviderRegistry({ local, blackForestLabs });
    registry.health.record('black-forest-labs', { at: 1, latencyMs: 100 });
    registry.health.record('black-forest-labs', { at: 2, latencyMs: 300 });
    registry.health.record('black-forest-labs', { at: 3, latencyMs: 200 });
    expect(registry.healthViews()[0]).toMatchObject({ status: 'up', recentCalls: 3, recentErrors: 0, medianLatencyMs: 200, lastError: null });
    registry.health.record('black-forest-labs', { at: 4, latencyMs: 5, failure: { kind: 'aborted', message: 'cancelled' } });
    registry.health.record('black-forest-labs', { at: 5, latencyMs: 50, failure: { kind: 'server_error', message: 'HTTP 502' } });
    expect(registry.healthViews()[0]).toMatchObject({ status: 'down', recentCalls: 4, recentErrors: 1, lastError: { kind: 'server_error', message: 'HTTP 502' } });
    registry.health.record('black-forest-labs', { at: 6, latencyMs: 100 });
    expect(registry.healthViews()[0]?.status).toBe('degraded');
  });
});
