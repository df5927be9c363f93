import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganizationView, PoolView } from '@atelier/contracts';
import { PostgresPoolRepository } from '../../src/repositories/postgres-pool.repository.js';
import { startTestApp, type TestApp } from '../app.js';
import { expectStatus, signedUp, submitAndWait, type Member } from '../world.js';
import { FakeBflServer } from './fakes/fake-bfl-server.js';

describe('a server configured with BFL_API_KEY, an org on the extended catalog', () => {
  let fake: FakeBflServer;
  let server: TestApp;
  let owner: Member;
  let organization: OrganizationView;
  const pool = async (): Promise<PoolView> => (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;

  beforeAll(async () => {
    fake = await FakeBflServer.start({ apiKey: 'bfl-key' });
    server = await startTestApp({ BFL_API_KEY: 'bfl-key', BFL_API_URL: fake.baseUrl });
    owner = await signedUp(server, 'flux2-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Flux Two Inc' });
    expectStatus(created, 201);
    organization = created.body;
    await server.grantCredits(organization.id, 1_000);
    expectStatus(await owner.client.request('PUT', `/orgs/${organization.id}/pricing/catalog`, { catalog: 'extended' }), 200);
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it("makes FLUX.2 [pro] on BFL at the catalog's price and keeps the cost BFL reports beside it", async () => {
    const before = await pool();
    const job = await submitAndWait(owner.client, organization.id, { request: { operation: 'text-to-image', model: 'flux-2-pro', width: 1440, height: 1440, variations: 2 }, prompt: 'a harbour' });
    expect(job).toMatchObject({ status: 'succeeded', provider: 'black-forest-labs', priceCredits: 90, imagesDone: 2 });
    expect((await pool()).postedCredits).toBe(before.postedCredits - 90);
    expect(fake.submissions().map((request) => request.path)).toEqual(['/v1/flux-2-pro', '/v1/flux-2-pro']);
    const costs = await server.app.get(PostgresPoolRepository).pool.query<{ provider_cost: unknown }>(`select provider_cost from assets where job_id = $1`, [job.id]);
    expect(costs.rows.map((row) => row.provider_cost)).toEqual([
      { amount: 6, unit: 'bfl-credits' },
      { amount: 6, unit: 'bfl-credits' },
    ]);
  });
});
