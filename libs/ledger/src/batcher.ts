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
 * needed), and an idle ledger answers after one event-loop turn. With two slots, the next batch is
 * already connected and waiting for the pool lock when the current one commits: Postgres never
 * waits for Node between batches.
 *
 * A batch that fails with a data error is split in halves and retried, so one bad request cannot
 * fail the requests it happened to share a transaction with.
 */
export class Batcher<Request, Result> {
  private readonly queue: Entry<Request, Result>[] = [];
  private running = 0;
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly execute: (requests: Request[]) => Promise<Result[]>,
    private readonly options: BatcherOptions,
    private readonly isolate: (error: unknown) => boolean,
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
    // `run` takes its slot synchronously, so this starts as many batches as slots and requests allow.
    while (this.running < this.options.maxConcurrentBatches && this.queue.length > 0) {
      void this.run();
    }
  }

  private async run(): Promise<void> {
    if (this.running >= this.options.maxConcurrentBatches || this.queue.length === 0) {
      return;
    }
    this.running += 1;
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    try {
      await this.executeIsolated(batch);
    } finally {
      this.running -= 1;
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
