import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerLimits, type GrantRequest, type Ledger } from '../src/index.js';
import { days, hours, id, ledgerFixture, type LedgerFixture } from './support.js';

describe('grants', () => {
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

  async function newPool(): Promise<string> {
    const orgId = id();
    await ledger.createPool({ orgId, timeZone: 'UTC' });
    return orgId;
  }

  async function grant(orgId: string, amountCredits: bigint, extra: Partial<GrantRequest> = {}): Promise<bigint> {
    const result = await ledger.grant({ operationId: id(), orgId, source: 'purchase', amountCredits, actorId, reason: 'test', ...extra });
    if (!result.ok) {
      throw new Error(result.code);
    }
    return result.grant.grantId;
  }

  async function hold(orgId: string, amountCredits: bigint, ttlMs = hours(1)): Promise<{ holdId: string; allocations: [bigint, bigint][] }> {
    const memberId = id();
    const result = await ledger.hold({ holdId: id(), orgId, memberId, amountCredits, ttlMs, actorId: memberId });
    if (!result.ok) {
      throw new Error(result.code);
    }
    return { holdId: result.hold.holdId, allocations: result.hold.allocations.map((item) => [item.grantId, item.amountCredits]) };
  }

  it('spends grants by priority, then soonest expiry, then oldest, and records each consumption', async () => {
    const orgId = await newPool();
    const now = fixture.clock.milliseconds;
    const purchase = await grant(orgId, 50n);
    const subscription = await grant(orgId, 30n, { source: 'subscription', expiresAt: new Date(now + days(30)) });
    const promotion = await grant(orgId, 20n, { source: 'promotion', expiresAt: new Date(now + days(60)) });
    const soonest = await grant(orgId, 10n, { source: 'promotion', expiresAt: new Date(now + days(7)) });
    const urgent = await grant(orgId, 5n, { priority: -1 });
    const olderPurchase = purchase;
    const newerPurchase = await grant(orgId, 5n);

    const { holdId, allocations } = await hold(orgId, 110n);
    expect(allocations).toEqual([
      [urgent, 5n],
      [soonest, 10n],
      [subscription, 30n],
      [promotion, 20n],
      [olderPurchase, 45n],
    ]);
    const captured = await ledger.capture({ holdId, amountCredits: 50n });
    expect(captured.ok && captured.consumptions).toEqual([
      { grantId: urgent, amountCredits: 5n },
      { grantId: soonest, amountCredits: 10n },
      { grantId: subscription, amountCredits: 30n },
      { grantId: promotion, amountCredits: 5n },
    ]);
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.grants.map((item) => [item.grantId, item.remainingCredits, item.availableCredits])).toEqual([
      [promotion, 15n, 15n],
      [purchase, 50n, 50n],
      [newerPurchase, 5n, 5n],
    ]);
    const consumptions = await fixture.pool.query<{ grant_id: string; amount: string }>(
      `select c.grant_id::text, c.amount_credits::text as amount from ledger.grant_consumptions c
       join ledger.transfers t using (transfer_id) where t.hold_id = $1 order by c.grant_id`,
      [holdId],
    );
    expect(consumptions.rows).toHaveLength(4);
  });

  it('expires the unspent, unheld remainder; credits held by a hold stay with it', async () => {
    const orgId = await newPool();
    const start = fixture.clock.milliseconds;
    const expiring = await grant(orgId, 100n, { source: 'subscription', expiresAt: new Date(start + hours(2)) });
    const lasting = await grant(orgId, 100n);
    const captureLater = await hold(orgId, 40n, hours(10));
    const voidLater = await hold(orgId, 30n, hours(10));
    expect(captureLater.allocations).toEqual([[expiring, 40n]]);
    expect(voidLater.allocations).toEqual([[expiring, 30n]]);

    fixture.clock.advance(hours(3));
    // Past its expiry a grant lends nothing, even before the expiry job runs.
    let balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ postedCredits: 200n, pendingCredits: 70n, availableCredits: 100n });
    expect((await hold(orgId, 5n)).allocations).toEqual([[lasting, 5n]]);

    const expired = await ledger.expireGrants(100);
    expect(expired.expiredGrants.find((item) => item.grantId === expiring)).toMatchObject({ expiredCredits: 30n });
    balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ postedCredits: 170n, pendingCredits: 75n, availableCredits: 95n });

    // The capture still spends the expired grant's held credits; what it releases expires at once.
    const captured = await ledger.capture({ holdId: captureLater.holdId, amountCredits: 25n });
    expect(captured.ok && [captured.consumptions, captured.expiredCredits]).toEqual([[{ grantId: expiring, amountCredits: 25n }], 15n]);
    const voided = await ledger.void({ holdId: voidLater.holdId, reason: 'cancelled' });
    expect(voided.ok && voided.expiredCredits).toBe(30n);
    balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ postedCredits: 100n, pendingCredits: 5n, availableCredits: 95n });
    expect(balance.ok && balance.grants.map((item) => item.grantId)).toEqual([lasting]);
    const expiryTransfers = await ledger.history({ orgId, kinds: ['grant_expiry'], limit: 10 });
    expect(expiryTransfers.transfers.map((transfer) => transfer.amountCredits)).toEqual([30n, 15n, 30n]);
    expect((await ledger.checkInvariants(orgId)).violations).toEqual([]);
  });

  it('is idempotent and refuses what it cannot take', async () => {
    const orgId = await newPool();
    const request: GrantRequest = { operationId: id(), orgId, source: 'purchase', amountCredits: 10n, actorId, reason: 'pack', reference: { purchaseId: 'cs_test_1' } };
    const first = await ledger.grant(request);
    expect(await ledger.grant(request)).toEqual({ ...first, replayed: true });
    expect(await ledger.grant({ ...request, amountCredits: 11n })).toMatchObject({ ok: false, code: 'id_conflict' });
    expect(await ledger.grant({ ...request, operationId: id(), expiresAt: new Date(fixture.clock.milliseconds) })).toMatchObject({
      ok: false,
      code: 'invalid_expiry',
    });
    expect(await ledger.grant({ ...request, operationId: id(), orgId: id() })).toMatchObject({ ok: false, code: 'pool_not_found' });
    // Bring the pool to its limit without a thousand grants: move the accounts directly (this org
    // no longer audits clean, so the other tests audit their own orgs only).
    const missing = (ledgerLimits.maxPoolBalanceCredits - 10n).toString();
    await fixture.pool.query(`update ledger.accounts set credits_posted = credits_posted + $2 where org_id = $1 and kind = 'pool'`, [orgId, missing]);
    await fixture.pool.query(`update ledger.accounts set debits_posted = debits_posted + $2 where org_id = $1 and kind = 'adjustment'`, [orgId, missing]);
    expect(await ledger.grant({ ...request, operationId: id(), amountCredits: 1n })).toMatchObject({
      ok: false,
      code: 'balance_limit_exceeded',
      figures: { postedCredits: ledgerLimits.maxPoolBalanceCredits },
    });
  });

  it('corrects by new transfers: adjustments, refunds of captures, revocations of grants', async () => {
    const orgId = await newPool();
    const purchase = await grant(orgId, 100n, { reference: { purchaseId: 'cs_test_2' } });
    const purchaseTransfer = (await ledger.history({ orgId, kinds: ['grant'], limit: 1 })).transfers[0]!;

    const credit = await ledger.adjust({ operationId: id(), orgId, amountCredits: 20n, actorId, reason: 'goodwill' });
    expect(credit.ok && credit.grant?.source).toBe('adjustment');
    const debit = await ledger.adjust({ operationId: id(), orgId, amountCredits: -30n, actorId, reason: 'duplicate grant' });
    expect(debit.ok && debit.consumptions).toEqual([{ grantId: purchase, amountCredits: 30n }]);
    expect(await ledger.adjust({ operationId: id(), orgId, amountCredits: -91n, actorId, reason: 'too much' })).toMatchObject({
      ok: false,
      code: 'insufficient_credits',
      figures: { availableCredits: 90n },
    });

    const memberId = id();
    await ledger.setMemberBudget({ operationId: id(), orgId, memberId, limitCredits: 50n, period: 'month', actorId });
    const held = await ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 50n, actorId: memberId });
    const holdId = held.ok ? held.hold.holdId : '';
    const captured = await ledger.capture({ holdId, amountCredits: 50n });
    const captureTransfer = captured.ok ? captured.transferId : 0n;
    expect(await ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 1n, actorId: memberId })).toMatchObject({
      code: 'budget_exceeded',
    });

    const refund = await ledger.reverse({ operationId: id(), transferId: captureTransfer, amountCredits: 20n, actorId, reason: 'bad render' });
    expect(refund.ok && refund.consumptions).toEqual([{ grantId: purchase, amountCredits: -20n }]);
    const budget = await ledger.memberBudget(orgId, memberId);
    expect(budget.ok && budget.budget).toMatchObject({ spentCredits: 30n, remainingCredits: 20n });
    expect(await ledger.reverse({ operationId: id(), transferId: captureTransfer, amountCredits: 31n, actorId, reason: 'again' })).toMatchObject({
      ok: false,
      code: 'amount_exceeds_reversible',
      figures: { reversibleCredits: 30n },
    });

    const revoked = await ledger.reverse({ operationId: id(), transferId: purchaseTransfer.transferId, actorId, reason: 'chargeback' });
    expect(revoked.ok && revoked.amountCredits).toBe(40n);
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ postedCredits: 20n, availableCredits: 20n });
    const holdTransfer = (await ledger.history({ orgId, kinds: ['hold'], limit: 1 })).transfers[0]!;
    expect(await ledger.reverse({ operationId: id(), transferId: holdTransfer.transferId, actorId, reason: 'no' })).toMatchObject({
      ok: false,
      code: 'not_reversible',
    });
    expect(await ledger.reverse({ operationId: id(), transferId: 999_999_999n, actorId, reason: 'no' })).toMatchObject({
      ok: false,
      code: 'transfer_not_found',
    });
    const reversals = await ledger.history({ orgId, kinds: ['reversal'], limit: 10 });
    expect(reversals.transfers.map((transfer) => [transfer.correctsTransferId, transfer.debitAccount, transfer.creditAccount])).toEqual([
      [purchaseTransfer.transferId, 'pool', 'purchase'],
      [captureTransfer, 'usage', 'pool'],
    ]);
    expect((await ledger.checkInvariants(orgId)).violations).toEqual([]);
  });

  it('refunds into an expired grant expire at once', async () => {
    const orgId = await newPool();
    const expiring = await grant(orgId, 10n, { expiresAt: new Date(fixture.clock.milliseconds + hours(1)) });
    const held = await hold(orgId, 10n);
    const captured = await ledger.capture({ holdId: held.holdId, amountCredits: 10n });
    fixture.clock.advance(hours(2));
    await ledger.expireGrants(100);
    const refund = await ledger.reverse({ operationId: id(), transferId: captured.ok ? captured.transferId : 0n, actorId, reason: 'refund' });
    expect(refund.ok && [refund.consumptions, refund.expiredCredits]).toEqual([[{ grantId: expiring, amountCredits: -10n }], 10n]);
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ postedCredits: 0n, availableCredits: 0n });
    expect((await ledger.checkInvariants(orgId)).violations).toEqual([]);
  });

  it('keeps transfers immutable', async () => {
    const orgId = await newPool();
    await grant(orgId, 10n);
    await expect(fixture.pool.query('update ledger.transfers set amount_credits = 1 where org_id = $1', [orgId])).rejects.toThrow(/append-only/);
    await expect(fixture.pool.query('delete from ledger.transfers where org_id = $1', [orgId])).rejects.toThrow(/append-only/);
  });
});
