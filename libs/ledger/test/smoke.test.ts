import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { id, ledgerFixture, poolWithCredits, type LedgerFixture } from './support.js';

describe('smoke', () => {
  let fixture: LedgerFixture;
  beforeAll(async () => {
    fixture = await ledgerFixture();
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('holds, captures and balances', async () => {
    const { ledger } = fixture;
    const orgId = await poolWithCredits(ledger, 100n);
    const memberId = id();
    const held = await ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 30n, actorId: memberId });
    expect(held.ok).toBe(true);
    if (!held.ok) return;
    expect(held.balance.availableCredits).toBe(70n);
    const captured = await ledger.capture({ holdId: held.hold.holdId, amountCredits: 20n });
    expect(captured.ok).toBe(true);
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ postedCredits: 80n, pendingCredits: 0n, availableCredits: 80n });
    const report = await ledger.checkInvariants();
    expect(report.violations).toEqual([]);
  });
});
