import type pg from 'pg';
import { assert } from './assert.js';
import { asRecords, bigIntField, nullableBigIntField, nullableDateField, queryOne, stringField } from './database.js';
import { ledgerLimits } from './limits.js';
import {
  balancesJson,
  holdJson,
  lockPools,
  readBalances,
  readBigIntList,
  readHold,
  transferIdsJson,
  type HoldRecord,
  type LockedPool,
} from './rows.js';
import type {
  BudgetExceededFigures,
  BudgetScope,
  BudgetView,
  GrantAllocation,
  HoldAccepted,
  HoldRejection,
  HoldResult,
  HoldView,
  PeriodKind,
  PoolBalance,
} from './types.js';
import { transferRow, WritePlan, type NewHoldRow } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';
import { allocate, type FreeGrant } from './allocation.js';

/** A validated hold request; ids are lower-case, the fingerprint covers every parameter. */
export interface NormalizedHold {
  holdId: string;
  orgId: string;
  memberId: string;
  projectId: string | null;
  amountCredits: bigint;
  expiresAt: Date | null;
  ttlMs: number | null;
  jobId: string | null;
  actorId: string;
  reason: string | null;
  fingerprint: string;
}

interface BudgetState {
  orgId: string;
  scope: BudgetScope;
  subjectId: string;
  limitCredits: bigint | null;
  period: PeriodKind;
  periodStart: Date | null;
  periodEnd: Date | null;
  spentCredits: bigint;
  pendingCredits: bigint;
}

interface PoolState {
  locked: LockedPool;
  balance: PoolBalance;
  /** Live grants in spending order, as many as the batch can need. */
  grants: FreeGrant[];
}

interface HoldBatchState {
  /** Filled, when the caller asks, with each accepted hold's member budget right after it. */
  memberBudgetsAfter?: Map<string, BudgetView> | undefined;
  pools: Map<string, PoolState>;
  budgets: Map<string, BudgetState>;
  existing: Map<string, HoldRecord>;
  transferIds: bigint[];
}

const budgetKey = (orgId: string, scope: BudgetScope, subjectId: string): string => `${orgId}|${scope}|${subjectId}`;

/**
 * Places holds, possibly on several pools, inside the caller's open transaction: locks the pools
 * (ascending org id), reads everything the checks need in one query, decides each hold in order,
 * and writes all accepted and refused holds in one statement. One result per request, in order.
 * With `memberBudgetsAfter`, each accepted hold's member budget right after it is put there.
 */
export async function placeHolds(
  client: pg.ClientBase,
  holds: readonly NormalizedHold[],
  now: Date,
  defaultHoldExpiryMs: number,
  memberBudgetsAfter?: Map<string, BudgetView>,
): Promise<HoldResult[]> {
  assert(holds.length > 0, 'placeHolds needs at least one hold');
  const orgIds = [...new Set(holds.map((hold) => hold.orgId))].sort();
  const locked = await lockPools(client, orgIds);
  const state: HoldBatchState = { ...(await readHoldBatchState(client, holds, locked, now)), memberBudgetsAfter };
  const plan = new WritePlan();
  const results = decideHolds(holds, state, plan, now, defaultHoldExpiryMs);
  for (const pool of state.pools.values()) {
    if (pool.balance.balanceVersion !== pool.locked.balanceVersion) {
      plan.setPoolVersion(pool.locked.orgId, pool.balance.balanceVersion);
    }
  }
  await applyWritePlan(client, plan);
  return results;
}

interface BudgetSubject {
  orgId: string;
  scope: BudgetScope;
  subjectId: string;
}

/** What a batch asks of each locked pool, and the budgets (member, project) its holds count in. */
function batchDemand(
  holds: readonly NormalizedHold[],
  locked: Map<string, LockedPool>,
): { requestedByOrg: Map<string, bigint>; subjects: BudgetSubject[] } {
  const requestedByOrg = new Map<string, bigint>();
  const budgetSubjects = new Map<string, BudgetSubject>();
  for (const hold of holds) {
    if (!locked.has(hold.orgId)) {
      continue;
    }
    requestedByOrg.set(hold.orgId, (requestedByOrg.get(hold.orgId) ?? 0n) + hold.amountCredits);
    budgetSubjects.set(budgetKey(hold.orgId, 'member', hold.memberId), {
      orgId: hold.orgId,
      scope: 'member',
      subjectId: hold.memberId,
    });
    if (hold.projectId !== null) {
      budgetSubjects.set(budgetKey(hold.orgId, 'project', hold.projectId), {
        orgId: hold.orgId,
        scope: 'project',
        subjectId: hold.projectId,
      });
    }
  }
  return { requestedByOrg, subjects: [...budgetSubjects.values()] };
}

