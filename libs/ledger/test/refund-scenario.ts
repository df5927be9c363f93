import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type pg from 'pg';
import type {
  AdjustResult,
  CaptureResult,
  ClawBackResult,
  GrantResult,
  HoldResult,
  Ledger,
  ReverseResult,
  SettleDeficitResult,
} from '../src/index.js';
import { expectEqual, Mismatch, stringify } from './model.js';
import type { TestClock } from './support.js';

/**
 * The refund path under concurrency: claw-backs, reversals (refunds of captures, revocations of
 * grants), adjustments (both ways) and deficit settlements, interleaved with holds, captures,
 * voids, new grants and the sweepers, sent concurrently from three Ledger instances. There is no
 * in-memory model of the deficit; instead, after every step, the whole database passes the
 * ledger's invariant audit, and what a user of the ledger sees holds: no available balance or
 * deficit below zero, a pool in deficit refuses new holds, a replay returns the first answer, and
 * every accepted change on a pool has a balance version of its own.
 */

const orgCount = 2;
const minute = 60 * 1000;
const hour = 60 * minute;
const day = 24 * hour;

export type RefundOperation =
  | { kind: 'hold'; ledger: number; org: number; member: number; amount: number; ttlMs: number }
  | { kind: 'capture'; ledger: number; hold: number; percent: number }
  | { kind: 'void'; ledger: number; hold: number }
  | { kind: 'grant'; ledger: number; org: number; amount: number; expiresInMs: number | null; promotion: boolean }
  | { kind: 'clawBack'; ledger: number; grant: number; amount: number }
  | { kind: 'settle'; ledger: number; org: number }
  | { kind: 'reverse'; ledger: number; target: 'capture' | 'grant' | 'hold'; index: number; amount: number | null }
  | { kind: 'adjust'; ledger: number; org: number; amount: number }
  | { kind: 'sweep'; ledger: number }
  | { kind: 'expireGrants'; ledger: number }
  | { kind: 'replay'; ledger: number; request: number; conflict: boolean };

export interface RefundStep {
  operations: RefundOperation[];
  advanceMs: number;
}

const ledgerIndex = fc.integer({ min: 0, max: 2 });
const org = fc.integer({ min: 0, max: orgCount - 1 });
const recent = fc.nat({ max: 30 });

