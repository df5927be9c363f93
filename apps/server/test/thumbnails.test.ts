import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { GalleryPage, OrganizationView } from '@atelier/contracts';
import type { AssetStorage } from '../src/storage/storage.js';
import { ASSET_STORAGE } from '../src/repositories/tokens.js';
import { thumbnailKey } from '../src/jobs/thumbnails.js';
import { startTestApp, type TestApp } from './app.js';
import { expectStatus, signedUp, submitAndWait, type Member } from './world.js';

const square = { operation: 'text-to-image', model: 'flux-schnell', width: 1024, height: 1024, steps: 4 } as const;

describe('image thumbnails', () => {
  let server: TestApp;
  let owner: Member;
  let organization: OrganizationView;
  let storage: AssetStorage;

  const raw = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${server.url}${path}`, { headers: { cookie: (owner.client as unknown as { cookie: string }).cookie, ...headers } });
  const storageKeyOf = (assetId: string): string => `orgs/${organization.id}/assets/${assetId}.png`;

  beforeAll(async () => {
    server = await startTestApp();
    storage = server.app.get<AssetStorage>(ASSET_STORAGE);
    owner = await signedUp(server, 'thumbs-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Thumbs Inc' });
    expectStatus(created, 201);
    organization = created.body;
    await server.grantCredits(organization.id, 1_000);
  });
  afterAll(async () => {
    await server.close();
  });

  it('makes the 1024 px preview of a large image on its first request only, and lists it with the others', async () => {
    const job = await submitAndWait(owner.client, organization.id, { request: { ...square, width: 1440, height: 1024 }, prompt: 'a wide harbour', seed: 8 });
    const assetId = job.assetIds[0] ?? '';
    expect(await storage.get(thumbnailKey(storageKeyOf(assetId), 1024)), 'not made with the image').toBeUndefined();
    const detail = await owner.client.get<{ asset: { thumbnails: { width: number }[] } }>(`/orgs/${organization.id}/assets/${assetId}`);
    expect(detail.body.asset.thumbnails.map((thumbnail) => thumbnail.width)).toEqual([256, 512, 1024]);
    const preview = await raw(`/api/orgs/${organization.id}/assets/${assetId}/thumbnails/1024`);
    expect(preview.status).toBe(200);
    const bytes = Buffer.from(await preview.arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'webp', width: 1024 });
    expect(await storage.get(thumbnailKey(storageKeyOf(assetId), 1024)), 'stored once made').toBeDefined();
  });

  it('stores WebP thumbnails at card sizes beside the image when it is made, and lists them in the gallery', async () => {
    const job = await submitAndWait(owner.client, organization.id, { request: square, prompt: 'a harbour at noon', seed: 7 });
    const assetId = job.assetIds[0] ?? '';
    for (const width of [256, 512] as const) {
      const stored = await storage.get(thumbnailKey(storageKeyOf(assetId), width));
      expect(stored, `thumbnail ${String(width)} stored with the image`).toBeDefined();
      expect(await sharp(stored).metadata()).toMatchObject({ format: 'webp', width, height: width });
    }
    const gallery = await owner.client.get<GalleryPage>(`/orgs/${organization.id}/assets`);
    const asset = gallery.body.assets.find((candidate) => candidate.id === assetId);
    expect(asset?.thumbnails).toEqual([
      { width: 256, url: `/api/orgs/${organization.id}/assets/${assetId}/thumbnails/256` },
      { width: 512, url: `/api/orgs/${organization.id}/assets/${assetId}/thumbnails/512` },
      { width: 1024, url: `/api/orgs/${organization.id}/assets/${assetId}/thumbnails/1024` },
    ]);

    const thumbnail = await raw(asset?.thumbnails[0]?.url ?? '');
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect(thumbnail.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    const etag = thumbnail.headers.get('etag');
    expect(etag).toBe(`"${assetId}.w256"`);
    const bytes = Buffer.from(await thumbnail.arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'webp', width: 256 });
    // A card's thumbnail is a small fraction of the PNG.
    expect(bytes.length * 10).toBeLessThan(asset?.bytes ?? 0);

    const again = await raw(asset?.thumbnails[0]?.url ?? '', { 'if-none-match': etag ?? '' });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
  });

  it('gives the full image an ETag too, and answers 304 when the browser has it', async () => {
    const job = await submitAndWait(owner.client, organization.id, { request: square, prompt: 'etag of the original', seed: 8 });
    const url = `/api/orgs/${organization.id}/assets/${job.assetIds[0] ?? ''}/image`;
    const first = await raw(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/png');
    expect(first.headers.get('etag')).toBe(`"${job.assetIds[0] ?? ''}"`);
    const second = await raw(url, { 'if-none-match': `W/"other", ${first.headers.get('etag') ?? ''}` });
    expect(second.status).toBe(304);
    expect((await raw(url, { 'if-none-match': '"something-else"' })).status).toBe(200);
  });

  it('makes the thumbnails of an image stored before thumbnails existed on first request, and keeps them', async () => {
    const job = await submitAndWait(owner.client, organization.id, { request: square, prompt: 'an older image', seed: 9 });
    const assetId = job.assetIds[0] ?? '';
    const key512 = thumbnailKey(storageKeyOf(assetId), 512);
    await storage.delete(key512);
    expect(await storage.get(key512)).toBeUndefined();

    const response = await raw(`/api/orgs/${organization.id}/assets/${assetId}/thumbnails/512`);
    expect(response.status).toBe(200);
    expect(await sharp(Buffer.from(await response.arrayBuffer())).metadata()).toMatchObject({ format: 'webp', width: 512 });
    expect(await storage.get(key512)).toBeDefined();
  });

  it('refuses a size it does not make with 400 naming the field, and an unknown image with 404', async () => {
    const job = await submitAndWait(owner.client, organization.id, { request: square, prompt: 'sizes', seed: 10 });
    const wrongSize = await owner.client.get<{ code: string; field: string }>(`/orgs/${organization.id}/assets/${job.assetIds[0] ?? ''}/thumbnails/300`);
    expect(wrongSize.status).toBe(400);
    expect(wrongSize.body).toMatchObject({ code: 'invalid_request', field: 'width' });
    const unknown = await owner.client.get(`/orgs/${organization.id}/assets/${crypto.randomUUID()}/thumbnails/256`);
    expect(unknown.status).toBe(404);
  });

  it('lists only the sizes no wider than the image, and never scales one up', async () => {
    const small = { operation: 'text-to-image', model: 'flux-schnell', width: 256, height: 256, steps: 4 } as const;
    const job = await submitAndWait(owner.client, organization.id, { request: small, prompt: 'a small one', seed: 11 });
    const detail = await owner.client.get<{ asset: { thumbnails: { width: number }[] } }>(`/orgs/${organization.id}/assets/${job.assetIds[0] ?? ''}`);
    expect(detail.body.asset.thumbnails.map((thumbnail) => thumbnail.width)).toEqual([256]);
    const response = await raw(`/api/orgs/${organization.id}/assets/${job.assetIds[0] ?? ''}/thumbnails/512`);
    expect(await sharp(Buffer.from(await response.arrayBuffer())).metadata()).toMatchObject({ format: 'webp', width: 256 });
  });
});