interface HoldBatchRow {
  existing: unknown;
  balances: unknown;
  grants: unknown;
  budgets: unknown;
  transfer_ids: unknown;
}

/**
 * Everything the checks of a batch need, in one query: holds already placed with the batch's ids,
 * the pools' balances, their live grants in spending order (as many as the batch can consume), the
 * budgets with their current period's usage, and one transfer id per hold.
 */
async function readHoldBatchState(
  client: pg.ClientBase,
  holds: readonly NormalizedHold[],
  locked: Map<string, LockedPool>,
  now: Date,
): Promise<HoldBatchState> {
  const orgIds = [...locked.keys()].sort();
  const { requestedByOrg, subjects } = batchDemand(holds, locked);
  const row = await queryOne<HoldBatchRow>(
    client,
    `select
      (select coalesce(json_agg(${holdJson('h')}), '[]'::json) from ledger.holds h where h.hold_id = any($3::uuid[])) as existing,
      ${balancesJson('$1::uuid[]', '$2::timestamptz')} as balances,
      (select coalesce(json_agg(json_build_object('orgId', g.org_id, 'grantId', g.grant_id::text, 'freeCredits', g.free_credits::text)
                                order by g.org_id, g.position), '[]'::json)
       from (select g.org_id, g.grant_id, g.remaining_credits - g.held_credits as free_credits,
                    row_number() over spending as position,
                    sum(g.remaining_credits - g.held_credits) over spending as cumulative_credits
             from ledger.grants g
             where g.org_id = any($1::uuid[]) and g.active and g.remaining_credits > g.held_credits
               and (g.expires_at is null or g.expires_at > $2::timestamptz)
             window spending as (partition by g.org_id order by g.priority, g.expires_at, g.grant_id
                                 rows between unbounded preceding and current row)) g
       join unnest($1::uuid[], $4::bigint[]) as r(org_id, requested_credits) on r.org_id = g.org_id
       where g.cumulative_credits - g.free_credits < r.requested_credits) as grants,
      (select coalesce(json_agg(json_build_object('orgId', k.org_id, 'scope', k.scope, 'subjectId', k.subject_id,
                'limitCredits', b.limit_credits::text, 'period', coalesce(b.period, 'none'),
                'periodStart', nullif(s.period_start, '-infinity'), 'periodEnd', nullif(s.period_end, 'infinity'),
                'spentCredits', coalesce(u.spent_credits, 0)::text, 'pendingCredits', coalesce(u.pending_credits, 0)::text)), '[]'::json)
       from unnest($5::uuid[], $6::text[], $7::uuid[]) as k(org_id, scope, subject_id)
       join ledger.pools p on p.org_id = k.org_id
       left join ledger.budgets b on b.org_id = k.org_id and b.scope = k.scope and b.subject_id = k.subject_id
       cross join lateral (select ledger.period_start(coalesce(b.period, 'none'), p.time_zone, $2::timestamptz) as period_start,
                                  ledger.period_end(coalesce(b.period, 'none'), p.time_zone, $2::timestamptz) as period_end) s
       left join ledger.budget_usage u on u.org_id = k.org_id and u.scope = k.scope and u.subject_id = k.subject_id
                                       and u.period_start = s.period_start) as budgets,
      ${transferIdsJson('$8::integer')} as transfer_ids`,
    [
      orgIds,
      now.toISOString(),
      holds.map((hold) => hold.holdId),
      orgIds.map((orgId) => requestedByOrg.get(orgId) ?? 0n),
      subjects.map((subject) => subject.orgId),
      subjects.map((subject) => subject.scope),
      subjects.map((subject) => subject.subjectId),
      holds.length,
    ],
    'ledger_hold_batch_state',
  );
  return parseHoldBatchState(row, locked);
}

