import { defaultCatalog, type Operation } from '@atelier/pricing';
import { describe, expect, it } from 'vitest';
import { BlackForestLabsProvider } from '../../src/providers/black-forest-labs.provider.js';
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

describe('ProviderRegistry', () => {
  it('without keys, every model runs locally', () => {
    const registry = new ProviderRegistry({ local });
    for (const model of defaultCatalog.models) {
      for (const operation of Object.keys(model.operations) as Operation[]) {
        expect(registry.providerFor(model.id, model.provider, operation).id).toBe('local');
      }
    }
    expect(registry.all().map((provider) => provider.id)).toEqual(['local']);
  });

  it.each([
    ['flux-dev', 'text-to-image', 'black-forest-labs'],
    ['flux-pro', 'inpaint', 'black-forest-labs'],
    ['flux-1.1-pro', 'outpaint', 'black-forest-labs'],
    ['flux-schnell', 'text-to-image', 'local'], // BFL's API has no schnell endpoint
    ['flux-realism-lora', 'text-to-image', 'local'], // wavespeed: no adapter
    ['stability-ultra', 'text-to-image', 'stability'],
    ['stability-sd3.5-large-turbo', 'text-to-image', 'stability'],
    ['stability-edit', 'replace-background-and-relight', 'stability'],
    ['stability-upscale', 'upscale-creative', 'stability'],
    ['qwen-image-edit', 'general-edit', 'local'],
    ['huggingface-flux-dev', 'text-to-image', 'local'],
    ['imagen-4', 'text-to-image', 'local'],
  ] as const)('with both keys, %s %s runs on %s', (modelId, operation, expected) => {
    const registry = new ProviderRegistry({ local, blackForestLabs, stability });
    expect(registry.providerFor(modelId, catalogProviderOf(modelId), operation).id).toBe(expected);
  });

  it('only the configured real adapter is used', () => {
    const onlyStability = new ProviderRegistry({ local, stability });
    expect(onlyStability.providerFor('flux-dev', 'black-forest-labs', 'text-to-image').id).toBe('local');
    expect(onlyStability.providerFor('stability-core', 'stability', 'text-to-image').id).toBe('stability');
    const onlyBfl = new ProviderRegistry({ local, blackForestLabs });
    expect(onlyBfl.providerFor('flux-dev', 'black-forest-labs', 'text-to-image').id).toBe('black-forest-labs');
    expect(onlyBfl.providerFor('stability-core', 'stability', 'text-to-image').id).toBe('local');
    expect(onlyBfl.all().map((provider) => provider.id)).toEqual(['local', 'black-forest-labs']);
  });

  it('a real adapter is chosen only for its own catalog provider', () => {
    const registry = new ProviderRegistry({ local, blackForestLabs, stability });
    // A flux model listed under another provider does not go to BFL.
    expect(registry.providerFor('flux-dev', 'wavespeed', 'text-to-image').id).toBe('local');
  });

  it('whatever it picks supports the model and operation', () => {
    const registry = new ProviderRegistry({ local, blackForestLabs, stability });
    for (const model of defaultCatalog.models) {
      for (const operation of Object.keys(model.operations) as Operation[]) {
        expect(registry.providerFor(model.id, model.provider, operation).supports(model.id, operation), `${model.id} ${operation}`).toBe(true);
      }
    }
  });
});
