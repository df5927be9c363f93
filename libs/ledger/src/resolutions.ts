import type pg from 'pg';
import { collectAfterResolution } from './claw-backs.js';
import { assert } from './assert.js';
import { decode } from './codec.js';
import { asRecords, field, queryOne, stringField } from './database.js';
import { ledgerLimits } from './limits.js';
import {
  balancesJson,
  grantJson,
  holdJson,
  lockPools,
  readBalances,
  readBigIntList,
  readGrant,
  readHold,
  transferIdsJson,
  type HoldRecord,
  type LockedPool,
} from './rows.js';
import type {
  CaptureAccepted,
  CaptureResult,
  ExtendHoldAccepted,
  ExtendHoldResult,
  GrantConsumption,
  HoldLookupRejection,
  HoldStatus,
  HoldView,
  PoolBalance,
  VoidAccepted,
  VoidResult,
} from './types.js';
import { WritePlan } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';

/** What can happen to a pending hold. `expire` is the sweeper's; it has no idempotency record. */
export type ResolutionRequest =
  | {
      kind: 'capture';
      holdId: string;
      amountCredits: bigint;
      operationId: string | null;
      actorId: string | null;
      reason: string | null;
      fingerprint: string;
    }
  | {
      kind: 'void';
      holdId: string;
      operationId: string | null;
      actorId: string | null;
      reason: string;
      fingerprint: string;
    }
  | {
      kind: 'extend';
      holdId: string;
      expiresAt: Date;
      operationId: string | null;
      actorId: string | null;
      fingerprint: string;
    }
  | { kind: 'expire'; holdId: string };

export type ResolutionResult = CaptureResult | VoidResult | ExtendHoldResult | { ok: true; expired: true; hold: HoldView } | null;

interface GrantState {
  /** A refund or dispute covered credits of this grant that holds still hold (collected when they resolve). */
  clawBackWaiting: boolean;
  remainingCredits: bigint;
  heldCredits: bigint;
  expired: boolean;
  live: boolean;
}

interface ResolutionState {
  pool: LockedPool;
  balance: PoolBalance;
  holds: Map<string, HoldRecord>;
  grants: Map<bigint, GrantState>;
  operations: Map<string, { fingerprint: string; result: unknown }>;
  /** Resolution operation id -> the hold it resolved. */
  resolutionOperations: Map<string, string>;
  transferIds: bigint[];
}

/** The org of a hold, read without a lock: a hold never changes org. `null`: no such (placed) hold. */
export async function orgOfHold(client: pg.ClientBase | pg.Pool, holdId: string): Promise<string | null> {
  const rows = await client.query<{ org_id: string }>(
    `select org_id from ledger.holds where hold_id = $1 and status <> 'rejected'`,
    [holdId],
  );
  return rows.rows[0]?.org_id ?? null;
}

/**
 * Resolves or extends holds of one pool inside the caller's transaction. One result per request;
 * `null` for an `expire` that no longer applies (the hold was resolved or extended meanwhile).
 * All `expire`s of one call share one balance version.
 */
export async function resolveHolds(
  client: pg.ClientBase,
  orgId: string,
  requests: readonly ResolutionRequest[],
  now: Date,
): Promise<{ results: ResolutionResult[]; balance: PoolBalance; changed: boolean }> {
  const locked = (await lockPools(client, [orgId])).get(orgId);
  assert(locked !== undefined, `the pool of a placed hold exists (${orgId})`);
  const state = await readResolutionState(client, locked, requests, now);
  const plan = new WritePlan();
  const context = new ResolutionContext(state, plan, now);
  const results = requests.map((request) => context.decide(request));
  if (context.sweepChanged) {
    context.bumpVersion();
  }
  if (state.balance.balanceVersion !== locked.balanceVersion) {
    plan.setPoolVersion(orgId, state.balance.balanceVersion);
  }
  await applyWritePlan(client, plan);
  // Released credits of a refunded grant are taken back now; captured ones are owed.
  const waiting = [...state.grants].flatMap(([grantId, grant]) => (grant.clawBackWaiting ? [grantId] : []));
  if (!plan.isEmpty() && waiting.length > 0) {
    const collected = await collectAfterResolution(client, locked, state.balance, waiting, now);
    // The results share this object: they report the balance after the collection too.
    Object.assign(state.balance, collected);
  }
  return { results, balance: state.balance, changed: !plan.isEmpty() };
}

