import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tools/testing/database.js';
import {
  Ledger,
  type AdjustResult,
  type CaptureResult,
  type ExpireGrantsResult,
  type ExtendHoldResult,
  type GrantResult,
  type GrantConsumption,
  type HoldResult,
  type PeriodKind,
  type ReverseResult,
  type SetBudgetResult,
  type SweepResult,
  type VoidResult,
} from '../src/index.js';
import { TestClock, testPool } from './support.js';
import { expectEqual, LedgerModel, Mismatch, modelTimeZone, periodEnd, periodStart, stringify, type HoldInput, type ModelHold } from './model.js';
import { RefundScenario, refundStep } from './refund-scenario.js';

/**
 * Model-based property test: random steps, each a set of operations run CONCURRENTLY from three
 * Ledger instances (own connection pools; two batch holds, one does not) against real Postgres.
 * Reversals (refunds of captures, revocations of grants) and adjustments both ways are in the
 * model; claw-backs and the deficit are checked by the second property below (audit and laws).
 * Every result is replayed against the in-memory model in the order the ledger applied it (its
 * balance version); after every step the whole database is compared with the model and audited.
 */

const orgCount = 2;
const memberCount = 3;
const projectCount = 2;
const minute = 60 * 1000;
const hour = 60 * minute;
const day = 24 * hour;

type Operation =
  | { kind: 'hold'; ledger: number; org: number; member: number; project: number | null; amount: number; ttlMs: number }
  | { kind: 'capture'; ledger: number; hold: number; percent: number }
  | { kind: 'void'; ledger: number; hold: number }
  | { kind: 'extend'; ledger: number; hold: number; ttlMs: number }
  | { kind: 'sweep'; ledger: number; limit: number }
  | { kind: 'grant'; ledger: number; org: number; amount: number; expiresInMs: number | null; priority: number }
  | { kind: 'expireGrants'; ledger: number; limit: number }
  | { kind: 'budget'; ledger: number; org: number; scope: 'member' | 'project'; subject: number; limit: number | null; period: PeriodKind }
  | { kind: 'replay'; ledger: number; request: number; conflict: boolean }
  | { kind: 'reverse'; ledger: number; target: 'capture' | 'grant'; index: number; amount: number | null }
  | { kind: 'adjust'; ledger: number; org: number; amount: number };

interface Step {
  operations: Operation[];
  advanceMs: number;
}

const ledgerIndex = fc.integer({ min: 0, max: 2 });
const holdIndex = fc.nat({ max: 40 });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('hold' as const),
      ledger: ledgerIndex,
      org: fc.integer({ min: 0, max: orgCount - 1 }),
      member: fc.integer({ min: 0, max: memberCount - 1 }),
      project: fc.option(fc.integer({ min: 0, max: projectCount - 1 })),
      amount: fc.integer({ min: 1, max: 60 }),
      ttlMs: fc.constantFrom(20 * minute, 2 * hour, 10 * hour, 2 * day),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('capture' as const), ledger: ledgerIndex, hold: holdIndex, percent: fc.integer({ min: 0, max: 120 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('void' as const), ledger: ledgerIndex, hold: holdIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), ledger: ledgerIndex, hold: holdIndex, ttlMs: fc.constantFrom(30 * minute, 5 * hour) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), ledger: ledgerIndex, limit: fc.integer({ min: 1, max: 20 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('grant' as const),
      ledger: ledgerIndex,
      org: fc.integer({ min: 0, max: orgCount - 1 }),
      amount: fc.integer({ min: 10, max: 300 }),
      expiresInMs: fc.constantFrom(null, hour, 5 * hour, 2 * day),
      priority: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expireGrants' as const), ledger: ledgerIndex, limit: fc.integer({ min: 1, max: 20 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('budget' as const),
      ledger: ledgerIndex,
      org: fc.integer({ min: 0, max: orgCount - 1 }),
      scope: fc.constantFrom('member' as const, 'project' as const),
      subject: fc.integer({ min: 0, max: memberCount - 1 }),
      limit: fc.option(fc.integer({ min: 0, max: 120 }), { freq: 4 }),
      period: fc.constantFrom<PeriodKind>('none', 'day', 'week', 'month'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), ledger: ledgerIndex, request: fc.nat(), conflict: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('reverse' as const),
      ledger: ledgerIndex,
      target: fc.constantFrom('capture' as const, 'capture' as const, 'grant' as const),
      index: holdIndex,
      amount: fc.option(fc.integer({ min: 1, max: 40 }), { freq: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('adjust' as const), ledger: ledgerIndex, org: fc.integer({ min: 0, max: orgCount - 1 }), amount: fc.integer({ min: -60, max: 60 }).filter((n) => n !== 0) }) },
);