const refundOperation: fc.Arbitrary<RefundOperation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('hold' as const),
      ledger: ledgerIndex,
      org,
      member: fc.integer({ min: 0, max: 2 }),
      amount: fc.integer({ min: 1, max: 60 }),
      ttlMs: fc.constantFrom(20 * minute, 2 * hour, 2 * day),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('capture' as const), ledger: ledgerIndex, hold: recent, percent: fc.integer({ min: 10, max: 100 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('void' as const), ledger: ledgerIndex, hold: recent }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('grant' as const),
      ledger: ledgerIndex,
      org,
      amount: fc.integer({ min: 10, max: 200 }),
      expiresInMs: fc.constantFrom(null, null, hour, 5 * hour),
      promotion: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('clawBack' as const), ledger: ledgerIndex, grant: recent, amount: fc.integer({ min: 1, max: 250 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const), ledger: ledgerIndex, org }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('reverse' as const),
      ledger: ledgerIndex,
      target: fc.constantFrom('capture' as const, 'capture' as const, 'grant' as const, 'hold' as const),
      index: recent,
      amount: fc.option(fc.integer({ min: 1, max: 30 }), { freq: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('adjust' as const), ledger: ledgerIndex, org, amount: fc.integer({ min: -80, max: 80 }).filter((n) => n !== 0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), ledger: ledgerIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expireGrants' as const), ledger: ledgerIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), ledger: ledgerIndex, request: fc.nat(), conflict: fc.boolean() }) },
);

export const refundStep: fc.Arbitrary<RefundStep> = fc.record({
  operations: fc.array(refundOperation, { minLength: 1, maxLength: 6, size: 'medium' }),
  advanceMs: fc.constantFrom(0, 0, minute, 30 * minute, 2 * hour, day),
});

type AnyResult = HoldResult | CaptureResult | GrantResult | ClawBackResult | SettleDeficitResult | ReverseResult | AdjustResult;

/** A request that can be sent again with its id: same parameters (a replay) or others (a conflict). */
interface Replayable {
  what: string;
  send(ledger: Ledger, conflict: boolean): Promise<AnyResult>;
  first: AnyResult;
}

/** Refusals each operation may answer; anything else (or a throw) fails the run. */
const expectedRefusals: Record<string, readonly string[]> = {
  hold: ['deficit_outstanding', 'insufficient_credits', 'budget_exceeded'],
  capture: ['hold_not_found', 'hold_already_captured', 'hold_already_voided', 'hold_expired'],
  void: ['hold_not_found', 'hold_already_captured', 'hold_already_voided', 'hold_expired'],
  grant: [],
  clawBack: [],
  settle: [],
  reverse: ['not_reversible', 'amount_exceeds_reversible'],
  adjust: ['insufficient_credits'],
};

export class RefundScenario {
  readonly orgIds = Array.from({ length: orgCount }, () => randomUUID());
  readonly memberIds = Array.from({ length: 3 }, () => randomUUID());
  readonly actorId = randomUUID();
  readonly holds: { holdId: string; orgId: string; amountCredits: bigint; transferId: bigint }[] = [];
  readonly grants: { orgId: string; grantId: bigint; transferId: bigint }[] = [];
  readonly captures: { orgId: string; transferId: bigint }[] = [];
  readonly requests: Replayable[] = [];
  /** Accepted changes of the current step: org and the balance version each reported. */
  private versions: { orgId: string; version: bigint; what: string }[] = [];
  constructor(
    readonly ledgers: Ledger[],
    readonly clock: TestClock,
    readonly pool: pg.Pool,
    /** Outcomes seen, over all runs: the test checks the refund path was really taken. */
    readonly seen: Map<string, number>,
  ) {}

  private tally(outcome: string): void {
    this.seen.set(outcome, (this.seen.get(outcome) ?? 0) + 1);
  }

  async setup(): Promise<void> {
    const ledger = this.ledger(0);
    for (const orgId of this.orgIds) {
      const created = await ledger.createPool({ orgId, timeZone: 'UTC' });
      if (!created.ok) {
        throw new Mismatch(`createPool: ${created.code}`);
      }
      await this.execute({ kind: 'grant', ledger: 0, org: this.orgIds.indexOf(orgId), amount: 200, expiresInMs: null, promotion: false });
    }
    // A budget, so that budget refusals take part too.
    await ledger.setMemberBudget({ operationId: randomUUID(), orgId: this.orgIds[0] ?? '', memberId: this.memberIds[0] ?? '', limitCredits: 150n, period: 'day', actorId: this.actorId });
  }

  private ledger(index: number): Ledger {
    const ledger = this.ledgers[index % this.ledgers.length];
    if (ledger === undefined) {
      throw new Mismatch('no ledger');
    }
    return ledger;
  }

  /** Runs the step's operations concurrently, then checks what they left behind. */
  async run(step: RefundStep): Promise<void> {
    this.versions = [];
    await Promise.all(step.operations.map((item) => this.execute(item)));
    this.expectOwnVersions();
    await this.audit();
    this.clock.advance(step.advanceMs);
  }

  private async execute(item: RefundOperation): Promise<void> {
    const ledger = this.ledger(item.ledger);
    switch (item.kind) {
      case 'hold':
        return this.hold(ledger, item);
      case 'capture':
      case 'void':
        return this.resolve(ledger, item);
      case 'grant':
        return this.grant(ledger, item);
      case 'clawBack':
        return this.clawBack(ledger, item);
      case 'settle':
        return this.settle(ledger, item);
      case 'reverse':
        return this.reverse(ledger, item);
      case 'adjust':
        return this.adjust(ledger, item);
      case 'sweep': {
        const swept = await ledger.sweepExpiredHolds(50);
        this.expectNonNegative(swept.balances, 'sweep');
        return;
      }
      case 'expireGrants': {
        const expired = await ledger.expireGrants(50);
        this.expectNonNegative(expired.balances, 'grant expiry');
        return;
      }
      case 'replay':
        return this.replay(ledger, item);
    }
  }

  /** Picks one of the latest entries mostly (likely still in play), any entry sometimes. */
  private pick<T>(list: readonly T[], index: number): T | undefined {
    return index < 8 ? list[list.length - 1 - index] : list[index % Math.max(1, list.length)];
  }

  /**
   * Checks a first answer and keeps it for replays. `changed` tells an accepted answer that changed
   * nothing (a settlement with nothing to settle): it reports the version it saw, not one of its own.
   */
  private async first<Result extends AnyResult>(
    what: string,
    orgId: string,
    send: (ledger: Ledger, conflict: boolean) => Promise<Result>,
    ledger: Ledger,
    changed: (result: Result) => boolean = () => true,
  ): Promise<Result> {
    const result = await send(ledger, false);
    if (result.replayed) {
      // A capture or void is identified by its hold: the same one again is a replay.
      if (what !== 'capture' && what !== 'void') {
        throw new Mismatch(`${what}: a new id was answered as a replay: ${stringify(result)}`);
      }
      return result;
    }
    this.tally(`${what}: ${result.ok ? 'ok' : result.code}`);
    if (!result.ok && !(expectedRefusals[what] ?? []).includes(result.code)) {
      throw new Mismatch(`${what}: unexpected refusal ${stringify(result)}`);
    }
    if (result.ok) {
      this.expectNonNegative([result.balance], what);
      if (changed(result)) {
        this.versions.push({ orgId, version: result.balance.balanceVersion, what });
      }
    }
    this.requests.push({ what, send, first: result });
    return result;
  }

  private async hold(ledger: Ledger, item: Extract<RefundOperation, { kind: 'hold' }>): Promise<void> {
    const orgId = this.orgIds[item.org] ?? '';
    const holdId = randomUUID();
    const memberId = this.memberIds[item.member] ?? '';
    const amountCredits = BigInt(item.amount);
    const send = (target: Ledger, conflict: boolean): Promise<HoldResult> =>
      target.hold({ holdId, orgId, memberId, amountCredits: conflict ? amountCredits + 1n : amountCredits, ttlMs: item.ttlMs, actorId: memberId });
    const result = await this.first('hold', orgId, send, ledger);
    if (result.ok) {
      this.holds.push({ holdId, orgId, amountCredits, transferId: result.hold.transferId });
    }
  }

  private async resolve(ledger: Ledger, item: Extract<RefundOperation, { kind: 'capture' | 'void' }>): Promise<void> {
    const hold = this.pick(this.holds, item.hold);
    if (hold === undefined) {
      return;
    }
    if (item.kind === 'void') {
      const send = (target: Ledger): Promise<AnyResult> => target.void({ holdId: hold.holdId, reason: 'refund model' });
      await this.first('void', hold.orgId, send, ledger);
      return;
    }
    const amountCredits = (hold.amountCredits * BigInt(item.percent)) / 100n;
    const send = (target: Ledger): Promise<CaptureResult> => target.capture({ holdId: hold.holdId, amountCredits });
    const result = await this.first('capture', hold.orgId, send, ledger);
    if (result.ok && !result.replayed) {
      this.captures.push({ orgId: hold.orgId, transferId: result.transferId });
    }
  }

  private async grant(ledger: Ledger, item: Extract<RefundOperation, { kind: 'grant' }>): Promise<void> {
    const orgId = this.orgIds[item.org] ?? '';
    const operationId = randomUUID();
    const amount = BigInt(item.amount);
    const expiresAt = item.expiresInMs === null ? null : new Date(this.clock.milliseconds + item.expiresInMs);
    const send = (target: Ledger, conflict: boolean): Promise<GrantResult> =>
      target.grant({
        operationId,
        orgId,
        source: item.promotion ? 'promotion' : 'purchase',
        amountCredits: conflict ? amount + 1n : amount,
        expiresAt,
        actorId: this.actorId,
        reason: 'refund model',
      });
    const result = await this.first('grant', orgId, send, ledger);
    if (result.ok && result.settledDeficitCredits > 0n) this.tally('grant: paid the deficit first');
    if (result.ok) {
      this.grants.push({ orgId, grantId: result.grant.grantId, transferId: result.transferId });
    }
  }

  private async clawBack(ledger: Ledger, item: Extract<RefundOperation, { kind: 'clawBack' }>): Promise<void> {
    const grant = this.pick(this.grants, item.grant);
    if (grant === undefined) {
      return;
    }
    const operationId = randomUUID();
    const amount = BigInt(item.amount);
    const send = (target: Ledger, conflict: boolean): Promise<ClawBackResult> =>
      target.clawBack({
        operationId,
        orgId: grant.orgId,
        grantId: grant.grantId,
        amountCredits: conflict ? amount + 1n : amount,
        actorId: this.actorId,
        reason: 'refund model: refund',
      });
    // Credits covered but still held wait for their holds: nothing moves yet, no new version.
    const moved = (result: ClawBackResult): boolean =>
      result.ok && result.reclaimedCredits + result.deficitAddedCredits + result.settledCredits > 0n;
    const result = await this.first('clawBack', grant.orgId, send, ledger, moved);
    if (result.ok && result.deficitCredits < 0n) {
      throw new Mismatch(`claw-back left a negative deficit: ${stringify(result)}`);
    }
    if (result.ok) {
      for (const [figure, credits] of [['reclaimed', result.reclaimedCredits], ['deficit added', result.deficitAddedCredits], ['waiting', result.waitingCredits], ['settled', result.settledCredits]] as const) {
        if (credits > 0n) this.tally(`clawBack: ${figure}`);
      }
    }
  }

  private async settle(ledger: Ledger, item: Extract<RefundOperation, { kind: 'settle' }>): Promise<void> {
    const orgId = this.orgIds[item.org] ?? '';
    const operationId = randomUUID();
    const send = (target: Ledger, conflict: boolean): Promise<SettleDeficitResult> =>
      target.settleDeficit({ operationId, orgId, actorId: this.actorId, reason: conflict ? 'other' : 'refund model: settle' });
    const result = await this.first('settle', orgId, send, ledger, (settled) => settled.ok && settled.settledCredits > 0n);
    if (result.ok && result.settledCredits > 0n) this.tally('settle: settled');
  }

  private async reverse(ledger: Ledger, item: Extract<RefundOperation, { kind: 'reverse' }>): Promise<void> {
    const target =
      item.target === 'capture'
        ? this.pick(this.captures, item.index)
        : item.target === 'grant'
          ? this.pick(this.grants, item.index)
          : this.pick(this.holds, item.index);
    if (target === undefined) {
      return;
    }
    const operationId = randomUUID();
    const amount = item.amount === null ? undefined : BigInt(item.amount);
    const send = (to: Ledger, conflict: boolean): Promise<ReverseResult> =>
      to.reverse({
        operationId,
        transferId: target.transferId,
        amountCredits: conflict ? (amount ?? 0n) + 1n : amount,
        actorId: this.actorId,
        reason: 'refund model: reverse',
      });
    const result = await this.first(`reverse`, target.orgId, send, ledger);
    this.tally(`reverse ${item.target}: ${result.ok ? 'ok' : result.code}`);
    if (item.target === 'hold' && (result.ok || result.code !== 'not_reversible')) {
      throw new Mismatch(`a hold's transfer was reversible: ${stringify(result)}`);
    }
  }

  private async adjust(ledger: Ledger, item: Extract<RefundOperation, { kind: 'adjust' }>): Promise<void> {
    const orgId = this.orgIds[item.org] ?? '';
    const operationId = randomUUID();
    const amount = BigInt(item.amount);
    const send = (target: Ledger, conflict: boolean): Promise<AdjustResult> =>
      target.adjust({ operationId, orgId, amountCredits: conflict ? amount * 2n : amount, actorId: this.actorId, reason: 'refund model: adjust' });
    const result = await this.first('adjust', orgId, send, ledger);
    this.tally(`adjust ${amount > 0n ? 'up' : 'down'}: ${result.ok ? 'ok' : result.code}`);
    if (result.ok && result.grant !== null) {
      this.grants.push({ orgId, grantId: result.grant.grantId, transferId: result.transferId });
    }
  }

  private async replay(ledger: Ledger, item: Extract<RefundOperation, { kind: 'replay' }>): Promise<void> {
    const request = this.requests[item.request % Math.max(1, this.requests.length)];
    if (request === undefined) {
      return;
    }
    // Captures and voids here carry no operation id (the hold is their id: no "other parameters");
    // a refused resolution or reversal is not recorded, so a retry is decided anew.
    const resolution = request.what === 'capture' || request.what === 'void';
    const unrecorded = !request.first.ok && (resolution || request.what === 'reverse');
    if (unrecorded || (resolution && item.conflict)) {
      return;
    }
    const result = await request.send(ledger, item.conflict);
    this.tally(`${request.what} ${item.conflict ? 'conflict' : 'replay'}`);
    if (item.conflict) {
      expectEqual(result.ok ? 'ok' : result.code, 'id_conflict', `${request.what} sent again with other parameters`);
      return;
    }
    expectEqual({ ...result, replayed: false }, { ...request.first, replayed: false }, `${request.what} replay returns the first answer`);
    expectEqual(result.replayed, true, `${request.what} replay is marked`);
  }

  private expectNonNegative(balances: readonly { availableCredits: bigint; postedCredits: bigint; pendingCredits: bigint }[], what: string): void {
    for (const balance of balances) {
      if (balance.availableCredits < 0n || balance.postedCredits < 0n || balance.pendingCredits < 0n) {
        throw new Mismatch(`${what}: a balance below zero: ${stringify(balance)}`);
      }
    }
  }

  /** Every accepted change of a step took the pool to a version of its own. */
  private expectOwnVersions(): void {
    const seen = new Map<string, string>();
    for (const { orgId, version, what } of this.versions) {
      const key = `${orgId}|${version.toString()}`;
      const other = seen.get(key);
      if (other !== undefined) {
        throw new Mismatch(`${what} and ${other} both reported version ${version.toString()}`);
      }
      seen.set(key, what);
    }
  }

  /** The audit finds nothing; no figure is below zero; a pool in deficit refuses a new hold. */
  async audit(): Promise<void> {
    const ledger = this.ledger(0);
    const report = await ledger.checkInvariants();
    expectEqual(report.violations, [], 'ledger invariants');
    for (const orgId of this.orgIds) {
      const balance = await ledger.poolBalance(orgId);
      const deficit = await ledger.deficit(orgId);
      if (!balance.ok || !deficit.ok) {
        throw new Mismatch('pool disappeared');
      }
      this.expectNonNegative([balance.balance], 'pool balance');
      if (deficit.deficit.deficitCredits < 0n) {
        throw new Mismatch(`negative deficit: ${stringify(deficit.deficit)}`);
      }
      if (deficit.deficit.deficitCredits > 0n) {
        const probe = await ledger.hold({ holdId: randomUUID(), orgId, memberId: this.memberIds[2] ?? '', amountCredits: 1n, ttlMs: hour, actorId: this.actorId });
        expectEqual(probe.ok ? 'ok' : probe.code, 'deficit_outstanding', 'a hold on a pool in deficit');
        this.tally('pool in deficit refused a hold');
      }
    }
  }

  /**
   * Much later: every hold is released and every due grant expired. Then the refund path once more
   * on what is left, in order: each org's first purchase clawed back in full (what was spent of it
   * becomes deficit, paid at once from what is available), every capture refunded in full (credits
   * available again while a deficit is owed), the deficit settled from them, and what remains paid
   * off by a new grant.
   */
  async finish(): Promise<void> {
    this.clock.advance(8 * day);
    const ledger = this.ledger(0);
    await ledger.sweepExpiredHolds(10_000);
    await ledger.expireGrants(10_000);
    for (const orgId of this.orgIds) {
      await this.clawBackPurchase(ledger, orgId);
    }
    for (const capture of this.captures) {
      const refund = await ledger.reverse({ operationId: randomUUID(), transferId: capture.transferId, actorId: this.actorId, reason: 'refund model: refund all' });
      this.tally(`reverse capture: ${refund.ok ? 'ok' : refund.code}`);
      if (!refund.ok && refund.code !== 'amount_exceeds_reversible') {
        throw new Mismatch(`refund of a capture: ${stringify(refund)}`);
      }
    }
    for (const orgId of this.orgIds) {
      await this.settleAndPay(ledger, orgId);
    }
    await this.audit();
    const { rows } = await this.pool.query<{ pending: string }>(`select count(*)::text as pending from ledger.holds where status = 'pending'`);
    expectEqual(rows[0]?.pending, '0', 'no hold left pending');
  }

  private async clawBackPurchase(ledger: Ledger, orgId: string): Promise<void> {
    const [purchase] = this.grants.filter((grant) => grant.orgId === orgId);
    if (purchase === undefined) {
      throw new Mismatch('every org starts with a purchase');
    }
    const actorId = this.actorId;
    const clawed = await ledger.clawBack({ operationId: randomUUID(), orgId, grantId: purchase.grantId, amountCredits: 200n, actorId, reason: 'refund model: chargeback' });
    if (!clawed.ok) {
      throw new Mismatch(`final claw-back: ${stringify(clawed)}`);
    }
    if (clawed.deficitAddedCredits > 0n) this.tally('clawBack: deficit added');
    if (clawed.settledCredits > 0n) this.tally('clawBack: settled');
  }

  private async settleAndPay(ledger: Ledger, orgId: string): Promise<void> {
    const actorId = this.actorId;
    const settled = await ledger.settleDeficit({ operationId: randomUUID(), orgId, actorId, reason: 'refund model: settle' });
    if (!settled.ok) {
      throw new Mismatch(`final settlement: ${stringify(settled)}`);
    }
    if (settled.settledCredits > 0n) this.tally('settle: settled');
    expectEqual(settled.deficitCredits > 0n ? settled.balance.availableCredits : 0n, 0n, 'a deficit left only when no credit is available');
    if (settled.deficitCredits === 0n) {
      return;
    }
    const grant = await ledger.grant({ operationId: randomUUID(), orgId, source: 'purchase', amountCredits: settled.deficitCredits + 10n, actorId, reason: 'refund model: top-up' });
    if (!grant.ok) {
      throw new Mismatch(`top-up: ${stringify(grant)}`);
    }
    expectEqual(grant.settledDeficitCredits, settled.deficitCredits, 'new credits pay the deficit first');
    expectEqual(grant.balance.availableCredits, settled.balance.availableCredits + 10n, 'what is left of the top-up is available');
    this.tally('grant: paid the deficit first');
    const deficit = await ledger.deficit(orgId);
    expectEqual(deficit.ok ? deficit.deficit.deficitCredits : null, 0n, 'no deficit once paid');
  }
}