async function readResolutionState(
  client: pg.ClientBase,
  pool: LockedPool,
  requests: readonly ResolutionRequest[],
  now: Date,
): Promise<ResolutionState> {
  const holdIds = [...new Set(requests.map((request) => request.holdId))];
  const operationIds = requests.flatMap((request) =>
    request.kind !== 'expire' && request.operationId !== null ? [request.operationId] : [],
  );
  const row = await queryOne<{
    holds: unknown;
    grants: unknown;
    balances: unknown;
    operations: unknown;
    resolution_operations: unknown;
    transfer_ids: unknown;
  }>(
    client,
    `select
      (select coalesce(json_agg(${holdJson('h')}), '[]'::json) from ledger.holds h
       where h.hold_id = any($2::uuid[]) and h.org_id = $1::uuid) as holds,
      (select coalesce(json_agg(${grantJson('g', '$3::timestamptz')}::jsonb
              || jsonb_build_object('clawBackWaiting', g.clawed_back_credits > g.claw_back_settled_credits)), '[]'::json) from ledger.grants g
       where g.grant_id in (select unnest(h.allocation_grant_ids) from ledger.holds h where h.hold_id = any($2::uuid[]))) as grants,
      ${balancesJson('array[$1::uuid]', '$3::timestamptz')} as balances,
      (select coalesce(json_agg(json_build_object('operationId', o.operation_id, 'fingerprint', o.request_fingerprint,
              'result', o.result)), '[]'::json)
       from ledger.operations o where o.operation_id = any($4::uuid[])) as operations,
      (select coalesce(json_agg(json_build_object('operationId', h.resolution_operation_id, 'holdId', h.hold_id)), '[]'::json)
       from ledger.holds h where h.resolution_operation_id = any($4::uuid[])) as resolution_operations,
      ${transferIdsJson(`(select coalesce(sum(1 + cardinality(h.allocation_grant_ids)), 0) from ledger.holds h
                          where h.hold_id = any($2::uuid[]))::integer`)} as transfer_ids`,
    [pool.orgId, holdIds, now.toISOString(), operationIds],
    'ledger_resolution_state',
  );
  const balance = readBalances(row.balances).get(pool.orgId);
  assert(balance !== undefined, 'a locked pool has a balance');
  const holds = new Map<string, HoldRecord>();
  for (const record of asRecords(row.holds)) {
    const hold = readHold(record);
    holds.set(hold.view.holdId, hold);
  }
  const grants = new Map<bigint, GrantState>();
  for (const record of asRecords(row.grants)) {
    const grant = readGrant(record);
    grants.set(grant.grantId, {
      remainingCredits: grant.remainingCredits,
      heldCredits: grant.heldCredits,
      expired: grant.expiredAt !== null,
      live: field(record, 'live') === true && grant.expiredAt === null,
      clawBackWaiting: field(record, 'clawBackWaiting') === true,
    });
  }
  const operations = new Map<string, { fingerprint: string; result: unknown }>();
  for (const record of asRecords(row.operations)) {
    operations.set(stringField(record, 'operationId'), {
      fingerprint: stringField(record, 'fingerprint'),
      result: decode(field(record, 'result')),
    });
  }
  const resolutionOperations = new Map<string, string>();
  for (const record of asRecords(row.resolution_operations)) {
    resolutionOperations.set(stringField(record, 'operationId'), stringField(record, 'holdId'));
  }
  return { pool, balance, holds, grants, operations, resolutionOperations, transferIds: readBigIntList(row.transfer_ids) };
}

class ResolutionContext {
  sweepChanged = false;
  private nextTransfer = 0;

  constructor(
    private readonly state: ResolutionState,
    private readonly plan: WritePlan,
    private readonly now: Date,
  ) {}

  bumpVersion(): void {
    this.state.balance = { ...this.state.balance, balanceVersion: this.state.balance.balanceVersion + 1n };
  }

  private transferId(): bigint {
    const id = this.state.transferIds[this.nextTransfer];
    this.nextTransfer += 1;
    assert(id !== undefined, 'enough transfer ids were allocated for the resolutions');
    return id;
  }

