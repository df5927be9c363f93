import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerFixture, minutes, poolWithCredits, type LedgerFixture } from './support.js';

/**
 * A process placing holds is killed mid-batch (SIGKILL: no cleanup, no rollback by the client).
 * Postgres rolls the open transaction back: no partial transfer exists, the ledger audits clean,
 * and the sweeper later releases the holds that were committed but never resolved.
 */
const childScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.ts');

interface Message {
  event: 'in-batch' | 'committed' | 'ready' | 'error';
  holdIds?: string[];
  message?: string;
}

function startChild(url: string, orgId: string, mode: 'pause' | 'flood'): { child: ChildProcessWithoutNullStreams; messages: AsyncIterator<Message> } {
  const child = spawn(process.execPath, ['--conditions=@atelier/source', '--import', 'tsx', childScript, url, orgId, mode], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout });
  async function* read(): AsyncGenerator<Message> {
    for await (const line of lines) {
      yield JSON.parse(line) as Message;
    }
    throw new Error(`child exited: ${stderr}`);
  }
  return { child, messages: read() };
}

async function next(messages: AsyncIterator<Message>): Promise<Message> {
  const item = await messages.next();
  if (item.done === true) {
    throw new Error('child stopped talking');
  }
  return item.value;
}

async function kill(child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('a process killed in the middle of a batch of holds', () => {
  let fixture: LedgerFixture;
  beforeAll(async () => {
    fixture = await ledgerFixture();
  });
  afterAll(async () => {
    await fixture.close();
  });

  /** Waits until Postgres has noticed the dead client and rolled its transaction back. */
  async function waitForRollback(): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const { rows } = await fixture.pool.query<{ count: string }>(
        `select count(*) from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
      );
      if (rows[0]?.count === '0') {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('the killed transaction is still open');
  }

  it('leaves no partial transfer, and the sweeper releases what was never resolved', { timeout: 60_000 }, async () => {
    const { ledger, pool, clock } = fixture;
    clock.milliseconds = Date.now();
    const orgId = await poolWithCredits(ledger, 1_000n);
    const { child, messages } = startChild(fixture.database.url, orgId, 'pause');
    const committed: string[] = [];
    let paused: string[];
    for (;;) {
      const message = await next(messages);
      if (message.event === 'committed') {
        committed.push(...(message.holdIds ?? []));
      } else if (message.event === 'in-batch') {
        paused = message.holdIds ?? [];
        break;
      } else {
        throw new Error(`unexpected ${JSON.stringify(message)}`);
      }
    }
    expect(committed).toHaveLength(40);
    expect(paused).toHaveLength(30);

    // The batch's writes are done but not committed: invisible to everyone else.
    const inFlight = await pool.query(`select count(*)::int as count from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`);
    expect(inFlight.rows[0]).toEqual({ count: 1 });
    await kill(child);
    await waitForRollback();

    const holds = await pool.query<{ hold_id: string }>('select hold_id from ledger.holds where hold_id = any($1::uuid[])', [paused]);
    const transfers = await pool.query('select 1 from ledger.transfers where hold_id = any($1::uuid[])', [paused]);
    expect(holds.rows).toEqual([]);
    expect(transfers.rows).toEqual([]);
    const balance = await ledger.poolBalance(orgId);
    expect(balance.ok && balance.balance).toMatchObject({ postedCredits: 1_000n, pendingCredits: 120n, availableCredits: 880n });
    expect((await ledger.checkInvariants()).violations).toEqual([]);

    // A retry of a lost hold is a new hold (nothing of the first attempt survived).
    const retried = await ledger.hold({ holdId: paused[0]!, orgId, memberId: paused[1]!, amountCredits: 3n, actorId: paused[1]! });
    expect(retried.ok && retried.replayed).toBe(false);
    await ledger.void({ holdId: paused[0]!, reason: 'test cleanup' });

    // The 40 committed holds were never captured or voided: the sweeper releases them after expiry.
    clock.advance(minutes(2));
    const swept = await ledger.sweepExpiredHolds(1_000);
    expect(swept.expiredHolds.map((hold) => hold.holdId).sort()).toEqual([...committed].sort());
    const after = await ledger.poolBalance(orgId);
    expect(after.ok && after.balance).toMatchObject({ postedCredits: 1_000n, pendingCredits: 0n, availableCredits: 1_000n });
    expect((await ledger.checkInvariants()).violations).toEqual([]);
  });

  it('stays consistent when killed at random moments while flooding holds', { timeout: 60_000 }, async () => {
    const { ledger, clock } = fixture;
    clock.milliseconds = Date.now();
    const orgId = await poolWithCredits(ledger, 1_000_000n);
    const committed: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const { child, messages } = startChild(fixture.database.url, orgId, 'flood');
      expect((await next(messages)).event).toBe('ready');
      const collecting = (async () => {
        try {
          for (;;) {
            const message = await next(messages);
            committed.push(...(message.holdIds ?? []));
          }
        } catch {
          // the child is gone
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 300));
      await kill(child);
      await collecting;
      await waitForRollback();
      expect((await ledger.checkInvariants()).violations).toEqual([]);
    }
    expect(committed.length).toBeGreaterThan(0);
    clock.advance(minutes(2));
    const swept = await ledger.sweepExpiredHolds(10_000);
    // Every hold the children saw committed is released, and possibly a few committed just before a kill.
    const sweptIds = new Set(swept.expiredHolds.map((hold) => hold.holdId));
    expect(committed.every((holdId) => sweptIds.has(holdId))).toBe(true);
    const after = await ledger.poolBalance(orgId);
    expect(after.ok && after.balance).toMatchObject({ pendingCredits: 0n, availableCredits: 1_000_000n });
    expect((await ledger.checkInvariants()).violations).toEqual([]);
  });
});