const step: fc.Arbitrary<Step> = fc.record({
  operations: fc.array(operation, { minLength: 1, maxLength: 6, size: 'medium' }),
  advanceMs: fc.constantFrom(0, 0, 0, minute, 30 * minute, 30 * minute, 2 * hour, 7 * hour, day, 3 * day),
});

/** A request that can be sent again with the same id (same or other parameters). */
interface Replayable {
  kind: 'hold' | 'grant' | 'budget';
  orgId: string;
  send(ledger: Ledger, conflict: boolean): Promise<HoldResult | GrantResult | SetBudgetResult>;
  /** The first answer, once interpreted. */
  first: HoldResult | GrantResult | SetBudgetResult | null;
}

interface KnownHold {
  input: HoldInput;
}

/** A consequence of one result, placed in the pool's order by its version. */
interface Event {
  orgId: string;
  version: bigint;
  mutation: boolean;
  apply(): void;
}

class Scenario {
  readonly model = new LedgerModel();
  readonly orgIds = Array.from({ length: orgCount }, () => randomUUID());
  readonly memberIds = Array.from({ length: memberCount }, () => randomUUID());
  readonly projectIds = Array.from({ length: projectCount }, () => randomUUID());
  readonly actorId = randomUUID();
  readonly holds: KnownHold[] = [];
  readonly requests: Replayable[] = [];
  /** First capture / void answers per hold, for replays (same hold, same parameters). */
  readonly firstResolutions = new Map<string, CaptureResult | VoidResult>();
  /** Accepted grants (and positive adjustments), with the transfer that made each. */
  readonly grantTransfers: { orgId: string; grantId: bigint; transferId: bigint }[] = [];

  constructor(
    readonly ledgers: Ledger[],
    readonly clock: TestClock,
    readonly pool: pg.Pool,
  ) {}

  private get nowMs(): number {
    return this.clock.milliseconds;
  }

  async setup(): Promise<void> {
    const [ledger] = this.ledgers;
    for (const orgId of this.orgIds) {
      const created = await ledger!.createPool({ orgId, timeZone: modelTimeZone });
      expect(created.ok).toBe(true);
      this.model.addOrg(orgId);
      const events = this.grantEvents(orgId, 100n, null, 0, await this.sendGrant(ledger!, orgId, randomUUID(), 100n, null, 0));
      this.linearize(events);
    }
  }

  private sendGrant(ledger: Ledger, orgId: string, operationId: string, amount: bigint, expiresAt: Date | null, priority: number): Promise<GrantResult> {
    return ledger.grant({ operationId, orgId, source: 'purchase', amountCredits: amount, expiresAt, priority, actorId: this.actorId, reason: 'model' });
  }

  /** Runs the step's operations concurrently, then orders their effects and checks them. */
  async run(current: Step): Promise<void> {
    const interpretations = await Promise.all(current.operations.map((item) => this.execute(item)));
    this.linearize(interpretations.flat());
    await this.compareWithDatabase();
    this.clock.advance(current.advanceMs);
  }

  linearize(events: Event[]): void {
    const sorted = [...events].sort((a, b) =>
      a.orgId < b.orgId ? -1 : a.orgId > b.orgId ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : Number(!a.mutation) - Number(!b.mutation),
    );
    for (const event of sorted) {
      event.apply();
    }
  }

  private ledger(index: number): Ledger {
    const ledger = this.ledgers[index % this.ledgers.length];
    if (ledger === undefined) {
      throw new Error('no ledger');
    }
    return ledger;
  }

