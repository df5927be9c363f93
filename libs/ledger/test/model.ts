import type {
  BudgetExceededFigures,
  BudgetScope,
  GrantAllocation,
  GrantConsumption,
  HoldResult,
  PeriodKind,
  PoolBalance,
} from '../src/index.js';

/**
 * A deliberately simple in-memory ledger: arrays and loops, no batching, no SQL. The property test
 * replays the real ledger's results against it in the order the ledger says it applied them
 * (balance versions), and compares every figure.
 *
 * Time zone: a fixed offset (Asia/Kolkata, UTC+05:30, no daylight saving time), so that periods
 * are easy to compute here and still not aligned with UTC.
 */
export const modelTimeZone = 'Asia/Kolkata';
const offsetMs = (5 * 60 + 30) * 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;

export function periodStart(period: PeriodKind, atMs: number): number {
  const local = atMs + offsetMs;
  switch (period) {
    case 'none':
      return Number.NEGATIVE_INFINITY;
    case 'day':
      return Math.floor(local / dayMs) * dayMs - offsetMs;
    case 'week': {
      const dayIndex = Math.floor(local / dayMs);
      const weekday = (dayIndex + 3) % 7; // 1970-01-01 was a Thursday; Monday is 0
      return (dayIndex - weekday) * dayMs - offsetMs;
    }
    case 'month': {
      const date = new Date(local);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) - offsetMs;
    }
  }
}

export function periodEnd(period: PeriodKind, atMs: number): number {
  const start = periodStart(period, atMs);
  switch (period) {
    case 'none':
      return Number.POSITIVE_INFINITY;
    case 'day':
      return start + dayMs;
    case 'week':
      return start + 7 * dayMs;
    case 'month': {
      const date = new Date(start + offsetMs);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) - offsetMs;
    }
  }
}

const toDate = (milliseconds: number): Date | null => (Number.isFinite(milliseconds) ? new Date(milliseconds) : null);

export interface ModelGrant {
  grantId: bigint;
  orgId: string;
  priority: number;
  expiresAtMs: number | null;
  amountCredits: bigint;
  remainingCredits: bigint;
  heldCredits: bigint;
  expired: boolean;
}

export interface ModelHold {
  holdId: string;
  orgId: string;
  memberId: string;
  projectId: string | null;
  amountCredits: bigint;
  status: 'pending' | 'captured' | 'voided' | 'expired';
  placedAtMs: number;
  expiresAtMs: number;
  allocations: GrantAllocation[];
  capturedCredits: bigint | null;
  /** Refunded of the capture so far (reversals). */
  refundedCredits: bigint;
  /** What the capture consumed per grant, net of refunds. */
  consumedByGrant: Map<bigint, bigint>;
}

export interface ModelBudget {
  limitCredits: bigint | null;
  period: PeriodKind;
  /** After a limit is set below what is used, usage may stay above it in that period, never grow. */
  ceiling: { periodStartMs: number; credits: bigint } | null;
}

export interface ModelOrg {
  orgId: string;
  version: bigint;
  budgets: Map<string, ModelBudget>;
}

export interface HoldInput {
  holdId: string;
  orgId: string;
  memberId: string;
  projectId: string | null;
  amountCredits: bigint;
  ttlMs: number;
}

export class Mismatch extends Error {
  override readonly name = 'Mismatch';
}

export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = stringify(actual);
  const e = stringify(expected);
  if (a !== e) {
    throw new Mismatch(`${what}:\n  ledger: ${a}\n  model:  ${e}`);
  }
}

/** Canonical text of a value: bigints marked, object keys sorted (stored results come back reordered). */
export function stringify(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') {
      return `${item.toString()}n`;
    }
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      return Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return item;
  });
}

const budgetKey = (scope: BudgetScope, subjectId: string): string => `${scope}:${subjectId}`;

export class LedgerModel {
  readonly orgs = new Map<string, ModelOrg>();
  readonly grants: ModelGrant[] = [];
  readonly holds = new Map<string, ModelHold>();

  addOrg(orgId: string): void {
    this.orgs.set(orgId, { orgId, version: 0n, budgets: new Map() });
  }

  org(orgId: string): ModelOrg {
    const org = this.orgs.get(orgId);
    if (org === undefined) {
      throw new Mismatch(`unknown org ${orgId}`);
    }
    return org;
  }

