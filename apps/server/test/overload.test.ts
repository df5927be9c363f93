import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '@atelier/ledger';
import type { SubmittedJobView } from '@atelier/contracts';
import { createTestDatabase, type TestDatabase } from '../../../tools/testing/database.js';
import { freePort, runServer, type ServerProcess } from './server-process.js';
import type { ApiClient } from './client.js';
import { fundedOrganization, submitBody } from './faults/harness.js';
import { startTcpProxy, type TcpProxy } from './faults/tcp-proxy.js';

describe('bounded in-flight submits (MAX_INFLIGHT_SUBMITS)', () => {
  let database: TestDatabase | undefined;
  let proxy: TcpProxy | undefined;
  let server: ServerProcess | undefined;
  let client: ApiClient;
  let organizationId = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(database.url).port || 5432));
    server = runServer({ DATABASE_URL: proxy.url(database.url), PORT: String(await freePort()), MAX_INFLIGHT_SUBMITS: '2', RATE_LIMIT_SUBMIT_PER_MINUTE: '1000' });
    const url = await server.ready();
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const ledger = new Ledger(pool);
    ({ client, organization: { id: organizationId } } = await fundedOrganization(url, ledger, 'overload', 100_000n));
    await ledger.close();
    await pool.end();
  }, 120_000);

  afterAll(async () => {
    proxy?.resume();
    server?.child.kill('SIGKILL');
    await server?.exited;
    await proxy?.close();
    await database?.drop();
  });

  it('refuses submits beyond the limit at once with 503 + Retry-After, and takes them again once the first ones finish', { timeout: 60_000 }, async () => {
    if (proxy === undefined) throw new Error('not started');
    // The database hangs: the first two submits wait inside the server.
    proxy.pause();
    const first = [client.post<SubmittedJobView>(`/orgs/${organizationId}/jobs`, submitBody(1)), client.post<SubmittedJobView>(`/orgs/${organizationId}/jobs`, submitBody(2))];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const refused = await Promise.all([3, 4, 5].map((seed) => client.post<{ code: string; retryAfterSeconds: number }>(`/orgs/${organizationId}/jobs`, submitBody(seed))));
    expect(Date.now() - started).toBeLessThan(2_000);
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe('service_unavailable');
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    proxy.resume();
    for (const answer of await Promise.all(first)) expect(answer.status).toBe(201);
    const again = await client.post<SubmittedJobView>(`/orgs/${organizationId}/jobs`, submitBody(6));
    expect(again.status).toBe(201);
    // Refused submits left nothing behind: three jobs exist.
    const listed = await client.get<unknown[]>(`/orgs/${organizationId}/jobs`);
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(3);
  });
});
