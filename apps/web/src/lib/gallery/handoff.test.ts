import { describe, expect, it } from 'vitest';
import { defaultCatalog, estimate } from '@atelier/pricing';
import type { AssetView } from '@atelier/contracts';
import { readHandoff, settingsForAction, withoutHandoff, workspaceHref, type AssetDetail } from './handoff.js';

const orgId = '11111111-1111-4111-8111-111111111111';
const workspaceId = '22222222-2222-4222-8222-222222222222';
const assetId = '33333333-3333-4333-8333-333333333333';

function detail(request: Record<string, unknown>, asset: Partial<AssetView> = {}): AssetDetail {
  return {
    asset: {
      id: assetId,
      jobId: '44444444-4444-4444-8444-444444444444',
      imageIndex: 0,
      url: `/api/orgs/${orgId}/assets/${assetId}/image`,
      thumbnails: [{ width: 256, url: `/api/orgs/${orgId}/assets/${assetId}/thumbnails/256` }],
      width: 1024,
      height: 768,
      bytes: 1000,
      prompt: 'a lighthouse at dusk',
      negativePrompt: 'people',
      operation: 'text-to-image',
      modelId: 'flux-dev',
      provider: 'local',
      seed: 42,
      steps: 28,
      priceCredits: 50,
      freeTier: false,
      catalogId: 'atelier',
      catalogVersion: 1,
      author: { id: '55555555-5555-4555-8555-555555555555', name: 'Ada' },
      projectId: null,
      workspaceId: null,
      parentAssetId: null,
      hasMask: false,
      createdAt: '2026-11-22T10:00:00.000Z',
      ...asset,
    },
    settings: { request, prompt: 'a lighthouse at dusk', negativePrompt: 'people', seed: 42 },
  };
}

const textToImage = { operation: 'text-to-image', model: 'flux-dev', width: 1024, height: 768, steps: 28, variations: 1 };

describe('gallery hand-off to a workspace', () => {
  it('travels in the workspace URL and is removed once applied', () => {
    const href = workspaceHref(orgId, workspaceId, { assetId, action: 'remix' });
    expect(href).toBe(`/orgs/${orgId}/workspaces/${workspaceId}?from=${assetId}&use=remix`);
    const url = new URL(href, 'http://localhost');
    expect(readHandoff(url)).toEqual({ assetId, action: 'remix' });
    expect(withoutHandoff(url).search).toBe('');
    expect(readHandoff(new URL(`http://localhost/x?from=${assetId}&use=delete`))).toBeUndefined();
  });

  it('"use these settings" copies prompt, model, size, steps and the seed', () => {
    const seed = settingsForAction(detail(textToImage), 'settings', defaultCatalog);
    expect(seed).toEqual({
      prompt: 'a lighthouse at dusk',
      negativePrompt: 'people',
      settings: { operation: 'text-to-image', model: 'flux-dev', width: 1024, height: 768, steps: 28, variations: 1, seed: 42 },
      clearMask: false,
    });
  });

  it('a remix keeps the settings, takes a new seed and records its parent', () => {
    const seed = settingsForAction(detail(textToImage), 'remix', defaultCatalog);
    expect(seed.settings.seed).toBeUndefined();
    expect(seed.parentAssetId).toBe(assetId);
  });

  it('inpaint and outpaint start from this image, with settings the price list accepts', () => {
    for (const action of ['inpaint', 'outpaint'] as const) {
      const seed = settingsForAction(detail(textToImage), action, defaultCatalog);
      expect(seed.settings).toMatchObject({ operation: action, sourceAssetId: assetId, width: 1024, height: 768 });
      expect(seed.clearMask).toBe(true);
      const { sourceAssetId: _source, ...request } = seed.settings;
      const priced = estimate(action === 'inpaint' ? { ...request, mask: { coverage: 0.2 } } : request, defaultCatalog);
      expect(priced.ok, JSON.stringify(priced)).toBe(true);
    }
    const outpaint = settingsForAction(detail(textToImage), 'outpaint', defaultCatalog);
    expect(outpaint.settings.outpaint?.left).toBeGreaterThan(0);
  });
});
