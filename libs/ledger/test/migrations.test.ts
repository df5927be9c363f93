import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../tools/testing/database.js';
import { ledgerMigrations, migrateLedger } from '../src/index.js';
import { testPool } from './support.js';

describe('migrateLedger', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = testPool(database.url, 6);
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('was applied by migrateDatabase, and is idempotent and safe to run concurrently', async () => {
    const applied = await pool.query<{ version: number }>('select version from ledger.schema_migrations order by version');
    expect(applied.rows.map((row) => row.version)).toEqual(ledgerMigrations.map((migration) => migration.version));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await Promise.all([migrateLedger(pool), migrateLedger(pool), migrateLedger(client)]);
    } finally {
      await client.end();
    }
    const again = await pool.query('select version from ledger.schema_migrations');
    expect(again.rowCount).toBe(ledgerMigrations.length);
  });

  it('keeps every table in the ledger schema', async () => {
    const tables = await pool.query<{ table_schema: string; table_name: string }>(
      `select table_schema, table_name from information_schema.tables
       where table_name in ('pools', 'accounts', 'transfers', 'grants', 'holds', 'budgets', 'budget_usage', 'operations', 'grant_consumptions')`,
    );
    expect(new Set(tables.rows.map((row) => row.table_schema))).toEqual(new Set(['ledger']));
    expect(tables.rowCount).toBe(9);
  });

  it('migrates an empty database from scratch', async () => {
    const empty = await createTestDatabase();
    const emptyPool = testPool(empty.url, 2);
    try {
      await emptyPool.query('drop schema ledger cascade');
      await migrateLedger(emptyPool);
      const applied = await emptyPool.query('select version from ledger.schema_migrations');
      expect(applied.rowCount).toBe(ledgerMigrations.length);
    } finally {
      await emptyPool.end();
      await empty.drop();
    }
  });
});