function parseHoldBatchState(row: HoldBatchRow, locked: Map<string, LockedPool>): HoldBatchState {
  const balances = readBalances(row.balances);
  const pools = new Map<string, PoolState>();
  for (const [orgId, pool] of locked) {
    const balance = balances.get(orgId);
    assert(balance !== undefined, `no balance for locked pool ${orgId}`);
    pools.set(orgId, { locked: pool, balance, grants: [] });
  }
  for (const record of asRecords(row.grants)) {
    const pool = pools.get(stringField(record, 'orgId'));
    assert(pool !== undefined, 'grant of an unlocked pool');
    pool.grants.push({ grantId: bigIntField(record, 'grantId'), freeCredits: bigIntField(record, 'freeCredits') });
  }
  const budgets = new Map<string, BudgetState>();
  for (const record of asRecords(row.budgets)) {
    const budget = readBudgetState(record);
    budgets.set(budgetKey(budget.orgId, budget.scope, budget.subjectId), budget);
  }
  const existing = new Map<string, HoldRecord>();
  for (const record of asRecords(row.existing)) {
    const hold = readHold(record);
    existing.set(hold.view.holdId, hold);
  }
  return { pools, budgets, existing, transferIds: readBigIntList(row.transfer_ids) };
}

function readBudgetState(record: Record<string, unknown>): BudgetState {
  return {
    orgId: stringField(record, 'orgId'),
    scope: stringField(record, 'scope') as BudgetScope,
    subjectId: stringField(record, 'subjectId'),
    limitCredits: nullableBigIntField(record, 'limitCredits'),
    period: stringField(record, 'period') as PeriodKind,
    periodStart: nullableDateField(record, 'periodStart'),
    periodEnd: nullableDateField(record, 'periodEnd'),
    spentCredits: bigIntField(record, 'spentCredits'),
    pendingCredits: bigIntField(record, 'pendingCredits'),
  };
}

/**
 * The checks, in a fixed order: the pool's deficit (a refund took back spent credits: no new holds
 * until it is paid off), its available credits, the member's budget, the project's budget. The
 * first that binds refuses the hold. Pure apart from the plan it fills.
 */
function decideHolds(
  holds: readonly NormalizedHold[],
  state: HoldBatchState,
  plan: WritePlan,
  now: Date,
  defaultHoldExpiryMs: number,
): HoldResult[] {
  const decidedInBatch = new Map<string, { fingerprint: string; result: HoldResult }>();
  let nextTransfer = 0;
  return holds.map((hold): HoldResult => {
    const pool = state.pools.get(hold.orgId);
    const stored = state.existing.get(hold.holdId);
    if (stored !== undefined) {
      return replay(hold, stored.requestFingerprint, stored.firstResult, pool);
    }
    const earlier = decidedInBatch.get(hold.holdId);
    if (earlier !== undefined) {
      return replay(hold, earlier.fingerprint, earlier.result, pool);
    }
    const result = decideOne(hold, pool, state, plan, now, defaultHoldExpiryMs, () => {
      const transferId = state.transferIds[nextTransfer];
      nextTransfer += 1;
      assert(transferId !== undefined, 'the batch pre-allocates one transfer id per hold');
      return transferId;
    });
    // Refusals by a limit are recorded like acceptances (the id is spent); refusals of a request
    // that could not be evaluated (unknown pool, bad expiry) are not.
    if (result.ok || (result.code !== 'pool_not_found' && result.code !== 'invalid_expiry')) {
      decidedInBatch.set(hold.holdId, { fingerprint: hold.fingerprint, result });
    }
    return result;
  });
}

function replay(hold: NormalizedHold, fingerprint: string, first: HoldResult, pool: PoolState | undefined): HoldResult {
  if (fingerprint !== hold.fingerprint) {
    return {
      ok: false,
      code: 'id_conflict',
      figures: { id: hold.holdId },
      balanceVersion: pool?.balance.balanceVersion ?? null,
      replayed: false,
    };
  }
  return { ...first, replayed: true };
}

