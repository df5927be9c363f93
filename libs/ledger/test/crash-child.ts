/**
 * A process that places holds and gets killed (see crash.test.ts). Modes:
 * - `pause`: commits two batches of holds, then stops inside the third batch's transaction, after
 *   its writes and before COMMIT, prints the batch's hold ids and waits to be killed.
 * - `flood`: places batches of holds without pause until killed at a random moment.
 * Protocol: one JSON object per stdout line.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Ledger, type HoldRequest } from '../src/index.js';

const [url, orgId, mode] = process.argv.slice(2);
if (url === undefined || orgId === undefined || (mode !== 'pause' && mode !== 'flood')) {
  throw new Error('usage: crash-child <database url> <org id> pause|flood');
}
const say = (message: object): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

let batches = 0;
let pausedBatch: string[] = [];
const pool = new pg.Pool({ connectionString: url, max: 4 });
const ledger = new Ledger(pool, {
  hooks: {
    beforeCommit: async (label) => {
      if (label !== 'hold batch' || mode !== 'pause') {
        return;
      }
      batches += 1;
      if (batches === 3) {
        say({ event: 'in-batch', holdIds: pausedBatch });
        await new Promise(() => undefined); // never commits: the test kills us here
      }
    },
  },
});

const memberId = randomUUID();
const holdRequest = (): HoldRequest => ({
  holdId: randomUUID(),
  orgId,
  memberId,
  amountCredits: 3n,
  ttlMs: 60_000,
  actorId: memberId,
  reference: { jobId: randomUUID() },
});

async function wave(size: number): Promise<string[]> {
  const requests = Array.from({ length: size }, holdRequest);
  const results = await Promise.all(requests.map((request) => ledger.hold(request)));
  for (const result of results) {
    if (!result.ok) {
      throw new Error(`hold refused: ${result.code}`);
    }
  }
  return requests.map((request) => request.holdId);
}

if (mode === 'pause') {
  say({ event: 'committed', holdIds: await wave(20) });
  say({ event: 'committed', holdIds: await wave(20) });
  const requests = Array.from({ length: 30 }, holdRequest);
  pausedBatch = requests.map((request) => request.holdId);
  await Promise.all(requests.map((request) => ledger.hold(request)));
  say({ event: 'error', message: 'the paused batch committed' });
} else {
  say({ event: 'ready' });
  for (;;) {
    say({ event: 'committed', holdIds: await wave(25) });
  }
}
