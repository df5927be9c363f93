import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../apps/server/src/database/embedded-postgres.js';
import { withDatabase } from '../testing/database-url.js';
import { freePort } from '../testing/free-port.js';

export interface BenchDatabase {
  url: string;
  close(): Promise<void>;
}

/**
 * A fresh, empty database for one benchmark run: on DATABASE_URL's server when set, else on an
 * embedded Postgres started for the run. Dropped (or the cluster removed) on close.
 */
export async function benchDatabase(name: string): Promise<BenchDatabase> {
  let adminUrl = process.env.DATABASE_URL;
  let cleanup = (): Promise<void> => Promise.resolve();
  if (adminUrl === undefined || adminUrl === '') {
    const directory = await mkdtemp(path.join(tmpdir(), 'atelier-bench-pg-'));
    const embedded = await startEmbeddedPostgres({ dataDirectory: directory, port: await freePort() });
    adminUrl = embedded.url;
    cleanup = async () => {
      await embedded.stop();
      await rm(directory, { recursive: true, force: true });
    };
  }
  const database = `atelier_bench_${name}_${String(process.pid)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.query(`create database ${database}`);
  await admin.end();
  const finalAdminUrl = adminUrl;
  return {
    url: withDatabase(adminUrl, database),
    close: async () => {
      const client = new pg.Client({ connectionString: finalAdminUrl });
      await client.connect();
      await client.query(`drop database if exists ${database} with (force)`);
      await client.end();
      await cleanup();
    },
  };
}