  decide(request: ResolutionRequest): ResolutionResult {
    const hold = this.state.holds.get(request.holdId);
    const version = this.state.balance.balanceVersion;
    if (request.kind === 'expire') {
      if (hold === undefined || hold.status !== 'pending' || hold.view.expiresAt.getTime() > this.now.getTime()) {
        return null;
      }
      this.release(hold, 'expire', 0n, null);
      this.sweepChanged = true;
      return { ok: true, expired: true, hold: hold.view };
    }
    if (hold === undefined || hold.status === 'rejected') {
      return { ok: false, code: 'hold_not_found', figures: { holdId: request.holdId }, balanceVersion: version, replayed: false };
    }
    const conflict = this.operationConflict(request, hold);
    if (conflict !== null) {
      return conflict;
    }
    if (request.kind === 'extend' && request.operationId !== null) {
      const stored = this.state.operations.get(request.operationId);
      if (stored !== undefined) {
        return { ...(stored.result as ExtendHoldAccepted), replayed: true };
      }
    }
    if (hold.status !== 'pending') {
      if (request.kind !== 'extend' && hold.resolutionFingerprint === request.fingerprint) {
        return { ...(hold.resolutionResult as CaptureAccepted | VoidAccepted), replayed: true };
      }
      return this.resolvedRejection(hold, hold.status);
    }
    if (hold.view.expiresAt.getTime() <= this.now.getTime() && request.kind !== 'void') {
      // Past its expiry a hold only waits for the sweeper (or a void) to release it.
      return this.resolvedRejection(hold, 'expired');
    }
    switch (request.kind) {
      case 'capture':
        if (request.amountCredits > hold.view.amountCredits) {
          return {
            ok: false,
            code: 'amount_exceeds_hold',
            figures: { holdId: hold.view.holdId, heldCredits: hold.view.amountCredits, requestedCredits: request.amountCredits },
            balanceVersion: version,
            replayed: false,
          };
        }
        return this.release(hold, 'capture', request.amountCredits, request);
      case 'void':
        return this.release(hold, 'void', 0n, request);
      case 'extend':
        return this.extend(hold, request);
    }
  }

  /** An operation id already used for something else is an id conflict. */
  private operationConflict(request: Exclude<ResolutionRequest, { kind: 'expire' }>, hold: HoldRecord): HoldLookupRejection | null {
    if (request.operationId === null) {
      return null;
    }
    const conflict = (): HoldLookupRejection => ({
      ok: false,
      code: 'id_conflict',
      figures: { id: request.operationId ?? '' },
      balanceVersion: this.state.balance.balanceVersion,
      replayed: false,
    });
    const resolvedHold = this.state.resolutionOperations.get(request.operationId);
    const stored = this.state.operations.get(request.operationId);
    if (request.kind === 'extend') {
      if (resolvedHold !== undefined || (stored !== undefined && stored.fingerprint !== request.fingerprint)) {
        return conflict();
      }
      return null;
    }
    if (stored !== undefined) {
      return conflict();
    }
    if (resolvedHold !== undefined && (resolvedHold !== hold.view.holdId || hold.resolutionFingerprint !== request.fingerprint)) {
      return conflict();
    }
    return null;
  }

  private resolvedRejection(hold: HoldRecord, status: Exclude<HoldStatus, 'pending'>): HoldLookupRejection {
    const base = { balanceVersion: this.state.balance.balanceVersion, replayed: false } as const;
    switch (status) {
      case 'captured':
        return {
          ok: false,
          code: 'hold_already_captured',
          figures: { holdId: hold.view.holdId, capturedCredits: hold.view.capturedCredits ?? 0n },
          ...base,
        };
      case 'voided':
        return { ok: false, code: 'hold_already_voided', figures: { holdId: hold.view.holdId }, ...base };
      case 'expired':
        return { ok: false, code: 'hold_expired', figures: { holdId: hold.view.holdId, expiresAt: hold.view.expiresAt }, ...base };
    }
  }

