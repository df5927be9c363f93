import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GalleryPage, OrganizationView, PoolView } from '@atelier/contracts';
import { readPngText } from '../../src/providers/png-text.js';
import { PostgresPoolRepository } from '../../src/repositories/postgres-pool.repository.js';
import { startTestApp, type TestApp } from '../app.js';
import { addMember, expectStatus, signedUp, submitAndWait, type Member } from '../world.js';
import { behaviour } from './fakes/fake-async-provider.js';
import { FakeOpenAiServer } from './fakes/fake-openai-server.js';

describe('a server configured with OPENAI_API_KEY, an org on the extended catalog', () => {
  let fake: FakeOpenAiServer;
  let server: TestApp;
  let owner: Member;
  let member: Member;
  let organization: OrganizationView;
  const pool = async (): Promise<PoolView> => (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;
  const gptImage = { operation: 'text-to-image', model: 'gpt-image-1', width: 1024, height: 1024 } as const;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start('sk-openai');
    server = await startTestApp({ OPENAI_API_KEY: 'sk-openai', OPENAI_API_URL: fake.baseUrl });
    owner = await signedUp(server, 'openai-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'OpenAI Inc' });
    expectStatus(created, 201);
    organization = created.body;
    member = await addMember(server, owner.client, organization.id, 'member', 'openai-member');
    await server.grantCredits(organization.id, 2_000);
    expectStatus(await owner.client.request('PUT', `/orgs/${organization.id}/pricing/catalog`, { catalog: 'extended' }), 200);
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it("makes gpt-image-1 on OpenAI at the extended catalog's price, storing the image and OpenAI's cost", async () => {
    const before = await pool();
    const job = await submitAndWait(member.client, organization.id, { request: gptImage, prompt: 'a poster' });
    expect(job).toMatchObject({ status: 'succeeded', provider: 'openai', priceCredits: 42 });
    expect((await pool()).postedCredits).toBe(before.postedCredits - 42);
    const gallery = await member.client.get<GalleryPage>(`/orgs/${organization.id}/assets`);
    const asset = gallery.body.assets.find((candidate) => candidate.jobId === job.id);
    expect(asset).toMatchObject({ provider: 'openai', width: 1024, height: 1024 });
    const cookie = (member.client as unknown as { cookie: string }).cookie;
    const png = Buffer.from(await (await fetch(`${server.url}${asset?.url ?? ''}`, { headers: { cookie } })).arrayBuffer());
    expect(readPngText(png)).toMatchObject({ 'atelier:provider': 'openai' });
    const cost = await server.app.get(PostgresPoolRepository).pool.query<{ provider_cost: unknown }>(`select provider_cost from assets where job_id = $1`, [job.id]);
    expect(cost.rows[0]?.provider_cost).toEqual({ amount: 0.04234, unit: 'usd' });
  });

  it('a 429 is retried after its Retry-After and the job is charged once', async () => {
    const before = await pool();
    fake.script.push(behaviour.rateLimited(0));
    const calls = fake.calls().length;
    const job = await submitAndWait(member.client, organization.id, { request: gptImage, prompt: 'busy' }, 60_000);
    expect(job).toMatchObject({ status: 'succeeded', capturedCredits: 42 });
    expect(fake.calls().length - calls).toBe(2);
    expect((await pool()).postedCredits).toBe(before.postedCredits - 42);
  });

  it('a moderated prompt fails the job with the content-filter reason and a full refund', async () => {
    const before = await pool();
    fake.outcomes.push('moderated');
    const job = await submitAndWait(member.client, organization.id, { request: gptImage, prompt: 'refused' });
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'provider_moderated' });
    expect(job.error?.message).toMatch(/content filter/);
    expect(await pool()).toMatchObject({ availableCredits: before.availableCredits, postedCredits: before.postedCredits, pendingCredits: before.pendingCredits });
  });

  it('on the default catalog gpt-image-1 is not sold, and flux-dev has no provider here (409)', async () => {
    expectStatus(await owner.client.request('PUT', `/orgs/${organization.id}/pricing/catalog`, { catalog: 'default' }), 200);
    const unknown = await member.client.request('POST', `/orgs/${organization.id}/jobs`, { request: gptImage, prompt: 'not in this catalog' });
    expect(unknown.status).toBe(400);
    const unavailable = await member.client.request('POST', `/orgs/${organization.id}/jobs`, { request: { operation: 'text-to-image', model: 'flux-dev', width: 512, height: 512, steps: 20 }, prompt: 'no provider' });
    expect(unavailable.status).toBe(409);
    expect(unavailable.body).toMatchObject({ code: 'model_unavailable' });
    expectStatus(await owner.client.request('PUT', `/orgs/${organization.id}/pricing/catalog`, { catalog: 'extended' }), 200);
  });
});