  private async execute(item: Operation): Promise<Event[]> {
    const ledger = this.ledger(item.ledger);
    switch (item.kind) {
      case 'hold': {
        const input: HoldInput = {
          holdId: randomUUID(),
          orgId: this.orgIds[item.org]!,
          memberId: this.memberIds[item.member]!,
          projectId: item.project === null ? null : this.projectIds[item.project]!,
          amountCredits: BigInt(item.amount),
          ttlMs: item.ttlMs,
        };
        const send = (target: Ledger, conflict: boolean): Promise<HoldResult> =>
          target.hold({ ...input, amountCredits: conflict ? input.amountCredits + 1n : input.amountCredits, actorId: input.memberId });
        const replayable: Replayable = { kind: 'hold', orgId: input.orgId, send, first: null };
        this.holds.push({ input });
        this.requests.push(replayable);
        return this.holdEvents(input, await send(ledger, false), replayable, false);
      }
      case 'capture':
      case 'void':
      case 'extend': {
        // Mostly one of the latest holds (likely still pending), sometimes any.
        const index = item.hold < 8 ? this.holds.length - 1 - item.hold : item.hold % Math.max(1, this.holds.length);
        const known = this.holds[index];
        if (known === undefined) {
          return [];
        }
        if (item.kind === 'capture') {
          const amount = (known.input.amountCredits * BigInt(item.percent)) / 100n;
          return this.captureEvents(known, amount, await ledger.capture({ holdId: known.input.holdId, amountCredits: amount }));
        }
        if (item.kind === 'void') {
          return this.voidEvents(known, await ledger.void({ holdId: known.input.holdId, reason: 'model' }));
        }
        const expiresAt = new Date(this.nowMs + item.ttlMs);
        return this.extendEvents(known, expiresAt, await ledger.extendHold({ holdId: known.input.holdId, expiresAt }));
      }
      case 'sweep':
        return this.sweepEvents(await ledger.sweepExpiredHolds(item.limit));
      case 'expireGrants':
        return this.expireGrantEvents(await ledger.expireGrants(item.limit));
      case 'grant': {
        const orgId = this.orgIds[item.org]!;
        const operationId = randomUUID();
        const amount = BigInt(item.amount);
        const expiresAt = item.expiresInMs === null ? null : new Date(this.nowMs + item.expiresInMs);
        const send = (target: Ledger, conflict: boolean): Promise<GrantResult> =>
          this.sendGrant(target, orgId, operationId, conflict ? amount + 1n : amount, expiresAt, item.priority);
        const replayable: Replayable = { kind: 'grant', orgId, send, first: null };
        this.requests.push(replayable);
        return this.grantEvents(orgId, amount, expiresAt, item.priority, await send(ledger, false), replayable);
      }
      case 'budget': {
        const orgId = this.orgIds[item.org]!;
        const subjectId = item.scope === 'member' ? this.memberIds[item.subject % memberCount]! : this.projectIds[item.subject % projectCount]!;
        const operationId = randomUUID();
        const limit = item.limit === null ? null : BigInt(item.limit);
        const send = (target: Ledger, conflict: boolean): Promise<SetBudgetResult> => {
          const limitCredits = conflict ? (limit ?? 0n) + 1n : limit;
          const common = { operationId, orgId, limitCredits, period: item.period, actorId: this.actorId };
          return item.scope === 'member'
            ? target.setMemberBudget({ ...common, memberId: subjectId })
            : target.setProjectBudget({ ...common, projectId: subjectId });
        };
        const replayable: Replayable = { kind: 'budget', orgId, send, first: null };
        this.requests.push(replayable);
        return this.budgetEvents(orgId, item.scope, subjectId, limit, item.period, await send(ledger, false), replayable);
      }
      case 'reverse':
        return this.reverse(ledger, item);
      case 'adjust': {
        const orgId = this.orgIds[item.org]!;
        const amount = BigInt(item.amount);
        const result = await ledger.adjust({ operationId: randomUUID(), orgId, amountCredits: amount, actorId: this.actorId, reason: 'model' });
        return this.adjustEvents(orgId, amount, result);
      }
      case 'replay': {
        const request = this.requests[item.request % Math.max(1, this.requests.length)];
        if (request === undefined || request.first === null) {
          return [];
        }
        const result = await request.send(ledger, item.conflict);
        const first = request.first;
        return [
          {
            orgId: request.orgId,
            version: -1n,
            mutation: false,
            apply: () => {
              if (item.conflict) {
                // A refused hold does not record a different request as a conflict... it is one.
                expectEqual(result.ok ? 'ok' : result.code, 'id_conflict', `${request.kind} replayed with other parameters`);
                return;
              }
              expectEqual({ ...result, replayed: false }, { ...first, replayed: false }, `${request.kind} replay returns the first result`);
              expectEqual(result.replayed, true, `${request.kind} replay is marked`);
            },
          },
        ];
      }
    }
  }

