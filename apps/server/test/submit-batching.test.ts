import { ledgerOf } from './ledger-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { BulkSubmitView, JobView, OrganizationView, PoolView, SubmittedJobView } from '@atelier/contracts';
import { QueueRepository } from '../src/queue/queue.repository.js';
import type { ProviderId } from '../src/providers/provider.js';
import { startTestApp, type TestApp } from './app.js';
import { addMember, expectStatus, signedUp, type Member } from './world.js';
import { connect, cookieOf } from './realtime/sockets.js';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } as const; // 10 credits each

/**
 * Concurrent submits are placed in shared transactions (the ledger's batches carry the job rows and
 * queue entries): each must still be answered alone, exactly as if it had been placed on its own.
 * Workers are off, so every hold stays pending and the balances can be checked to the credit.
 */
describe('batched submits and the bulk endpoint', () => {
  let server: TestApp;
  let owner: Member;

  beforeAll(async () => {
    server = await startTestApp({ RUN_WORKERS: 'false', RATE_LIMIT_SUBMIT_PER_MINUTE: '100000' });
    owner = await signedUp(server, 'batch-owner');
  });
  afterAll(async () => {
    await server.close();
  });

  async function organizationWith(credits: number): Promise<{ organization: OrganizationView; member: Member }> {
    const created = await owner.client.post<OrganizationView>('/orgs', { name: `Batch ${String(credits)} ${crypto.randomUUID().slice(0, 6)}` });
    expectStatus(created, 201);
    const member = await addMember(server, owner.client, created.body.id, 'member', 'batcher');
    if (credits > 0) await server.grantCredits(created.body.id, credits);
    return { organization: created.body, member };
  }

  const pool = async (organizationId: string): Promise<PoolView> => (await owner.client.get<PoolView>(`/orgs/${organizationId}/pool`)).body;
  const jobsOf = async (organizationId: string): Promise<JobView[]> => (await owner.client.get<JobView[]>(`/orgs/${organizationId}/jobs?limit=100`)).body;

  it('places exactly what the pool affords when many submit at once: the others are refused alone, the balance is exact', async () => {
    const { organization, member } = await organizationWith(95);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => member.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: `at once ${String(index)}` })),
    );
    const placed = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status === 402);
    expect(placed).toHaveLength(9);
    expect(refused).toHaveLength(11);
    for (const answer of refused) expect(answer.body).toMatchObject({ code: 'insufficient_credits' });
    // Each answer is its own: its own job, and the balance right after its own hold.
    expect(new Set(placed.map((answer) => answer.body.job.id)).size).toBe(9);
    const availableAfter = placed.map((answer) => answer.body.balances.pool.availableCredits).sort((a, b) => b - a);
    expect(availableAfter).toEqual([85, 75, 65, 55, 45, 35, 25, 15, 5]);
    for (const answer of placed) {
      expect(answer.body.job).toMatchObject({ status: 'queued', priceCredits: 10 });
      expect(answer.body.job.queuePosition).toBeGreaterThanOrEqual(1);
      expect(answer.body.balances.pool.pendingCredits).toBe(95 - answer.body.balances.pool.availableCredits);
    }

    // Places in the queue, though answered from several batches: each once, one after another (the
    // jobs queued before them by the earlier tests come first).
    const positions = placed.map((answer) => answer.body.job.queuePosition ?? 0).sort((a, b) => a - b);
    const first = positions[0] ?? 0;
    expect(positions).toEqual(Array.from({ length: 9 }, (_, index) => first + index));

    expect(await pool(organization.id)).toMatchObject({ availableCredits: 5, pendingCredits: 90, postedCredits: 95 });
    const jobs = await jobsOf(organization.id);
    expect(jobs.map((job) => job.id).sort()).toEqual(placed.map((answer) => answer.body.job.id).sort());
    const database = new pg.Client({ connectionString: server.database.url });
    await database.connect();
    const queued = await database.query<{ count: string }>(`select count(*) from graphile_worker.jobs where key = any($1)`, [jobs.map((job) => job.id)]);
    await database.end();
    expect(queued.rows[0]?.count).toBe('9');
    const audit = await ledgerOf(server.app).checkInvariants(organization.id);
    expect(audit.ok).toBe(true);
  });

  it('counts a place in line by what committed first, not by when each transaction began', async () => {
    // Two batches of one pool: the one that began first may take the pool's lock second. It must
    // count the other's job as ahead of its own, or both would be answered "#1 in line".
    const { organization, member } = await organizationWith(100);
    const submitted = await member.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'the model row' });
    expectStatus(submitted, 201);
    const queue = server.app.get(QueueRepository);
    const copyOf = `insert into jobs select (jsonb_populate_record(null::jobs, to_jsonb(job) || jsonb_build_object('id', $2::uuid, 'idempotency_key', null, 'created_at', now()))).*
                      from jobs job where id = $1`;
    const [early, late] = [new pg.Client({ connectionString: server.database.url }), new pg.Client({ connectionString: server.database.url })];
    await Promise.all([early.connect(), late.connect()]);
    try {
      const earlyJob = crypto.randomUUID();
      const lateJob = crypto.randomUUID();
      await early.query('begin');
      await early.query('select now()'); // its transaction has begun, and its clock is set
      await new Promise((resolve) => setTimeout(resolve, 20));
      await late.query('begin');
      await late.query(copyOf, [submitted.body.job.id, lateJob]);
      const lateAhead = await queue.enqueueMany(late, [{ jobId: lateJob, organizationId: organization.id, provider: submitted.body.job.provider as ProviderId, queueName: `early-late-${lateJob}`, priority: 0 }]);
      await late.query('commit');
      await early.query(copyOf, [submitted.body.job.id, earlyJob]);
      const earlyAhead = await queue.enqueueMany(early, [{ jobId: earlyJob, organizationId: organization.id, provider: submitted.body.job.provider as ProviderId, queueName: `early-late-${earlyJob}`, priority: 0 }]);
      await early.query('commit');
      expect(earlyAhead.get(earlyJob)).toBe((lateAhead.get(lateJob) ?? 0) + 1);
    } finally {
      await Promise.all([early.end(), late.end()]);
    }
  });

  it('refuses by the member budget just as alone, and each answer shows the budget right after its own hold', async () => {
    const { organization, member } = await organizationWith(1_000);
    expectStatus(await owner.client.put(`/orgs/${organization.id}/members/${member.userId}/budget`, { limitCredits: 50, period: 'month' }), 200);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) => member.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: `budget ${String(index)}` })),
    );
    const placed = answers.filter((answer) => answer.status === 201);
    expect(placed).toHaveLength(5);
    for (const answer of answers.filter((candidate) => candidate.status !== 201)) {
      expect(answer.status).toBe(402);
      expect(answer.body).toMatchObject({ code: 'budget_exceeded', limitCredits: 50, remainingCredits: 0 });
    }
    expect(placed.map((answer) => answer.body.balances.member.remainingCredits).sort((a, b) => (b ?? 0) - (a ?? 0))).toEqual([40, 30, 20, 10, 0]);
    expect(await pool(organization.id)).toMatchObject({ availableCredits: 950, pendingCredits: 50 });
    expect((await ledgerOf(server.app).checkInvariants(organization.id)).ok).toBe(true);
  });

  it('a burst of submits ends with the member’s socket showing their real budget, without a read per submit', async () => {
    const { organization, member } = await organizationWith(1_000);
    expectStatus(await owner.client.put(`/orgs/${organization.id}/members/${member.userId}/budget`, { limitCredits: 500, period: 'month' }), 200);
    const socket = await connect(server.url, { cookie: cookieOf(member.client) });
    try {
      const subscribed = await socket.subscribe(organization.id);
      expect(subscribed.ok).toBe(true);
      await Promise.all(Array.from({ length: 12 }, (_, index) => member.client.post(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: `burst ${String(index)}` })));
      const last = await socket.waitFor('budget', (event) => event.budget.pendingCredits === 120, 10_000);
      expect(last.budget).toMatchObject({ limitCredits: 500, pendingCredits: 120, remainingCredits: 380 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const budgets = socket.received.filter((event) => event.event === 'budget');
      // Coalesced per member: fewer reads than submits, and none after the last is older than it.
      expect(budgets.length).toBeLessThan(12);
      expect(budgets.at(-1)?.payload).toMatchObject({ budget: { pendingCredits: 120 } });
    } finally {
      socket.close();
    }
  });

  it('keeps Idempotency-Key semantics when the same key arrives several times at once: one job, the others replay it', async () => {
    const { organization, member } = await organizationWith(100);
    const body = { request: schnell, prompt: 'only once' };
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => member.client.request<SubmittedJobView>('POST', `/orgs/${organization.id}/jobs`, body, { 'idempotency-key': 'same-click' })),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(5);
    expect(new Set(answers.map((answer) => answer.body.job.id)).size).toBe(1);
    expect(await pool(organization.id)).toMatchObject({ availableCredits: 90, pendingCredits: 10 });
    expect(await jobsOf(organization.id)).toHaveLength(1);
    // Another body under the same key is a conflict, batched or not.
    const other = await member.client.request('POST', `/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'something else' }, { 'idempotency-key': 'same-click' });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ code: 'id_conflict', field: 'Idempotency-Key' });
  });

  it('bulk: answers every item on its own, holds the affordable ones in order, refuses a bad item with its field', async () => {
    const { organization, member } = await organizationWith(35);
    const prompts = ['one', 'two', 'three', 'four', 'five'];
    const jobs: unknown[] = prompts.map((prompt) => ({ request: schnell, prompt }));
    jobs.splice(2, 0, { request: { ...schnell, width: 3 }, prompt: 'too small' }, 42);
    const answer = await member.client.request<BulkSubmitView>('POST', `/orgs/${organization.id}/jobs/bulk`, { jobs }, { 'idempotency-key': 'nightly-run' });
    expectStatus(answer, 200);
    const { results } = answer.body;
    expect(results.map((result) => result.status)).toEqual([201, 201, 400, 400, 201, 402, 402]);
    expect(results.map((result) => result.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'invalid_request', field: 'request.width' } });
    expect(results[3]).toMatchObject({ ok: false, error: { code: 'invalid_request', field: 'body' } });
    expect(results[5]).toMatchObject({ ok: false, error: { code: 'insufficient_credits' } });
    // The first affordable ones in order: one, two, three; four and five did not fit.
    const held = results.flatMap((result) => (result.ok ? [result.job.prompt] : []));
    expect(held).toEqual(['one', 'two', 'three']);
    expect(answer.body.heldCredits).toBe(30);
    expect(answer.body.balances.pool).toMatchObject({ availableCredits: 5, pendingCredits: 30 });
    expect(await pool(organization.id)).toMatchObject({ availableCredits: 5, pendingCredits: 30 });
    // In line in item order, one after another, and the jobs list shows each where its answer put it
    // (one transaction's rows once shared a creation time: a list read showed all three as the same).
    const answered = results.flatMap((result) => (result.ok ? [result.job] : []));
    const firstPlace = answered[0]?.queuePosition ?? 0;
    expect(answered.map((job) => job.queuePosition)).toEqual([firstPlace, firstPlace + 1, firstPlace + 2]);
    const listed = new Map((await jobsOf(organization.id)).map((job) => [job.id, job.queuePosition]));
    expect(answered.map((job) => listed.get(job.id))).toEqual(answered.map((job) => job.queuePosition));

    // The same request again replays every placed item (`key#i`) and places nothing new.
    const again = await member.client.request<BulkSubmitView>('POST', `/orgs/${organization.id}/jobs/bulk`, { jobs }, { 'idempotency-key': 'nightly-run' });
    expectStatus(again, 200);
    const replayedIds = again.body.results.flatMap((result) => (result.ok ? [result.job.id] : []));
    expect(replayedIds).toEqual(results.flatMap((result) => (result.ok ? [result.job.id] : [])));
    expect(again.body.results.filter((result) => result.ok).every((result) => result.status === 200 && result.replayed)).toBe(true);
    expect(again.body.heldCredits).toBe(0);
    expect(await pool(organization.id)).toMatchObject({ availableCredits: 5, pendingCredits: 30 });
    expect((await ledgerOf(server.app).checkInvariants(organization.id)).ok).toBe(true);
  });

  it('bulk: refuses more than 100 items, an empty list, and a key too long for its items', async () => {
    const { organization, member } = await organizationWith(10);
    const many = Array.from({ length: 101 }, () => ({ request: schnell, prompt: 'x' }));
    const tooMany = await member.client.post(`/orgs/${organization.id}/jobs/bulk`, { jobs: many });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ code: 'invalid_request', field: 'jobs' });
    const empty = await member.client.post(`/orgs/${organization.id}/jobs/bulk`, { jobs: [] });
    expect(empty.status).toBe(400);
    const longKey = await member.client.request('POST', `/orgs/${organization.id}/jobs/bulk`, { jobs: [{ request: schnell, prompt: 'x' }] }, { 'idempotency-key': 'k'.repeat(125) });
    expect(longKey.status).toBe(400);
    expect(longKey.body).toMatchObject({ field: 'Idempotency-Key' });
    expect(await pool(organization.id)).toMatchObject({ availableCredits: 10, pendingCredits: 0 });
  });

  it('bulk: a viewer may not submit, and nothing is held', async () => {
    const { organization } = await organizationWith(100);
    const viewer = await addMember(server, owner.client, organization.id, 'viewer', 'bulk-viewer');
    const refused = await viewer.client.post(`/orgs/${organization.id}/jobs/bulk`, { jobs: [{ request: schnell, prompt: 'x' }] });
    expect(refused.status).toBe(403);
    expect(await pool(organization.id)).toMatchObject({ availableCredits: 100 });
  });
});
