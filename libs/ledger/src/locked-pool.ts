import type pg from 'pg';
import { assert } from './assert.js';
import { queryOne } from './database.js';
import { balancesJson, lockPools, readBalances, readBigIntList, transferIdsJson, type LockedPool } from './rows.js';
import type { PoolBalance } from './types.js';

/** A pool locked for a change, with its balance as of the lock. */
export interface PoolSnapshot {
  pool: LockedPool;
  balance: PoolBalance;
}

/**
 * Locks one pool and reads, in one more round trip, its balance, `transferCount` new transfer ids
 * and (when `withGrant`) a new grant id. `null` when the pool does not exist.
 */
export async function lockPoolForWrite(
  client: pg.ClientBase,
  orgId: string,
  now: Date,
  transferCount: number,
  withGrant = false,
): Promise<(PoolSnapshot & { transferIds: bigint[]; grantId: bigint }) | null> {
  const pool = (await lockPools(client, [orgId])).get(orgId);
  if (pool === undefined) {
    return null;
  }
  const row = await queryOne<{ balances: unknown; transfer_ids: unknown; grant_id: bigint }>(
    client,
    `select ${balancesJson('array[$1::uuid]', '$2::timestamptz')} as balances,
            ${transferIdsJson('$3::integer')} as transfer_ids,
            case when $4::boolean then nextval('ledger.grant_ids') else 0 end as grant_id`,
    [orgId, now.toISOString(), transferCount, withGrant],
    'ledger_lock_one_state',
  );
  const balance = readBalances(row.balances).get(orgId);
  assert(balance !== undefined, 'a locked pool has a balance');
  return { pool, balance, transferIds: readBigIntList(row.transfer_ids), grantId: row.grant_id };
}

/** Locks one pool and reads its balance. `null` when the pool does not exist. */
export async function lockPoolWithBalance(client: pg.ClientBase, orgId: string, now: Date): Promise<PoolSnapshot | null> {
  const pool = (await lockPools(client, [orgId])).get(orgId);
  if (pool === undefined) {
    return null;
  }
  const row = await queryOne<{ balances: unknown }>(
    client,
    `select ${balancesJson('array[$1::uuid]', '$2::timestamptz')} as balances`,
    [orgId, now.toISOString()],
    'ledger_deficit_balance',
  );
  const balance = readBalances(row.balances).get(orgId);
  assert(balance !== undefined, 'a locked pool has a balance');
  return { pool, balance };
}

/** The balance after a change: the figures moved by `change`, the version one higher. */
export function nextBalance(balance: PoolBalance, change: Partial<Omit<PoolBalance, 'orgId' | 'balanceVersion'>>): PoolBalance {
  return {
    orgId: balance.orgId,
    postedCredits: balance.postedCredits + (change.postedCredits ?? 0n),
    pendingCredits: balance.pendingCredits + (change.pendingCredits ?? 0n),
    availableCredits: balance.availableCredits + (change.availableCredits ?? 0n),
    balanceVersion: balance.balanceVersion + 1n,
  };
}
