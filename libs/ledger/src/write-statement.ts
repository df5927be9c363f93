import { createHash } from 'node:crypto';
import type pg from 'pg';
import { assert } from './assert.js';
import { encode } from './codec.js';
import { queryOne } from './database.js';
import type { UsageDelta, WritePlan } from './write-plan.js';

/**
 * The one statement a write plan becomes: a CTE per table it touches (each an `unnest` of the
 * plan's rows), and a final select counting the rows each CTE touched.
 */
interface Part {
  name: string;
  sql: (parameter: Parameter) => string;
  /** Rows the part must touch; checked after the write. */
  expectedRows: number;
}

type Parameter = (value: unknown) => string;

function bigIntArrayLiteral(values: readonly bigint[]): string {
  return `{${values.map((value) => value.toString()).join(',')}}`;
}

/**
 * One column of an unnest: the array as a parameter, or, when every row has the same value (the
 * org, the time, the kind of a batch), that value once, repeated by Postgres: less to send and to
 * parse.
 */
function column(p: Parameter, values: readonly unknown[], type: string): string {
  const first = values[0];
  const key = (value: unknown): string => {
    if (typeof value === 'string' || typeof value === 'bigint' || typeof value === 'number') {
      return `${typeof value}:${value.toString()}`;
    }
    assert(value === null || value === undefined, 'columns hold strings, integers or null');
    return 'null';
  };
  if (values.length > 1 && values.every((value) => key(value) === key(first))) {
    return `array_fill(${p(first)}::${type}, array[${String(values.length)}])`;
  }
  return `${p(values)}::${type}[]`;
}

function json(value: unknown): string {
  return JSON.stringify(encode(value));
}

const isoOrNull = (date: Date | null): string | null => date?.toISOString() ?? null;

function transfersPart(plan: WritePlan): Part | null {
  const rows = plan.transfers;
  if (rows.length === 0) {
    return null;
  }
  return {
    name: 'transfers',
    expectedRows: rows.length,
    sql: (p) => `insert into ledger.transfers (transfer_id, org_id, kind, phase, debit_account_id, credit_account_id,
          amount_credits, pending_transfer_id, hold_id, grant_id, member_id, project_id, actor_id, reason, job_id,
          purchase_id, operation_id, corrects_transfer_id, created_at)
        select * from unnest(${column(p, rows.map((r) => r.transferId), 'bigint')}, ${column(p, rows.map((r) => r.orgId), 'uuid')},
          ${column(p, rows.map((r) => r.kind), 'text')}, ${column(p, rows.map((r) => r.phase), 'text')},
          ${column(p, rows.map((r) => r.debitAccountId), 'bigint')}, ${column(p, rows.map((r) => r.creditAccountId), 'bigint')},
          ${column(p, rows.map((r) => r.amountCredits), 'bigint')}, ${column(p, rows.map((r) => r.pendingTransferId), 'bigint')},
          ${column(p, rows.map((r) => r.holdId), 'uuid')}, ${column(p, rows.map((r) => r.grantId), 'bigint')},
          ${column(p, rows.map((r) => r.memberId), 'uuid')}, ${column(p, rows.map((r) => r.projectId), 'uuid')},
          ${column(p, rows.map((r) => r.actorId), 'uuid')}, ${column(p, rows.map((r) => r.reason), 'text')},
          ${column(p, rows.map((r) => r.jobId), 'text')}, ${column(p, rows.map((r) => r.purchaseId), 'text')},
          ${column(p, rows.map((r) => r.operationId), 'uuid')}, ${column(p, rows.map((r) => r.correctsTransferId), 'bigint')},
          ${column(p, rows.map((r) => r.createdAt.toISOString()), 'timestamptz')})
        returning 1`,
  };
}

function accountsPart(plan: WritePlan): Part | null {
  const entries = [...plan.accountDeltas.entries()].filter(
    ([, d]) => d.debitsPosted !== 0n || d.creditsPosted !== 0n || d.debitsPending !== 0n || d.creditsPending !== 0n,
  );
  if (entries.length === 0) {
    return null;
  }
  return {
    name: 'accounts',
    expectedRows: entries.length,
    sql: (p) => `update ledger.accounts a set
          debits_posted = a.debits_posted + d.debits_posted, credits_posted = a.credits_posted + d.credits_posted,
          debits_pending = a.debits_pending + d.debits_pending, credits_pending = a.credits_pending + d.credits_pending
        from unnest(${column(p, entries.map(([id]) => id), 'bigint')}, ${column(p, entries.map(([, d]) => d.debitsPosted), 'bigint')},
          ${column(p, entries.map(([, d]) => d.creditsPosted), 'bigint')}, ${column(p, entries.map(([, d]) => d.debitsPending), 'bigint')},
          ${column(p, entries.map(([, d]) => d.creditsPending), 'bigint')})
          as d(account_id, debits_posted, credits_posted, debits_pending, credits_pending)
        where a.account_id = d.account_id
        returning 1`,
  };
}

