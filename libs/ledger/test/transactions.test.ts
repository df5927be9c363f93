import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, LedgerAssertionError } from '../src/index.js';
import { id, ledgerFixture, type LedgerFixture } from './support.js';

describe('operations inside the caller transaction, and close()', () => {
  let fixture: LedgerFixture;
  beforeAll(async () => {
    fixture = await ledgerFixture();
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('creates a pool, grants and sets budgets atomically with the caller writes', async () => {
    const { ledger, pool } = fixture;
    const client = await pool.connect();
    const actorId = id();
    try {
      const kept = id();
      await client.query('begin');
      expect((await ledger.createPool({ orgId: kept, timeZone: 'UTC' }, client)).ok).toBe(true);
      expect((await ledger.grant({ operationId: id(), orgId: kept, source: 'subscription', amountCredits: 50n, actorId, reason: 'plan' }, client)).ok).toBe(true);
      const memberId = id();
      expect((await ledger.setMemberBudget({ operationId: id(), orgId: kept, memberId, limitCredits: 10n, period: 'day', actorId }, client)).ok).toBe(true);
      await client.query('commit');
      const budget = await ledger.memberBudget(kept, memberId);
      expect(budget.ok && budget.budget.limitCredits).toBe(10n);

      const dropped = id();
      await client.query('begin');
      expect((await ledger.createPool({ orgId: dropped, timeZone: 'UTC' }, client)).ok).toBe(true);
      expect((await ledger.setProjectBudget({ operationId: id(), orgId: dropped, projectId: id(), limitCredits: 1n, period: 'none', actorId }, client)).ok).toBe(true);
      await client.query('rollback');
      expect(await ledger.poolBalance(dropped)).toMatchObject({ ok: false, code: 'pool_not_found' });

      // Outside a transaction, a client would make the work non-atomic: refused.
      await expect(ledger.createPool({ orgId: id(), timeZone: 'UTC' }, client)).rejects.toThrow(LedgerAssertionError);
    } finally {
      client.release();
    }
    expect((await ledger.checkInvariants()).violations).toEqual([]);
  });

  it('close() lets queued holds finish, then refuses new ones', async () => {
    const orgId = id();
    const ledger = new Ledger(fixture.pool, { now: fixture.clock.now });
    await ledger.createPool({ orgId, timeZone: 'UTC' });
    await ledger.grant({ operationId: id(), orgId, source: 'purchase', amountCredits: 100n, actorId: id(), reason: 'x' });
    const pending = Array.from({ length: 20 }, () => {
      const memberId = id();
      return ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 1n, actorId: memberId });
    });
    await ledger.close();
    expect((await Promise.all(pending)).every((result) => result.ok)).toBe(true);
    const memberId = id();
    await expect(ledger.hold({ holdId: id(), orgId, memberId, amountCredits: 1n, actorId: memberId })).rejects.toThrow(LedgerAssertionError);
  });
});
