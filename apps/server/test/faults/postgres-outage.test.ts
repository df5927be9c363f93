import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '@atelier/ledger';
import { createTestDatabase, type TestDatabase } from '../../../../tools/testing/database.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import type { ApiClient } from '../client.js';
import { auditLedger, everyJobFinal, fundedOrganization, sleep, steadyLoad, stillRunning } from './harness.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { connect as connectSocket, cookieOf } from '../realtime/sockets.js';

const OUTAGE_MS = 3_000;
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
    if (server !== undefined && stillRunning(server.child)) {
      server.child.kill('SIGTERM');
      const timer = setTimeout(() => server?.child.kill('SIGKILL'), 15_000);
      await server.exited;
      clearTimeout(timer);
    }
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
    await sleep(1_500);
    const cutAt = Date.now();
    await proxy.cut();
    await sleep(OUTAGE_MS / 2);
    const healthDuring = await client.get<{ status: string; checks: { database: { status: string } } }>('/health').catch((error: unknown) => {
      throw new Error(`health during the outage: ${String(error)}; server output:\n${server?.output().slice(-4000) ?? ''}`);
    });
    await sleep(OUTAGE_MS / 2);
    await proxy.restore();
    const restoredAt = Date.now();
    // Recovered: a submit succeeds again.
    let recoveredAt: number | undefined;
    while (recoveredAt === undefined && Date.now() - restoredAt < 30_000) {
      await sleep(100);
      const latest = load.record.answers.findLast((answer) => answer.path === 'submit');
      if (latest !== undefined && latest.at > restoredAt && latest.status === 201) recoveredAt = latest.at;
    }
    await sleep(1_000);
    await load.stop();


    expect(stillRunning(server.child), `server exited:\n${server.output().slice(-2000)}`).toBe(true);
    // The socket stayed connected and was told the database went down, then came back.
    await socket.waitFor('service', (event) => event.database === 'down');
    await socket.waitFor('service', (event) => event.database === 'up');
    expect(disconnected).toBe(false);
    socket.close();
    expect(healthDuring.status).toBe(503);
    expect(healthDuring.body.checks.database.status).toBe('down');
    const failures = load.record.answers.filter((answer) => answer.status !== 201 && answer.status !== 200);
    const during = load.record.answers.filter((answer) => answer.at >= cutAt && answer.at <= restoredAt);
    console.log(`answers: ${String(load.record.answers.length)}, during the outage: ${String(during.length)}, refused: ${String(failures.length)}, statuses: ${JSON.stringify(countBy(failures.map((answer) => `${String(answer.status)} ${answer.code ?? ''}`)))}, recovered ${String((recoveredAt ?? NaN) - restoredAt)} ms after restore`);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.status, JSON.stringify(failure)).toBe(503);
      expect(failure.code).toBe('service_unavailable');
      expect(Number(failure.retryAfter)).toBeGreaterThan(0);
    }
    expect(recoveredAt, 'no submit succeeded within 30 s of the restore').toBeDefined();

    await everyJobFinal(client, organizationId, load.record.jobIds, 60_000).catch(async (error: unknown) => {
      await import("node:fs").then((fs) => { fs.writeFileSync("/tmp/pgout17-server.log", server?.output() ?? ""); });
      throw new Error(`${String(error)}\n${await describeJobs(database?.url ?? "", load.record.jobIds)}`);
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