  /** The next version must be exactly one more: every change is accounted for, in order. */
  advanceVersion(orgId: string, version: bigint, what: string): void {
    const org = this.org(orgId);
    if (version !== org.version + 1n) {
      throw new Mismatch(`${what}: version ${version.toString()} follows ${org.version.toString()}`);
    }
    org.version = version;
  }

  expectVersion(orgId: string, version: bigint | null, what: string): void {
    if (version !== this.org(orgId).version) {
      throw new Mismatch(`${what}: observed version ${String(version)}, model at ${this.org(orgId).version.toString()}`);
    }
  }

  private isLive(grant: ModelGrant, nowMs: number): boolean {
    return !grant.expired && (grant.expiresAtMs === null || grant.expiresAtMs > nowMs);
  }

  spendingOrder(orgId: string): ModelGrant[] {
    return this.grants
      .filter((grant) => grant.orgId === orgId)
      .sort(
        (a, b) =>
          a.priority - b.priority ||
          (a.expiresAtMs ?? Number.POSITIVE_INFINITY) - (b.expiresAtMs ?? Number.POSITIVE_INFINITY) ||
          Number(a.grantId - b.grantId),
      );
  }

  balance(orgId: string, nowMs: number): PoolBalance {
    let posted = 0n;
    let pending = 0n;
    let available = 0n;
    for (const grant of this.grants) {
      if (grant.orgId !== orgId) {
        continue;
      }
      posted += grant.remainingCredits;
      pending += grant.heldCredits;
      if (this.isLive(grant, nowMs)) {
        available += grant.remainingCredits - grant.heldCredits;
      }
    }
    return { orgId, postedCredits: posted, pendingCredits: pending, availableCredits: available, balanceVersion: this.org(orgId).version };
  }

  budget(orgId: string, scope: BudgetScope, subjectId: string): ModelBudget {
    return this.org(orgId).budgets.get(budgetKey(scope, subjectId)) ?? { limitCredits: null, period: 'none', ceiling: null };
  }

  /** What holds placed in the current period have spent and still hold. */
  usage(orgId: string, scope: BudgetScope, subjectId: string, nowMs: number): { spent: bigint; pending: bigint } {
    const { period } = this.budget(orgId, scope, subjectId);
    const start = periodStart(period, nowMs);
    let spent = 0n;
    let pending = 0n;
    for (const hold of this.holds.values()) {
      const subject = scope === 'member' ? hold.memberId : hold.projectId;
      if (hold.orgId !== orgId || subject !== subjectId || hold.placedAtMs < start) {
        continue;
      }
      if (hold.status === 'pending') {
        pending += hold.amountCredits;
      } else if (hold.status === 'captured') {
        spent += (hold.capturedCredits ?? 0n) - hold.refundedCredits;
      }
    }
    return { spent, pending };
  }

  private budgetRefusal(orgId: string, scope: BudgetScope, subjectId: string, amount: bigint, nowMs: number): BudgetExceededFigures | null {
    const budget = this.budget(orgId, scope, subjectId);
    if (budget.limitCredits === null) {
      return null;
    }
    const { spent, pending } = this.usage(orgId, scope, subjectId, nowMs);
    if (spent + pending + amount <= budget.limitCredits) {
      return null;
    }
    const remaining = budget.limitCredits - spent - pending;
    return {
      scope,
      subjectId,
      limitCredits: budget.limitCredits,
      spentCredits: spent,
      pendingCredits: pending,
      remainingCredits: remaining > 0n ? remaining : 0n,
      requestedCredits: amount,
      period: budget.period,
      periodStart: toDate(periodStart(budget.period, nowMs)),
      periodEnd: toDate(periodEnd(budget.period, nowMs)),
    };
  }