function poolsPart(plan: WritePlan): Part | null {
  const entries = [...plan.poolVersions.entries()];
  if (entries.length === 0) {
    return null;
  }
  return {
    name: 'pools',
    expectedRows: entries.length,
    sql: (p) => `update ledger.pools p set balance_version = d.balance_version
        from unnest(${column(p, entries.map(([orgId]) => orgId), 'uuid')}, ${column(p, entries.map(([, version]) => version), 'bigint')})
          as d(org_id, balance_version)
        where p.org_id = d.org_id and p.balance_version < d.balance_version
        returning 1`,
  };
}

function newGrantsPart(plan: WritePlan): Part | null {
  const rows = plan.newGrants;
  if (rows.length === 0) {
    return null;
  }
  return {
    name: 'new_grants',
    expectedRows: rows.length,
    sql: (p) => `insert into ledger.grants (grant_id, org_id, source, amount_credits, remaining_credits, held_credits,
          priority, expires_at, expired_at, active, transfer_id, created_at)
        select d.grant_id, d.org_id, d.source, d.amount_credits, d.amount_credits, 0, d.priority, d.expires_at, null, true,
          d.transfer_id, d.created_at
        from unnest(${column(p, rows.map((r) => r.grantId), 'bigint')}, ${column(p, rows.map((r) => r.orgId), 'uuid')},
          ${column(p, rows.map((r) => r.source), 'text')}, ${column(p, rows.map((r) => r.amountCredits), 'bigint')},
          ${column(p, rows.map((r) => r.priority), 'integer')}, ${column(p, rows.map((r) => isoOrNull(r.expiresAt)), 'timestamptz')},
          ${column(p, rows.map((r) => r.transferId), 'bigint')}, ${column(p, rows.map((r) => r.createdAt.toISOString()), 'timestamptz')})
          as d(grant_id, org_id, source, amount_credits, priority, expires_at, transfer_id, created_at)
        returning 1`,
  };
}

function grantsPart(plan: WritePlan): Part | null {
  const entries = [...plan.grantDeltas.entries()];
  if (entries.length === 0) {
    return null;
  }
  return {
    name: 'grants',
    expectedRows: entries.length,
    sql: (p) => `update ledger.grants g set
          remaining_credits = g.remaining_credits + d.remaining_credits,
          held_credits = g.held_credits + d.held_credits,
          active = g.remaining_credits + d.remaining_credits > 0,
          expired_at = coalesce(g.expired_at, d.expired_at)
        from unnest(${column(p, entries.map(([id]) => id), 'bigint')}, ${column(p, entries.map(([, d]) => d.remainingCredits), 'bigint')},
          ${column(p, entries.map(([, d]) => d.heldCredits), 'bigint')},
          ${column(p, entries.map(([, d]) => isoOrNull(d.expiredAt)), 'timestamptz')})
          as d(grant_id, remaining_credits, held_credits, expired_at)
        where g.grant_id = d.grant_id
        returning 1`,
  };
}

function usageColumns(p: Parameter, rows: UsageDelta[]): string {
  return `unnest(${column(p, rows.map((r) => r.orgId), 'uuid')}, ${column(p, rows.map((r) => r.scope), 'text')},
      ${column(p, rows.map((r) => r.subjectId), 'uuid')}, ${column(p, rows.map((r) => isoOrNull(r.periodStart)), 'timestamptz')},
      ${column(p, rows.map((r) => r.spentCredits), 'bigint')}, ${column(p, rows.map((r) => r.pendingCredits), 'bigint')})
      as d(org_id, scope, subject_id, period_start, spent_credits, pending_credits)`;
}

/** Growing rows may not exist yet (first hold of a period): upsert. Shrinking rows must exist: update. */
function usageParts(plan: WritePlan): Part[] {
  const usage = [...plan.usageDeltas.values()].filter((d) => d.spentCredits !== 0n || d.pendingCredits !== 0n);
  const growing = usage.filter((d) => d.spentCredits >= 0n && d.pendingCredits >= 0n);
  const shrinking = usage.filter((d) => d.spentCredits < 0n || d.pendingCredits < 0n);
  const result: Part[] = [];
  if (growing.length > 0) {
    result.push({
      name: 'usage_growing',
      expectedRows: growing.length,
      sql: (p) => `insert into ledger.budget_usage as u (org_id, scope, subject_id, period_start, spent_credits, pending_credits)
        select d.org_id, d.scope, d.subject_id, coalesce(d.period_start, '-infinity'), d.spent_credits, d.pending_credits
        from ${usageColumns(p, growing)}
        on conflict (org_id, scope, subject_id, period_start) do update set
          spent_credits = u.spent_credits + excluded.spent_credits,
          pending_credits = u.pending_credits + excluded.pending_credits
        returning 1`,
    });
  }
  if (shrinking.length > 0) {
    result.push({
      name: 'usage_shrinking',
      expectedRows: shrinking.length,
      sql: (p) => `update ledger.budget_usage u set
          spent_credits = u.spent_credits + d.spent_credits,
          pending_credits = u.pending_credits + d.pending_credits
        from ${usageColumns(p, shrinking)}
        where u.org_id = d.org_id and u.scope = d.scope and u.subject_id = d.subject_id
          and u.period_start = coalesce(d.period_start, '-infinity')
        returning 1`,
    });
  }
  return result;
}

