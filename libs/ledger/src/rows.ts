import type pg from 'pg';
import { assert } from './assert.js';
import { decode } from './codec.js';
import {
  asRecords,
  bigIntArrayField,
  bigIntField,
  dateField,
  field,
  nullableBigIntField,
  nullableDateField,
  nullableStringField,
  numberField,
  query,
  queryOne,
  stringField,
  type JsonRecord,
} from './database.js';
import type { AccountKind, GrantSource, GrantView, HoldAccepted, HoldResult, HoldStatus, HoldView, PoolBalance } from './types.js';
import { accountKinds } from './types.js';

/**
 * SQL fragments that turn rows into JSON (int8 as text, so no precision is lost) and the decoders
 * that read them back. One state query can then return several kinds of rows in one round trip.
 */

export const holdJson = (h: string): string => `json_build_object(
  'holdId', ${h}.hold_id, 'orgId', ${h}.org_id, 'memberId', ${h}.member_id, 'projectId', ${h}.project_id,
  'amountCredits', ${h}.amount_credits::text, 'status', ${h}.status, 'placedAt', ${h}.placed_at,
  'expiresAt', ${h}.expires_at,
  'memberPeriodStart', nullif(${h}.member_period_start, '-infinity'),
  'projectPeriodStart', nullif(${h}.project_period_start, '-infinity'),
  'allocationGrantIds', ${h}.allocation_grant_ids::text[], 'allocationCredits', ${h}.allocation_credits::text[],
  'transferId', ${h}.transfer_id::text, 'jobId', ${h}.job_id, 'actorId', ${h}.actor_id, 'reason', ${h}.reason,
  'capturedCredits', ${h}.captured_credits::text, 'refundedCredits', ${h}.refunded_credits::text,
  'resolvedAt', ${h}.resolved_at, 'requestFingerprint', ${h}.request_fingerprint,
  'initialExpiresAt', ${h}.initial_expires_at, 'balancePostedCredits', ${h}.balance_posted_credits::text,
  'balancePendingCredits', ${h}.balance_pending_credits::text, 'balanceAvailableCredits', ${h}.balance_available_credits::text,
  'balanceVersion', ${h}.balance_version::text, 'refusal', ${h}.refusal,
  'resolutionFingerprint', ${h}.resolution_fingerprint, 'resolutionOperationId', ${h}.resolution_operation_id,
  'resolutionResult', ${h}.resolution_result)`;

/** A hold as stored, with what idempotency needs. */
export interface HoldRecord {
  view: HoldView;
  status: HoldStatus | 'rejected';
  memberPeriodStart: Date | null;
  projectPeriodStart: Date | null;
  reason: string | null;
  requestFingerprint: string;
  /** What placing the hold answered first. */
  firstResult: HoldResult;
  resolutionFingerprint: string | null;
  resolutionOperationId: string | null;
  resolutionResult: unknown;
}

export function readHold(record: JsonRecord): HoldRecord {
  const status = stringField(record, 'status') as HoldStatus | 'rejected';
  const grantIds = bigIntArrayField(record, 'allocationGrantIds');
  const credits = bigIntArrayField(record, 'allocationCredits');
  assert(grantIds.length === credits.length, 'a hold allocates one amount per grant');
  const transferId = nullableBigIntField(record, 'transferId');
  const expiresAt = nullableDateField(record, 'expiresAt');
  const view: HoldView = {
      holdId: stringField(record, 'holdId'),
      orgId: stringField(record, 'orgId'),
      memberId: stringField(record, 'memberId'),
      projectId: nullableStringField(record, 'projectId'),
      amountCredits: bigIntField(record, 'amountCredits'),
      // A refused hold never held anything; only its first result is used (for replays).
      status: status === 'rejected' ? 'voided' : status,
      placedAt: dateField(record, 'placedAt'),
      expiresAt: expiresAt ?? dateField(record, 'placedAt'),
      capturedCredits: nullableBigIntField(record, 'capturedCredits'),
      refundedCredits: bigIntField(record, 'refundedCredits'),
      resolvedAt: nullableDateField(record, 'resolvedAt'),
      transferId: transferId ?? -1n,
      allocations: grantIds.map((grantId, index) => ({ grantId, amountCredits: credits[index] ?? 0n })),
      reference: { jobId: nullableStringField(record, 'jobId'), purchaseId: null },
      actorId: stringField(record, 'actorId'),
  };
  return {
    view,
    status,
    memberPeriodStart: nullableDateField(record, 'memberPeriodStart'),
    projectPeriodStart: nullableDateField(record, 'projectPeriodStart'),
    reason: nullableStringField(record, 'reason'),
    requestFingerprint: stringField(record, 'requestFingerprint'),
    firstResult: status === 'rejected' ? (decode(field(record, 'refusal')) as HoldResult) : firstAcceptance(record, view),
    resolutionFingerprint: nullableStringField(record, 'resolutionFingerprint'),
    resolutionOperationId: nullableStringField(record, 'resolutionOperationId'),
    resolutionResult: decode(field(record, 'resolutionResult')),
  };
}