  private holdEvents(input: HoldInput, result: HoldResult, replayable: Replayable, _replay: boolean): Event[] {
    const now = this.nowMs;
    if (result.replayed) {
      throw new Mismatch(`a new hold id was answered as a replay: ${stringify(result)}`);
    }
    if (result.ok) {
      replayable.first = result;
      return [
        {
          orgId: input.orgId,
          version: result.balance.balanceVersion,
          mutation: true,
          apply: () => {
            const predicted = this.model.placeHold(input, now);
            if (!predicted.ok) {
              throw new Mismatch(`ledger accepted a hold the model refuses: ${stringify(predicted)}`);
            }
            expectEqual(predicted.balance.balanceVersion, result.balance.balanceVersion, 'hold version');
            expectEqual(result.hold.allocations, predicted.hold.allocations, 'hold allocations');
            expectEqual(result.balance, predicted.balance, 'balance after hold');
            expectEqual(result.hold.expiresAt.getTime(), predicted.hold.expiresAt.getTime(), 'hold expiry');
          },
        },
      ];
    }
    replayable.first = result;
    return [
      {
        orgId: input.orgId,
        version: result.balanceVersion ?? -1n,
        mutation: false,
        apply: () => {
          this.model.expectVersion(input.orgId, result.balanceVersion, 'hold refusal');
          const predicted = this.model.placeHold(input, now);
          if (predicted.ok) {
            throw new Mismatch(`ledger refused (${result.code}) a hold the model accepts`);
          }
          expectEqual(result, predicted, 'hold refusal');
        },
      },
    ];
  }

  private modelHold(known: KnownHold): ReturnType<LedgerModel['holds']['get']> {
    return this.model.holds.get(known.input.holdId);
  }

  /** The refusal the model expects for resolving `known` now, or null if it can be resolved. */
  private resolutionRefusal(known: KnownHold, kind: 'capture' | 'void' | 'extend', amount: bigint): string | null {
    const hold = this.modelHold(known);
    if (hold === undefined) {
      return 'hold_not_found';
    }
    switch (hold.status) {
      case 'captured':
        return 'hold_already_captured';
      case 'voided':
        return 'hold_already_voided';
      case 'expired':
        return 'hold_expired';
      case 'pending':
        break;
    }
    if (kind !== 'void' && hold.expiresAtMs <= this.nowMs) {
      return 'hold_expired';
    }
    if (kind === 'capture' && amount > hold.amountCredits) {
      return 'amount_exceeds_hold';
    }
    return null;
  }

  private refusalEvent(known: KnownHold, kind: 'capture' | 'void' | 'extend', amount: bigint, result: { ok: false; code: string; balanceVersion: bigint | null }): Event[] {
    const orgId = known.input.orgId;
    if (result.code === 'hold_not_found') {
      // The hold was refused when placed: nothing to order.
      return [{ orgId, version: -1n, mutation: false, apply: () => { expectEqual(this.modelHold(known), undefined, 'hold not found'); } }];
    }
    return [
      {
        orgId,
        version: result.balanceVersion ?? -1n,
        mutation: false,
        apply: () => {
          this.model.expectVersion(orgId, result.balanceVersion, `${kind} refusal`);
          expectEqual(result.code, this.resolutionRefusal(known, kind, amount), `${kind} refusal code`);
        },
      },
    ];
  }

  private captureEvents(known: KnownHold, amount: bigint, result: CaptureResult): Event[] {
    const now = this.nowMs;
    if (!result.ok) {
      return this.refusalEvent(known, 'capture', amount, result);
    }
    if (result.replayed) {
      return [{ orgId: known.input.orgId, version: -1n, mutation: false, apply: () => {
        expectEqual({ ...result, replayed: false }, this.firstResolutions.get(known.input.holdId), 'capture replay');
      } }];
    }
    this.firstResolutions.set(known.input.holdId, result);
    return [
      {
        orgId: known.input.orgId,
        version: result.balance.balanceVersion,
        mutation: true,
        apply: () => {
          expectEqual(this.resolutionRefusal(known, 'capture', amount), null, 'capture of a capturable hold');
          this.model.advanceVersion(known.input.orgId, result.balance.balanceVersion, 'capture');
          const hold = this.modelHold(known)!;
          const { consumptions, expiredCredits } = this.model.release(hold, 'captured', amount);
          expectEqual(result.consumptions, consumptions, 'capture consumptions');
          expectEqual(result.expiredCredits, expiredCredits, 'capture expired credits');
          expectEqual(result.balance, this.model.balance(known.input.orgId, now), 'balance after capture');
        },
      },
    ];
  }

