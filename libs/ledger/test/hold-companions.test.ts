import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { HoldCompanionError, type CompanionWrites, type HoldRequest, type HoldWithBudget, type Ledger } from '../src/index.js';
import { id, ledgerFixture, poolWithCredits, type LedgerFixture } from './support.js';

/**
 * `holdsWith`: holds batched like `hold`, each carrying rows the caller writes in the same
 * transaction (the server's job row and queue entry). Here the rows go to a table of the test's.
 */
describe('holds with the caller’s writes', () => {
  let fixture: LedgerFixture;
  let ledger: Ledger;
  beforeAll(async () => {
    fixture = await ledgerFixture();
    ledger = fixture.ledger;
    await fixture.pool.query(`create table companion_rows (hold_id uuid primary key, label text not null unique)`);
  });
  afterAll(async () => {
    await fixture.close();
  });

  const rowsOf = async (holdIds: string[]): Promise<string[]> =>
    (await fixture.pool.query<{ label: string }>(`select label from companion_rows where hold_id = any($1) order by label`, [holdIds])).rows.map((row) => row.label);

  const write = async (client: pg.ClientBase, accepted: readonly { holdId: string; label: string }[]): Promise<void> => {
    await client.query(`insert into companion_rows (hold_id, label) select * from unnest($1::uuid[], $2::text[])`, [
      accepted.map((row) => row.holdId),
      accepted.map((row) => row.label),
    ]);
  };

  const request = (orgId: string, memberId: string, amountCredits: bigint): HoldRequest => ({ holdId: id(), orgId, memberId, amountCredits, actorId: memberId });

  it('writes the rows of the accepted holds only, in the same commit, and answers each hold on its own', async () => {
    const orgId = await poolWithCredits(ledger, 95n);
    const memberId = id();
    const holds = ledger.holdsWith(write);
    const requests = Array.from({ length: 20 }, () => request(orgId, memberId, 10n));
    const answers: HoldWithBudget[] = await Promise.all(requests.map((hold, index) => holds.hold(hold, { holdId: hold.holdId, label: `row ${String(index).padStart(2, '0')}` })));

    const accepted = answers.filter((answer) => answer.result.ok);
    expect(accepted).toHaveLength(9);
    // Decided in the order they came: the first nine fit.
    expect(answers.map((answer) => answer.result.ok)).toEqual([...Array.from({ length: 9 }, () => true), ...Array.from({ length: 11 }, () => false)]);
    for (const answer of answers.slice(9)) expect(answer.result).toMatchObject({ ok: false, code: 'insufficient_credits' });
    expect(answers.slice(0, 9).map((answer) => answer.result.ok && answer.result.balance.availableCredits)).toEqual([85n, 75n, 65n, 55n, 45n, 35n, 25n, 15n, 5n]);
    // The member's budget right after each hold (no limit: only what is pending).
    expect(answers.slice(0, 9).map((answer) => answer.memberBudget?.pendingCredits)).toEqual([10n, 20n, 30n, 40n, 50n, 60n, 70n, 80n, 90n]);
    expect(answers.slice(9).every((answer) => answer.memberBudget === undefined)).toBe(true);

    expect(await rowsOf(requests.map((hold) => hold.holdId))).toEqual(Array.from({ length: 9 }, (_, index) => `row 0${String(index)}`));
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ availableCredits: 5n, pendingCredits: 90n });
    expect((await ledger.checkInvariants(orgId)).ok).toBe(true);
  });

  it('fails only the hold whose rows cannot be written: its hold is rolled back, the others commit', async () => {
    const orgId = await poolWithCredits(ledger, 100n);
    const memberId = id();
    const holds = ledger.holdsWith(write);
    await holds.hold(request(orgId, memberId, 10n), { holdId: id(), label: 'taken' }).catch(() => undefined);
    const requests = Array.from({ length: 6 }, () => request(orgId, memberId, 10n));
    // The fourth collides with an existing row (a unique label), as a raced idempotency key would.
    const settled = await Promise.allSettled(
      requests.map((hold, index) => holds.hold(hold, { holdId: hold.holdId, label: index === 3 ? 'taken' : `fine ${String(index)}` })),
    );
    expect(settled.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const failed = settled[3];
    // The writer's own error is the cause: the caller can tell a unique violation.
    expect(failed?.status === 'rejected' && failed.reason).toBeInstanceOf(HoldCompanionError);
    expect(failed?.status === 'rejected' && ((failed.reason as Error).cause as { code?: string }).code).toBe('23505');
    expect(await rowsOf(requests.map((hold) => hold.holdId))).toEqual(['fine 0', 'fine 1', 'fine 2', 'fine 4', 'fine 5']);
    const balance = await ledger.poolBalance(orgId);
    // 10 for 'taken', 50 for the five that committed; the failed one holds nothing.
    expect(balance.ok && balance.balance).toMatchObject({ pendingCredits: 60n, availableCredits: 40n });
    expect((await ledger.checkInvariants(orgId)).ok).toBe(true);
  });

  /** The two-step writes: every row before the lock, the refused ones' removed after the decision. */
  const twoSteps: CompanionWrites<{ holdId: string; label: string }> = {
    before: write,
    after: async (client, _accepted, notAccepted) => {
      await client.query(`delete from companion_rows where hold_id = any($1::uuid[])`, [notAccepted.map((row) => row.holdId)]);
    },
  };

  it('with writes before the lock: the refused holds leave no rows, the accepted commit with theirs', async () => {
    const orgId = await poolWithCredits(ledger, 45n);
    const memberId = id();
    const holds = ledger.holdsWith(twoSteps);
    const requests = Array.from({ length: 8 }, () => request(orgId, memberId, 10n));
    const answers = await Promise.all(requests.map((hold, index) => holds.hold(hold, { holdId: hold.holdId, label: `two-step ${String(index)}` })));
    expect(answers.map((answer) => answer.result.ok)).toEqual([true, true, true, true, false, false, false, false]);
    expect(await rowsOf(requests.map((hold) => hold.holdId))).toEqual(['two-step 0', 'two-step 1', 'two-step 2', 'two-step 3']);
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ availableCredits: 5n, pendingCredits: 40n });
    expect((await ledger.checkInvariants(orgId)).ok).toBe(true);
  });

  it('with writes before the lock: a row that cannot be written fails its hold alone, before anything is held for it', async () => {
    const orgId = await poolWithCredits(ledger, 100n);
    const memberId = id();
    const holds = ledger.holdsWith(twoSteps);
    await holds.hold(request(orgId, memberId, 10n), { holdId: id(), label: 'taken twice' });
    const requests = Array.from({ length: 5 }, () => request(orgId, memberId, 10n));
    const settled = await Promise.allSettled(
      requests.map((hold, index) => holds.hold(hold, { holdId: hold.holdId, label: index === 2 ? 'taken twice' : `fine two-step ${String(index)}` })),
    );
    expect(settled.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const failed = settled[2];
    expect(failed?.status === 'rejected' && ((failed.reason as Error).cause as { code?: string }).code).toBe('23505');
    expect(await rowsOf(requests.map((hold) => hold.holdId))).toEqual(['fine two-step 0', 'fine two-step 1', 'fine two-step 3', 'fine two-step 4']);
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ pendingCredits: 50n, availableCredits: 50n });
    expect((await ledger.checkInvariants(orgId)).ok).toBe(true);
  });
});
