import { migrateLedger } from '@atelier/ledger';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { installQueueNotifications } from '../queue/queue-schema.repository.js';
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
  // The job queue (graphile-worker) keeps its tables in the `graphile_worker` schema.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  pool.on('connect', (connection) => {
    connection.on('error', () => undefined);
  });
  try {
    await runMigrations({ pgPool: pool, logger: quietLogger });
    await installQueueNotifications(pool);
  } finally {
    await pool.end();
  }
}

const quietLogger = new Logger(() => () => undefined);
