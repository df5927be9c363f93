import type pg from 'pg';
import { assert } from './assert.js';
import { recountCurrentPeriod } from './budgets.js';
import { query, queryOne } from './database.js';
import { readOperation, recordOperation, replayOperation } from './operations.js';
import { balancesJson, lockPools, readBalances } from './rows.js';
import type { BudgetScope, CreatePoolResult, PeriodKind, PoolView, SetPoolTimeZoneResult } from './types.js';
import { accountKinds } from './types.js';
import { WritePlan } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';

/** Pools: an org's pool and its accounts, created once, and the time zone its budget periods are computed in. */

/** Whether Postgres knows the zone (IANA names; it also takes POSIX zone specifications). */
export async function isKnownTimeZone(client: pg.ClientBase | pg.Pool, timeZone: string): Promise<boolean> {
  if (timeZone.trim() === '') {
    return false;
  }
  const row = await queryOne<{ known: boolean }>(client, 'select ledger.is_time_zone($1) as known', [timeZone]);
  return row.known;
}

/** Creates an org's pool and its accounts. Idempotent on the org id. */
export async function createPool(client: pg.ClientBase, orgId: string, timeZone: string, now: Date): Promise<CreatePoolResult> {
  if (!(await isKnownTimeZone(client, timeZone))) {
    return { ok: false, code: 'invalid_time_zone', figures: { timeZone }, balanceVersion: null, replayed: false };
  }
  const inserted = await query<{ org_id: string }>(
    client,
    `insert into ledger.pools (org_id, time_zone, created_at) values ($1, $2, $3)
     on conflict (org_id) do nothing returning org_id`,
    [orgId, timeZone, now.toISOString()],
  );
  if (inserted.length === 1) {
    await client.query(
      `insert into ledger.accounts (org_id, kind) select $1, kind from unnest($2::text[]) as kind`,
      [orgId, accountKinds],
    );
  }
  const pool = await readPool(client, orgId, now);
  assert(pool !== null, 'the pool exists after its creation');
  if (inserted.length === 0 && pool.timeZone !== timeZone) {
    return {
      ok: false,
      code: 'id_conflict',
      figures: { id: orgId, existingTimeZone: pool.timeZone },
      balanceVersion: pool.balance.balanceVersion,
      replayed: false,
    };
  }
  return { ok: true, pool, created: inserted.length === 1 };
}

export async function readPool(client: pg.ClientBase | pg.Pool, orgId: string, now: Date): Promise<PoolView | null> {
  const rows = await query<{ time_zone: string; created_at: Date; balances: unknown }>(
    client,
    `select p.time_zone, p.created_at, ${balancesJson('array[p.org_id]', '$2::timestamptz')} as balances
     from ledger.pools p where p.org_id = $1`,
    [orgId, now.toISOString()],
  );
  const row = rows[0];
  if (row === undefined) {
    return null;
  }
  const balance = readBalances(row.balances).get(orgId);
  assert(balance !== undefined, 'a pool has a balance');
  return { orgId, timeZone: row.time_zone, createdAt: row.created_at, balance };
}

export interface NormalizedSetTimeZone {
  operationId: string;
  orgId: string;
  timeZone: string;
  actorId: string;
  fingerprint: string;
}

/**
 * Changes the time zone periods are computed in. Holds of each budget's current period (under
 * the new zone) are re-counted into it, so the budget check stays exact.
 */
export async function setPoolTimeZone(client: pg.ClientBase, request: NormalizedSetTimeZone, now: Date): Promise<SetPoolTimeZoneResult> {
  const knownTimeZone = await isKnownTimeZone(client, request.timeZone);
  const pool = (await lockPools(client, [request.orgId])).get(request.orgId);
  if (pool === undefined) {
    return { ok: false, code: 'pool_not_found', figures: { orgId: request.orgId }, balanceVersion: null, replayed: false };
  }
  const stored = await readOperation(client, request.operationId);
  if (stored !== null) {
    type Accepted = Extract<SetPoolTimeZoneResult, { ok: true }>;
    return replayOperation<Accepted>(stored, 'set_time_zone', request.fingerprint, request.operationId, pool.balanceVersion);
  }
  if (!knownTimeZone) {
    return { ok: false, code: 'invalid_time_zone', figures: { timeZone: request.timeZone }, balanceVersion: pool.balanceVersion, replayed: false };
  }
  await client.query('update ledger.pools set time_zone = $2 where org_id = $1', [request.orgId, request.timeZone]);
  const budgets = await query<{ scope: BudgetScope; subject_id: string; period: PeriodKind }>(
    client,
    `select scope, subject_id, period from ledger.budgets where org_id = $1 and period <> 'none' order by scope, subject_id`,
    [request.orgId],
  );
  const plan = new WritePlan();
  for (const budget of budgets) {
    await recountCurrentPeriod(client, plan, request.orgId, budget.scope, budget.subject_id, budget.period, request.timeZone, now);
  }
  plan.setPoolVersion(request.orgId, pool.balanceVersion + 1n);
  await applyWritePlan(client, plan);
  const view = await readPool(client, request.orgId, now);
  assert(view !== null, 'the locked pool exists');
  const result = { ok: true as const, pool: view, replayed: false };
  await recordOperation(client, request.operationId, 'set_time_zone', request.orgId, request.fingerprint, result, now);
  return result;
}

