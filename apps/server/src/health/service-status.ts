import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DatabaseRepository } from '../repositories/database.repository.js';

/** What this node can do right now: whether its database answers, whether its workers run. */
export interface ServiceState {
  database: 'up' | 'down';
  /** `paused` while the job workers wait for the database to come back (absent on API-only nodes). */
  workers?: 'running' | 'paused';
  /** When the current database state began (ISO). */
  since: string;
  /** Why the database is down (its last error), when it is. */
  reason?: string;
}

/** While the database is down it is probed this often; the first answer marks it up again. */
export const DATABASE_PROBE_INTERVAL_MS = 1_000;

/**
 * This node's view of its dependencies. Whoever meets a database-unavailable error reports it
 * (the error filter, the queue's supervisor); from then on the database is probed every second
 * until it answers. Listeners (the realtime gateway) hear each change as `'change'`.
 */
@Injectable()
export class ServiceStatus implements OnApplicationShutdown {
  readonly events = new EventEmitter<{ change: [ServiceState] }>();
  private readonly logger = new Logger('ServiceStatus');
  private current: ServiceState = { database: 'up', since: new Date().toISOString() };
  private probe: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(@Inject(DatabaseRepository) private readonly database: DatabaseRepository) {}

  get state(): ServiceState {
    return this.current;
  }

  get databaseUp(): boolean {
    return this.current.database === 'up';
  }

  /** The database failed to answer: mark it down (once) and probe until it answers again. */
  databaseDown(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    if (this.current.database === 'down') {
      this.current = { ...this.current, reason };
      return;
    }
    this.logger.warn(`database unavailable: ${reason}`);
    this.update({ database: 'down', since: new Date().toISOString(), reason });
    this.scheduleProbe();
  }

  /** The database answered (a probe, a health check): mark it up. */
  databaseUpAgain(): void {
    if (this.current.database === 'up') return;
    const downFor = Date.now() - Date.parse(this.current.since);
    this.logger.log(`database reachable again after ${String(downFor)} ms`);
    clearTimeout(this.probe);
    this.probe = undefined;
    const { reason: _reason, ...rest } = this.current;
    this.update({ ...rest, database: 'up', since: new Date().toISOString() });
  }

  workers(state: 'running' | 'paused'): void {
    if (this.current.workers === state) return;
    this.update({ ...this.current, workers: state });
  }

  /** Resolves once the database answers (at once when it is up). */
  async untilDatabaseUp(): Promise<void> {
    if (this.databaseUp) return;
    await new Promise<void>((resolve) => {
      const listener = (state: ServiceState): void => {
        if (state.database !== 'up' && !this.stopped) return;
        this.events.off('change', listener);
        resolve();
      };
      this.events.on('change', listener);
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.probe);
    this.events.emit('change', this.current);
  }

  private update(state: ServiceState): void {
    this.current = state;
    this.events.emit('change', state);
  }

  private scheduleProbe(): void {
    if (this.stopped || this.probe !== undefined) return;
    this.probe = setTimeout(() => {
      this.probe = undefined;
      this.database
        .ping()
        .then(() => {
          this.databaseUpAgain();
        })
        .catch((error: unknown) => {
          this.current = { ...this.current, reason: error instanceof Error ? error.message : String(error) };
          this.scheduleProbe();
        });
    }, DATABASE_PROBE_INTERVAL_MS);
    this.probe.unref();
  }
}
