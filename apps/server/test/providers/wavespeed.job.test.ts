import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GalleryPage, OrganizationView, PoolView } from '@atelier/contracts';
import { readPngText } from '../../src/providers/png-text.js';
import { startTestApp, type TestApp } from '../app.js';
import { addMember, expectStatus, signedUp, submitAndWait, type Member } from '../world.js';
import { FakeWavespeedServer } from './fakes/fake-wavespeed-server.js';

describe('a server configured with WAVESPEED_API_KEY', () => {
  let fake: FakeWavespeedServer;
  let server: TestApp;
  let owner: Member;
  let member: Member;
  let organization: OrganizationView;
  const pool = async (): Promise<PoolView> => (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;

  beforeAll(async () => {
    fake = await FakeWavespeedServer.start('ws-key');
    server = await startTestApp({ WAVESPEED_API_KEY: 'ws-key', WAVESPEED_API_URL: fake.baseUrl });
    owner = await signedUp(server, 'ws-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'WaveSpeed Inc' });
    expectStatus(created, 201);
    organization = created.body;
    member = await addMember(server, owner.client, organization.id, 'member', 'ws-member');
    await server.grantCredits(organization.id, 2_000);
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it('makes Qwen-Image on WaveSpeed, stores the image at once and charges the price', async () => {
    const before = await pool();
    const job = await submitAndWait(member.client, organization.id, { request: { operation: 'text-to-image', model: 'qwen-image', width: 512, height: 512 }, prompt: 'a poster' });
    expect(job).toMatchObject({ status: 'succeeded', provider: 'wavespeed' });
    expect((await pool()).postedCredits).toBe(before.postedCredits - job.priceCredits);
    expect(fake.requests('download')).toHaveLength(1);
    const gallery = await member.client.get<GalleryPage>(`/orgs/${organization.id}/assets`);
    const asset = gallery.body.assets.find((candidate) => candidate.jobId === job.id);
    expect(asset).toMatchObject({ provider: 'wavespeed', width: 512, height: 512 });
    // Served from our storage: the provider's URL has expired by now.
    const image = await member.client.request('GET', `/orgs/${organization.id}/assets/${asset?.id ?? ''}/image`);
    expect(image.status).toBe(200);
    const cookie = (member.client as unknown as { cookie: string }).cookie;
    const png = Buffer.from(await (await fetch(`${server.url}${asset?.url ?? ''}`, { headers: { cookie } })).arrayBuffer());
    expect(readPngText(png)).toMatchObject({ 'atelier:provider': 'wavespeed' });
    expect(readPngText(png)).not.toHaveProperty('atelier:note');
  });

  it('refuses a model WaveSpeed does not run with 409 model_unavailable', async () => {
    const response = await member.client.request('POST', `/orgs/${organization.id}/jobs`, {
      request: { operation: 'text-to-image', model: 'flux-dev', width: 512, height: 512, steps: 20 },
      prompt: 'no provider',
    });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'model_unavailable', field: 'request.model' });
  });

  it('a moderated prompt fails the job with the content-filter reason and a full refund', async () => {
    const before = await pool();
    fake.outcomes.push('moderated');
    const job = await submitAndWait(member.client, organization.id, { request: { operation: 'text-to-image', model: 'qwen-image', width: 512, height: 512 }, prompt: 'refused' });
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'provider_moderated' });
    expect(job.error?.message).toMatch(/content filter/);
    expect(await pool()).toMatchObject({ availableCredits: before.availableCredits, postedCredits: before.postedCredits, pendingCredits: before.pendingCredits });
  });
});