/** An accepted hold's first result, rebuilt: the hold as placed and the balance it reported. */
function firstAcceptance(record: JsonRecord, view: HoldView): HoldAccepted {
  return {
    ok: true,
    hold: {
      ...view,
      status: 'pending',
      expiresAt: dateField(record, 'initialExpiresAt'),
      capturedCredits: null,
      refundedCredits: 0n,
      resolvedAt: null,
    },
    balance: {
      orgId: view.orgId,
      postedCredits: bigIntField(record, 'balancePostedCredits'),
      pendingCredits: bigIntField(record, 'balancePendingCredits'),
      availableCredits: bigIntField(record, 'balanceAvailableCredits'),
      balanceVersion: bigIntField(record, 'balanceVersion'),
    },
    replayed: false,
  };
}

export const grantJson = (g: string, atTime: string): string => `json_build_object(
  'grantId', ${g}.grant_id::text, 'orgId', ${g}.org_id, 'source', ${g}.source, 'amountCredits', ${g}.amount_credits::text,
  'remainingCredits', ${g}.remaining_credits::text, 'heldCredits', ${g}.held_credits::text, 'priority', ${g}.priority,
  'expiresAt', ${g}.expires_at, 'expiredAt', ${g}.expired_at, 'createdAt', ${g}.created_at,
  'transferId', ${g}.transfer_id::text,
  'live', (${g}.expires_at is null or ${g}.expires_at > ${atTime}))`;

export function readGrant(record: JsonRecord): GrantView {
  const remainingCredits = bigIntField(record, 'remainingCredits');
  const heldCredits = bigIntField(record, 'heldCredits');
  const live = field(record, 'live') === true;
  return {
    grantId: bigIntField(record, 'grantId'),
    orgId: stringField(record, 'orgId'),
    source: stringField(record, 'source') as GrantSource,
    amountCredits: bigIntField(record, 'amountCredits'),
    remainingCredits,
    heldCredits,
    availableCredits: live ? remainingCredits - heldCredits : 0n,
    priority: numberField(record, 'priority'),
    expiresAt: nullableDateField(record, 'expiresAt'),
    expiredAt: nullableDateField(record, 'expiredAt'),
    createdAt: dateField(record, 'createdAt'),
    transferId: bigIntField(record, 'transferId'),
  };
}

/** JSON of `ledger.pool_balance` rows for a set of orgs. */
export const balancesJson = (orgIds: string, atTime: string): string => `(
  select coalesce(json_agg(json_build_object('orgId', b.org_id, 'postedCredits', b.posted_credits::text,
    'pendingCredits', b.pending_credits::text, 'availableCredits', b.available_credits::text,
    'balanceVersion', b.balance_version::text)), '[]'::json)
  from unnest(${orgIds}) as o(org_id), ledger.pool_balance(o.org_id, ${atTime}) as b)`;