function newHoldsPart(plan: WritePlan): Part | null {
  const rows = plan.newHolds;
  if (rows.length === 0) {
    return null;
  }
  return {
    name: 'new_holds',
    expectedRows: rows.length,
    sql: (p) => `insert into ledger.holds (hold_id, org_id, member_id, project_id, amount_credits, status, placed_at,
          expires_at, member_period_start, project_period_start, allocation_grant_ids, allocation_credits, transfer_id,
          job_id, actor_id, reason, request_fingerprint, initial_expires_at, balance_posted_credits, balance_pending_credits,
          balance_available_credits, balance_version, refusal)
        select d.hold_id, d.org_id, d.member_id, d.project_id, d.amount_credits, d.status, d.placed_at, d.expires_at,
          case when d.status = 'pending' then coalesce(d.member_period_start, '-infinity') end,
          case when d.project_id is not null and d.status = 'pending' then coalesce(d.project_period_start, '-infinity') end,
          d.allocation_grant_ids::bigint[], d.allocation_credits::bigint[], d.transfer_id, d.job_id, d.actor_id, d.reason,
          d.request_fingerprint, d.expires_at, d.balance_posted_credits, d.balance_pending_credits, d.balance_available_credits,
          d.balance_version, d.refusal::jsonb
        from unnest(${column(p, rows.map((r) => r.holdId), 'uuid')}, ${column(p, rows.map((r) => r.orgId), 'uuid')},
          ${column(p, rows.map((r) => r.memberId), 'uuid')}, ${column(p, rows.map((r) => r.projectId), 'uuid')},
          ${column(p, rows.map((r) => r.amountCredits), 'bigint')}, ${column(p, rows.map((r) => r.status), 'text')},
          ${column(p, rows.map((r) => r.placedAt.toISOString()), 'timestamptz')}, ${column(p, rows.map((r) => isoOrNull(r.expiresAt)), 'timestamptz')},
          ${column(p, rows.map((r) => isoOrNull(r.memberPeriodStart)), 'timestamptz')},
          ${column(p, rows.map((r) => isoOrNull(r.projectPeriodStart)), 'timestamptz')},
          ${column(p, rows.map((r) => bigIntArrayLiteral(r.allocationGrantIds)), 'text')},
          ${column(p, rows.map((r) => bigIntArrayLiteral(r.allocationCredits)), 'text')},
          ${column(p, rows.map((r) => r.transferId), 'bigint')}, ${column(p, rows.map((r) => r.jobId), 'text')},
          ${column(p, rows.map((r) => r.actorId), 'uuid')}, ${column(p, rows.map((r) => r.reason), 'text')},
          ${column(p, rows.map((r) => r.requestFingerprint), 'text')},
          ${column(p, rows.map((r) => r.balance?.postedCredits ?? null), 'bigint')}, ${column(p, rows.map((r) => r.balance?.pendingCredits ?? null), 'bigint')},
          ${column(p, rows.map((r) => r.balance?.availableCredits ?? null), 'bigint')}, ${column(p, rows.map((r) => r.balance?.balanceVersion ?? null), 'bigint')},
          ${column(p, rows.map((r) => (r.refusal === null ? null : json(r.refusal))), 'text')})
          as d(hold_id, org_id, member_id, project_id, amount_credits, status, placed_at, expires_at, member_period_start,
               project_period_start, allocation_grant_ids, allocation_credits, transfer_id, job_id, actor_id, reason,
               request_fingerprint, balance_posted_credits, balance_pending_credits, balance_available_credits,
               balance_version, refusal)
        returning 1`,
  };
}

