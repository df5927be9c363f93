import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, OrganizationView, SubmittedJobView } from '@atelier/contracts';
import { createTestDatabase, type TestDatabase } from '../../../tools/testing/database.js';
import { ApiClient } from './client.js';
import { freePort, runServer, type ServerProcess } from './server-process.js';

/**
 * A node sized small (DATABASE_POOL_SIZE, ORM_POOL_SIZE) to fit a cluster into Postgres's
 * connections must still serve: the queue's ten runners each hold a LISTEN connection for good,
 * and on a pool of 10 they once left nothing for requests (creating an org waited forever).
 */
describe('a node with small Postgres pools', () => {
  let database: TestDatabase | undefined;
  let node: ServerProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    node?.child.kill('SIGKILL');
    await node?.exited;
    await database?.drop();
  });

  it('signs up, creates an org and runs a job on 4 + 2 connections (plus one per queue runner)', { timeout: 120_000 }, async () => {
    if (database === undefined) throw new Error('no database');
    node = runServer({ DATABASE_URL: database.url, PORT: String(await freePort()), DATABASE_POOL_SIZE: '4', ORM_POOL_SIZE: '2', TRIAL_CREDITS: '100' });
    const client = new ApiClient(await node.ready());
    await client.signUp(`small-pools-${String(Date.now())}@example.com`, 'Small Pools');
    const created = await client.post<OrganizationView>('/orgs', { name: 'Small Pools Co' });
    expect(created.status).toBe(201);
    const submitted = await client.post<SubmittedJobView>(`/orgs/${created.body.id}/jobs`, {
      request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 },
      prompt: 'on a small pool',
    });
    expect(submitted.status).toBe(201);
    let job = submitted.body.job;
    for (let waited = 0; job.status === 'queued' || job.status === 'running'; waited += 200) {
      if (waited > 30_000) throw new Error(`job still ${job.status}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      job = (await client.get<JobView>(`/orgs/${created.body.id}/jobs/${job.id}`)).body;
    }
    expect(job.status).toBe('succeeded');
  });
});
