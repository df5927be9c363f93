import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrantRequest, Ledger } from '../src/index.js';
import { days, hours, id, ledgerFixture, type LedgerFixture } from './support.js';

describe('claw-backs and the deficit', () => {
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
    if (!result.ok) throw new Error(result.code);
    return result.grant.grantId;
  }

  async function spend(orgId: string, amountCredits: bigint): Promise<void> {
    const memberId = id();
    const held = await ledger.hold({ holdId: id(), orgId, memberId, amountCredits, ttlMs: hours(1), actorId: memberId });
    if (!held.ok) throw new Error(held.code);
    const captured = await ledger.capture({ holdId: held.hold.holdId, amountCredits });
    if (!captured.ok) throw new Error(captured.code);
  }

  async function available(orgId: string): Promise<bigint> {
    const balance = await ledger.poolBalance(orgId);
    if (!balance.ok) throw new Error(balance.code);
    return balance.balance.availableCredits;
  }

  async function expectAudited(orgId: string): Promise<void> {
    const report = await ledger.checkInvariants(orgId);
    expect(report.violations).toEqual([]);
  }

  it('takes back exactly the unspent part; the spent part becomes a deficit that refuses holds', async () => {
    const orgId = await newPool();
    const purchase = await grant(orgId, 1_000n);
    await spend(orgId, 300n);

    const clawed = await ledger.clawBack({ operationId: id(), orgId, grantId: purchase, amountCredits: 1_000n, actorId, reason: 'refund', reference: { purchaseId: 'ch_1' } });
    expect(clawed).toMatchObject({ ok: true, coveredCredits: 1_000n, reclaimedCredits: 700n, deficitAddedCredits: 300n, settledCredits: 0n, deficitCredits: 300n });
    expect(await available(orgId)).toBe(0n);

    const memberId = id();
    const refused = await ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 1n, actorId: memberId });
    expect(refused).toMatchObject({ ok: false, code: 'deficit_outstanding', figures: { deficitCredits: 300n } });

    const deficit = await ledger.deficit(orgId);
    expect(deficit.ok && deficit.deficit.deficitCredits).toBe(300n);
    expect(deficit.ok && deficit.deficit.since).toEqual(fixture.clock.now());
    await expectAudited(orgId);
  });

  it('is idempotent on the operation id, and never covers more than the grant', async () => {
    const orgId = await newPool();
    const purchase = await grant(orgId, 500n);
    await spend(orgId, 100n);
    const operationId = id();
    const request = { operationId, orgId, grantId: purchase, amountCredits: 500n, actorId, reason: 'refund' };
    const [first, second] = await Promise.all([ledger.clawBack(request), ledger.clawBack(request)]);
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect([first, second].filter((result) => result.ok && result.replayed)).toHaveLength(1);
    const again = await ledger.clawBack({ ...request, operationId: id() });
    expect(again).toMatchObject({ ok: true, coveredCredits: 0n, reclaimedCredits: 0n, deficitAddedCredits: 0n, deficitCredits: 100n });
    await expectAudited(orgId);
  });

  it('partial refunds take back unspent credits first, and charge a deficit only for what was used', async () => {
    const orgId = await newPool();
    const purchase = await grant(orgId, 1_000n);
    await spend(orgId, 600n);
    const half = await ledger.clawBack({ operationId: id(), orgId, grantId: purchase, amountCredits: 500n, actorId, reason: 'partial refund' });
    expect(half).toMatchObject({ ok: true, reclaimedCredits: 400n, deficitAddedCredits: 100n, deficitCredits: 100n });
    const rest = await ledger.clawBack({ operationId: id(), orgId, grantId: purchase, amountCredits: 500n, actorId, reason: 'rest refunded' });
    expect(rest).toMatchObject({ ok: true, reclaimedCredits: 0n, deficitAddedCredits: 500n, deficitCredits: 600n });
    await expectAudited(orgId);
  });

  it('pays the deficit from other available credits at once, then from credits that arrive', async () => {
    const orgId = await newPool();
    const promotion = await grant(orgId, 50n, { source: 'promotion', priority: 10 });
    const purchase = await grant(orgId, 200n);
    await spend(orgId, 150n); // all from the purchase (priority 0 first)
    expect(promotion).toBeGreaterThan(0n);
    const clawed = await ledger.clawBack({ operationId: id(), orgId, grantId: purchase, amountCredits: 200n, actorId, reason: 'dispute' });
    expect(clawed).toMatchObject({ ok: true, reclaimedCredits: 50n, deficitAddedCredits: 150n, settledCredits: 50n, deficitCredits: 100n });
    expect(await available(orgId)).toBe(0n);

    const topUp = await ledger.grant({ operationId: id(), orgId, source: 'adjustment', amountCredits: 130n, actorId, reason: 'operator grant' });
    expect(topUp).toMatchObject({ ok: true, settledDeficitCredits: 100n });
    expect(topUp.ok && topUp.balance.availableCredits).toBe(30n);
    expect(await available(orgId)).toBe(30n);
    const deficit = await ledger.deficit(orgId);
    expect(deficit.ok && deficit.deficit).toMatchObject({ deficitCredits: 0n, since: null });
    const memberId = id();
    const held = await ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 30n, actorId: memberId });
    expect(held.ok).toBe(true);
    await expectAudited(orgId);
  });

  it('does not count credits held by pending holds as spent: a capture owes them, a void gives them up', async () => {
    const orgId = await newPool();
    const purchase = await grant(orgId, 100n);
    const memberId = id();
    const captured = await ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 40n, ttlMs: hours(1), actorId: memberId });
    const voided = await ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 30n, ttlMs: hours(1), actorId: memberId });
    if (!captured.ok || !voided.ok) throw new Error('holds refused');
    const clawed = await ledger.clawBack({ operationId: id(), orgId, grantId: purchase, amountCredits: 100n, actorId, reason: 'refund' });
    // 30 unheld go back now; 70 held wait for their jobs: nothing is spent, nothing owed yet.
    expect(clawed).toMatchObject({ ok: true, reclaimedCredits: 30n, deficitAddedCredits: 0n, waitingCredits: 70n, deficitCredits: 0n });
    await expectAudited(orgId);

    // The job that spends 25 of its 40 owes 25; the 15 it releases are taken back, not available.
    expect(await ledger.capture({ holdId: captured.hold.holdId, amountCredits: 25n })).toMatchObject({ ok: true });
    expect(await ledger.deficit(orgId)).toMatchObject({ ok: true, deficit: { deficitCredits: 25n } });
    expect(await ledger.poolBalance(orgId)).toMatchObject({ ok: true, balance: { availableCredits: 0n } });
    // The cancelled job's 30 are taken back: the org owes only what it spent.
    expect(await ledger.void({ holdId: voided.hold.holdId, reason: 'cancelled' })).toMatchObject({ ok: true });
    expect(await ledger.deficit(orgId)).toMatchObject({ ok: true, deficit: { deficitCredits: 25n } });
    expect(await ledger.poolBalance(orgId)).toMatchObject({ ok: true, balance: { availableCredits: 0n, postedCredits: 0n, pendingCredits: 0n } });
    await expectAudited(orgId);
  });

  it('a capture of refunded held credits is paid at once from other available credits', async () => {
    const orgId = await newPool();
    const purchase = await grant(orgId, 100n);
    const memberId = id();
    const held = await ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 100n, ttlMs: hours(1), actorId: memberId });
    if (!held.ok) throw new Error('hold refused');
    await ledger.clawBack({ operationId: id(), orgId, grantId: purchase, amountCredits: 100n, actorId, reason: 'refund' });
    await grant(orgId, 500n);
    expect(await ledger.capture({ holdId: held.hold.holdId, amountCredits: 60n })).toMatchObject({ ok: true, balance: { availableCredits: 440n } });
    expect(await ledger.deficit(orgId)).toMatchObject({ ok: true, deficit: { deficitCredits: 0n } });
    expect(await ledger.poolBalance(orgId)).toMatchObject({ ok: true, balance: { availableCredits: 440n } });
    await expectAudited(orgId);
  });

  it('charges nothing for credits of a grant that expired unused', async () => {
    const orgId = await newPool();
    const subscription = await grant(orgId, 300n, { source: 'subscription', expiresAt: new Date(fixture.clock.milliseconds + days(1)) });
    await spend(orgId, 100n);
    fixture.clock.advance(days(2));
    await ledger.expireGrants(100);
    const clawed = await ledger.clawBack({ operationId: id(), orgId, grantId: subscription, amountCredits: 300n, actorId, reason: 'refund' });
    expect(clawed).toMatchObject({ ok: true, reclaimedCredits: 0n, deficitAddedCredits: 100n, deficitCredits: 100n });
    await expectAudited(orgId);
  });

  it('settles on request from available credits, and answers unknown grants', async () => {
    const orgId = await newPool();
    const purchase = await grant(orgId, 100n);
    await spend(orgId, 100n);
    await ledger.clawBack({ operationId: id(), orgId, grantId: purchase, amountCredits: 100n, actorId, reason: 'refund' });
    const nothing = await ledger.settleDeficit({ operationId: id(), orgId, actorId, reason: 'settle' });
    expect(nothing).toMatchObject({ ok: true, settledCredits: 0n, deficitCredits: 100n });
    expect(await ledger.clawBack({ operationId: id(), orgId, grantId: 999_999_999n, amountCredits: 1n, actorId, reason: 'x' })).toMatchObject({ ok: false, code: 'grant_not_found' });
    await expectAudited(orgId);
  });
});
