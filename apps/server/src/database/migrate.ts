import { migrateLedger } from '@atelier/ledger';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { mikroOrmOptions } from './mikro-orm.config.js';

/** Applies every committed migration to the database at `databaseUrl`. Safe to run repeatedly. */
export async function migrateDatabase(databaseUrl: string): Promise<void> {
  const orm = await MikroORM.init(mikroOrmOptions(databaseUrl, { pool: { min: 0, max: 1 } }));
  try {
    await orm.migrator.up();
  } finally {
    await orm.close(true);
  }
  // The ledger owns its schema (`ledger`) and its migrations.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await migrateLedger(client);
  } finally {
    await client.end();
  }
}
