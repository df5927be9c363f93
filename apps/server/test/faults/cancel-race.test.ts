import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '@atelier/ledger';
import type { JobView, SubmittedJobView } from '@atelier/contracts';
import { createTestDatabase, type TestDatabase } from '../../../../tools/testing/database.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import { auditLedger, everyJobFinal, fundedOrganization, seededRandom, sleep, stillRunning } from './harness.js';

const GRANTED = 1_000_000n;
const JOBS = 60;
const UNIT = 10; // flux-schnell at 512², 4 steps

interface Raced {
  jobId: string;
  delayMs: number;
  answer: { status: number; body: JobView | { code: string; status?: string } };
}

/**
 * Cancels racing the ends of jobs: each job of 1-3 images is cancelled after a seeded delay that
 * lands before it starts, between images, during the last one, or just as it finishes. Whatever
 * the order, a cancel that was accepted is what happens: the job ends cancelled, charged exactly
 * what the answer said (the images stored before it), keeping exactly those images; a cancel
 * refused as too late leaves a job that ends normally. Nothing is charged twice.
 */
describe('cancels racing job ends', () => {
  let database: TestDatabase | undefined;
  let node: ServerProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await node?.kill();
    await database?.drop();
  }, 60_000);

  it('an accepted cancel charges what its answer said, a refused one lets the job end normally', { timeout: 150_000 }, async () => {
    if (database === undefined) throw new Error('no database');
    node = runServer({
      DATABASE_URL: database.url,
      PORT: String(await freePort()),
      LOCAL_PROVIDER_LATENCY_MS: '120',
      PROVIDER_CONCURRENCY_LOCAL: '4',
      JOB_HOLD_EXTEND_INTERVAL_MS: '100',
      RATE_LIMIT_SUBMIT_PER_MINUTE: '100000',
      DATABASE_POOL_SIZE: '10',
      ORM_POOL_SIZE: '4',
    });
    const url = await node.ready();
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const ledger = new Ledger(pool);
    const { client, organization } = await fundedOrganization(url, ledger, 'cancel-race', GRANTED);
    await ledger.close();
    expect((await client.patch(`/orgs/${organization.id}`, { maxConcurrentJobsPerMember: 8 })).status).toBe(200);

    const random = seededRandom(41);
    const raced: Raced[] = [];
    const race = async (index: number): Promise<void> => {
      const variations = 1 + Math.floor(random() * 3);
      // A quarter are cancelled at once (before they start); the rest once running, after 0 to
      // (images × 450 + 300) ms: between images (each takes 120 ms at the provider, and more to store),
      // during the last, or after it ended.
      const atOnce = random() < 0.25;
      const delayMs = Math.floor(random() * (variations * 450 + 300));
      await sleep(index * 60);
      const submitted = await client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, {
        request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4, variations },
        prompt: `cancel race ${String(index)}`,
        seed: index * 10,
      });
      expect(submitted.status).toBe(201);
      const jobId = submitted.body.job.id;
      if (!atOnce) {
        for (let status = submitted.body.job.status; status === 'queued'; status = (await client.get<JobView>(`/orgs/${organization.id}/jobs/${jobId}`)).body.status) await sleep(15);
        await sleep(delayMs);
      }
      const answer = await client.post<JobView>(`/orgs/${organization.id}/jobs/${jobId}/cancel`);
      raced.push({ jobId, delayMs: atOnce ? 0 : delayMs, answer: { status: answer.status, body: answer.body } });
    };
    await Promise.all(Array.from({ length: JOBS }, (_unused, index) => race(index)));

    const final = await everyJobFinal(client, organization.id, raced.map((entry) => entry.jobId), 60_000);
    const tally = { accepted: 0, keptSome: 0, tooLate: 0 };
    for (const entry of raced) {
      const job = final.get(entry.jobId);
      if (job === undefined) throw new Error('not final');
      const stored = await pool.query<{ n: string }>(`select count(*) as n from assets where job_id = $1`, [job.id]);
      if (entry.answer.status === 200) {
        const accepted = entry.answer.body as JobView;
        const promised = accepted.cancel;
        if (promised === null) throw new Error(`an accepted cancel without its outcome: ${JSON.stringify(accepted)}`);
        tally.accepted += 1;
        if (promised.keptImages > 0) tally.keptSome += 1;
        expect(job.status, `job ${job.id} after an accepted cancel (${String(entry.delayMs)} ms)`).toBe('cancelled');
        expect(job.capturedCredits ?? 0).toBe(promised.chargedCredits);
        expect(promised.chargedCredits).toBe(promised.keptImages * UNIT);
        expect(job.assetIds).toHaveLength(promised.keptImages);
        expect(Number(stored.rows[0]?.n)).toBe(promised.keptImages);
        expect(job.refundedCredits).toBe(job.priceCredits - promised.chargedCredits);
      } else {
        expect(entry.answer.status, JSON.stringify(entry.answer.body)).toBe(409);
        tally.tooLate += 1;
        expect(job.status).not.toBe('cancelled');
        expect(job.capturedCredits ?? 0).toBe(job.assetIds.length * UNIT);
        expect(Number(stored.rows[0]?.n)).toBe(job.assetIds.length);
      }
    }
    await pool.end();
    await auditLedger(database.url, organization.id, GRANTED);
    expect(stillRunning(node.child)).toBe(true);
    // The seed makes cancels land on every side of the race.
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.keptSome).toBeGreaterThan(0);
    expect(tally.tooLate).toBeGreaterThan(0);
    console.log(`cancels racing job ends: ${String(JOBS)} jobs, ${String(tally.accepted)} cancels accepted (${String(tally.keptSome)} keeping images made before them), ${String(tally.tooLate)} too late; every charge as answered`);
  });
});