function decideOne(
  hold: NormalizedHold,
  pool: PoolState | undefined,
  state: HoldBatchState,
  plan: WritePlan,
  now: Date,
  defaultHoldExpiryMs: number,
  nextTransferId: () => bigint,
): HoldResult {
  if (pool === undefined) {
    return { ok: false, code: 'pool_not_found', figures: { orgId: hold.orgId }, balanceVersion: null, replayed: false };
  }
  const expiresAt = hold.expiresAt ?? new Date(now.getTime() + (hold.ttlMs ?? defaultHoldExpiryMs));
  const latestExpiresAt = new Date(now.getTime() + ledgerLimits.maxHoldDurationMs);
  if (expiresAt.getTime() <= now.getTime() || expiresAt.getTime() > latestExpiresAt.getTime()) {
    const figures = { expiresAt, now, latestExpiresAt };
    return { ok: false, code: 'invalid_expiry', figures, balanceVersion: pool.balance.balanceVersion, replayed: false };
  }
  const rejection = checkLimits(hold, pool, state);
  if (rejection !== null) {
    plan.newHolds.push(newHoldRow(hold, now, { status: 'rejected', refusal: rejection }));
    return rejection;
  }
  return acceptHold(hold, pool, state, plan, now, expiresAt, nextTransferId());
}

/**
 * Places an accepted hold: allocates its credits across the pool's grants in spending order,
 * counts it as pending in the member's and the project's budgets, and takes it from the pool's
 * available credits with a pending transfer.
 */
function acceptHold(
  hold: NormalizedHold,
  pool: PoolState,
  state: HoldBatchState,
  plan: WritePlan,
  now: Date,
  expiresAt: Date,
  transferId: bigint,
): HoldAccepted {
  const allocations = allocate(pool.grants, hold.amountCredits);
  for (const allocation of allocations) {
    plan.addGrantDelta(allocation.grantId, 0n, allocation.amountCredits);
  }
  const budgets = countPending(hold, state, plan);
  pool.balance = {
    ...pool.balance,
    pendingCredits: pool.balance.pendingCredits + hold.amountCredits,
    availableCredits: pool.balance.availableCredits - hold.amountCredits,
    balanceVersion: pool.balance.balanceVersion + 1n,
  };
  plan.addTransfer(
    transferRow({
      transferId,
      orgId: hold.orgId,
      kind: 'hold',
      phase: 'pending',
      debitAccountId: pool.locked.accounts.pool,
      creditAccountId: pool.locked.accounts.usage,
      amountCredits: hold.amountCredits,
      holdId: hold.holdId,
      memberId: hold.memberId,
      projectId: hold.projectId,
      actorId: hold.actorId,
      reason: hold.reason,
      jobId: hold.jobId,
      createdAt: now,
    }),
  );
  plan.newHolds.push(
    newHoldRow(hold, now, {
      status: 'pending',
      expiresAt,
      memberPeriodStart: budgets.member.periodStart,
      projectPeriodStart: budgets.project?.periodStart ?? null,
      allocationGrantIds: allocations.map((allocation) => allocation.grantId),
      allocationCredits: allocations.map((allocation) => allocation.amountCredits),
      transferId,
      balance: pool.balance,
    }),
  );
  const view = acceptedHoldView(hold, now, expiresAt, transferId, allocations);
  state.memberBudgetsAfter?.set(hold.holdId, budgetViewOf(budgets.member));
  return { ok: true, hold: view, balance: pool.balance, replayed: false };
}

/** A budget state as the API's view, at this moment of the batch. */
function budgetViewOf(budget: BudgetState): BudgetView {
  const used = budget.spentCredits + budget.pendingCredits;
  const remaining = budget.limitCredits === null ? null : budget.limitCredits > used ? budget.limitCredits - used : 0n;
  return {
    orgId: budget.orgId,
    scope: budget.scope,
    subjectId: budget.subjectId,
    limitCredits: budget.limitCredits,
    period: budget.period,
    spentCredits: budget.spentCredits,
    pendingCredits: budget.pendingCredits,
    remainingCredits: remaining,
    periodStart: budget.periodStart,
    periodEnd: budget.periodEnd,
  };
}

