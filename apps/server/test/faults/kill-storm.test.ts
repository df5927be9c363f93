import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '@atelier/ledger';
import type { BudgetView, InvitationView, SubmittedJobView } from '@atelier/contracts';
import { createTestDatabase, type TestDatabase } from '../../../../tools/testing/database.js';
import { ApiClient } from '../client.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import { startBalancingProxy, type BalancingProxy } from './tcp-proxy.js';
import { auditLedger, everyJobFinal, fundedOrganization, seededRandom, sleep, stillRunning } from './harness.js';

const GRANTED = 1_000_000n;
/** The member's budget: 10 credits an image, so the storm runs into it. */
const MEMBER_BUDGET = 600;
const CLIENTS_PER_PERSON = 6;
const STORM_BEFORE_KILL_MS = 2_000;
const STORM_AFTER_KILL_MS = 1_500;

interface Answer {
  status: number;
  code?: string;
}

/**
 * kill -9 of one of two nodes (behind a balancing proxy, as behind a load balancer) while a storm
 * of submits from an owner and a budgeted member runs and both nodes' workers are making images;
 * then the node is started again. Nothing may stay stuck, nothing may be charged twice, the member
 * may not go over their budget, and no answer may be a 500.
 */
describe('kill -9 of a node during a storm of submits and running jobs, two nodes', () => {
  let database: TestDatabase | undefined;
  let balancer: BalancingProxy | undefined;
  const nodes: ServerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const node of nodes) {
      await node.kill();
    }
    await balancer?.close();
    await database?.drop();
  }, 60_000);

  it('every job ends within 60 s, charged at most once, the member within budget, no 500', { timeout: 180_000 }, async () => {
    if (database === undefined) throw new Error('no database');
    const environment = {
      DATABASE_URL: database.url,
      LOCAL_PROVIDER_LATENCY_MS: '250',
      PROVIDER_CONCURRENCY_LOCAL: '3',
      RATE_LIMIT_SUBMIT_PER_MINUTE: '100000',
      SWEEP_INTERVAL_MS: '1000',
      WORKER_SILENT_AFTER_MS: '3000',
      JOB_HOLD_EXTEND_INTERVAL_MS: '1000',
      DATABASE_POOL_SIZE: '10',
      ORM_POOL_SIZE: '4',
    };
    const ports = [await freePort(), await freePort()];
    const [portA = 0, portB = 0] = ports;
    nodes.push(runServer({ ...environment, PORT: String(portA) }), runServer({ ...environment, PORT: String(portB) }));
    await Promise.all(nodes.map((node) => node.ready()));
    balancer = await startBalancingProxy('127.0.0.1', ports);
    const url = `http://127.0.0.1:${String(balancer.port)}`;

    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const ledger = new Ledger(pool);
    const { client: owner, organization } = await fundedOrganization(url, ledger, 'kill-storm', GRANTED);
    await ledger.close();
    await pool.end();
    expect((await owner.patch(`/orgs/${organization.id}`, { maxConcurrentJobsPerMember: 100 })).status).toBe(200);
    const member = await invitedMember(url, owner, organization.id);
    expect((await owner.put(`/orgs/${organization.id}/members/${member.userId}/budget`, { limitCredits: MEMBER_BUDGET, period: 'month' })).status).toBe(200);

    const answers: Answer[] = [];
    const random = seededRandom(31);
    const state = { running: true };
    const storm = (client: ApiClient) => async (): Promise<void> => {
      while (state.running) {
        const variations = 1 + Math.floor(random() * 3);
        const body = { request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4, variations }, prompt: 'kill storm', seed: Math.floor(random() * 1e9) };
        const response = await client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, body).catch(() => undefined);
        const code = (response?.body as { code?: string } | undefined)?.code;
        answers.push({ status: response?.status ?? 0, ...(code === undefined ? {} : { code }) });
        if (response === undefined) await sleep(20);
      }
    };
    const loops = [...Array.from({ length: CLIENTS_PER_PERSON }, () => storm(owner)()), ...Array.from({ length: CLIENTS_PER_PERSON }, () => storm(member.client)())];
    await sleep(STORM_BEFORE_KILL_MS);
    const running = await jobsIn(database.url, organization.id, 'running');
    const [doomed] = nodes;
    doomed?.child.kill('SIGKILL');
    await doomed?.exited;
    const killedAt = Date.now();
    await sleep(STORM_AFTER_KILL_MS);
    state.running = false;
    await Promise.all(loops);

    // The node comes back on its port; the balancer sends it new connections again.
    nodes.push(runServer({ ...environment, PORT: String(portA) }));
    await nodes.at(-1)?.ready();

    const jobIds = await jobsIn(database.url, organization.id);
    await everyJobFinal(owner, organization.id, jobIds, 60_000);
    const resumedMs = Date.now() - killedAt;
    await auditLedger(database.url, organization.id, GRANTED);

    const budget = await owner.get<BudgetView>(`/orgs/${organization.id}/members/${member.userId}/budget`);
    expect(budget.body.spentCredits).toBeLessThanOrEqual(MEMBER_BUDGET);
    expect(budget.body.pendingCredits).toBe(0);
    expect(answers.filter((answer) => answer.status >= 500 && answer.status !== 503), JSON.stringify(answers.filter((answer) => answer.status >= 500).slice(0, 3))).toEqual([]);
    expect(answers.filter((answer) => answer.status === 201).length).toBeGreaterThan(20);
    expect(answers.some((answer) => answer.code === 'budget_exceeded' || answer.code === 'insufficient_budget')).toBe(true);
    expect(running.length).toBeGreaterThan(0);
    expect(nodes.slice(1).every((node) => stillRunning(node.child))).toBe(true);
    const statuses = await statusCounts(database.url, organization.id);
    console.log(
      `kill -9 during a storm: ${String(answers.length)} submits (${String(answers.filter((answer) => answer.status === 201).length)} accepted, ${String(answers.filter((answer) => answer.status === 0).length)} cut by the kill, ` +
        `${String(answers.filter((answer) => answer.status === 503).length)} × 503), ${String(running.length)} jobs running at the kill; every one of ${String(jobIds.length)} jobs final ${String(resumedMs)} ms after the kill ` +
        `(${JSON.stringify(statuses)}); member spent ${String(budget.body.spentCredits)} of ${String(MEMBER_BUDGET)}`,
    );
  });
});

