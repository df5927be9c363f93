import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runServer as startServer, type ServerProcess } from './server-process.js';

// Every server a test starts is killed afterwards, even when the test fails halfway.
const started: ServerProcess[] = [];
function runServer(environment: Record<string, string>): ServerProcess {
  const server = startServer(environment);
  started.push(server);
  return server;
}
afterAll(async () => {
  // SIGTERM first: lets each stop its embedded Postgres.
  await Promise.all(started.map((server) => server.stop()));
});

describe('the server process', () => {
  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://localhost/atelier' }, 'DATABASE_URL'],
  ])('exits with code 1 and names the variable for %o', async (environment, variable) => {
    const server = runServer(environment);
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain(`${variable}:`);
    expect(server.output()).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  describe('on the embedded Postgres', () => {
    let dataDirectory: string;
    let environment: Record<string, string>;

    beforeAll(async () => {
      dataDirectory = await mkdtemp(path.join(tmpdir(), 'atelier-process-'));
      await chmod(dataDirectory, 0o755); // the embedded Postgres may run as another user
      environment = {
        DATA_DIR: dataDirectory,
        PORT: String(await freePort()),
        EMBEDDED_POSTGRES_PORT: String(await freePort()),
      };
    });
    afterAll(async () => {
      await rm(dataDirectory, { recursive: true, force: true });
    });

    async function installationId(url: string): Promise<string> {
      const response = await fetch(`${url}/api/health`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { installationId: string; checks: { database: { status: string } } };
      expect(body.checks.database.status).toBe('up');
      return body.installationId;
    }

    it('keeps its data across a graceful stop, a kill -9 and restarts', { timeout: 180_000 }, async () => {
      const first = runServer(environment);
      const firstId = await installationId(await first.ready());
      expect(existsSync(path.join(dataDirectory, 'postgres', 'PG_VERSION'))).toBe(true);

      // SIGTERM: finishes in-flight work, stops the embedded Postgres, exits 0.
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(existsSync(path.join(dataDirectory, 'postgres', 'postmaster.pid'))).toBe(false);

      const second = runServer(environment);
      expect(await installationId(await second.ready())).toBe(firstId);

      // kill -9 leaves the embedded Postgres running and its lock file behind; the next start recovers.
      second.child.kill('SIGKILL');
      await second.exited;
      expect(existsSync(path.join(dataDirectory, 'postgres', 'postmaster.pid'))).toBe(true);

      const third = runServer(environment);
      expect(await installationId(await third.ready())).toBe(firstId);
      third.child.kill('SIGTERM');
      expect(await third.exited).toBe(0);
    });
  });
});