export function readBalances(value: unknown): Map<string, PoolBalance> {
  const balances = new Map<string, PoolBalance>();
  for (const record of asRecords(value)) {
    const balance = {
      orgId: stringField(record, 'orgId'),
      postedCredits: bigIntField(record, 'postedCredits'),
      pendingCredits: bigIntField(record, 'pendingCredits'),
      availableCredits: bigIntField(record, 'availableCredits'),
      balanceVersion: bigIntField(record, 'balanceVersion'),
    };
    balances.set(balance.orgId, balance);
  }
  return balances;
}

export function transferIdsJson(count: string): string {
  return `(select coalesce(json_agg(nextval('ledger.transfer_ids')::text), '[]'::json) from generate_series(1, ${count}))`;
}

export async function allocateTransferIds(client: pg.ClientBase, count: number): Promise<bigint[]> {
  const rows = await query<{ id: bigint }>(
    client,
    `select nextval('ledger.transfer_ids') as id from generate_series(1, $1::integer)`,
    [count],
    'ledger_allocate_transfer_ids',
  );
  return rows.map((row) => row.id);
}

export function readBigIntList(value: unknown): bigint[] {
  if (value === null) {
    return [];
  }
  assert(Array.isArray(value), 'expected a JSON array of integers');
  return value.map((item: unknown) => {
    assert(typeof item === 'string', 'expected an integer as text');
    return BigInt(item);
  });
}

/* ---------- pools ---------- */

export interface LockedPool {
  orgId: string;
  timeZone: string;
  balanceVersion: bigint;
  /** Spent credits a refund or dispute took back; while above 0 the pool refuses new holds. */
  deficitCredits: bigint;
  accounts: Record<AccountKind, bigint>;
}

/**
 * Locks the pool rows of `orgIds` in ascending org id order: the one lock order of the ledger.
 * Missing orgs are absent from the map.
 */
export async function lockPools(client: pg.ClientBase, orgIds: readonly string[]): Promise<Map<string, LockedPool>> {
  const rows = await query<{ org_id: string; time_zone: string; balance_version: bigint; deficit_credits: bigint; accounts: unknown }>(
    client,
    `select p.org_id, p.time_zone, p.balance_version, p.deficit_credits,
       (select json_object_agg(a.kind, a.account_id::text) from ledger.accounts a where a.org_id = p.org_id) as accounts
     from ledger.pools p
     where p.org_id = any($1::uuid[])
     order by p.org_id
     for update of p`,
    [[...orgIds].sort()],
    'ledger_lock_pools',
  );
  const pools = new Map<string, LockedPool>();
  for (const row of rows) {
    const accountsRecord = row.accounts as JsonRecord;
    const accounts = {} as Record<AccountKind, bigint>;
    for (const kind of accountKinds) {
      accounts[kind] = bigIntField(accountsRecord, kind);
    }
    pools.set(row.org_id, {
      orgId: row.org_id,
      timeZone: row.time_zone,
      balanceVersion: row.balance_version,
      deficitCredits: row.deficit_credits,
      accounts,
    });
  }
  return pools;
}

/** Live grants with free credits, in spending order, as many as `amountCredits` needs. */
export async function liveGrantsInSpendingOrder(client: pg.ClientBase, orgId: string, now: Date, amountCredits: bigint): Promise<GrantView[]> {
  const row = await queryOne<{ grants: unknown }>(
    client,
    `select coalesce(json_agg(${grantJson('g', '$2::timestamptz')} order by g.priority, g.expires_at, g.grant_id), '[]'::json) as grants
     from (select g.*, sum(g.remaining_credits - g.held_credits) over (order by g.priority, g.expires_at, g.grant_id
             rows between unbounded preceding and current row) as cumulative_credits
           from ledger.grants g
           where g.org_id = $1 and g.active and g.remaining_credits > g.held_credits
             and (g.expires_at is null or g.expires_at > $2::timestamptz)) g
     where g.cumulative_credits - (g.remaining_credits - g.held_credits) < $3::bigint`,
    [orgId, now.toISOString(), amountCredits],
    'ledger_live_grants',
  );
  return asRecords(row.grants).map(readGrant);
}
