import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../tools/testing/database.js';
import { withDatabase } from '../../../tools/testing/database-url.js';
import { migrateDatabase } from '../src/database/migrate.js';
import { mikroOrmOptions } from '../src/database/mikro-orm.config.js';
import { migrations } from '../src/database/migrations/index.js';

describe('migrations', () => {
  const emptyName = `${inject('databasePrefix')}empty_${String(Date.now())}`;
  const emptyUrl = withDatabase(inject('adminDatabaseUrl'), emptyName);

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    await admin.connect();
    await admin.query(`create database ${emptyName}`);
    await admin.end();
  });

  it('apply to an empty database, and a second run changes nothing', async () => {
    await migrateDatabase(emptyUrl);
    await migrateDatabase(emptyUrl);
    const client = new pg.Client({ connectionString: emptyUrl });
    await client.connect();
    try {
      const executed = await client.query<{ name: string }>('select name from mikro_orm_migrations order by id');
      expect(executed.rows.map((row) => row.name)).toEqual(migrations.map((migration) => migration.name));
      const tables = await client.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = 'public'`,
      );
      expect(tables.rows.map((row) => row.table_name)).toContain('system_metadata');
    } finally {
      await client.end();
    }
  });

  describe('against the entities', () => {
    let database: TestDatabase;
    let orm: MikroORM;

    beforeAll(async () => {
      database = await createTestDatabase();
      orm = await MikroORM.init(mikroOrmOptions(database.url));
    });
    afterAll(async () => {
      await orm.close(true);
      await database.drop();
    });

    it('leave no drift: the schema the migrations build is the one the entities describe', async () => {
      // Only our schema: the ledger (`ledger`) and the queue (`graphile_worker`) manage their own.
      const drift = await orm.schema.getUpdateSchemaSQL({ wrap: false, schema: 'public' });
      expect(drift.trim()).toBe('');
      expect(await orm.migrator.getPending()).toEqual([]);
    });

    it('would notice drift (the check is not blind)', async () => {
      await orm.em.getConnection().execute('alter table system_metadata drop column updated_at');
      const drift = await orm.schema.getUpdateSchemaSQL({ wrap: false, schema: 'public' });
      expect(drift).toContain('updated_at');
    });
  });
});