/** A member invited by `owner`, signed up and accepted through the invitation's link. */
async function invitedMember(url: string, owner: ApiClient, organizationId: string): Promise<{ client: ApiClient; userId: string }> {
  const email = `kill-storm-member-${String(Date.now())}@example.com`;
  const invitation = await owner.post<InvitationView>(`/orgs/${organizationId}/invitations`, { email, role: 'member' });
  const token = /invitations\/([A-Za-z0-9_-]+)/.exec(invitation.body.link ?? '')?.[1];
  if (token === undefined) throw new Error(`no invitation link: ${JSON.stringify(invitation.body)}`);
  const client = new ApiClient(url);
  const session = await client.signUp(email, 'Storm Member');
  expect((await client.post('/invitations/accept', { token })).status).toBe(200);
  return { client, userId: session.user.id };
}

async function jobsIn(databaseUrl: string, organizationId: string, status?: string): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const result = await pool.query<{ id: string }>(`select id from jobs where organization_id = $1 and ($2::text is null or status = $2)`, [organizationId, status ?? null]);
    return result.rows.map((row) => row.id);
  } finally {
    await pool.end();
  }
}

async function statusCounts(databaseUrl: string, organizationId: string): Promise<Record<string, number>> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const result = await pool.query<{ status: string; error_code: string | null; n: string }>(
      `select status, error_code, count(*) as n from jobs where organization_id = $1 group by status, error_code`,
      [organizationId],
    );
    return Object.fromEntries(result.rows.map((row) => [`${row.status}${row.error_code === null ? '' : `/${row.error_code}`}`, Number(row.n)]));
  } finally {
    await pool.end();
  }
}