  private voidEvents(known: KnownHold, result: VoidResult): Event[] {
    const now = this.nowMs;
    if (!result.ok) {
      return this.refusalEvent(known, 'void', 0n, result);
    }
    if (result.replayed) {
      return [{ orgId: known.input.orgId, version: -1n, mutation: false, apply: () => {
        expectEqual({ ...result, replayed: false }, this.firstResolutions.get(known.input.holdId), 'void replay');
      } }];
    }
    this.firstResolutions.set(known.input.holdId, result);
    return [
      {
        orgId: known.input.orgId,
        version: result.balance.balanceVersion,
        mutation: true,
        apply: () => {
          expectEqual(this.resolutionRefusal(known, 'void', 0n), null, 'void of a pending hold');
          this.model.advanceVersion(known.input.orgId, result.balance.balanceVersion, 'void');
          const { expiredCredits } = this.model.release(this.modelHold(known)!, 'voided', 0n);
          expectEqual(result.expiredCredits, expiredCredits, 'void expired credits');
          expectEqual(result.balance, this.model.balance(known.input.orgId, now), 'balance after void');
        },
      },
    ];
  }

  private extendEvents(known: KnownHold, expiresAt: Date, result: ExtendHoldResult): Event[] {
    if (!result.ok) {
      return this.refusalEvent(known, 'extend', 0n, result);
    }
    return [
      {
        orgId: known.input.orgId,
        version: result.balance.balanceVersion,
        mutation: true,
        apply: () => {
          expectEqual(this.resolutionRefusal(known, 'extend', 0n), null, 'extend of a live hold');
          this.model.advanceVersion(known.input.orgId, result.balance.balanceVersion, 'extend');
          this.modelHold(known)!.expiresAtMs = expiresAt.getTime();
        },
      },
    ];
  }

  private sweepEvents(result: SweepResult): Event[] {
    const now = this.nowMs;
    return result.balances.map((balance) => ({
      orgId: balance.orgId,
      version: balance.balanceVersion,
      mutation: true,
      apply: () => {
        this.model.advanceVersion(balance.orgId, balance.balanceVersion, 'sweep');
        for (const expired of result.expiredHolds.filter((item) => item.orgId === balance.orgId)) {
          const hold = this.model.holds.get(expired.holdId);
          if (hold === undefined || hold.status !== 'pending' || hold.expiresAtMs > now) {
            throw new Mismatch(`sweeper expired a hold that is not pending past expiry: ${stringify(hold)}`);
          }
          this.model.release(hold, 'expired', 0n);
        }
        expectEqual(balance, this.model.balance(balance.orgId, now), 'balance after sweep');
      },
    }));
  }

  private expireGrantEvents(result: ExpireGrantsResult): Event[] {
    const now = this.nowMs;
    return result.balances.map((balance) => ({
      orgId: balance.orgId,
      version: balance.balanceVersion,
      mutation: true,
      apply: () => {
        this.model.advanceVersion(balance.orgId, balance.balanceVersion, 'expire grants');
        for (const expired of result.expiredGrants.filter((item) => item.orgId === balance.orgId)) {
          const grant = this.model.grants.find((candidate) => candidate.grantId === expired.grantId);
          if (grant === undefined || grant.expired || grant.expiresAtMs === null || grant.expiresAtMs > now) {
            throw new Mismatch(`a grant was expired that is not past expiry: ${stringify(grant)}`);
          }
          expectEqual(expired.expiredCredits, this.model.expireGrant(grant), 'expired credits of a grant');
        }
        expectEqual(balance, this.model.balance(balance.orgId, now), 'balance after grant expiry');
      },
    }));
  }

  grantEvents(orgId: string, amount: bigint, expiresAt: Date | null, priority: number, result: GrantResult, replayable?: Replayable): Event[] {
    const now = this.nowMs;
    if (!result.ok || result.replayed) {
      throw new Mismatch(`a new grant was answered ${stringify(result)}`);
    }
    if (replayable !== undefined) {
      replayable.first = result;
    }
    this.grantTransfers.push({ orgId, grantId: result.grant.grantId, transferId: result.transferId });
    return [
      {
        orgId,
        version: result.balance.balanceVersion,
        mutation: true,
        apply: () => {
          this.model.advanceVersion(orgId, result.balance.balanceVersion, 'grant');
          this.model.grants.push({
            grantId: result.grant.grantId,
            orgId,
            priority,
            expiresAtMs: expiresAt?.getTime() ?? null,
            amountCredits: amount,
            remainingCredits: amount,
            heldCredits: 0n,
            expired: false,
          });
          expectEqual(result.balance, this.model.balance(orgId, now), 'balance after grant');
        },
      },
    ];
  }

