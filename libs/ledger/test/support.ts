import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../tools/testing/database.js';
import { Ledger, type LedgerOptions } from '../src/index.js';

/** A controllable clock: every ledger timestamp comes from it. */
export class TestClock {
  constructor(public milliseconds = Date.UTC(2026, 0, 15, 12, 0, 0)) {}
  now = (): Date => new Date(this.milliseconds);
  advance(milliseconds: number): void {
    this.milliseconds += milliseconds;
  }
}

export interface LedgerFixture {
  database: TestDatabase;
  pool: pg.Pool;
  clock: TestClock;
  ledger: Ledger;
  close(): Promise<void>;
}

/**
 * A connection pool for tests. `pool.end()` resolves before its sockets close; dropping the
 * database right after (with force) then kills them, and pg reports that on the pool: ignore it.
 */
export function testPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => undefined);
  return pool;
}

/** A fresh database (migrated: the template ran migrateDatabase, which runs migrateLedger). */
export async function ledgerFixture(options: LedgerOptions = {}, poolSize = 10): Promise<LedgerFixture> {
  const database = await createTestDatabase();
  const pool = testPool(database.url, poolSize);
  const clock = new TestClock();
  const ledger = new Ledger(pool, { now: clock.now, ...options });
  return {
    database,
    pool,
    clock,
    ledger,
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

export const id = (): string => randomUUID();

export const minutes = (count: number): number => count * 60 * 1000;
export const hours = (count: number): number => count * 60 * 60 * 1000;
export const days = (count: number): number => count * 24 * 60 * 60 * 1000;

/** Creates a pool with `credits` granted (never expiring). */
export async function poolWithCredits(ledger: Ledger, credits: bigint, timeZone = 'UTC'): Promise<string> {
  const orgId = id();
  const created = await ledger.createPool({ orgId, timeZone });
  if (!created.ok) {
    throw new Error(`createPool: ${created.code}`);
  }
  if (credits > 0n) {
    const granted = await ledger.grant({
      operationId: id(),
      orgId,
      source: 'purchase',
      amountCredits: credits,
      actorId: id(),
      reason: 'test credits',
    });
    if (!granted.ok) {
      throw new Error(`grant: ${granted.code}`);
    }
  }
  return orgId;
}
