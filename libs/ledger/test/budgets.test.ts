import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HoldRequest, Ledger, PeriodKind } from '../src/index.js';
import { hours, id, ledgerFixture, minutes, poolWithCredits, type LedgerFixture } from './support.js';

describe('budgets', () => {
  let fixture: LedgerFixture;
  let ledger: Ledger;
  const actorId = id();
  beforeAll(async () => {
    fixture = await ledgerFixture();
    ledger = fixture.ledger;
  });
  afterAll(async () => {
    await fixture.close();
  });

  const hold = (orgId: string, memberId: string, amountCredits: bigint, extra: Partial<HoldRequest> = {}): Promise<ReturnType<Ledger['hold']> extends Promise<infer R> ? R : never> =>
    ledger.hold({ holdId: id(), orgId, memberId, amountCredits, actorId: memberId, ttlMs: hours(6), ...extra });

  async function memberBudget(orgId: string, memberId: string, limitCredits: bigint | null, period: PeriodKind): Promise<void> {
    const result = await ledger.setMemberBudget({ operationId: id(), orgId, memberId, limitCredits, period, actorId });
    expect(result.ok).toBe(true);
  }

  it('checks the member budget and the project budget in the same step as the pool, naming the limit that binds', async () => {
    fixture.clock.milliseconds = Date.UTC(2026, 2, 10, 12, 0, 0);
    const orgId = await poolWithCredits(ledger, 1_000n, 'Europe/Paris');
    const memberId = id();
    const projectId = id();
    await memberBudget(orgId, memberId, 100n, 'month');
    await ledger.setProjectBudget({ operationId: id(), orgId, projectId, limitCredits: 150n, period: 'week', actorId });

    expect((await hold(orgId, memberId, 60n, { projectId })).ok).toBe(true);
    const refused = await hold(orgId, memberId, 41n, { projectId });
    expect(refused).toMatchObject({
      ok: false,
      code: 'budget_exceeded',
      figures: {
        scope: 'member',
        subjectId: memberId,
        limitCredits: 100n,
        spentCredits: 0n,
        pendingCredits: 60n,
        remainingCredits: 40n,
        requestedCredits: 41n,
        period: 'month',
        // Paris is UTC+1 in March before the switch: months start at 23:00 UTC the day before.
        periodStart: new Date(Date.UTC(2026, 1, 28, 23, 0, 0)),
        periodEnd: new Date(Date.UTC(2026, 2, 31, 22, 0, 0)),
      },
    });

    const colleague = id();
    expect((await hold(orgId, colleague, 90n, { projectId })).ok).toBe(true);
    expect(await hold(orgId, colleague, 1n, { projectId })).toMatchObject({
      ok: false,
      code: 'project_budget_exceeded',
      figures: { scope: 'project', subjectId: projectId, limitCredits: 150n, pendingCredits: 150n, remainingCredits: 0n },
    });
    // The pool binds first when it is the tighter limit.
    expect(await hold(orgId, id(), 900n)).toMatchObject({ ok: false, code: 'insufficient_credits', figures: { availableCredits: 850n } });
    const budget = await ledger.memberBudget(orgId, memberId);
    expect(budget.ok && budget.budget).toMatchObject({ limitCredits: 100n, spentCredits: 0n, pendingCredits: 60n, remainingCredits: 40n });
  });

  it('starts a new period by the clock alone, in the org time zone (no reset job)', async () => {
    // 23:30 in New York on 10 March 2026 (UTC-4 since the 8 March switch) is 03:30 UTC on the 11th.
    fixture.clock.milliseconds = Date.UTC(2026, 2, 11, 3, 30, 0);
    const orgId = await poolWithCredits(ledger, 1_000n, 'America/New_York');
    const memberId = id();
    await memberBudget(orgId, memberId, 50n, 'day');
    const spent = await hold(orgId, memberId, 50n);
    expect(spent.ok).toBe(true);
    expect(await hold(orgId, memberId, 1n)).toMatchObject({
      ok: false,
      code: 'budget_exceeded',
      figures: { periodStart: new Date(Date.UTC(2026, 2, 10, 4, 0, 0)), periodEnd: new Date(Date.UTC(2026, 2, 11, 4, 0, 0)) },
    });
    fixture.clock.advance(minutes(31)); // 00:01 local: a new day
    expect((await hold(orgId, memberId, 50n)).ok).toBe(true);

    // The capture of yesterday's hold counts against yesterday, not today.
    const captured = await ledger.capture({ holdId: spent.ok ? spent.hold.holdId : '', amountCredits: 30n });
    expect(captured.ok).toBe(true);
    const today = await ledger.memberBudget(orgId, memberId);
    expect(today.ok && today.budget).toMatchObject({ spentCredits: 0n, pendingCredits: 50n, remainingCredits: 0n });
  });

  it('computes week and month periods across daylight saving time', async () => {
    // Paris switches to summer time on Sunday 29 March 2026: that week is one hour short.
    fixture.clock.milliseconds = Date.UTC(2026, 2, 27, 10, 0, 0);
    const orgId = await poolWithCredits(ledger, 1_000n, 'Europe/Paris');
    const memberId = id();
    await memberBudget(orgId, memberId, 10n, 'week');
    let budget = await ledger.memberBudget(orgId, memberId);
    expect(budget.ok && [budget.budget.periodStart, budget.budget.periodEnd]).toEqual([
      new Date(Date.UTC(2026, 2, 22, 23, 0, 0)),
      new Date(Date.UTC(2026, 2, 29, 22, 0, 0)),
    ]);
    await memberBudget(orgId, memberId, 10n, 'month');
    budget = await ledger.memberBudget(orgId, memberId);
    expect(budget.ok && [budget.budget.periodStart, budget.budget.periodEnd]).toEqual([
      new Date(Date.UTC(2026, 1, 28, 23, 0, 0)),
      new Date(Date.UTC(2026, 2, 31, 22, 0, 0)),
    ]);
    await memberBudget(orgId, memberId, null, 'none');
    budget = await ledger.memberBudget(orgId, memberId);
    expect(budget.ok && budget.budget).toMatchObject({ limitCredits: null, remainingCredits: null, periodStart: null, periodEnd: null });
  });

  it('lowering a limit below what is spent blocks new holds and makes nothing negative', async () => {
    fixture.clock.milliseconds = Date.UTC(2026, 4, 5, 12, 0, 0);
    const orgId = await poolWithCredits(ledger, 1_000n);
    const memberId = id();
    await memberBudget(orgId, memberId, 100n, 'month');
    const first = await hold(orgId, memberId, 80n);
    await ledger.capture({ holdId: first.ok ? first.hold.holdId : '', amountCredits: 70n });
    const pending = await hold(orgId, memberId, 20n);
    expect(pending.ok).toBe(true);

    await memberBudget(orgId, memberId, 50n, 'month');
    const budget = await ledger.memberBudget(orgId, memberId);
    expect(budget.ok && budget.budget).toMatchObject({ limitCredits: 50n, spentCredits: 70n, pendingCredits: 20n, remainingCredits: 0n });
    expect(await hold(orgId, memberId, 1n)).toMatchObject({ ok: false, code: 'budget_exceeded', figures: { remainingCredits: 0n } });
    // Resolving what was held still works, and only lowers usage.
    expect((await ledger.capture({ holdId: pending.ok ? pending.hold.holdId : '', amountCredits: 20n })).ok).toBe(true);
    await memberBudget(orgId, memberId, 0n, 'month');
    expect(await hold(orgId, memberId, 1n)).toMatchObject({ ok: false, code: 'budget_exceeded' });
    await memberBudget(orgId, memberId, 200n, 'month');
    expect((await hold(orgId, memberId, 100n)).ok).toBe(true);
    expect((await ledger.checkInvariants()).violations).toEqual([]);
  });

  it('a new period kind counts the holds of the new current period, and only those', async () => {
    fixture.clock.milliseconds = Date.UTC(2026, 5, 10, 9, 0, 0);
    const orgId = await poolWithCredits(ledger, 1_000n);
    const memberId = id();
    // Unbudgeted spending is tracked (period none) so a budget set later knows it.
    const earlier = await hold(orgId, memberId, 30n);
    await ledger.capture({ holdId: earlier.ok ? earlier.hold.holdId : '', amountCredits: 30n });
    fixture.clock.advance(hours(24));
    expect((await hold(orgId, memberId, 15n)).ok).toBe(true);

    await memberBudget(orgId, memberId, 100n, 'day');
    let budget = await ledger.memberBudget(orgId, memberId);
    expect(budget.ok && budget.budget).toMatchObject({ spentCredits: 0n, pendingCredits: 15n });
    await memberBudget(orgId, memberId, 100n, 'month');
    budget = await ledger.memberBudget(orgId, memberId);
    expect(budget.ok && budget.budget).toMatchObject({ spentCredits: 30n, pendingCredits: 15n, remainingCredits: 55n });
    expect(await hold(orgId, memberId, 56n)).toMatchObject({ ok: false, code: 'budget_exceeded' });
    expect((await ledger.checkInvariants()).violations).toEqual([]);
  });

  it('changes the pool time zone and recounts the current periods', async () => {
    // 02:00 UTC: already the 12th in Tokyo, still the 11th in Los Angeles.
    fixture.clock.milliseconds = Date.UTC(2026, 6, 12, 2, 0, 0);
    const orgId = await poolWithCredits(ledger, 1_000n, 'Asia/Tokyo');
    const memberId = id();
    await memberBudget(orgId, memberId, 100n, 'day');
    fixture.clock.milliseconds = Date.UTC(2026, 6, 11, 14, 0, 0); // the 11th in both zones
    expect((await hold(orgId, memberId, 40n)).ok).toBe(true);
    fixture.clock.milliseconds = Date.UTC(2026, 6, 12, 2, 0, 0);
    expect((await hold(orgId, memberId, 30n)).ok).toBe(true);
    let budget = await ledger.memberBudget(orgId, memberId);
    expect(budget.ok && budget.budget.pendingCredits).toBe(30n);

    const invalid = await ledger.setPoolTimeZone({ operationId: id(), orgId, timeZone: 'Mars/Olympus', actorId });
    expect(invalid).toMatchObject({ ok: false, code: 'invalid_time_zone' });
    const changed = await ledger.setPoolTimeZone({ operationId: id(), orgId, timeZone: 'America/Los_Angeles', actorId });
    expect(changed.ok && changed.pool.timeZone).toBe('America/Los_Angeles');
    budget = await ledger.memberBudget(orgId, memberId);
    expect(budget.ok && budget.budget).toMatchObject({ pendingCredits: 70n, periodStart: new Date(Date.UTC(2026, 6, 11, 7, 0, 0)) });
    expect((await ledger.checkInvariants()).violations).toEqual([]);
  });

  it('is idempotent per operation id', async () => {
    const orgId = await poolWithCredits(ledger, 10n);
    const memberId = id();
    const change = { operationId: id(), orgId, memberId, limitCredits: 5n, period: 'day' as const, actorId };
    const first = await ledger.setMemberBudget(change);
    expect(await ledger.setMemberBudget(change)).toEqual({ ...first, replayed: true });
    expect(await ledger.setMemberBudget({ ...change, limitCredits: 6n })).toMatchObject({ ok: false, code: 'id_conflict' });
    expect(await ledger.setMemberBudget({ ...change, operationId: id(), orgId: id() })).toMatchObject({ ok: false, code: 'pool_not_found' });
  });
});
