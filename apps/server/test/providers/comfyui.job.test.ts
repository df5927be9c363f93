import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GalleryPage, OrganizationView, PoolView } from '@atelier/contracts';
import { readPngText } from '../../src/providers/png-text.js';
import { startTestApp, type TestApp } from '../app.js';
import { expectStatus, signedUp, submitAndWait, type Member } from '../world.js';
import { FakeBflServer } from './fakes/fake-bfl-server.js';
import { FakeComfyUiServer } from './fakes/fake-comfyui-server.js';

describe("a team's own ComfyUI behind the pool (COMFYUI_URL), beside Black Forest Labs", () => {
  let comfy: FakeComfyUiServer;
  let bfl: FakeBflServer;
  let server: TestApp;
  let owner: Member;
  let organization: OrganizationView;
  const pool = async (): Promise<PoolView> => (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;
  const fluxDev = { operation: 'text-to-image', model: 'flux-dev', width: 512, height: 512, steps: 20 } as const;

  beforeAll(async () => {
    comfy = await FakeComfyUiServer.start();
    bfl = await FakeBflServer.start({ apiKey: 'the-right-key' });
    // BFL's key is wrong here: BFL refuses every call (403), so flux-dev fails over to ComfyUI.
    server = await startTestApp({ COMFYUI_URL: comfy.baseUrl, COMFYUI_MODELS: 'flux-dev', BFL_API_KEY: 'a-revoked-key', BFL_API_URL: bfl.baseUrl });
    owner = await signedUp(server, 'comfy-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'GPU Team' });
    expectStatus(created, 201);
    organization = created.body;
    await server.grantCredits(organization.id, 1_000);
  });
  afterAll(async () => {
    await server.close();
    await comfy.close();
    await bfl.close();
  });

  it('lists ComfyUI as a route for flux-dev after BFL', async () => {
    const providers = await owner.client.get<{ models: { modelId: string; operation: string; routes: string[] }[] }>('/providers');
    const route = providers.body.models.find((model) => model.modelId === 'flux-dev' && model.operation === 'text-to-image');
    expect(route?.routes).toEqual(['black-forest-labs', 'comfyui']);
  });

  it('BFL refusing hands the image to ComfyUI: made there, stored in our storage, charged once', async () => {
    const before = await pool();
    const job = await submitAndWait(owner.client, organization.id, { request: { ...fluxDev, variations: 2 }, prompt: 'a lighthouse' }, 60_000);
    expect(job).toMatchObject({ status: 'succeeded', provider: 'comfyui', imagesDone: 2, capturedCredits: job.priceCredits });
    expect((await pool()).postedCredits).toBe(before.postedCredits - job.priceCredits);
    expect(bfl.submissions().length).toBeGreaterThanOrEqual(2);
    expect(comfy.requests('submit')).toHaveLength(2);
    expect(comfy.queued().prompt['4']?.inputs).toMatchObject({ width: 512, height: 512 });
    const gallery = await owner.client.get<GalleryPage>(`/orgs/${organization.id}/assets`);
    const asset = gallery.body.assets.find((candidate) => candidate.jobId === job.id);
    expect(asset).toMatchObject({ provider: 'comfyui', width: 512, height: 512 });
    const cookie = (owner.client as unknown as { cookie: string }).cookie;
    const png = Buffer.from(await (await fetch(`${server.url}${asset?.url ?? ''}`, { headers: { cookie } })).arrayBuffer());
    expect(readPngText(png)).toMatchObject({ 'atelier:provider': 'comfyui' });
  });

  it('a run that fails on the GPU is retried, then the job fails with a full refund', async () => {
    const before = await pool();
    for (let i = 0; i < 10; i += 1) comfy.outcomes.push('failed');
    const job = await submitAndWait(owner.client, organization.id, { request: fluxDev, prompt: 'too big' }, 90_000);
    expect(job.status).toBe('failed');
    expect(await pool()).toMatchObject({ availableCredits: before.availableCredits, postedCredits: before.postedCredits });
    while (comfy.outcomes.size > 0) comfy.outcomes.take();
  });
});