  /** The decision on a new hold (not a replay). Accepting changes the model. */
  placeHold(input: HoldInput, nowMs: number): HoldResult {
    const org = this.org(input.orgId);
    const balance = this.balance(input.orgId, nowMs);
    const base = { balanceVersion: org.version, replayed: false };
    if (balance.availableCredits < input.amountCredits) {
      return {
        ok: false,
        code: 'insufficient_credits',
        figures: { availableCredits: balance.availableCredits, requestedCredits: input.amountCredits },
        ...base,
      };
    }
    const member = this.budgetRefusal(input.orgId, 'member', input.memberId, input.amountCredits, nowMs);
    if (member !== null) {
      return { ok: false, code: 'budget_exceeded', figures: member, ...base };
    }
    if (input.projectId !== null) {
      const project = this.budgetRefusal(input.orgId, 'project', input.projectId, input.amountCredits, nowMs);
      if (project !== null) {
        return { ok: false, code: 'project_budget_exceeded', figures: project, ...base };
      }
    }
    const allocations: GrantAllocation[] = [];
    let missing = input.amountCredits;
    for (const grant of this.spendingOrder(input.orgId)) {
      const free = this.isLive(grant, nowMs) ? grant.remainingCredits - grant.heldCredits : 0n;
      if (missing === 0n || free <= 0n) {
        continue;
      }
      const taken = free < missing ? free : missing;
      grant.heldCredits += taken;
      missing -= taken;
      allocations.push({ grantId: grant.grantId, amountCredits: taken });
    }
    if (missing !== 0n) {
      throw new Mismatch('model: available credits did not cover an accepted hold');
    }
    this.holds.set(input.holdId, {
      holdId: input.holdId,
      orgId: input.orgId,
      memberId: input.memberId,
      projectId: input.projectId,
      amountCredits: input.amountCredits,
      status: 'pending',
      placedAtMs: nowMs,
      expiresAtMs: nowMs + input.ttlMs,
      allocations,
      capturedCredits: null,
      refundedCredits: 0n,
      consumedByGrant: new Map(),
    });
    org.version += 1n;
    const hold = this.holds.get(input.holdId);
    if (hold === undefined) {
      throw new Mismatch('model: hold not stored');
    }
    return {
      ok: true,
      hold: {
        holdId: input.holdId,
        orgId: input.orgId,
        memberId: input.memberId,
        projectId: input.projectId,
        amountCredits: input.amountCredits,
        status: 'pending',
        placedAt: new Date(nowMs),
        expiresAt: new Date(hold.expiresAtMs),
        capturedCredits: null,
        refundedCredits: 0n,
        resolvedAt: null,
        transferId: -1n,
        allocations,
        reference: { jobId: null, purchaseId: null },
        actorId: input.memberId,
      },
      balance: this.balance(input.orgId, nowMs),
      replayed: false,
    };
  }

  /** A capture (captured > 0 or = 0), a void or an expiry of a pending hold. */
  release(hold: ModelHold, status: 'captured' | 'voided' | 'expired', captured: bigint): { consumptions: GrantConsumption[]; expiredCredits: bigint } {
    let left = captured;
    let expiredCredits = 0n;
    const consumptions: GrantConsumption[] = [];
    for (const allocation of hold.allocations) {
      const grant = this.grants.find((candidate) => candidate.grantId === allocation.grantId);
      if (grant === undefined) {
        throw new Mismatch('model: allocation of an unknown grant');
      }
      const taken = left < allocation.amountCredits ? left : allocation.amountCredits;
      left -= taken;
      grant.heldCredits -= allocation.amountCredits;
      grant.remainingCredits -= taken;
      if (taken > 0n) {
        consumptions.push({ grantId: grant.grantId, amountCredits: taken });
        hold.consumedByGrant.set(grant.grantId, taken);
      }
      const released = allocation.amountCredits - taken;
      if (grant.expired && released > 0n) {
        grant.remainingCredits -= released;
        expiredCredits += released;
      }
    }
    hold.status = status;
    hold.capturedCredits = status === 'captured' ? captured : null;
    return { consumptions, expiredCredits };
  }

  private grant(grantId: bigint): ModelGrant {
    const grant = this.grants.find((candidate) => candidate.grantId === grantId);
    if (grant === undefined) {
      throw new Mismatch(`model: unknown grant ${grantId.toString()}`);
    }
    return grant;
  }

  /** What a refund of the hold's capture may still give back. */
  refundable(hold: ModelHold): bigint {
    return hold.status === 'captured' ? (hold.capturedCredits ?? 0n) - hold.refundedCredits : 0n;
  }

