import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, LedgerAssertionError, LedgerOverloadedError, ledgerLimits, type HoldRequest } from '../src/index.js';
import { days, hours, id, ledgerFixture, minutes, poolWithCredits, type LedgerFixture } from './support.js';

describe('holds', () => {
  let fixture: LedgerFixture;
  let ledger: Ledger;
  beforeAll(async () => {
    fixture = await ledgerFixture();
    ledger = fixture.ledger;
  });
  afterAll(async () => {
    await fixture.close();
  });

  const request = (orgId: string, amountCredits: bigint, extra: Partial<HoldRequest> = {}): HoldRequest => {
    const memberId = id();
    return { holdId: id(), orgId, memberId, amountCredits, actorId: memberId, ...extra };
  };

  async function placed(orgId: string, amountCredits: bigint, extra: Partial<HoldRequest> = {}): Promise<string> {
    const result = await ledger.hold(request(orgId, amountCredits, extra));
    if (!result.ok) {
      throw new Error(result.code);
    }
    return result.hold.holdId;
  }

  it('reserves credits, then captures at most the held amount and releases the rest', async () => {
    const orgId = await poolWithCredits(ledger, 100n);
    const held = await ledger.hold(request(orgId, 30n, { reference: { jobId: 'job-1' } }));
    expect(held.ok && held.balance).toMatchObject({ postedCredits: 100n, pendingCredits: 30n, availableCredits: 70n });
    expect(held.ok && held.hold).toMatchObject({ status: 'pending', amountCredits: 30n, reference: { jobId: 'job-1' } });
    const holdId = held.ok ? held.hold.holdId : '';

    const tooMuch = await ledger.capture({ holdId, amountCredits: 31n });
    expect(tooMuch).toMatchObject({ ok: false, code: 'amount_exceeds_hold', figures: { heldCredits: 30n, requestedCredits: 31n } });

    const captured = await ledger.capture({ holdId, amountCredits: 12n });
    expect(captured.ok).toBe(true);
    if (!captured.ok) return;
    expect(captured.hold).toMatchObject({ status: 'captured', capturedCredits: 12n });
    expect(captured.balance).toMatchObject({ postedCredits: 88n, pendingCredits: 0n, availableCredits: 88n });
    expect(captured.consumptions).toHaveLength(1);
    expect(captured.consumptions[0]?.amountCredits).toBe(12n);
  });

  it('resolves a hold exactly once; a second resolution gets a typed result', async () => {
    const orgId = await poolWithCredits(ledger, 100n);
    const first = await placed(orgId, 10n);
    const captured = await ledger.capture({ holdId: first, amountCredits: 10n });
    expect(captured.ok).toBe(true);
    // The same capture again (a retry) returns the first result.
    const retried = await ledger.capture({ holdId: first, amountCredits: 10n });
    expect(retried).toEqual({ ...captured, replayed: true });
    expect(await ledger.capture({ holdId: first, amountCredits: 5n })).toMatchObject({
      ok: false,
      code: 'hold_already_captured',
      figures: { capturedCredits: 10n },
    });
    expect(await ledger.void({ holdId: first, reason: 'cancelled' })).toMatchObject({ ok: false, code: 'hold_already_captured' });

    const second = await placed(orgId, 10n);
    const voided = await ledger.void({ holdId: second, reason: 'cancelled' });
    expect(voided.ok && voided.hold.status).toBe('voided');
    expect(await ledger.void({ holdId: second, reason: 'cancelled' })).toEqual({ ...voided, replayed: true });
    expect(await ledger.capture({ holdId: second, amountCredits: 1n })).toMatchObject({ ok: false, code: 'hold_already_voided' });
    expect(await ledger.extendHold({ holdId: second, expiresAt: new Date(fixture.clock.milliseconds + hours(1)) })).toMatchObject({
      ok: false,
      code: 'hold_already_voided',
    });
    expect(await ledger.capture({ holdId: id(), amountCredits: 1n })).toMatchObject({ ok: false, code: 'hold_not_found' });
  });

  it('races captures and voids of one hold: exactly one wins', async () => {
    const orgId = await poolWithCredits(ledger, 100n);
    const holdId = await placed(orgId, 10n);
    const others = [new Ledger(fixture.pool, { now: fixture.clock.now }), new Ledger(fixture.pool, { now: fixture.clock.now })];
    const results = await Promise.all([
      ledger.capture({ holdId, amountCredits: 4n }),
      others[0]!.void({ holdId, reason: 'race' }),
      others[1]!.capture({ holdId, amountCredits: 6n }),
      ledger.void({ holdId, reason: 'race 2' }),
    ]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect((await ledger.checkInvariants()).violations).toEqual([]);
  });

  it('expires holds: past expiry a capture is refused, a void still releases, the sweeper releases the rest', async () => {
    const orgId = await poolWithCredits(ledger, 100n);
    const early = await placed(orgId, 10n, { ttlMs: minutes(5) });
    const voidable = await placed(orgId, 10n, { ttlMs: minutes(5) });
    const extended = await placed(orgId, 10n, { ttlMs: minutes(5) });
    const extension = await ledger.extendHold({ holdId: extended, expiresAt: new Date(fixture.clock.milliseconds + hours(1)) });
    expect(extension.ok && extension.hold.expiresAt.getTime()).toBe(fixture.clock.milliseconds + hours(1));
    fixture.clock.advance(minutes(6));

    expect(await ledger.capture({ holdId: early, amountCredits: 10n })).toMatchObject({ ok: false, code: 'hold_expired' });
    expect(await ledger.extendHold({ holdId: early, expiresAt: new Date(fixture.clock.milliseconds + hours(1)) })).toMatchObject({
      ok: false,
      code: 'hold_expired',
    });
    expect((await ledger.void({ holdId: voidable, reason: 'late cancel' })).ok).toBe(true);

    const swept = await ledger.sweepExpiredHolds(100);
    expect(swept.expiredHolds.filter((hold) => hold.orgId === orgId).map((hold) => hold.holdId)).toEqual([early]);
    expect(swept.balances.find((balance) => balance.orgId === orgId)).toMatchObject({ pendingCredits: 10n, availableCredits: 90n });
    expect(await ledger.getHold(early)).toMatchObject({ status: 'expired' });
    expect(await ledger.capture({ holdId: early, amountCredits: 1n })).toMatchObject({ ok: false, code: 'hold_expired' });
    expect((await ledger.capture({ holdId: extended, amountCredits: 10n })).ok).toBe(true);
  });

  it('refuses expiries in the past or beyond the limit', async () => {
    const orgId = await poolWithCredits(ledger, 100n);
    const now = fixture.clock.milliseconds;
    expect(await ledger.hold(request(orgId, 1n, { expiresAt: new Date(now) }))).toMatchObject({ ok: false, code: 'invalid_expiry' });
    expect(await ledger.hold(request(orgId, 1n, { expiresAt: new Date(now + ledgerLimits.maxHoldDurationMs + 1) }))).toMatchObject({
      ok: false,
      code: 'invalid_expiry',
    });
    const holdId = await placed(orgId, 1n);
    expect(await ledger.extendHold({ holdId, expiresAt: new Date(now + days(8)) })).toMatchObject({ ok: false, code: 'invalid_expiry' });
    expect((await ledger.hold(request(orgId, 1n, { expiresAt: new Date(now + ledgerLimits.maxHoldDurationMs) }))).ok).toBe(true);
  });

  it('is idempotent: a retry returns the first result, other parameters under the same id conflict', async () => {
    const orgId = await poolWithCredits(ledger, 50n);
    const first = request(orgId, 20n, { ttlMs: minutes(10) });
    const accepted = await ledger.hold(first);
    fixture.clock.advance(1000);
    const replay = await ledger.hold(first);
    expect(replay).toEqual({ ...accepted, replayed: true });
    if (!accepted.ok) return;
    await ledger.capture({ holdId: first.holdId, amountCredits: 5n });
    // Still the first result, even after the hold moved on.
    expect(await ledger.hold(first)).toEqual({ ...accepted, replayed: true });
    expect(await ledger.hold({ ...first, amountCredits: 21n })).toMatchObject({ ok: false, code: 'id_conflict', figures: { id: first.holdId } });
    const otherOrg = await poolWithCredits(ledger, 50n);
    expect(await ledger.hold({ ...first, orgId: otherOrg })).toMatchObject({ ok: false, code: 'id_conflict' });

    // A refusal is a result too: the id is spent, a retry returns the refusal even once credits arrive.
    const refused = request(orgId, 1_000n);
    const refusal = await ledger.hold(refused);
    expect(refusal).toMatchObject({ ok: false, code: 'insufficient_credits', figures: { availableCredits: 45n, requestedCredits: 1_000n } });
    await ledger.grant({ operationId: id(), orgId, source: 'purchase', amountCredits: 10_000n, actorId: id(), reason: 'top up' });
    expect(await ledger.hold(refused)).toEqual({ ...refusal, replayed: true });
    // Upper-case ids are the same ids.
    expect(await ledger.hold({ ...refused, holdId: refused.holdId.toUpperCase() })).toEqual({ ...refusal, replayed: true });
  });

  it('answers duplicates inside one batch with the first result', async () => {
    const orgId = await poolWithCredits(ledger, 100n);
    const same = request(orgId, 10n);
    const results = await Promise.all([ledger.hold(same), ledger.hold(same), ledger.hold({ ...same, amountCredits: 11n })]);
    expect(results[0].ok).toBe(true);
    expect(results[1]).toEqual({ ...results[0], replayed: true });
    expect(results[2]).toMatchObject({ ok: false, code: 'id_conflict' });
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance.pendingCredits).toBe(10n);
  });

  it('refuses holds on unknown pools without recording them', async () => {
    const orgId = id();
    const hold = request(orgId, 1n);
    expect(await ledger.hold(hold)).toMatchObject({ ok: false, code: 'pool_not_found', figures: { orgId } });
    await ledger.createPool({ orgId, timeZone: 'UTC' });
    await ledger.grant({ operationId: id(), orgId, source: 'promotion', amountCredits: 5n, actorId: id(), reason: 'welcome' });
    expect((await ledger.hold(hold)).ok).toBe(true);
  });

  it('places a hold inside the caller transaction, committed or rolled back with it', async () => {
    const orgId = await poolWithCredits(ledger, 100n);
    await fixture.pool.query('create table if not exists public.test_jobs (job_id uuid primary key, hold_id uuid not null)');
    const client = await fixture.pool.connect();
    try {
      const jobId = id();
      await client.query('begin');
      const held = await ledger.holdInTransaction(client, request(orgId, 40n, { reference: { jobId } }));
      expect(held.ok).toBe(true);
      await client.query('insert into public.test_jobs (job_id, hold_id) values ($1, $2)', [jobId, held.ok ? held.hold.holdId : null]);
      await client.query('commit');
      const jobs = await fixture.pool.query('select 1 from public.test_jobs where job_id = $1', [jobId]);
      expect(jobs.rowCount).toBe(1);

      await client.query('begin');
      const rolledBack = request(orgId, 40n);
      expect((await ledger.holdInTransaction(client, rolledBack)).ok).toBe(true);
      await client.query('rollback');
      expect(await ledger.getHold(rolledBack.holdId)).toBeNull();

      await client.query('begin');
      expect(await ledger.holdInTransaction(client, request(orgId, 61n))).toMatchObject({ ok: false, code: 'insufficient_credits' });
      await client.query('commit');
      await expect(ledger.holdInTransaction(client, request(orgId, 1n))).rejects.toThrow(LedgerAssertionError);
    } finally {
      client.release();
    }
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ pendingCredits: 40n, availableCredits: 60n });
  });

  it('reads, once the pool is its, what the holder of its lock committed meanwhile', async () => {
    // A batch reads the pool's balance after it has the pool's lock: a read older than the lock would
    // not see the hold committed meanwhile, and would accept a hold the pool cannot cover.
    const orgId = await poolWithCredits(ledger, 100n);
    const member = id();
    const client = await fixture.pool.connect();
    try {
      await client.query('begin');
      expect((await ledger.holdInTransaction(client, request(orgId, 60n, { memberId: member }))).ok).toBe(true);
      // Waits for the pool's lock, which the open transaction holds.
      const waiting = ledger.hold(request(orgId, 50n, { memberId: member }));
      const waitingForLock = async (): Promise<number | null> =>
        (await fixture.pool.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`)).rowCount;
      await expect.poll(waitingForLock, { timeout: 10_000 }).toBe(1);
      await client.query('commit');
      expect(await waiting).toMatchObject({ ok: false, code: 'insufficient_credits', figures: { availableCredits: 40n } });
    } finally {
      client.release();
    }
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ pendingCredits: 60n, availableCredits: 40n });
    expect((await ledger.checkInvariants()).violations).toEqual([]);
  });

  it("places another pool's holds while a pool's batch waits for that pool's lock", async () => {
    // One pool's lock held by a long transaction (a capture, a grant) must not stall other orgs: a
    // pool's next holds wait for its running batch instead of filling the second slot with another
    // batch stuck on the same lock.
    const own = new Ledger(fixture.pool, { now: fixture.clock.now });
    const busy = await poolWithCredits(own, 100n);
    const other = await poolWithCredits(own, 100n);
    const lockWaiters = async (): Promise<number | null> =>
      (await fixture.pool.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`)).rowCount;
    const client = await fixture.pool.connect();
    try {
      await client.query('begin');
      expect((await own.holdInTransaction(client, request(busy, 60n))).ok).toBe(true);
      const first = own.hold(request(busy, 10n));
      await expect.poll(lockWaiters, { timeout: 10_000 }).toBe(1);
      const second = own.hold(request(busy, 10n));
      const elsewhere = await Promise.race([
        own.hold(request(other, 10n)),
        new Promise<'stalled'>((resolve) => {
          setTimeout(() => {
            resolve('stalled');
          }, 5_000);
        }),
      ]);
      expect(elsewhere).toMatchObject({ ok: true, balance: { availableCredits: 90n } });
      expect(await lockWaiters()).toBe(1);
      await client.query('commit');
      expect(await first).toMatchObject({ ok: true, balance: { availableCredits: 30n } });
      expect(await second).toMatchObject({ ok: true, balance: { availableCredits: 20n } });
    } finally {
      client.release();
      await own.close();
    }
    expect((await own.checkInvariants()).violations).toEqual([]);
  });

  it('never overdraws under concurrency from several ledgers and connections', async () => {
    const orgId = await poolWithCredits(ledger, 1_000n);
    const ledgers = [
      ledger,
      new Ledger(fixture.pool, { now: fixture.clock.now, holdBatchMaxSize: 7 }),
      new Ledger(fixture.pool, { now: fixture.clock.now, batchHolds: false }),
    ];
    const results = await Promise.all(Array.from({ length: 300 }, (_, index) => ledgers[index % 3]!.hold(request(orgId, 7n))));
    const accepted = results.flatMap((result) => (result.ok ? [result] : []));
    expect(accepted).toHaveLength(142); // 142 * 7 = 994 <= 1000 < 143 * 7
    expect(results.flatMap((result) => (result.ok ? [] : [result.code]))).toEqual(Array.from({ length: 158 }, () => 'insufficient_credits'));
    // Versions: one per accepted hold, all distinct.
    const versions = new Set(accepted.map((result) => result.balance.balanceVersion));
    expect(versions.size).toBe(142);
    expect((await ledger.checkInvariants()).violations).toEqual([]);
  });

  it('batches holds on many pools from several ledgers without deadlock', async () => {
    const orgIds = await Promise.all(Array.from({ length: 6 }, () => poolWithCredits(ledger, 100n)));
    const ledgers = [ledger, new Ledger(fixture.pool, { now: fixture.clock.now }), new Ledger(fixture.pool, { now: fixture.clock.now })];
    const results = await Promise.all(
      Array.from({ length: 240 }, (_, index) => ledgers[index % 3]!.hold(request(orgIds[(index * 7) % orgIds.length]!, 3n))),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(198); // 33 per pool
    expect((await ledger.checkInvariants()).violations).toEqual([]);
  });

  it('asserts the contract: amounts, ids and limits', async () => {
    const orgId = await poolWithCredits(ledger, 100n);
    const bad: Partial<HoldRequest>[] = [
      { amountCredits: 0n },
      { amountCredits: -1n },
      { amountCredits: ledgerLimits.maxAmountCredits + 1n },
      { amountCredits: 1 as unknown as bigint },
      { holdId: 'not-a-uuid' },
      { projectId: 'nope' },
      { ttlMs: ledgerLimits.maxHoldDurationMs + 1 },
      { ttlMs: 1000, expiresAt: new Date() },
      { reference: { jobId: 'x'.repeat(ledgerLimits.maxReferenceLength + 1) } },
      { reason: 'x'.repeat(ledgerLimits.maxReasonLength + 1) },
    ];
    for (const override of bad) {
      await expect(ledger.hold(request(orgId, 1n, override))).rejects.toThrow(LedgerAssertionError);
    }
    expect(() => new Ledger(fixture.pool, { holdBatchMaxSize: ledgerLimits.maxHoldBatchSize + 1 })).toThrow(LedgerAssertionError);
    expect(() => new Ledger(fixture.pool, { holdBatchMaxWaitMs: ledgerLimits.maxHoldBatchWaitMs + 1 })).toThrow(LedgerAssertionError);
    expect(() => new Ledger(fixture.pool, { holdBatchConcurrency: ledgerLimits.maxHoldBatchConcurrency + 1 })).toThrow(LedgerAssertionError);
    expect(() => new Ledger(fixture.pool, { maxQueuedHolds: ledgerLimits.maxQueuedHolds + 1 })).toThrow(LedgerAssertionError);
    await expect(ledger.sweepExpiredHolds(ledgerLimits.maxSweepLimit + 1)).rejects.toThrow(LedgerAssertionError);
  });

  it('sheds load beyond maxQueuedHolds', async () => {
    const orgId = await poolWithCredits(ledger, 1_000n);
    const small = new Ledger(fixture.pool, { now: fixture.clock.now, holdBatchMaxSize: 2, maxQueuedHolds: 4 });
    const attempts = Array.from({ length: 8 }, () => small.hold(request(orgId, 1n)));
    const settled = await Promise.allSettled(attempts);
    const overloaded = settled.filter((item) => item.status === 'rejected' && item.reason instanceof LedgerOverloadedError);
    expect(overloaded).toHaveLength(4);
    expect(settled.filter((item) => item.status === 'fulfilled')).toHaveLength(4);
  });

  it('waits up to holdBatchMaxWaitMs to fill a batch', async () => {
    const orgId = await poolWithCredits(ledger, 1_000n);
    const waiting = new Ledger(fixture.pool, { now: fixture.clock.now, holdBatchMaxWaitMs: 20 });
    const first = waiting.hold(request(orgId, 1n));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = waiting.hold(request(orgId, 1n));
    const [a, b] = await Promise.all([first, second]);
    // Same batch: consecutive versions from one transaction.
    expect(a.ok && b.ok && b.balance.balanceVersion - a.balance.balanceVersion).toBe(1n);
  });
});
