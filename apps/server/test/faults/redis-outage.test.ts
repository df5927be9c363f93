import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '@atelier/ledger';
import { workspaceDocumentName, type ProjectView } from '@atelier/contracts';
import { createTestDatabase, type TestDatabase } from '../../../../tools/testing/database.js';
import { ApiClient } from '../client.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import { connect, createWorkspace, ticketFor, waitFor } from '../collab/collab-client.js';
import { auditLedger, everyJobFinal, fundedOrganization, sleep, steadyLoad, stillRunning } from './harness.js';
import { startPrivateRedis, type PrivateRedis } from './redis-server.js';

const GRANTED = 1_000_000n;
const OUTAGE_MS = 3_000;

describe('Redis stopped and started under two nodes (a private redis-server)', () => {
  let database: TestDatabase | undefined;
  let redis: PrivateRedis | undefined;
  const nodes: ServerProcess[] = [];
  const urls: string[] = [];
  let dataDirectory = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await startPrivateRedis();
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'atelier-redis-outage-'));
    for (let index = 0; index < 2; index += 1) {
      nodes.push(runServer({ DATABASE_URL: database.url, REDIS_URL: redis.url, PORT: String(await freePort()), DATA_DIR: dataDirectory, LOCAL_PROVIDER_LATENCY_MS: '200', RATE_LIMIT_SUBMIT_PER_MINUTE: '100000' }));
    }
    urls.push(...(await Promise.all(nodes.map((node) => node.ready()))));
  }, 120_000);

  afterAll(async () => {
    for (const node of nodes) {
      await node.kill();
    }
    await redis?.stop();
    await database?.drop();
    await rm(dataDirectory, { recursive: true, force: true });
  }, 60_000);

  it('keeps answering (never 500) while Redis is down, recovers by itself, and loses no job, credit or edit', { timeout: 150_000 }, async () => {
    if (database === undefined || redis === undefined) throw new Error('not started');
    const [urlA = '', urlB = ''] = urls;
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const ledger = new Ledger(pool);
    const { client: clientA, organization } = await fundedOrganization(urlA, ledger, 'redis-outage', GRANTED);
    await ledger.close();
    await pool.end();
    // The same person on node B (same session cookie works on every node).
    const clientB = Object.assign(Object.create(Object.getPrototypeOf(clientA) as object) as ApiClient, clientA, { baseUrl: urlB });
    const project = await clientA.post<ProjectView>(`/orgs/${organization.id}/projects`, { name: 'Shared' });
    const workspace = await createWorkspace(clientA, organization.id, project.body.id, 'Across the outage');
    const ticket = async (): Promise<string> => (await ticketFor(clientA, organization.id, workspace.id)).ticket;
    const alice = connect(urlA, workspaceDocumentName(workspace.id), ticket);
    const bob = connect(urlB, workspaceDocumentName(workspace.id), ticket);
    await Promise.all([alice.synced(), bob.synced()]);

    const loads = [steadyLoad(clientA, organization.id, 60, 7), steadyLoad(clientB, organization.id, 60, 8)];
    await sleep(1_000);
    await redis.stop();
    // Each node keeps working on its own: edits made on each side meanwhile.
    for (let index = 0; index < 10; index += 1) {
      alice.doc.getArray<string>('alice').push([`a${String(index)}`]);
      bob.doc.getArray<string>('bob').push([`b${String(index)}`]);
      await sleep(OUTAGE_MS / 10);
    }
    const healthDuring = await new ApiClient(urlA).get<{ checks: { redis?: { status: string } } }>('/health');
    await redis.start();
    const restartedAt = Date.now();
    await sleep(1_000);
    await Promise.all(loads.map((load) => load.stop()));

    expect(nodes.every((node) => stillRunning(node.child))).toBe(true);
    expect(healthDuring.body.checks.redis?.status).toBe('down');
    const answers = loads.flatMap((load) => load.record.answers);
    const bad = answers.filter((answer) => answer.status >= 500 && !(answer.status === 503 && answer.code === 'service_unavailable'));
    if (bad.length > 0) console.log(JSON.stringify(bad.slice(0, 3)), nodes[0]?.output().slice(-3000));
    console.log(`Redis outage: ${String(answers.length)} answers, statuses ${JSON.stringify(Object.fromEntries([...new Set(answers.map((answer) => answer.status))].map((status) => [status, answers.filter((answer) => answer.status === status).length])))}`);
    expect(bad).toEqual([]);

    // Recovered by itself: health says Redis is up on both nodes, and edits made on each side during the outage reach the other.
    for (const url of urls) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const health = await new ApiClient(url).get<{ checks: { redis?: { status: string } } }>('/health');
        if (health.body.checks.redis?.status === 'up') break;
        if (Date.now() > deadline) throw new Error(`Redis still down on ${url} 20 s after the restart`);
        await sleep(250);
      }
    }
    console.log(`Redis reported up again on both nodes ${String(Date.now() - restartedAt)} ms after its restart`);
    alice.doc.getArray<string>('alice').push(['after']);
    await waitFor(() => bob.doc.getArray('alice').length === 11 && alice.doc.getArray('bob').length === 10, 20_000, 'edits from the outage reaching the other node');

    const jobIds = loads.flatMap((load) => load.record.jobIds);
    await everyJobFinal(clientA, organization.id, jobIds, 60_000);
    await auditLedger(database.url, organization.id, GRANTED);
    alice.destroy();
    bob.destroy();
    expect(nodes.every((node) => stillRunning(node.child))).toBe(true);
  });
});
