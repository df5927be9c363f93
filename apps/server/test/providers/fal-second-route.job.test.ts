import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganizationView, PoolView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { expectStatus, signedUp, submitAndWait, type Member } from '../world.js';
import { bfl as bflBehaviour, FakeBflServer } from './fakes/fake-bfl-server.js';
import { FakeFalServer } from './fakes/fake-fal-server.js';

describe('fal as the second route of a BFL model (BFL_API_KEY and FAL_KEY)', () => {
  let bfl: FakeBflServer;
  let fal: FakeFalServer;
  let server: TestApp;
  let owner: Member;
  let organization: OrganizationView;
  const pool = async (): Promise<PoolView> => (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;
  const fluxDev = { operation: 'text-to-image', model: 'flux-dev', width: 512, height: 512, steps: 20 } as const;

  beforeAll(async () => {
    bfl = await FakeBflServer.start({ apiKey: 'bfl-key' });
    fal = await FakeFalServer.start('fal-key');
    server = await startTestApp({ BFL_API_KEY: 'bfl-key', BFL_API_URL: bfl.baseUrl, FAL_KEY: 'fal-key', FAL_QUEUE_URL: fal.baseUrl });
    owner = await signedUp(server, 'fal-route-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Two Routes' });
    expectStatus(created, 201);
    organization = created.body;
    await server.grantCredits(organization.id, 1_000);
  });
  afterAll(async () => {
    await server.close();
    await bfl.close();
    await fal.close();
  });

  it('BFL first while it works', async () => {
    const job = await submitAndWait(owner.client, organization.id, { request: fluxDev, prompt: 'first' });
    expect(job).toMatchObject({ status: 'succeeded', provider: 'black-forest-labs' });
    expect(fal.requests('submit')).toHaveLength(0);
  });

  it('BFL down (5xx on every attempt): fal makes the image, and the job is charged once', async () => {
    const before = await pool();
    for (let i = 0; i < 10; i += 1) bfl.submitScript.push(bflBehaviour.serverError());
    const job = await submitAndWait(owner.client, organization.id, { request: fluxDev, prompt: 'failover' }, 60_000);
    expect(job).toMatchObject({ status: 'succeeded', provider: 'fal', capturedCredits: job.priceCredits });
    expect((await pool()).postedCredits).toBe(before.postedCredits - job.priceCredits);
    expect(fal.requests('submit').map((request) => request.path)).toEqual(['/fal-ai/flux/dev']);
    expect(fal.submittedBody()).toMatchObject({ prompt: 'failover', image_size: { width: 512, height: 512 }, num_inference_steps: 20 });
    while (bfl.submitScript.size > 0) bfl.submitScript.take();
  });

  it('an inpaint with BFL down: FLUX.1 Fill on fal makes it from the stored source and the rendered mask, charged once', async () => {
    const made = await submitAndWait(owner.client, organization.id, { request: fluxDev, prompt: 'a quiet street' });
    expect(made).toMatchObject({ status: 'succeeded', provider: 'black-forest-labs' });
    const before = await pool();
    for (let i = 0; i < 10; i += 1) bfl.submitScript.push(bflBehaviour.serverError());
    const inpaint = await submitAndWait(
      owner.client,
      organization.id,
      { request: { operation: 'inpaint', model: 'flux-dev', steps: 20 }, prompt: 'a red door', sourceAssetId: made.assetIds[0], maskStrokes: [{ tool: 'brush', width: 60, points: [100, 100, 300, 300] }] },
      60_000,
    );
    expect(inpaint).toMatchObject({ status: 'succeeded', provider: 'fal', capturedCredits: inpaint.priceCredits, width: 512, height: 512 });
    expect((await pool()).postedCredits).toBe(before.postedCredits - inpaint.priceCredits);
    const submission = fal.requests('submit').at(-1);
    expect(submission?.path).toBe('/fal-ai/flux-pro/v1/fill');
    const body = JSON.parse(submission?.body.toString('utf8') ?? '{}') as Record<string, unknown>;
    expect(body.prompt).toBe('a red door');
    expect(String(body.image_url)).toMatch(/^data:image\/png;base64,/);
    expect(String(body.mask_url)).toMatch(/^data:image\/png;base64,/);
    while (bfl.submitScript.size > 0) bfl.submitScript.take();
  });
});
