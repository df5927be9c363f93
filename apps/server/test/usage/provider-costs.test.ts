import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganizationView, ProviderCostReport } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { FakeBflServer } from '../providers/fakes/fake-bfl-server.js';
import { FakeOpenAiServer } from '../providers/fakes/fake-openai-server.js';
import { addMember, expectStatus, signedUp, submitAndWait, type Member } from '../world.js';

describe('GET /orgs/:orgId/usage/provider-costs: credits charged against provider cost per model', () => {
  let bfl: FakeBflServer;
  let openai: FakeOpenAiServer;
  let server: TestApp;
  let owner: Member;
  let manager: Member;
  let organization: OrganizationView;
  const range = () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });

  beforeAll(async () => {
    bfl = await FakeBflServer.start({ apiKey: 'bfl-key' });
    openai = await FakeOpenAiServer.start('sk-key');
    server = await startTestApp({ BFL_API_KEY: 'bfl-key', BFL_API_URL: bfl.baseUrl, OPENAI_API_KEY: 'sk-key', OPENAI_API_URL: openai.baseUrl });
    owner = await signedUp(server, 'costs-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Costs Inc' });
    expectStatus(created, 201);
    organization = created.body;
    manager = await addMember(server, owner.client, organization.id, 'manager', 'costs-manager');
    await server.grantCredits(organization.id, 2_000);
    expectStatus(await owner.client.request('PUT', `/orgs/${organization.id}/pricing/catalog`, { catalog: 'extended' }), 200);
  });
  afterAll(async () => {
    await server.close();
    await bfl.close();
    await openai.close();
  });

  it('sums credits captured and provider-reported costs (BFL credits at $0.01, OpenAI usage in dollars), per model and provider', async () => {
    const flux = await submitAndWait(owner.client, organization.id, { request: { operation: 'text-to-image', model: 'flux-dev', width: 512, height: 512, steps: 20, variations: 2 }, prompt: 'a bay' });
    const gpt = await submitAndWait(owner.client, organization.id, { request: { operation: 'text-to-image', model: 'gpt-image-1', width: 1024, height: 1024 }, prompt: 'a sign' });
    expect([flux.status, gpt.status]).toEqual(['succeeded', 'succeeded']);
    const query = new URLSearchParams(range()).toString();
    const response = await owner.client.get<ProviderCostReport>(`/orgs/${organization.id}/usage/provider-costs?${query}`);
    expectStatus(response, 200);
    const byModel = Object.fromEntries(response.body.models.map((model) => [model.modelId, model]));
    expect(byModel['flux-dev']).toEqual({
      modelId: 'flux-dev',
      credits: flux.capturedCredits,
      jobs: 1,
      images: 2,
      imagesWithCost: 2,
      providerCostUsd: 0.05,
      providers: [{ provider: 'black-forest-labs', images: 2, imagesWithCost: 2, providerCostUsd: 0.05 }],
    });
    expect(byModel['gpt-image-1']).toMatchObject({ credits: 42, jobs: 1, images: 1, providerCostUsd: 0.04234, providers: [{ provider: 'openai', images: 1 }] });
    expect(response.body.totals).toEqual({ credits: (flux.capturedCredits ?? 0) + 42, jobs: 2, images: 3, imagesWithCost: 3, providerCostUsd: 0.09234 });
  });

  it('is for owners: a manager gets 403; a bad range is a 400 naming the field', async () => {
    const query = new URLSearchParams(range()).toString();
    expect((await manager.client.request('GET', `/orgs/${organization.id}/usage/provider-costs?${query}`)).status).toBe(403);
    const backwards = await owner.client.request('GET', `/orgs/${organization.id}/usage/provider-costs?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(backwards.status).toBe(400);
    expect(backwards.body).toMatchObject({ code: 'invalid_request', field: 'to' });
  });
});