  private extend(hold: HoldRecord, request: Extract<ResolutionRequest, { kind: 'extend' }>): ExtendHoldResult {
    const latestExpiresAt = new Date(this.now.getTime() + ledgerLimits.maxHoldDurationMs);
    if (request.expiresAt.getTime() <= this.now.getTime() || request.expiresAt.getTime() > latestExpiresAt.getTime()) {
      return {
        ok: false,
        code: 'invalid_expiry',
        figures: { expiresAt: request.expiresAt, now: this.now, latestExpiresAt },
        balanceVersion: this.state.balance.balanceVersion,
        replayed: false,
      };
    }
    hold.view = { ...hold.view, expiresAt: request.expiresAt };
    this.bumpVersion();
    const result: ExtendHoldAccepted = { ok: true, hold: hold.view, balance: this.state.balance, replayed: false };
    this.plan.holdUpdates.push({
      holdId: hold.view.holdId,
      status: null,
      expiresAt: request.expiresAt,
      capturedCredits: null,
      refundedCredits: 0n,
      resolvedAt: null,
      resolutionFingerprint: null,
      resolutionOperationId: null,
      resolutionResult: null,
    });
    if (request.operationId !== null) {
      this.plan.operations.push({
        operationId: request.operationId,
        kind: 'extend_hold',
        orgId: hold.view.orgId,
        requestFingerprint: request.fingerprint,
        result,
        createdAt: this.now,
      });
    }
    return result;
  }

  /**
   * Captures `capturedCredits` of the hold (0 for a void or an expiry) and releases the rest.
   * Captured credits are consumed from the hold's grants in allocation order; released credits go
   * back to their grants, and straight to the expiry sink for grants already expired.
   */
  private release(
    hold: HoldRecord,
    kind: 'capture' | 'void' | 'expire',
    capturedCredits: bigint,
    request: Extract<ResolutionRequest, { kind: 'capture' | 'void' }> | null,
  ): CaptureAccepted | VoidAccepted | null {
    const transferId = this.transferId();
    const { consumptions, expiredCredits, availableGain } = this.returnAllocations(hold, transferId, capturedCredits);
    this.addResolutionTransfer(hold, transferId, kind, capturedCredits, request);
    this.moveUsageToSpent(hold, capturedCredits);
    const status: HoldStatus = kind === 'capture' ? 'captured' : kind === 'void' ? 'voided' : 'expired';
    hold.status = status;
    hold.view = {
      ...hold.view,
      status,
      capturedCredits: kind === 'capture' ? capturedCredits : null,
      resolvedAt: this.now,
    };
    this.state.balance = {
      ...this.state.balance,
      postedCredits: this.state.balance.postedCredits - capturedCredits - expiredCredits,
      pendingCredits: this.state.balance.pendingCredits - hold.view.amountCredits,
      availableCredits: this.state.balance.availableCredits + availableGain,
    };
    let result: CaptureAccepted | VoidAccepted | null = null;
    if (request !== null) {
      this.bumpVersion();
      result =
        kind === 'capture'
          ? { ok: true, hold: hold.view, transferId, consumptions, expiredCredits, balance: this.state.balance, replayed: false }
          : { ok: true, hold: hold.view, transferId, expiredCredits, balance: this.state.balance, replayed: false };
      hold.resolutionFingerprint = request.fingerprint;
      hold.resolutionResult = result;
    }
    this.plan.holdUpdates.push({
      holdId: hold.view.holdId,
      status,
      expiresAt: null,
      capturedCredits: kind === 'capture' ? capturedCredits : null,
      refundedCredits: 0n,
      resolvedAt: this.now,
      resolutionFingerprint: request?.fingerprint ?? null,
      resolutionOperationId: request?.operationId ?? null,
      resolutionResult: result,
    });
    return result;
  }

  /**
   * Walks the hold's allocations in order: the captured credits are consumed from them (recorded
   * under `transferId`), the rest is released back to its grant, or to the expiry sink when the
   * grant has expired meanwhile.
   */
  private returnAllocations(
    hold: HoldRecord,
    transferId: bigint,
    capturedCredits: bigint,
  ): { consumptions: GrantConsumption[]; expiredCredits: bigint; availableGain: bigint } {
    const { pool } = this.state;
    const consumptions: GrantConsumption[] = [];
    let toCapture = capturedCredits;
    let expiredCredits = 0n;
    let availableGain = 0n;
    for (const allocation of hold.view.allocations) {
      const grant = this.state.grants.get(allocation.grantId);
      assert(grant !== undefined, `grant ${allocation.grantId.toString()} of hold ${hold.view.holdId} was read`);
      const taken = toCapture < allocation.amountCredits ? toCapture : allocation.amountCredits;
      toCapture -= taken;
      const released = allocation.amountCredits - taken;
      grant.heldCredits -= allocation.amountCredits;
      grant.remainingCredits -= taken;
      this.plan.addGrantDelta(allocation.grantId, -taken, -allocation.amountCredits);
      if (taken > 0n) {
        consumptions.push({ grantId: allocation.grantId, amountCredits: taken });
        this.plan.addConsumption({ transferId, grantId: allocation.grantId, amountCredits: taken });
      }
      if (released === 0n) {
        continue;
      }
      if (grant.expired) {
        grant.remainingCredits -= released;
        expiredCredits += released;
        this.plan.addGrantDelta(allocation.grantId, -released, 0n);
        this.plan.addTransfer(
          this.transferRow(hold, this.transferId(), 'grant_expiry', 'posted', pool.accounts.pool, pool.accounts.expiry, released, {
            grantId: allocation.grantId,
            reason: 'released after the grant expired',
          }),
        );
      } else if (grant.live) {
        availableGain += released;
      }
    }
    assert(toCapture === 0n, 'a capture never exceeds the hold');
    return { consumptions, expiredCredits, availableGain };
  }

