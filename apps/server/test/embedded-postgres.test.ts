import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { freePort } from '../../../tools/testing/free-port.js';

describe('loading the embedded Postgres', () => {
  it('leaves the exit code alone (its exit hook used to turn failing test runs into passes)', () => {
    const fixture = fileURLToPath(new URL('./fixtures/exit-code.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--conditions=@atelier/source', '--import', 'tsx/esm', fixture], {
      encoding: 'utf8',
      env: { ...process.env, TSX_TSCONFIG_PATH: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(3);
  });
});

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('Skipping the run-as-root embedded Postgres test: this process is not root.');

describe.skipIf(!isRoot)('the embedded Postgres started as root', () => {
  it('runs from a project directory the postgres user cannot enter (a container\'s /root/app), keeps its data across restarts, and leaves the project closed', async () => {
    // A home like /root (0700) holding the project, and where the cluster may go (like /var/lib/atelier).
    const home = await mkdtemp(path.join(tmpdir(), 'atelier-root-home-'));
    const runDirectory = path.join(await mkdtemp(path.join(tmpdir(), 'atelier-root-run-')), 'atelier');
    await chmod(path.dirname(runDirectory), 0o755);
    try {
      await chmod(home, 0o700);
      const dataDirectory = path.join(home, 'app', '.data', 'postgres');
      await mkdir(path.dirname(dataDirectory), { recursive: true });
      const port = await freePort();
      const logs: string[] = [];

      const first = await startEmbeddedPostgres({ dataDirectory, port, rootRunDirectory: runDirectory, log: (message) => logs.push(message) });
      expect(first.dataDirectory.startsWith(`${runDirectory}/`)).toBe(true);
      expect(logs.join('\n')).toContain(`cannot enter ${home}`);
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      const settings = await client.query<{ data_directory: string }>(`select current_setting('data_directory') as data_directory`);
      expect(settings.rows[0]?.data_directory).toBe(first.dataDirectory);
      await client.query('create table kept (note text)');
      await client.query(`insert into kept values ('still here')`);
      await client.end();
      await first.stop();

      // The project directory stays closed to others, and the postgres user was never given it.
      expect((await stat(home)).mode & 0o077).toBe(0);
      expect(existsSync(path.join(dataDirectory, 'PG_VERSION'))).toBe(false);
      // Binaries copied once, beside the cluster; the cluster's directory belongs to the postgres user.
      expect((await readdir(runDirectory)).filter((name) => name.startsWith('postgres-'))).toHaveLength(1);
      expect((await stat(first.dataDirectory)).uid).not.toBe(0);

      const second = await startEmbeddedPostgres({ dataDirectory, port, rootRunDirectory: runDirectory });
      expect(second.dataDirectory).toBe(first.dataDirectory);
      const again = new pg.Client({ connectionString: second.url });
      await again.connect();
      expect((await again.query<{ note: string }>('select note from kept')).rows).toEqual([{ note: 'still here' }]);
      await again.end();
      await second.stop();
    } finally {
      await rm(home, { recursive: true, force: true });
      await rm(path.dirname(runDirectory), { recursive: true, force: true });
    }
  }, 120_000);
});
