import type { PresenceBatch, PresenceChange, PresenceEvent } from '@atelier/contracts';

/** How often an org's room hears the presence changes of the moment (at most this many frames a second: 1000 / this). */
export const PRESENCE_BATCH_MS = 250;

/**
 * Joins, workspace changes and leaves of an org's sockets, sent to its room as one
 * `presence:batch` frame per org every PRESENCE_BATCH_MS, in the order they happened: subscribing
 * N sockets costs each socket a handful of frames, not N (one per join).
 */
export class PresenceBatches {
  private readonly pending = new Map<string, PresenceChange[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (organizationId: string, batch: PresenceBatch) => void,
    private readonly intervalMs = PRESENCE_BATCH_MS,
  ) {}

  add(kind: PresenceChange['kind'], event: PresenceEvent): void {
    const { organizationId, ...entry } = event;
    const changes = this.pending.get(organizationId) ?? [];
    changes.push({ kind, ...entry });
    this.pending.set(organizationId, changes);
    this.timer ??= setTimeout(() => {
      this.flush();
    }, this.intervalMs);
  }

  /** Sends what is pending now (also on shutdown, so the last leaves are told). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batches = [...this.pending];
    this.pending.clear();
    for (const [organizationId, changes] of batches) this.send(organizationId, { organizationId, changes });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}

/**
 * Reads shared by concurrent callers who may take any read that started after they asked: at
 * most one read in flight per key and one queued behind it, so a burst of N subscribes costs a
 * few reads of the room (each across every node), not N.
 */
export class CoalescedReads<T> {
  private readonly reads = new Map<string, { current: Promise<T>; next: Promise<T> | undefined }>();

  constructor(private readonly read: (key: string) => Promise<T>) {}

  /** A read that starts after this call (never one already under way, which may predate a change the caller made). */
  get(key: string): Promise<T> {
    const state = this.reads.get(key);
    if (state === undefined) return this.start(key);
    state.next ??= state.current.then(
      () => this.start(key),
      () => this.start(key),
    );
    return state.next;
  }

  private start(key: string): Promise<T> {
    const current = this.read(key);
    const state: { current: Promise<T>; next: Promise<T> | undefined } = { current, next: undefined };
    this.reads.set(key, state);
    const done = (): void => {
      if (this.reads.get(key) === state && state.next === undefined) this.reads.delete(key);
    };
    current.then(done, done);
    return current;
  }
}