  /** The transfer that resolves the pending hold transfer: a capture posts part of it, the others void it. */
  private addResolutionTransfer(
    hold: HoldRecord,
    transferId: bigint,
    kind: 'capture' | 'void' | 'expire',
    capturedCredits: bigint,
    request: Extract<ResolutionRequest, { kind: 'capture' | 'void' }> | null,
  ): void {
    const { pool } = this.state;
    const transferKind = kind === 'capture' ? 'capture' : kind === 'void' ? 'void' : 'hold_expiry';
    const phase = kind === 'capture' ? 'post_pending' : 'void_pending';
    this.plan.addTransfer(
      this.transferRow(
        hold,
        transferId,
        transferKind,
        phase,
        pool.accounts.pool,
        pool.accounts.usage,
        kind === 'capture' ? capturedCredits : hold.view.amountCredits,
        {
          pendingTransferId: hold.view.transferId,
          operationId: request?.operationId ?? null,
          actorId: request?.actorId ?? null,
          reason: request?.reason ?? (kind === 'expire' ? 'hold expired' : null),
        },
      ),
      hold.view.amountCredits,
    );
  }

  /** The budgets count the hold in the period it was placed in: no longer pending, spent what was captured. */
  private moveUsageToSpent(hold: HoldRecord, capturedCredits: bigint): void {
    for (const [scope, subjectId, periodStart] of [
      ['member', hold.view.memberId, hold.memberPeriodStart],
      ['project', hold.view.projectId, hold.projectPeriodStart],
    ] as const) {
      if (subjectId !== null) {
        this.plan.addUsage({
          orgId: hold.view.orgId,
          scope,
          subjectId,
          periodStart,
          spentCredits: capturedCredits,
          pendingCredits: -hold.view.amountCredits,
        });
      }
    }
  }

  private transferRow(
    hold: HoldRecord,
    transferId: bigint,
    kind: 'capture' | 'void' | 'hold_expiry' | 'grant_expiry',
    phase: 'posted' | 'post_pending' | 'void_pending',
    debitAccountId: bigint,
    creditAccountId: bigint,
    amountCredits: bigint,
    extra: { pendingTransferId?: bigint; grantId?: bigint; operationId?: string | null; actorId?: string | null; reason?: string | null },
  ): Parameters<WritePlan['addTransfer']>[0] {
    return {
      transferId,
      orgId: hold.view.orgId,
      kind,
      phase,
      debitAccountId,
      creditAccountId,
      amountCredits,
      pendingTransferId: extra.pendingTransferId ?? null,
      holdId: hold.view.holdId,
      grantId: extra.grantId ?? null,
      memberId: hold.view.memberId,
      projectId: hold.view.projectId,
      actorId: extra.actorId ?? null,
      reason: extra.reason ?? null,
      jobId: hold.view.reference.jobId,
      purchaseId: null,
      operationId: extra.operationId ?? null,
      correctsTransferId: null,
      createdAt: this.now,
    };
  }
}

/** Candidates for the sweeper: pending holds past expiry, oldest expiry first. Read without locks. */
export async function expiredHoldCandidates(
  client: pg.Pool | pg.ClientBase,
  now: Date,
  limit: number,
): Promise<{ holdId: string; orgId: string }[]> {
  const rows = await client.query<{ hold_id: string; org_id: string }>(
    `select hold_id, org_id from ledger.holds
     where status = 'pending' and expires_at <= $1
     order by expires_at limit $2`,
    [now.toISOString(), limit],
  );
  return rows.rows.map((row) => ({ holdId: row.hold_id, orgId: row.org_id }));
}