  /** A refund of a known capture, or a revocation of a known grant. */
  private async reverse(ledger: Ledger, item: Extract<Operation, { kind: 'reverse' }>): Promise<Event[]> {
    const amount = item.amount === null ? undefined : BigInt(item.amount);
    const request = { operationId: randomUUID(), amountCredits: amount, actorId: this.actorId, reason: 'model' };
    if (item.target === 'grant') {
      const grant = this.grantTransfers[item.index % Math.max(1, this.grantTransfers.length)];
      if (grant === undefined) {
        return [];
      }
      const result = await ledger.reverse({ ...request, transferId: grant.transferId });
      return this.reversalEvents(grant.orgId, grant.transferId, result, amount, {
        reversible: () => this.model.revocable(grant.grantId),
        apply: (credits) => ({ consumptions: this.model.revoke(grant.grantId, credits), expiredCredits: 0n }),
      });
    }
    const captured = [...this.firstResolutions].filter(([, first]) => first.ok && 'consumptions' in first);
    const pick = captured[item.index < 8 ? captured.length - 1 - item.index : item.index % Math.max(1, captured.length)];
    if (pick === undefined || !pick[1].ok) {
      return [];
    }
    const [holdId, capture] = pick;
    const result = await ledger.reverse({ ...request, transferId: capture.transferId });
    const hold = (): ModelHold => this.model.holds.get(holdId)!;
    return this.reversalEvents(capture.hold.orgId, capture.transferId, result, amount, {
      reversible: () => this.model.refundable(hold()),
      apply: (credits) => this.model.refund(hold(), credits),
    });
  }

  private reversalEvents(
    orgId: string,
    transferId: bigint,
    result: ReverseResult,
    amount: bigint | undefined,
    model: { reversible: () => bigint; apply: (credits: bigint) => { consumptions: GrantConsumption[]; expiredCredits: bigint } },
  ): Event[] {
    const now = this.nowMs;
    if (!result.ok) {
      return [
        {
          orgId,
          version: result.balanceVersion ?? -1n,
          mutation: false,
          apply: () => {
            this.model.expectVersion(orgId, result.balanceVersion, 'reversal refusal');
            const reversible = model.reversible();
            expectEqual(result, {
              ok: false,
              code: 'amount_exceeds_reversible',
              figures: { transferId, reversibleCredits: reversible, requestedCredits: amount ?? reversible },
              balanceVersion: result.balanceVersion,
              replayed: false,
            }, 'reversal refusal');
          },
        },
      ];
    }
    return [
      {
        orgId,
        version: result.balance.balanceVersion,
        mutation: true,
        apply: () => {
          const reversible = model.reversible();
          expectEqual(result.amountCredits, amount ?? reversible, 'reversed amount');
          if (result.amountCredits > reversible) {
            throw new Mismatch(`ledger reversed ${result.amountCredits.toString()}, the model allows ${reversible.toString()}`);
          }
          this.model.advanceVersion(orgId, result.balance.balanceVersion, 'reversal');
          const { consumptions, expiredCredits } = model.apply(result.amountCredits);
          expectEqual(result.consumptions, consumptions, 'reversal consumptions');
          expectEqual(result.expiredCredits, expiredCredits, 'reversal expired credits');
          expectEqual(result.balance, this.model.balance(orgId, now), 'balance after reversal');
        },
      },
    ];
  }

