import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../apps/server/src/database/embedded-postgres.js';
import { migrateDatabase } from '../../apps/server/src/database/migrate.js';
import { withDatabase } from './database-url.js';

import type {} from './database.js'; // declares the values provided to tests
import { freePort } from './free-port.js';

/**
 * Once per run: a Postgres (DATABASE_URL's server when set, else an embedded one on a free port),
 * and a template database with every migration applied.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let embedded: EmbeddedPostgresHandle | undefined;
  let embeddedDirectory: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (adminUrl === undefined || adminUrl === '') {
    embeddedDirectory = await mkdtemp(path.join(tmpdir(), 'atelier-test-pg-'));
    embedded = await startEmbeddedPostgres({ dataDirectory: embeddedDirectory, port: await freePort() });
    adminUrl = embedded.url;
  }
  const databasePrefix = `atelier_test_${String(process.pid)}_`;
  const templateDatabase = `${databasePrefix}template`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${templateDatabase}`);
    await admin.query(`create database ${templateDatabase}`);
  } finally {
    await admin.end();
  }
  await migrateDatabase(withDatabase(adminUrl, templateDatabase));

  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('databasePrefix', databasePrefix);

  const finalAdminUrl = adminUrl;
  return async () => {
    const client = new pg.Client({ connectionString: finalAdminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        `select datname from pg_database where datname like $1`,
        [`${databasePrefix}%`],
      );
      for (const row of rows) {
        await client.query(`drop database if exists "${row.datname}" with (force)`);
      }
    } finally {
      await client.end();
    }
    await embedded?.stop();
    if (embeddedDirectory !== undefined) {
      await rm(embeddedDirectory, { recursive: true, force: true });
    }
  };
}
