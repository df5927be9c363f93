import type pg from 'pg';
import { assert } from './assert.js';
import { query, queryOne } from './database.js';
import { readOperation, recordOperation, replayOperation } from './operations.js';
import { balancesJson, lockPools, readBalances } from './rows.js';
import type { BudgetScope, BudgetView, PeriodKind, PoolBalance, SetBudgetResult } from './types.js';
import { WritePlan } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';

/** Budgets: a member's or a project's limit per period, what it has spent and holds in the current one. */

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
export async function recountCurrentPeriod(
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
