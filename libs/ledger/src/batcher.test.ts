import { describe, expect, it } from 'vitest';
import { Batcher, LedgerOverloadedError } from './batcher.js';

describe('batcher', () => {
  it('groups what arrives while a batch runs into the next batch, within the size limit', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (requests) => {
        batches.push(requests);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return requests.map((request) => request * 2);
      },
      { maxBatchSize: 4, maxWaitMs: 0, maxQueued: 100, maxConcurrentBatches: 1 },
      () => false,
    );
    const first = batcher.submit(0);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = Array.from({ length: 9 }, (_, index) => batcher.submit(index + 1));
    expect(await Promise.all([first, ...rest])).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(batches).toEqual([[0], [1, 2, 3, 4], [5, 6, 7, 8], [9]]);
  });

  it('runs up to maxConcurrentBatches batches at once', async () => {
    let inFlight = 0;
    let most = 0;
    const batcher = new Batcher<number, number>(
      async (requests) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 10));
        inFlight -= 1;
        return requests;
      },
      { maxBatchSize: 2, maxWaitMs: 0, maxQueued: 100, maxConcurrentBatches: 2 },
      () => false,
    );
    await Promise.all(Array.from({ length: 12 }, (_, index) => batcher.submit(index)));
    expect(most).toBe(2);
    await batcher.drain();
  });

  it('refuses more than maxQueued waiting requests', async () => {
    const batcher = new Batcher<number, number>((requests) => Promise.resolve(requests), { maxBatchSize: 2, maxWaitMs: 0, maxQueued: 3, maxConcurrentBatches: 1 }, () => false);
    const submitted = Array.from({ length: 5 }, (_, index) => batcher.submit(index));
    const settled = await Promise.allSettled(submitted);
    expect(settled.map((item) => item.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect(settled[3]).toMatchObject({ reason: expect.any(LedgerOverloadedError) as unknown });
  });

  it('isolates a request that fails its batch by splitting the batch', async () => {
    const batcher = new Batcher<number, number>(
      (requests) => (requests.includes(3) ? Promise.reject(new Error('poison')) : Promise.resolve(requests)),
      { maxBatchSize: 8, maxWaitMs: 0, maxQueued: 100, maxConcurrentBatches: 1 },
      (error) => error instanceof Error && error.message === 'poison',
    );
    const settled = await Promise.allSettled(Array.from({ length: 8 }, (_, index) => batcher.submit(index)));
    expect(settled.map((item) => item.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('never runs two batches of one key at once: a busy key waits for its batch, another key takes the free slot', async () => {
    const started: string[][] = [];
    const running = new Set<string>();
    const overlaps: string[] = [];
    const releases: (() => void)[] = [];
    const batcher = new Batcher<string, string>(
      async (requests) => {
        const keys = [...new Set(requests.map((request) => request.slice(0, 1)))];
        for (const key of keys) {
          if (running.has(key)) overlaps.push(key);
          running.add(key);
        }
        started.push(requests);
        // The first batch stays open until the test lets it go (a pool lock held elsewhere).
        if (started.length === 1) await new Promise<void>((resolve) => releases.push(resolve));
        else await new Promise((resolve) => setTimeout(resolve, 5));
        for (const key of keys) running.delete(key);
        return requests;
      },
      { maxBatchSize: 10, maxWaitMs: 0, maxQueued: 100, maxConcurrentBatches: 2 },
      () => false,
      (request) => request.slice(0, 1),
    );
    const first = batcher.submit('a1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([['a1']]);
    // While a's batch is open: a's next requests wait; b's go in the other slot, batch after batch.
    const waiting = ['a2', 'a3'].map((request) => batcher.submit(request));
    expect(await batcher.submit('b1')).toBe('b1');
    expect(await batcher.submit('b2')).toBe('b2');
    expect(started).toEqual([['a1'], ['b1'], ['b2']]);
    releases[0]?.();
    expect(await Promise.all([first, ...waiting])).toEqual(['a1', 'a2', 'a3']);
    // a's waiting requests went together, in order, once its batch had ended.
    expect(started).toEqual([['a1'], ['b1'], ['b2'], ['a2', 'a3']]);
    expect(overlaps).toEqual([]);
    await batcher.drain();
  });

  it('keeps each key in order when a batch fills up part way through a key', async () => {
    const batches: string[][] = [];
    const batcher = new Batcher<string, string>(
      async (requests) => {
        batches.push(requests);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return requests;
      },
      { maxBatchSize: 3, maxWaitMs: 0, maxQueued: 100, maxConcurrentBatches: 2 },
      () => false,
      (request) => request.slice(0, 1),
    );
    const all = ['a1', 'b1', 'a2', 'a3', 'b2', 'c1'].map((request) => batcher.submit(request));
    expect(await Promise.all(all)).toEqual(['a1', 'b1', 'a2', 'a3', 'b2', 'c1']);
    // The first batch takes a1, b1, a2 (full); a3 and b2 wait for their keys; c1 takes the free slot.
    expect(batches).toEqual([['a1', 'b1', 'a2'], ['c1'], ['a3', 'b2']]);
  });
});