  /**
   * A refund of a capture: back to the grants it consumed, last allocation first; what returns to a
   * grant already expired goes on to the expiry sink.
   */
  refund(hold: ModelHold, amount: bigint): { consumptions: GrantConsumption[]; expiredCredits: bigint } {
    let missing = amount;
    let expiredCredits = 0n;
    const consumptions: GrantConsumption[] = [];
    for (const allocation of [...hold.allocations].reverse()) {
      const consumed = hold.consumedByGrant.get(allocation.grantId) ?? 0n;
      const restored = consumed < missing ? consumed : missing;
      if (restored <= 0n) {
        continue;
      }
      missing -= restored;
      hold.consumedByGrant.set(allocation.grantId, consumed - restored);
      consumptions.push({ grantId: allocation.grantId, amountCredits: -restored });
      const grant = this.grant(allocation.grantId);
      if (grant.expired) {
        expiredCredits += restored;
      } else {
        grant.remainingCredits += restored;
      }
    }
    if (missing !== 0n) {
      throw new Mismatch('model: a refund above what the capture consumed');
    }
    hold.refundedCredits += amount;
    return { consumptions, expiredCredits };
  }

  /** What a revocation of the grant may take back: its unspent, unheld credits, unless expired. */
  revocable(grantId: bigint): bigint {
    const grant = this.grant(grantId);
    return grant.expired ? 0n : grant.remainingCredits - grant.heldCredits;
  }

  revoke(grantId: bigint, amount: bigint): GrantConsumption[] {
    this.grant(grantId).remainingCredits -= amount;
    return [{ grantId, amountCredits: amount }];
  }

  /** A negative adjustment: available credits taken from the live grants in spending order. */
  debit(orgId: string, amount: bigint, nowMs: number): GrantConsumption[] {
    let missing = amount;
    const consumptions: GrantConsumption[] = [];
    for (const grant of this.spendingOrder(orgId)) {
      const free = this.isLive(grant, nowMs) ? grant.remainingCredits - grant.heldCredits : 0n;
      if (missing === 0n || free <= 0n) {
        continue;
      }
      const taken = free < missing ? free : missing;
      grant.remainingCredits -= taken;
      missing -= taken;
      consumptions.push({ grantId: grant.grantId, amountCredits: taken });
    }
    if (missing !== 0n) {
      throw new Mismatch('model: available credits did not cover a debit');
    }
    return consumptions;
  }

  /** Expires a grant: its unheld remainder leaves the pool; returns the credits expired. */
  expireGrant(grant: ModelGrant): bigint {
    const expired = grant.remainingCredits - grant.heldCredits;
    grant.remainingCredits = grant.heldCredits;
    grant.expired = true;
    return expired;
  }

  setBudget(orgId: string, scope: BudgetScope, subjectId: string, limitCredits: bigint | null, period: PeriodKind, nowMs: number): void {
    const org = this.org(orgId);
    org.budgets.set(budgetKey(scope, subjectId), { limitCredits, period, ceiling: null });
    const { spent, pending } = this.usage(orgId, scope, subjectId, nowMs);
    const used = spent + pending;
    org.budgets.set(budgetKey(scope, subjectId), {
      limitCredits,
      period,
      ceiling: limitCredits !== null && used > limitCredits ? { periodStartMs: periodStart(period, nowMs), credits: used } : null,
    });
  }

  /** The limit every budget must respect now: its limit, or what was already used when it was lowered. */
  budgetViolations(nowMs: number): string[] {
    const violations: string[] = [];
    for (const org of this.orgs.values()) {
      for (const [key, budget] of org.budgets) {
        if (budget.limitCredits === null) {
          continue;
        }
        const [scope, subjectId] = key.split(':') as [BudgetScope, string];
        const { spent, pending } = this.usage(org.orgId, scope, subjectId, nowMs);
        const start = periodStart(budget.period, nowMs);
        const ceiling =
          budget.ceiling !== null && budget.ceiling.periodStartMs === start && budget.ceiling.credits > budget.limitCredits
            ? budget.ceiling.credits
            : budget.limitCredits;
        if (spent + pending > ceiling) {
          violations.push(`${key} uses ${(spent + pending).toString()} above ${ceiling.toString()}`);
        }
      }
    }
    return violations;
  }
}
