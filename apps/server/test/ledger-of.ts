import type { INestApplicationContext } from '@nestjs/common';
import { Ledger } from '@atelier/ledger';
import { ClockRepository } from '../src/repositories/clock.repository.js';
import { PostgresPoolRepository } from '../src/repositories/postgres-pool.repository.js';

/**
 * The ledger of a running app, for tests and benchmarks that set the stage (grants) or audit it
 * (invariants, holds): the same database and clock as the app's, beside the app's own door
 * (LedgerRepository), which the app's code alone uses.
 */
export function ledgerOf(app: INestApplicationContext): Ledger {
  const clock = app.get(ClockRepository);
  return new Ledger(app.get(PostgresPoolRepository).pool, { now: () => clock.now(), batchHolds: false });
}