/** Counts the hold as pending in its member's and project's budgets (their current period). */
function countPending(
  hold: NormalizedHold,
  state: HoldBatchState,
  plan: WritePlan,
): { member: BudgetState; project: BudgetState | undefined } {
  const member = state.budgets.get(budgetKey(hold.orgId, 'member', hold.memberId));
  assert(member !== undefined, 'every member in a batch has a budget state');
  const project = hold.projectId === null ? undefined : state.budgets.get(budgetKey(hold.orgId, 'project', hold.projectId));
  for (const budget of [member, project]) {
    if (budget === undefined) {
      continue;
    }
    budget.pendingCredits += hold.amountCredits;
    plan.addUsage({
      orgId: hold.orgId,
      scope: budget.scope,
      subjectId: budget.subjectId,
      periodStart: budget.periodStart,
      spentCredits: 0n,
      pendingCredits: hold.amountCredits,
    });
  }
  return { member, project };
}

function acceptedHoldView(
  hold: NormalizedHold,
  now: Date,
  expiresAt: Date,
  transferId: bigint,
  allocations: GrantAllocation[],
): HoldView {
  return {
    holdId: hold.holdId,
    orgId: hold.orgId,
    memberId: hold.memberId,
    projectId: hold.projectId,
    amountCredits: hold.amountCredits,
    status: 'pending',
    placedAt: now,
    expiresAt,
    capturedCredits: null,
    refundedCredits: 0n,
    resolvedAt: null,
    transferId,
    allocations,
    reference: { jobId: hold.jobId, purchaseId: null },
    actorId: hold.actorId,
  };
}

/** The row of a new hold: the request's fields, and what the decision adds (empty for a refusal). */
function newHoldRow(
  hold: NormalizedHold,
  now: Date,
  decision: Partial<NewHoldRow> & Pick<NewHoldRow, 'status'>,
): NewHoldRow {
  return {
    holdId: hold.holdId,
    orgId: hold.orgId,
    memberId: hold.memberId,
    projectId: hold.projectId,
    amountCredits: hold.amountCredits,
    placedAt: now,
    expiresAt: null,
    memberPeriodStart: null,
    projectPeriodStart: null,
    allocationGrantIds: [],
    allocationCredits: [],
    transferId: null,
    jobId: hold.jobId,
    actorId: hold.actorId,
    reason: hold.reason,
    requestFingerprint: hold.fingerprint,
    balance: null,
    refusal: null,
    ...decision,
  };
}

function checkLimits(hold: NormalizedHold, pool: PoolState, state: HoldBatchState): HoldRejection | null {
  const version = pool.balance.balanceVersion;
  if (pool.locked.deficitCredits > 0n) {
    return {
      ok: false,
      code: 'deficit_outstanding',
      figures: { deficitCredits: pool.locked.deficitCredits },
      balanceVersion: version,
      replayed: false,
    };
  }
  if (pool.balance.availableCredits < hold.amountCredits) {
    return {
      ok: false,
      code: 'insufficient_credits',
      figures: { availableCredits: pool.balance.availableCredits, requestedCredits: hold.amountCredits },
      balanceVersion: version,
      replayed: false,
    };
  }
  const memberFigures = budgetRefusal(state.budgets.get(budgetKey(hold.orgId, 'member', hold.memberId)), hold.amountCredits);
  if (memberFigures !== null) {
    return { ok: false, code: 'budget_exceeded', figures: memberFigures, balanceVersion: version, replayed: false };
  }
  if (hold.projectId !== null) {
    const projectFigures = budgetRefusal(
      state.budgets.get(budgetKey(hold.orgId, 'project', hold.projectId)),
      hold.amountCredits,
    );
    if (projectFigures !== null) {
      return { ok: false, code: 'project_budget_exceeded', figures: projectFigures, balanceVersion: version, replayed: false };
    }
  }
  return null;
}

function budgetRefusal(budget: BudgetState | undefined, requestedCredits: bigint): BudgetExceededFigures | null {
  assert(budget !== undefined, 'every budget subject in a batch has a state');
  if (budget.limitCredits === null) {
    return null;
  }
  const usedCredits = budget.spentCredits + budget.pendingCredits;
  if (usedCredits + requestedCredits <= budget.limitCredits) {
    return null;
  }
  const remaining = budget.limitCredits - usedCredits;
  return {
    scope: budget.scope,
    subjectId: budget.subjectId,
    limitCredits: budget.limitCredits,
    spentCredits: budget.spentCredits,
    pendingCredits: budget.pendingCredits,
    remainingCredits: remaining > 0n ? remaining : 0n,
    requestedCredits,
    period: budget.period,
    periodStart: budget.periodStart,
    periodEnd: budget.periodEnd,
  };
}
