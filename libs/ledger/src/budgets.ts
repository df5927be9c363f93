import type pg from 'pg';
import { assert } from './assert.js';
import { query, queryOne } from './database.js';
import { readOperation, recordOperation, replayOperation } from './operations.js';
import { balancesJson, lockPools, readBalances } from './rows.js';
import type {
  BudgetScope,
  BudgetView,
  CreatePoolResult,
  PeriodKind,
  PoolBalance,
  PoolView,
  SetBudgetResult,
  SetPoolTimeZoneResult,
} from './types.js';
import { accountKinds } from './types.js';
import { WritePlan } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';

/** Whether Postgres knows the zone (IANA names; it also takes POSIX zone specifications). */
export async function isKnownTimeZone(client: pg.ClientBase | pg.Pool, timeZone: string): Promise<boolean> {
  if (timeZone.trim() === '') {
    return false;
  }
  const row = await queryOne<{ known: boolean }>(client, 'select ledger.is_time_zone($1) as known', [timeZone]);
  return row.known;
}

async function readBalance(client: pg.ClientBase, orgId: string, now: Date): Promise<PoolBalance> {
  const row = await queryOne<{ balances: unknown }>(
    client,
    `select ${balancesJson('array[$1::uuid]', '$2::timestamptz')} as balances`,
    [orgId, now.toISOString()],
    'ledger_read_balance',
  );
  const balance = readBalances(row.balances).get(orgId);
  assert(balance !== undefined, `pool ${orgId} has a balance`);
  return balance;
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

export interface NormalizedSetBudget {
  operationId: string;
  orgId: string;
  scope: BudgetScope;
  subjectId: string;
  limitCredits: bigint | null;
  period: PeriodKind;
  actorId: string;
  fingerprint: string;
}

/**
 * Sets a member's or a project's budget. A new limit applies to the next hold; one below what is
 * already spent blocks new holds and changes nothing else. A new period re-counts the holds placed
 * in the (new) current period into it.
 */
export async function setBudget(client: pg.ClientBase, request: NormalizedSetBudget, now: Date): Promise<SetBudgetResult> {
  const pool = (await lockPools(client, [request.orgId])).get(request.orgId);
  if (pool === undefined) {
    return { ok: false, code: 'pool_not_found', figures: { orgId: request.orgId }, balanceVersion: null, replayed: false };
  }
  const kind = `set_${request.scope}_budget`;
  const stored = await readOperation(client, request.operationId);
  if (stored !== null) {
    return replayOperation<Extract<SetBudgetResult, { ok: true }>>(stored, kind, request.fingerprint, request.operationId, pool.balanceVersion);
  }
  const previous = await query<{ period: PeriodKind }>(
    client,
    'select period from ledger.budgets where org_id = $1 and scope = $2 and subject_id = $3',
    [request.orgId, request.scope, request.subjectId],
  );
  const previousPeriod = previous[0]?.period ?? 'none';
  await client.query(
    `insert into ledger.budgets (org_id, scope, subject_id, limit_credits, period, updated_at) values ($1, $2, $3, $4, $5, $6)
     on conflict (org_id, scope, subject_id) do update set limit_credits = excluded.limit_credits, period = excluded.period,
       updated_at = excluded.updated_at`,
    [request.orgId, request.scope, request.subjectId, request.limitCredits, request.period, now.toISOString()],
  );
  const plan = new WritePlan();
  if (previousPeriod !== request.period) {
    await recountCurrentPeriod(client, plan, request.orgId, request.scope, request.subjectId, request.period, pool.timeZone, now);
  }
  plan.setPoolVersion(request.orgId, pool.balanceVersion + 1n);
  await applyWritePlan(client, plan);
  const budget = await readBudget(client, request.orgId, request.scope, request.subjectId, now);
  assert(budget !== null, 'the locked pool exists');
  const balance = await readBalance(client, request.orgId, now);
  const result = { ok: true as const, budget: budget.budget, balance, replayed: false };
  await recordOperation(client, request.operationId, kind, request.orgId, request.fingerprint, result, now);
  return result;
}

/**
 * Moves the holds placed in the current period (as `period` in `timeZone` defines it) that are
 * counted in another period row into the current one, and moves their figures with them. Holds
 * placed earlier keep their rows: they belong to past periods.
 */
async function recountCurrentPeriod(
  client: pg.ClientBase,
  plan: WritePlan,
  orgId: string,
  scope: BudgetScope,
  subjectId: string,
  period: PeriodKind,
  timeZone: string,
  now: Date,
): Promise<void> {
  const subjectColumn = scope === 'member' ? 'member_id' : 'project_id';
  const periodColumn = scope === 'member' ? 'member_period_start' : 'project_period_start';
  const rows = await query<{ old_start: Date | null; new_start: Date | null; spent_credits: bigint; pending_credits: bigint }>(
    client,
    `with target as (select ledger.period_start($3, $4, $5::timestamptz) as start),
     moved as (
       update ledger.holds h set ${periodColumn} = target.start
       from target, (select hold_id, ${periodColumn} as old_start from ledger.holds
                     where org_id = $1 and ${subjectColumn} = $2 and status <> 'rejected'
                       and placed_at >= (select start from target)) old
       where h.hold_id = old.hold_id and h.placed_at >= target.start and old.old_start <> target.start
       returning old.old_start, target.start as new_start, h.status, h.amount_credits, h.captured_credits, h.refunded_credits
     )
     select nullif(old_start, '-infinity') as old_start, nullif(new_start, '-infinity') as new_start,
            coalesce(sum(case when status = 'captured' then captured_credits - refunded_credits else 0 end), 0)::bigint as spent_credits,
            coalesce(sum(case when status = 'pending' then amount_credits else 0 end), 0)::bigint as pending_credits
     from moved group by old_start, new_start`,
    [orgId, subjectId, period, timeZone, now.toISOString()],
  );
  for (const row of rows) {
    plan.addUsage({ orgId, scope, subjectId, periodStart: row.old_start, spentCredits: -row.spent_credits, pendingCredits: -row.pending_credits });
    plan.addUsage({ orgId, scope, subjectId, periodStart: row.new_start, spentCredits: row.spent_credits, pendingCredits: row.pending_credits });
  }
}

/** A budget as of `now`; `null` when the pool does not exist. Subjects without a budget are unlimited. */
export async function readBudget(
  client: pg.ClientBase | pg.Pool,
  orgId: string,
  scope: BudgetScope,
  subjectId: string,
  now: Date,
): Promise<{ budget: BudgetView; balanceVersion: bigint } | null> {
  const rows = await query<{
    limit_credits: bigint | null;
    period: PeriodKind;
    period_start: Date | null;
    period_end: Date | null;
    spent_credits: bigint;
    pending_credits: bigint;
    balance_version: bigint;
  }>(
    client,
    `select b.limit_credits, coalesce(b.period, 'none') as period,
            nullif(s.period_start, '-infinity') as period_start, nullif(s.period_end, 'infinity') as period_end,
            coalesce(u.spent_credits, 0) as spent_credits, coalesce(u.pending_credits, 0) as pending_credits,
            p.balance_version
     from ledger.pools p
     left join ledger.budgets b on b.org_id = p.org_id and b.scope = $2 and b.subject_id = $3
     cross join lateral (select ledger.period_start(coalesce(b.period, 'none'), p.time_zone, $4::timestamptz) as period_start,
                                ledger.period_end(coalesce(b.period, 'none'), p.time_zone, $4::timestamptz) as period_end) s
     left join ledger.budget_usage u on u.org_id = p.org_id and u.scope = $2 and u.subject_id = $3
                                     and u.period_start = s.period_start
     where p.org_id = $1`,
    [orgId, scope, subjectId, now.toISOString()],
    'ledger_read_budget',
  );
  const row = rows[0];
  if (row === undefined) {
    return null;
  }
  let remainingCredits: bigint | null = null;
  if (row.limit_credits !== null) {
    const remaining = row.limit_credits - row.spent_credits - row.pending_credits;
    remainingCredits = remaining > 0n ? remaining : 0n;
  }
  return {
    budget: {
      orgId,
      scope,
      subjectId,
      limitCredits: row.limit_credits,
      period: row.period,
      spentCredits: row.spent_credits,
      pendingCredits: row.pending_credits,
      remainingCredits,
      periodStart: row.period_start,
      periodEnd: row.period_end,
    },
    balanceVersion: row.balance_version,
  };
}
