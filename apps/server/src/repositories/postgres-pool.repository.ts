import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

export const DATABASE_URL = Symbol('DATABASE_URL');

/** One connection inside a transaction (see `transaction`), handed to repository methods that join it. */
export type TransactionClient = pg.PoolClient;

/**
 * A plain `pg` pool beside the ORM, for the transactions that span our tables and the ledger's
 * (which is plain SQL over pg): creating an org with its pool, placing a hold with its job.
 */
@Injectable()
export class PostgresPoolRepository implements OnApplicationShutdown {
  readonly pool: pg.Pool;

  constructor(@Inject(DATABASE_URL) databaseUrl: string, @Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: config.databasePool.sql });
    // A broken connection's error resurfaces on the query that uses it; these keep it from crashing the process.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => {
      client.on('error', () => undefined);
    });
  }

  /**
   * One more connection for a queue runner, whose LISTEN connection it holds for good: without it,
   * ten runners' LISTENs left a small pool nothing for requests (creating an org waited forever).
   * pg-pool reads `max` at each checkout, so raising it takes effect at once.
   */
  reserveListener(): void {
    this.pool.options.max += 1;
  }

  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** Runs `work` in one transaction on one connection of `pool`; rolls back if it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
