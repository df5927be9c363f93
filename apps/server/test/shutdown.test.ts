import { connect as connectTcp } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from '@atelier/ledger';
import type { JobView, OrganizationView, SubmittedJobView } from '@atelier/contracts';
import { createTestDatabase, type TestDatabase } from '../../../tools/testing/database.js';
import { ApiClient } from './client.js';
import { freePort, runServer, type ServerProcess } from './server-process.js';
import { expectStatus, waitForJob } from './world.js';

/** Sends a request's headers and the first part of its body now; `finish()` sends the rest and reads the answer. */
function halfSentRequest(url: string, path: string, body: string): Promise<{ finish(): Promise<string> }> {
  const { hostname, port } = new URL(url);
  const split = Math.floor(body.length / 2);
  return new Promise((resolve, reject) => {
    const socket = connectTcp(Number(port), hostname, () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${String(Buffer.byteLength(body))}\r\nConnection: close\r\n\r\n${body.slice(0, split)}`);
      resolve({
        finish: () =>
          new Promise((done, failed) => {
            let answer = '';
            socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
            socket.on('end', () => { done(answer); });
            socket.on('error', failed);
            socket.write(body.slice(split));
          }),
      });
    });
    socket.once('error', reject);
  });
}

describe('graceful shutdown (SIGTERM)', () => {
  let database: TestDatabase | undefined;
  let server: ServerProcess | undefined;
  afterAll(async () => {
    if (server !== undefined && server.child.exitCode === null) server.child.kill('SIGKILL');
    await database?.drop();
  });

  it('answers a request in flight, lets a running job finish and charge once, then exits 0', { timeout: 120_000 }, async () => {
    database = await createTestDatabase();
    server = runServer({ DATABASE_URL: database.url, PORT: String(await freePort()), LOCAL_PROVIDER_LATENCY_MS: '1500' });
    const url = await server.ready();
    const client = new ApiClient(url);
    const email = `shutdown-${String(Date.now())}@example.com`;
    await client.signUp(email, 'Shutdown', 'correct horse battery');
    const organization = await client.post<OrganizationView>('/orgs', { name: 'Stopping Co' });
    expectStatus(organization, 201);
    const pool = new pg.Pool({ connectionString: database.url });
    const ledger = new Ledger(pool);
    try {
      const granted = await ledger.grant({ operationId: crypto.randomUUID(), orgId: organization.body.id, source: 'promotion', amountCredits: 1_000n, actorId: organization.body.id, reason: 'test credits' });
      expect(granted.ok).toBe(true);
      const submitted = await client.post<SubmittedJobView>(`/orgs/${organization.body.id}/jobs`, {
        request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 },
        prompt: 'the last job before the night',
        seed: 1,
      });
      expectStatus(submitted, 201);
      await waitForJob(client, organization.body.id, submitted.body.job.id, 20_000, (job: JobView) => job.status === 'running');

      const inFlight = await halfSentRequest(url, '/api/auth/sign-in', JSON.stringify({ email, password: 'correct horse battery' }));
      server.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const answer = await inFlight.finish();
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toContain('"csrfToken"');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('SIGTERM received');

      const job = await pool.query<{ status: string; captured_credits: string | null; price_credits: string }>(
        `select status, captured_credits, price_credits from jobs where id = $1`,
        [submitted.body.job.id],
      );
      expect(job.rows[0]?.status).toBe('succeeded');
      expect(job.rows[0]?.captured_credits).toBe(job.rows[0]?.price_credits);
      const balance = await ledger.poolBalance(organization.body.id);
      if (!balance.ok) throw new Error('no pool');
      expect(balance.balance.pendingCredits).toBe(0n);
      expect(balance.balance.availableCredits).toBe(1_000n - BigInt(job.rows[0]?.price_credits ?? 0));
      expect((await ledger.checkInvariants(organization.body.id)).ok).toBe(true);
    } finally {
      await ledger.close();
      await pool.end();
    }
  });
});