  /** A positive adjustment is a grant from the adjustment account; a negative one a debit of available credits. */
  private adjustEvents(orgId: string, amount: bigint, result: AdjustResult): Event[] {
    const now = this.nowMs;
    if (!result.ok) {
      return [
        {
          orgId,
          version: result.balanceVersion ?? -1n,
          mutation: false,
          apply: () => {
            this.model.expectVersion(orgId, result.balanceVersion, 'adjustment refusal');
            const available = this.model.balance(orgId, now).availableCredits;
            expectEqual(result, {
              ok: false,
              code: 'insufficient_credits',
              figures: { availableCredits: available, requestedCredits: -amount },
              balanceVersion: result.balanceVersion,
              replayed: false,
            }, 'adjustment refusal');
          },
        },
      ];
    }
    if (result.grant !== null) {
      this.grantTransfers.push({ orgId, grantId: result.grant.grantId, transferId: result.transferId });
    }
    return [
      {
        orgId,
        version: result.balance.balanceVersion,
        mutation: true,
        apply: () => {
          this.model.advanceVersion(orgId, result.balance.balanceVersion, 'adjustment');
          if (amount > 0n) {
            expectEqual(result.grant?.amountCredits, amount, 'adjustment grant');
            this.model.grants.push({
              grantId: result.grant!.grantId,
              orgId,
              priority: 0,
              expiresAtMs: null,
              amountCredits: amount,
              remainingCredits: amount,
              heldCredits: 0n,
              expired: false,
            });
          } else {
            expectEqual(result.consumptions, this.model.debit(orgId, -amount, now), 'adjustment consumptions');
          }
          expectEqual(result.balance, this.model.balance(orgId, now), 'balance after adjustment');
        },
      },
    ];
  }

  private budgetEvents(
    orgId: string,
    scope: 'member' | 'project',
    subjectId: string,
    limit: bigint | null,
    period: PeriodKind,
    result: SetBudgetResult,
    replayable: Replayable,
  ): Event[] {
    const now = this.nowMs;
    if (!result.ok || result.replayed) {
      throw new Mismatch(`a new budget was answered ${stringify(result)}`);
    }
    replayable.first = result;
    return [
      {
        orgId,
        version: result.balance.balanceVersion,
        mutation: true,
        apply: () => {
          this.model.advanceVersion(orgId, result.balance.balanceVersion, 'budget');
          this.model.setBudget(orgId, scope, subjectId, limit, period, now);
          const usage = this.model.usage(orgId, scope, subjectId, now);
          expectEqual(
            result.budget,
            {
              orgId,
              scope,
              subjectId,
              limitCredits: limit,
              period,
              spentCredits: usage.spent,
              pendingCredits: usage.pending,
              remainingCredits: limit === null ? null : limit - usage.spent - usage.pending > 0n ? limit - usage.spent - usage.pending : 0n,
              periodStart: period === 'none' ? null : new Date(periodStart(period, now)),
              periodEnd: period === 'none' ? null : new Date(periodEnd(period, now)),
            },
            'budget after change',
          );
          expectEqual(result.balance, this.model.balance(orgId, now), 'balance after budget change');
        },
      },
    ];
  }

  /** The database, read back, is the model; every audit query finds nothing. */
  async compareWithDatabase(): Promise<void> {
    const now = this.nowMs;
    const [ledger] = this.ledgers;
    for (const orgId of this.orgIds) {
      const balance = await ledger!.poolBalance(orgId);
      if (!balance.ok) {
        throw new Mismatch('pool disappeared');
      }
      expectEqual(balance.balance, this.model.balance(orgId, now), 'pool balance');
      expect(balance.balance.availableCredits).toBeGreaterThanOrEqual(0n);
      expectEqual(
        balance.grants.map((grant) => [grant.grantId, grant.remainingCredits, grant.heldCredits, grant.expiredAt !== null]),
        this.model
          .spendingOrder(orgId)
          .filter((grant) => grant.remainingCredits > 0n)
          .map((grant) => [grant.grantId, grant.remainingCredits, grant.heldCredits, grant.expired]),
        'grants',
      );
      for (const [scope, subjects] of [['member', this.memberIds], ['project', this.projectIds]] as const) {
        for (const subjectId of subjects) {
          const budget = scope === 'member' ? await ledger!.memberBudget(orgId, subjectId) : await ledger!.projectBudget(orgId, subjectId);
          if (!budget.ok) {
            throw new Mismatch('budget of a missing pool');
          }
          const usage = this.model.usage(orgId, scope, subjectId, now);
          const modelBudget = this.model.budget(orgId, scope, subjectId);
          expectEqual(
            [budget.budget.spentCredits, budget.budget.pendingCredits, budget.budget.limitCredits, budget.budget.period],
            [usage.spent, usage.pending, modelBudget.limitCredits, modelBudget.period],
            `${scope} budget`,
          );
        }
      }
    }
    const { rows } = await this.pool.query<{ hold_id: string; status: string; captured_credits: string | null; expires_at: Date }>(
      `select hold_id, status, captured_credits::text, expires_at from ledger.holds where status <> 'rejected' order by hold_id`,
    );
    expectEqual(
      rows.map((row) => [row.hold_id, row.status, row.captured_credits, row.expires_at.getTime()]),
      [...this.model.holds.values()]
        .sort((a, b) => (a.holdId < b.holdId ? -1 : 1))
        .map((hold) => [hold.holdId, hold.status, hold.capturedCredits?.toString() ?? null, hold.expiresAtMs]),
      'holds',
    );
    const report = await ledger!.checkInvariants();
    expectEqual(report.violations, [], 'ledger invariants');
    expectEqual(this.model.budgetViolations(now), [], 'budget limits (spent + pending within the limit)');
  }

