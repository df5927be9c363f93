import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '@atelier/ledger';
import { createTestDatabase, type TestDatabase } from '../../../../tools/testing/database.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import type { ApiClient } from '../client.js';
import { auditLedger, everyJobFinal, fundedOrganization, seededRandom, sleep, steadyLoad, stillRunning } from './harness.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { connect as connectSocket, cookieOf } from '../realtime/sockets.js';

/** Outages in a run (each 2-4 s long, from a fixed seed). */
const OUTAGES = 2;
const GRANTED = 1_000_000n;

describe('Postgres outage (the server reaches Postgres through a proxy the test cuts)', () => {
  let database: TestDatabase | undefined;
  let proxy: TcpProxy | undefined;
  let server: ServerProcess | undefined;
  let url = '';
  let client: ApiClient;
  let organizationId = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(database.url).port || 5432));
    server = runServer({
      DATABASE_URL: proxy.url(database.url),
      PORT: String(await freePort()),
      LOCAL_PROVIDER_LATENCY_MS: '200',
      RATE_LIMIT_SUBMIT_PER_MINUTE: '100000',
      SWEEP_INTERVAL_MS: '1000',
    });
    url = await server.ready();
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const ledger = new Ledger(pool);
    ({ client, organization: { id: organizationId } } = await fundedOrganization(url, ledger, 'outage', GRANTED));
    await ledger.close();
    await pool.end();
  }, 120_000);

  afterAll(async () => {
    await server?.stop(15_000);
    await proxy?.close();
    await database?.drop();
  }, 60_000);

  it('answers 503 service_unavailable with Retry-After while Postgres is unreachable, never 500, never exits, and recovers', { timeout: 120_000 }, async () => {
    if (proxy === undefined || server === undefined) throw new Error('not started');
    const socket = await connectSocket(url, { cookie: cookieOf(client) });
    expect((await socket.subscribe(organizationId)).ok).toBe(true);
    let disconnected = false;
    socket.socket.on('disconnect', () => (disconnected = true));
    const load = steadyLoad(client, organizationId, 40, 17);
    const random = seededRandom(17);
    const cycles: { cutAt: number; restoredAt: number; recoveredAt: number | undefined; health: { status: number; database: string | undefined } }[] = [];
    for (let cycle = 0; cycle < OUTAGES; cycle += 1) {
      await sleep(1_500);
      const outageMs = 2_000 + Math.round(random() * 2_000);
      const cutAt = Date.now();
      await proxy.cut();
      await sleep(outageMs / 2);
      const healthDuring = await client.get<{ status: string; checks?: { database: { status: string } } }>('/health').catch((error: unknown) => {
        throw new Error(`health during the outage: ${String(error)}; server output:\n${server?.output().slice(-4000) ?? ''}`);
      });
      await sleep(outageMs / 2);
      await proxy.restore();
      const restoredAt = Date.now();
      // Recovered: a submit succeeds again.
      let recoveredAt: number | undefined;
      while (recoveredAt === undefined && Date.now() - restoredAt < 30_000) {
        await sleep(50);
        const latest = load.record.answers.findLast((answer) => answer.path === 'submit');
        if (latest !== undefined && latest.at > restoredAt && latest.status === 201) recoveredAt = latest.at;
      }
      cycles.push({ cutAt, restoredAt, recoveredAt, health: { status: healthDuring.status, database: healthDuring.body.checks?.database.status } });
    }
    await sleep(1_000);
    await load.stop();

    expect(stillRunning(server.child), `server exited:\n${server.output().slice(-2000)}`).toBe(true);
    // The socket stayed connected and was told the database went down, then came back.
    await socket.waitFor('service', (event) => event.database === 'down');
    await socket.waitFor('service', (event) => event.database === 'up');
    expect(disconnected).toBe(false);
    socket.close();
    const failures = load.record.answers.filter((answer) => answer.status !== 201 && answer.status !== 200);
    for (const [index, cycle] of cycles.entries()) {
      expect(cycle.health).toEqual({ status: 503, database: 'down' });
      const during = load.record.answers.filter((answer) => answer.at >= cycle.cutAt && answer.at <= cycle.restoredAt);
      console.log(`outage ${String(index + 1)}: ${String(cycle.restoredAt - cycle.cutAt)} ms, ${String(during.length)} answers during it (${String(during.filter((answer) => answer.status === 503).length)} refused with 503), first submit accepted ${String((cycle.recoveredAt ?? NaN) - cycle.restoredAt)} ms after the restore`);
      expect(cycle.recoveredAt, `no submit succeeded within 30 s of restore ${String(index + 1)}`).toBeDefined();
    }
    console.log(`all answers: ${String(load.record.answers.length)}, refused: ${JSON.stringify(countBy(failures.map((answer) => `${String(answer.status)} ${answer.code ?? ''}`)))}`);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.status, JSON.stringify(failure)).toBe(503);
      expect(failure.code).toBe('service_unavailable');
      expect(Number(failure.retryAfter)).toBeGreaterThan(0);
    }

    await everyJobFinal(client, organizationId, load.record.jobIds, 60_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await describeJobs(database?.url ?? '', load.record.jobIds)}\n${server?.output().slice(-3000) ?? ''}`);
    });
    expect((await client.get<{ status: string }>('/health')).body.status).toBe('ok');
    await auditLedger(database?.url ?? '', organizationId, GRANTED);
    expect(stillRunning(server.child)).toBe(true);
  });
});

async function describeJobs(databaseUrl: string, jobIds: string[]): Promise<string> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const rows = await pool.query(
      `select j.id, j.status, j.attempts, j.error_code, q.attempts as queue_attempts, q.locked_by, q.locked_at, q.run_at, q.last_error
         from jobs j left join graphile_worker._private_jobs q on q.key = j.id::text where j.id = any($1::uuid[]) and j.status not in ('succeeded', 'failed', 'cancelled')`,
      [jobIds],
    );
    return JSON.stringify(rows.rows, null, 1);
  } finally {
    await pool.end();
  }
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
