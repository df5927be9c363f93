import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerAssertionError, ledgerLimits, type Ledger, type TransferView } from '../src/index.js';
import { hours, id, ledgerFixture, minutes, type LedgerFixture } from './support.js';

describe('queries', () => {
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

  it('pages through history with a cursor and filters by member, project, kind and time', async () => {
    const orgId = id();
    await ledger.createPool({ orgId, timeZone: 'UTC' });
    const start = fixture.clock.milliseconds;
    await ledger.grant({ operationId: id(), orgId, source: 'purchase', amountCredits: 1_000n, actorId, reason: 'pack', reference: { purchaseId: 'cs_1' } });
    const alice = id();
    const bob = id();
    const project = id();
    const holdIds: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      fixture.clock.advance(minutes(1));
      const memberId = index % 2 === 0 ? alice : bob;
      const held = await ledger.hold({
        holdId: id(),
        orgId,
        memberId,
        projectId: index % 3 === 0 ? project : null,
        amountCredits: 10n,
        actorId: memberId,
        reason: `render ${String(index)}`,
        reference: { jobId: `job-${String(index)}` },
      });
      holdIds.push(held.ok ? held.hold.holdId : '');
    }
    for (const holdId of holdIds.slice(0, 4)) {
      await ledger.capture({ holdId, amountCredits: 5n, actorId, reason: 'done' });
    }

    const all: TransferView[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await ledger.history({ orgId, cursor, limit: 5 });
      all.push(...page.transfers);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(4);
    expect(all).toHaveLength(17);
    expect(all.map((transfer) => transfer.transferId)).toEqual([...all.map((transfer) => transfer.transferId)].sort((a, b) => (a > b ? -1 : 1)));
    const purchase = all.at(-1)!;
    expect(purchase).toMatchObject({ kind: 'grant', debitAccount: 'purchase', creditAccount: 'pool', actorId, reason: 'pack', reference: { purchaseId: 'cs_1' } });
    const capture = all[0]!;
    expect(capture).toMatchObject({ kind: 'capture', phase: 'post_pending', amountCredits: 5n, reason: 'done', reference: { jobId: 'job-3' } });

    const aliceHistory = await ledger.history({ orgId, memberId: alice, limit: 100 });
    expect(aliceHistory.transfers.every((transfer) => transfer.memberId === alice)).toBe(true);
    expect(aliceHistory.transfers).toHaveLength(8); // 6 holds, 2 captures
    const projectHolds = await ledger.history({ orgId, projectId: project, kinds: ['hold'], limit: 100 });
    expect(projectHolds.transfers).toHaveLength(4);
    const window = await ledger.history({ orgId, kinds: ['hold'], from: new Date(start + minutes(3)), to: new Date(start + minutes(6)), limit: 100 });
    expect(window.transfers.map((transfer) => transfer.reason)).toEqual(['render 4', 'render 3', 'render 2']);
    await expect(ledger.history({ orgId, limit: ledgerLimits.maxHistoryPageSize + 1 })).rejects.toThrow(LedgerAssertionError);
    await expect(ledger.history({ orgId, limit: 1, cursor: 'garbage' })).rejects.toThrow(LedgerAssertionError);
  });

  it('bounds a time range by transfer ids exactly, even when ids and times disagree', async () => {
    const orgId = id();
    await ledger.createPool({ orgId, timeZone: 'UTC' });
    const start = fixture.clock.milliseconds;
    await ledger.grant({ operationId: id(), orgId, source: 'purchase', amountCredits: 1_000n, actorId, reason: 'pack' });
    // Minutes 1..10, then a transfer written with an earlier clock (skew between writers): a
    // higher id at minute 4.5.
    for (let index = 1; index <= 10; index += 1) {
      fixture.clock.milliseconds = start + minutes(index);
      await ledger.hold({ holdId: id(), orgId, memberId: actorId, amountCredits: 1n, actorId, reason: `minute ${String(index)}` });
    }
    fixture.clock.milliseconds = start + minutes(4.5);
    await ledger.hold({ holdId: id(), orgId, memberId: actorId, amountCredits: 1n, actorId, reason: 'late writer' });
    fixture.clock.milliseconds = start + minutes(20);
    for (const [from, to] of [
      [minutes(4), minutes(5)],
      [minutes(0), minutes(3)],
      [minutes(9), minutes(30)],
      [minutes(30), minutes(40)],
    ] as const) {
      const window = { orgId, from: new Date(start + from), to: new Date(start + to) };
      const plain = await ledger.history({ ...window, limit: 100 });
      const range = await ledger.transferIdRange(window);
      if (plain.transfers.length === 0) {
        expect(range).toBeNull();
        continue;
      }
      if (range === null) throw new Error('a range with transfers has bounds');
      const bounded = await ledger.history({ ...window, transferIds: range, limit: 100 });
      expect(bounded.transfers).toEqual(plain.transfers);
    }
    const skewed = await ledger.history({ orgId, from: new Date(start + minutes(4)), to: new Date(start + minutes(5)), limit: 100 });
    expect(skewed.transfers.map((transfer) => transfer.reason)).toEqual(['late writer', 'minute 4']);
  });

  it('carries a balance version in every result, one more per change', async () => {
    const orgId = id();
    const created = await ledger.createPool({ orgId, timeZone: 'UTC' });
    expect(created.ok && created.pool.balance.balanceVersion).toBe(0n);
    expect(await ledger.createPool({ orgId, timeZone: 'UTC' })).toMatchObject({ ok: true, created: false });
    expect(await ledger.createPool({ orgId, timeZone: 'Europe/Paris' })).toMatchObject({ ok: false, code: 'id_conflict', figures: { existingTimeZone: 'UTC' } });
    const versions: bigint[] = [];
    const granted = await ledger.grant({ operationId: id(), orgId, source: 'subscription', amountCredits: 100n, actorId, reason: 'monthly' });
    versions.push(granted.ok ? granted.balance.balanceVersion : -1n);
    const memberId = id();
    const budget = await ledger.setMemberBudget({ operationId: id(), orgId, memberId, limitCredits: 50n, period: 'week', actorId });
    versions.push(budget.ok ? budget.balance.balanceVersion : -1n);
    const held = await ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 10n, actorId: memberId });
    versions.push(held.ok ? held.balance.balanceVersion : -1n);
    const holdId = held.ok ? held.hold.holdId : '';
    const extended = await ledger.extendHold({ holdId, expiresAt: new Date(fixture.clock.milliseconds + hours(2)) });
    versions.push(extended.ok ? extended.balance.balanceVersion : -1n);
    const captured = await ledger.capture({ holdId, amountCredits: 10n });
    versions.push(captured.ok ? captured.balance.balanceVersion : -1n);
    expect(versions).toEqual([1n, 2n, 3n, 4n, 5n]);
    const refused = await ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 41n, actorId: memberId });
    expect(refused).toMatchObject({ ok: false, code: 'budget_exceeded', balanceVersion: 5n });
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toEqual({ orgId, postedCredits: 90n, pendingCredits: 0n, availableCredits: 90n, balanceVersion: 5n });
    const memberBudget = await ledger.memberBudget(orgId, memberId);
    expect(memberBudget).toMatchObject({ ok: true, balanceVersion: 5n, budget: { spentCredits: 10n, remainingCredits: 40n } });
    expect(await ledger.poolBalance(id())).toMatchObject({ ok: false, code: 'pool_not_found' });
    expect(await ledger.memberBudget(id(), memberId)).toMatchObject({ ok: false, code: 'pool_not_found' });
    expect(await ledger.getHold(holdId)).toMatchObject({ status: 'captured', capturedCredits: 10n });
  });

  it('refuses unknown time zones', async () => {
    expect(await ledger.createPool({ orgId: id(), timeZone: 'Nowhere/Special' })).toMatchObject({ ok: false, code: 'invalid_time_zone' });
  });
});
