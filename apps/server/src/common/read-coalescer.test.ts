import { describe, expect, it } from 'vitest';
import { ReadCoalescer } from './read-coalescer.js';

/** A read the test finishes by hand: its number and its way to end. */
function manualReads(): { load: () => Promise<number>; started: number; finish: (index: number, error?: Error) => void } {
  const pending: { resolve: (value: number) => void; reject: (error: Error) => void }[] = [];
  const reads = {
    started: 0,
    load: () => {
      const index = reads.started++;
      return new Promise<number>((resolve, reject) => pending.push({ resolve: () => { resolve(index); }, reject }));
    },
    finish: (index: number, error?: Error) => {
      const read = pending[index];
      if (error === undefined) read?.resolve(index);
      else read?.reject(error);
    },
  };
  return reads;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ReadCoalescer', () => {
  it('answers callers that arrive during a read with the next read, one for all of them', async () => {
    const coalescer = new ReadCoalescer<string, number>();
    const reads = manualReads();
    const first = coalescer.read('a', reads.load);
    const second = coalescer.read('a', reads.load);
    const third = coalescer.read('a', reads.load);
    expect(reads.started).toBe(1);
    reads.finish(0);
    expect(await first).toBe(0);
    await tick();
    // The read that began before they asked is not theirs: a second one, shared.
    expect(reads.started).toBe(2);
    reads.finish(1);
    expect(await Promise.all([second, third])).toEqual([1, 1]);
    await tick();
    expect(reads.started).toBe(2);
  });

  it('reads different keys on their own, and at once when nothing runs', async () => {
    const coalescer = new ReadCoalescer<string, number>();
    const reads = manualReads();
    const a = coalescer.read('a', reads.load);
    const b = coalescer.read('b', reads.load);
    expect(reads.started).toBe(2);
    reads.finish(0);
    reads.finish(1);
    expect(await Promise.all([a, b])).toEqual([0, 1]);
    await tick();
    const again = coalescer.read('a', reads.load);
    expect(reads.started).toBe(3);
    reads.finish(2);
    expect(await again).toBe(2);
  });

  it('fails only the wave whose read failed', async () => {
    const coalescer = new ReadCoalescer<string, number>();
    const reads = manualReads();
    const first = coalescer.read('a', reads.load);
    const waiting = coalescer.read('a', reads.load);
    reads.finish(0, new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    await tick();
    reads.finish(1);
    expect(await waiting).toBe(1);
  });
});
