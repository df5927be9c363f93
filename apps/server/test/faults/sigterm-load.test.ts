import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '@atelier/ledger';
import { createTestDatabase, type TestDatabase } from '../../../../tools/testing/database.js';
import { ApiClient } from '../client.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import { auditLedger, everyJobFinal, fundedOrganization, sleep, steadyLoad, stillRunning } from './harness.js';

const GRANTED = 1_000_000n;
const SHUTDOWN_TIMEOUT_MS = 10_000;

describe('SIGTERM of a node under a steady load of submits and running jobs', () => {
  let database: TestDatabase | undefined;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const server of servers) {
      await server.kill();
    }
    await database?.drop();
  }, 60_000);

  it('answers or refuses cleanly, exits 0 in time, and a restarted node ends every job exactly once', { timeout: 150_000 }, async () => {
    if (database === undefined) throw new Error('no database');
    const environment = { DATABASE_URL: database.url, LOCAL_PROVIDER_LATENCY_MS: '400', RATE_LIMIT_SUBMIT_PER_MINUTE: '100000', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), SWEEP_INTERVAL_MS: '1000' };
    const port = await freePort();
    const first = runServer({ ...environment, PORT: String(port) });
    servers.push(first);
    const url = await first.ready();
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const ledger = new Ledger(pool);
    const { client, organization } = await fundedOrganization(url, ledger, 'sigterm-load', GRANTED);
    await ledger.close();
    await pool.end();

    const load = steadyLoad(client, organization.id, 50, 23);
    await sleep(2_500);
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const code = await first.exited;
    const stoppedMs = Date.now() - signalledAt;
    await load.stop();
    expect(code, first.output().slice(-2000)).toBe(0);
    expect(stoppedMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    // Every answer was a success, or the connection was refused once the node stopped listening: no 5xx.
    const answers = load.record.answers;
    expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
    console.log(`SIGTERM under load: exit ${String(code)} after ${String(stoppedMs)} ms; ${String(load.record.jobIds.length)} jobs submitted, ${String(answers.filter((answer) => answer.status === 0).length)} requests refused after the listener closed`);

    // The node comes back (same port, same database): every job ends, none charged twice.
    const second = runServer({ ...environment, PORT: String(port) });
    servers.push(second);
    await second.ready();
    const again = Object.assign(Object.create(Object.getPrototypeOf(client) as object) as ApiClient, client);
    await everyJobFinal(again, organization.id, load.record.jobIds, 60_000);
    await auditLedger(database.url, organization.id, GRANTED);
    expect(stillRunning(second.child)).toBe(true);
  });
});
