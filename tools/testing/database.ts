import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { withDatabase } from './database-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL on the test cluster (its `postgres` database). */
    adminDatabaseUrl: string;
    /** The migrated database each test file's database is cloned from. */
    templateDatabase: string;
    /** Prefix of every database this run creates, so teardown can drop them all. */
    databasePrefix: string;
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, fully migrated database of its own, cloned from the run's template in milliseconds.
 * Call it once per test file (in beforeAll) or per test when a test needs a blank slate.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `${inject('databasePrefix')}${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${inject('templateDatabase')}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
