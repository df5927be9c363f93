import { assert } from './assert.js';

/** Thrown when more holds wait for a batch than `maxQueuedHolds`: the caller should shed load. */
export class LedgerOverloadedError extends Error {
  override readonly name = 'LedgerOverloadedError';
}

export interface BatcherOptions {
  /** Most requests in one transaction. */
  maxBatchSize: number;
  /** How long the first request of an idle batcher waits for company; 0: until the event loop turns. */
  maxWaitMs: number;
  /** Most requests waiting. */
  maxQueued: number;
  /** Most batches in flight at once. */
  maxConcurrentBatches: number;
}

interface Entry<Request, Result> {
  request: Request;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for holds. A batch starts as soon as a batch slot is free (after one event-loop
 * turn, or `maxWaitMs`); requests that arrive while every slot is busy wait and form the next
 * batch, so under load a batch carries everything that arrived during the previous ones (no timer
 * needed), and an idle ledger answers after one event-loop turn.
 *
 * With `keyOf` (a hold's pool), no two batches in flight share a key: a batch takes only the
 * requests whose key no running batch holds. A hot pool has one batch at a time, which carries
 * everything that waited for it (a second batch would only wait for the first one's pool lock, and
 * split the requests into more, smaller transactions), while another slot serves other pools, whose
 * requests need not wait for a busy pool's batch.
 *
 * A batch that fails with a data error is split in halves and retried, so one bad request cannot
 * fail the requests it happened to share a transaction with.
 */
export class Batcher<Request, Result> {
  private readonly queue: Entry<Request, Result>[] = [];
  private running = 0;
  /** Keys of the requests in the batches running now. */
  private readonly busyKeys = new Set<string>();
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly execute: (requests: Request[]) => Promise<Result[]>,
    private readonly options: BatcherOptions,
    private readonly isolate: (error: unknown) => boolean,
    private readonly keyOf?: (request: Request) => string,
  ) {
    assert(options.maxBatchSize >= 1, 'maxBatchSize is at least 1');
    assert(options.maxQueued >= options.maxBatchSize, 'maxQueued is at least maxBatchSize');
    assert(options.maxConcurrentBatches >= 1, 'maxConcurrentBatches is at least 1');
  }

  /** Resolves once nothing is queued or running. */
  async drain(): Promise<void> {
    while (this.running > 0 || this.scheduled || this.queue.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  submit(request: Request): Promise<Result> {
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(new LedgerOverloadedError(`more than ${String(this.options.maxQueued)} holds are waiting`));
    }
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running >= this.options.maxConcurrentBatches) {
      return;
    }
    const full = this.queue.length >= this.options.maxBatchSize;
    if (this.timer !== undefined && full) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.scheduled = false;
    }
    if (this.scheduled) {
      return;
    }
    this.scheduled = true;
    if (this.options.maxWaitMs > 0 && !full) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.start();
      }, this.options.maxWaitMs);
    } else {
      setImmediate(() => {
        this.start();
      });
    }
  }

  private start(): void {
    this.scheduled = false;
    // Batches are taken synchronously, so this starts as many as slots and free keys allow.
    while (this.running < this.options.maxConcurrentBatches) {
      const batch = this.take();
      if (batch.length === 0) return;
      void this.run(batch);
    }
  }

  /** The next batch: the oldest requests whose keys no running batch holds, in order. */
  private take(): Entry<Request, Result>[] {
    const { keyOf } = this;
    if (keyOf === undefined) return this.queue.splice(0, this.options.maxBatchSize);
    const batch: Entry<Request, Result>[] = [];
    const taken = new Set<string>();
    let kept = 0;
    for (const entry of this.queue) {
      const key = keyOf(entry.request);
      if (batch.length < this.options.maxBatchSize && !this.busyKeys.has(key)) {
        batch.push(entry);
        taken.add(key);
      } else {
        this.queue[kept] = entry;
        kept += 1;
      }
    }
    this.queue.length = kept;
    for (const key of taken) this.busyKeys.add(key);
    return batch;
  }

  private async run(batch: Entry<Request, Result>[]): Promise<void> {
    this.running += 1;
    try {
      await this.executeIsolated(batch);
    } finally {
      this.running -= 1;
      const { keyOf } = this;
      if (keyOf !== undefined) for (const entry of batch) this.busyKeys.delete(keyOf(entry.request));
      if (this.queue.length > 0 && !this.scheduled) {
        // These requests already waited for the previous batch: start now.
        this.scheduled = true;
        setImmediate(() => {
          this.start();
        });
      }
    }
  }

  private async executeIsolated(batch: Entry<Request, Result>[]): Promise<void> {
    let results: Result[];
    try {
      results = await this.execute(batch.map((entry) => entry.request));
    } catch (error) {
      if (batch.length > 1 && this.isolate(error)) {
        const middle = Math.ceil(batch.length / 2);
        await this.executeIsolated(batch.slice(0, middle));
        await this.executeIsolated(batch.slice(middle));
        return;
      }
      for (const entry of batch) {
        entry.reject(error);
      }
      return;
    }
    assert(results.length === batch.length, 'a batch returns one result per request');
    batch.forEach((entry, index) => {
      entry.resolve(results[index] as Result);
    });
  }
}
