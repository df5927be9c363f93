import { ledgerOf } from './ledger-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { OrganizationView, PoolView, SubmittedJobView } from '@atelier/contracts';
import { startTestApp, type TestApp } from './app.js';
import { addMember, expectStatus, signedUp, type Member } from './world.js';

const MEMBERS = 20;
const JOBS = 500;
const AFFORDABLE = 300;
const PRICE = 10; // flux-schnell 512×512, 4 steps

describe('a storm of submissions against a pool that can afford only some', () => {
  let server: TestApp;
  let owner: Member;
  let organization: OrganizationView;
  let members: Member[];

  beforeAll(async () => {
    server = await startTestApp({ PROVIDER_CONCURRENCY_LOCAL: '2' });
    owner = await signedUp(server, 'storm-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Storm' });
    expectStatus(created, 201);
    organization = created.body;
    members = [];
    for (let index = 0; index < MEMBERS; index += 1) {
      members.push(await addMember(server, owner.client, organization.id, 'member', `storm-${String(index)}`));
    }
    await server.grantCredits(organization.id, AFFORDABLE * PRICE);
  }, 120_000);
  afterAll(async () => {
    await server.close();
  });

  it('accepts exactly the affordable jobs, refuses the rest with figures, and agrees to the credit once drained', { timeout: 240_000 }, async () => {
    const submissions = Array.from({ length: JOBS }, (_unused, index) => {
      const member = members[index % MEMBERS]!;
      return member.client.post<SubmittedJobView & { code?: string; availableCredits?: number; requestedCredits?: number }>(`/orgs/${organization.id}/jobs`, {
        request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 },
        prompt: `storm ${String(index)}`,
      });
    });
    const responses = await Promise.all(submissions);
    const accepted = responses.filter((response) => response.status === 201);
    const refused = responses.filter((response) => response.status === 402);
    expect(accepted).toHaveLength(AFFORDABLE);
    expect(refused).toHaveLength(JOBS - AFFORDABLE);
    for (const response of refused) {
      expect(response.body).toMatchObject({ code: 'insufficient_credits', requestedCredits: PRICE });
      expect(response.body.availableCredits).toBeLessThan(PRICE);
    }

    const database = new pg.Client({ connectionString: server.database.url });
    await database.connect();
    try {
      const deadline = Date.now() + 200_000;
      for (;;) {
        const open = await database.query<{ count: string }>(`select count(*) from jobs where status in ('queued', 'running')`);
        if (open.rows[0]?.count === '0') break;
        if (Date.now() > deadline) throw new Error(`${open.rows[0]?.count ?? '?'} jobs still open`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const jobs = await database.query<{ status: string; count: string; captured: string | null }>(
        `select status, count(*) as count, sum(captured_credits) as captured from jobs group by status`,
      );
      expect(jobs.rows).toEqual([{ status: 'succeeded', count: String(AFFORDABLE), captured: String(AFFORDABLE * PRICE) }]);
      const assets = await database.query<{ count: string; total: string }>(`select count(*) as count, sum(price_credits) as total from assets`);
      expect(assets.rows[0]).toEqual({ count: String(AFFORDABLE), total: String(AFFORDABLE * PRICE) });
    } finally {
      await database.end();
    }
    const pool = (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;
    expect(pool).toMatchObject({ postedCredits: 0, pendingCredits: 0, availableCredits: 0 });
    const invariants = await ledgerOf(server.app).checkInvariants(organization.id);
    expect(invariants.ok).toBe(true);
  });
});