  /** Much later: the sweepers release every hold and expire every grant that is due. */
  async finish(): Promise<void> {
    this.clock.advance(8 * day);
    const [ledger] = this.ledgers;
    this.linearize(this.sweepEvents(await ledger!.sweepExpiredHolds(10_000)));
    this.linearize(this.expireGrantEvents(await ledger!.expireGrants(10_000)));
    await this.compareWithDatabase();
    for (const hold of this.model.holds.values()) {
      expect(hold.status).not.toBe('pending');
    }
    for (const orgId of this.orgIds) {
      expect(this.model.balance(orgId, this.nowMs).pendingCredits).toBe(0n);
    }
  }
}

describe('ledger against an in-memory model', () => {
  it('agrees with the model under concurrent, interleaved operations', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 30, size: 'medium' }), async (steps) => {
        const database = await createTestDatabase();
        const pools = [0, 1, 2].map(() => testPool(database.url, 3));
        // Start near a month's end in the model's time zone so that periods roll over.
        const clock = new TestClock(Date.UTC(2026, 0, 30, 14, 0, 0));
        const ledgers = [
          new Ledger(pools[0]!, { now: clock.now, holdBatchMaxSize: 4 }),
          new Ledger(pools[1]!, { now: clock.now }),
          new Ledger(pools[2]!, { now: clock.now, batchHolds: false }),
        ];
        try {
          const scenario = new Scenario(ledgers, clock, pools[0]!);
          await scenario.setup();
          for (const current of steps) {
            await scenario.run(current);
          }
          await scenario.finish();
        } finally {
          await Promise.all(pools.map((pool) => pool.end()));
          await database.drop();
        }
      }),
      { numRuns: Number(process.env.LEDGER_MODEL_RUNS ?? 25), endOnFailure: false },
    );
  });
});

describe('ledger refund path under concurrency', () => {
  // A fixed seed and a bounded number of runs: the same sequences every time, in seconds.
  const seed = Number(process.env.LEDGER_REFUND_SEED ?? 20_261_204);
  const numRuns = Number(process.env.LEDGER_REFUND_RUNS ?? 8);

  it('keeps every invariant through claw-backs, reversals, adjustments and settlements', { timeout: 240_000 }, async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(refundStep, { minLength: 4, maxLength: 20, size: 'medium' }), async (steps) => {
        const database = await createTestDatabase();
        const pools = [0, 1, 2].map(() => testPool(database.url, 3));
        const clock = new TestClock(Date.UTC(2026, 0, 30, 14, 0, 0));
        const ledgers = [
          new Ledger(pools[0]!, { now: clock.now, holdBatchMaxSize: 4 }),
          new Ledger(pools[1]!, { now: clock.now }),
          new Ledger(pools[2]!, { now: clock.now, batchHolds: false }),
        ];
        try {
          const scenario = new RefundScenario(ledgers, clock, pools[0]!, seen);
          await scenario.setup();
          for (const current of steps) {
            await scenario.run(current);
          }
          await scenario.finish();
        } finally {
          await Promise.all(pools.map((pool) => pool.end()));
          await database.drop();
        }
      }),
      { seed, numRuns, endOnFailure: true },
    );
    // The runs took every branch of the refund path (not only refusals).
    for (const outcome of [
      'clawBack: reclaimed',
      'clawBack: deficit added',
      'pool in deficit refused a hold',
      'settle: settled',
      'grant: paid the deficit first',
      'reverse capture: ok',
      'reverse grant: ok',
      'reverse hold: not_reversible',
      'adjust up: ok',
      'adjust down: ok',
    ]) {
      expect(seen.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    }
  });
});
