import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '@atelier/ledger';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/database/embedded-postgres.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import type { ApiClient } from '../client.js';
import { auditLedger, everyJobFinal, fundedOrganization, sleep, stillRunning, submitBody } from './harness.js';

const GRANTED = 1_000_000n;
const CLIENTS = 8;

/**
 * A Postgres server of the test's own (the machine's is shared), stopped and started again while
 * jobs run: unlike a cut connection, a restart ends every backend with an administrator's command
 * and refuses new connections while it shuts down, so the jobs running at that moment cannot
 * record how they ended.
 */
describe('Postgres restarted while jobs run', () => {
  let directory = '';
  let port = 0;
  let postgres: EmbeddedPostgresHandle | undefined;
  let server: ServerProcess | undefined;
  let client: ApiClient;
  let organizationId = '';

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'atelier-restart-pg-'));
    port = await freePort();
    postgres = await startEmbeddedPostgres({ dataDirectory: path.join(directory, 'data'), port });
    server = runServer({
      DATABASE_URL: postgres.url,
      PORT: String(await freePort()),
      // Jobs long enough that both of the provider's workers are mid-job when Postgres goes.
      LOCAL_PROVIDER_LATENCY_MS: '1000',
      RATE_LIMIT_SUBMIT_PER_MINUTE: '100000',
    });
    const url = await server.ready();
    const pool = new pg.Pool({ connectionString: postgres.url, max: 1 });
    const ledger = new Ledger(pool);
    ({ client, organization: { id: organizationId } } = await fundedOrganization(url, ledger, 'restart', GRANTED));
    await ledger.close();
    await pool.end();
  }, 120_000);

  afterAll(async () => {
    await server?.stop(15_000);
    await postgres?.stop();
    if (directory !== '') await rm(directory, { recursive: true, force: true });
  }, 60_000);

  it('runs every accepted job to its end once Postgres is back: none stays queued or running with its credits held', { timeout: 120_000 }, async () => {
    if (postgres === undefined || server === undefined) throw new Error('not started');
    const jobIds: string[] = [];
    const statuses: number[] = [];
    let submitting = true;
    const load = Promise.all(
      Array.from({ length: CLIENTS }, async (_, clientIndex) => {
        for (let index = 0; submitting; index += 1) {
          const answer = await client.post<{ job: { id: string } }>(`/orgs/${organizationId}/jobs`, submitBody(clientIndex * 10_000 + index)).catch(() => undefined);
          statuses.push(answer?.status ?? 0);
          if (answer?.status === 201) jobIds.push(answer.body.job.id);
          await sleep(answer?.status === 201 ? 20 : 200);
        }
      }),
    );
    // Both of the local provider's workers are mid-job.
    await waitForRunning(postgres.url, 2);

    await postgres.stop();
    await sleep(3_000);
    postgres = await startEmbeddedPostgres({ dataDirectory: path.join(directory, 'data'), port });
    // Submits are accepted again.
    const restartedAt = Date.now();
    while (statuses.at(-1) !== 201 && Date.now() - restartedAt < 30_000) await sleep(100);
    submitting = false;
    await load;

    expect(stillRunning(server.child), `server exited:\n${server.output().slice(-2000)}`).toBe(true);
    expect(statuses.filter((status) => status !== 201 && status !== 503), 'answers other than 201 and 503').toEqual([]);
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThan(0);
    expect(jobIds.length).toBeGreaterThan(2);

    const final = await everyJobFinal(client, organizationId, jobIds, 45_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await describeQueue(postgres?.url ?? '')}\n${server?.output().slice(-3000) ?? ''}`);
    });
    // The local provider does not fail: every job made its image, the interrupted ones on a later attempt.
    expect([...final.values()].filter((job) => job.status !== 'succeeded').map((job) => `${job.id} ${job.status}`)).toEqual([]);
    await auditLedger(postgres.url, organizationId, GRANTED);
    expect((await client.get<{ status: string }>('/health')).body.status).toBe('ok');
  });
});

async function waitForRunning(databaseUrl: string, count: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const running = await pool.query<{ n: number }>(`select count(*)::int as n from jobs where status = 'running'`);
      if ((running.rows[0]?.n ?? 0) >= count) return;
      if (Date.now() > deadline) throw new Error(`${String(count)} jobs never ran at once`);
      await sleep(20);
    }
  } finally {
    await pool.end();
  }
}

async function describeQueue(databaseUrl: string): Promise<string> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const jobs = await pool.query(`select status, count(*)::int as n from jobs group by status`);
    const locks = await pool.query(`select queue_name, locked_by, locked_at from graphile_worker._private_job_queues where locked_by is not null`);
    return `jobs: ${JSON.stringify(jobs.rows)}; locked queues: ${JSON.stringify(locks.rows)}`;
  } finally {
    await pool.end();
  }
}
