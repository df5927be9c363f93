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