function holdUpdatesPart(plan: WritePlan): Part | null {
  const rows = plan.holdUpdates;
  if (rows.length === 0) {
    return null;
  }
  return {
    name: 'hold_updates',
    expectedRows: rows.length,
    sql: (p) => `update ledger.holds h set
          status = coalesce(d.status, h.status),
          expires_at = coalesce(d.expires_at, h.expires_at),
          captured_credits = coalesce(d.captured_credits, h.captured_credits),
          refunded_credits = h.refunded_credits + d.refunded_credits,
          resolved_at = coalesce(d.resolved_at, h.resolved_at),
          resolution_fingerprint = coalesce(d.resolution_fingerprint, h.resolution_fingerprint),
          resolution_operation_id = coalesce(d.resolution_operation_id, h.resolution_operation_id),
          resolution_result = coalesce(d.resolution_result::jsonb, h.resolution_result)
        from unnest(${column(p, rows.map((r) => r.holdId), 'uuid')}, ${column(p, rows.map((r) => r.status), 'text')},
          ${column(p, rows.map((r) => isoOrNull(r.expiresAt)), 'timestamptz')}, ${column(p, rows.map((r) => r.capturedCredits), 'bigint')},
          ${column(p, rows.map((r) => r.refundedCredits), 'bigint')}, ${column(p, rows.map((r) => isoOrNull(r.resolvedAt)), 'timestamptz')},
          ${column(p, rows.map((r) => r.resolutionFingerprint), 'text')}, ${column(p, rows.map((r) => r.resolutionOperationId), 'uuid')},
          ${column(p, rows.map((r) => (r.resolutionResult === null ? null : json(r.resolutionResult))), 'text')})
          as d(hold_id, status, expires_at, captured_credits, refunded_credits, resolved_at, resolution_fingerprint,
               resolution_operation_id, resolution_result)
        where h.hold_id = d.hold_id
        returning 1`,
  };
}

function consumptionsPart(plan: WritePlan): Part | null {
  const rows = [...plan.consumptions.values()].filter((row) => row.amountCredits !== 0n);
  if (rows.length === 0) {
    return null;
  }
  return {
    name: 'consumptions',
    expectedRows: rows.length,
    sql: (p) => `insert into ledger.grant_consumptions (transfer_id, grant_id, amount_credits)
          select * from unnest(${column(p, rows.map((r) => r.transferId), 'bigint')}, ${column(p, rows.map((r) => r.grantId), 'bigint')},
            ${column(p, rows.map((r) => r.amountCredits), 'bigint')})
          returning 1`,
  };
}

function operationsPart(plan: WritePlan): Part | null {
  const rows = plan.operations;
  if (rows.length === 0) {
    return null;
  }
  return {
    name: 'operations',
    expectedRows: rows.length,
    sql: (p) => `insert into ledger.operations (operation_id, kind, org_id, request_fingerprint, result, created_at)
        select d.operation_id, d.kind, d.org_id, d.request_fingerprint, d.result::jsonb, d.created_at
        from unnest(${column(p, rows.map((r) => r.operationId), 'uuid')}, ${column(p, rows.map((r) => r.kind), 'text')},
          ${column(p, rows.map((r) => r.orgId), 'uuid')}, ${column(p, rows.map((r) => r.requestFingerprint), 'text')},
          ${column(p, rows.map((r) => json(r.result)), 'text')}, ${column(p, rows.map((r) => r.createdAt.toISOString()), 'timestamptz')})
          as d(operation_id, kind, org_id, request_fingerprint, result, created_at)
        returning 1`,
  };
}

/** The parts of a plan's statement, in a fixed order (the order the CTEs run in). */
function parts(plan: WritePlan): Part[] {
  return [
    transfersPart(plan),
    accountsPart(plan),
    poolsPart(plan),
    newGrantsPart(plan),
    grantsPart(plan),
    ...usageParts(plan),
    newHoldsPart(plan),
    holdUpdatesPart(plan),
    consumptionsPart(plan),
    operationsPart(plan),
  ].filter((part): part is Part => part !== null);
}

/**
 * Writes the plan in one statement (one round trip) and checks that every part touched exactly the
 * rows it meant to: an account, grant or usage row that was not there is a bug, not an outcome.
 */
export async function applyWritePlan(client: pg.ClientBase, plan: WritePlan): Promise<void> {
  const planParts = parts(plan);
  if (planParts.length === 0) {
    return;
  }
  const values: unknown[] = [];
  const parameter = (value: unknown): string => {
    values.push(value);
    return `$${String(values.length)}`;
  };
  const ctes = planParts.map((part) => `${part.name} as (${part.sql(parameter)})`);
  const counts = planParts.map((part) => `(select count(*) from ${part.name})::int as ${part.name}`);
  const text = `with ${ctes.join(',\n')}\nselect ${counts.join(', ')}`;
  // Prepared once per connection and statement shape (which parts, which columns are constant).
  const name = `ledger_write_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  const row = await queryOne<Record<string, number>>(client, text, values, name);
  for (const part of planParts) {
    assert(
      row[part.name] === part.expectedRows,
      `write ${part.name}: expected ${String(part.expectedRows)} rows, touched ${String(row[part.name])}`,
    );
  }
}
