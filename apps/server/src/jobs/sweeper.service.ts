import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Periodic } from '../common/periodic.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EventBus } from '../events/event-bus.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { JobEndingService } from './job-ending.service.js';

/** Holds and grants examined per sweep; a backlog is worked off over the next sweeps. */
export const SWEEP_BATCH_LIMIT = 200;

/**
 * Releases what nobody will resolve: holds past their expiry (a queued job that waited too long,
 * a worker that died mid-job) are voided by the ledger and their jobs marked failed and refunded;
 * grants past their expiry move their unspent credits to the expiry sink.
 */
@Injectable()
export class SweeperService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Sweeper');
  private readonly periodic = new Periodic(
    () => this.sweep(),
    (error: unknown) => {
      this.logger.error(`sweep failed: ${String(error)}`);
    },
  );

  constructor(
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(JobEndingService) private readonly endings: JobEndingService,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.jobs.runWorkers) return;
    this.periodic.start(this.config.jobs.sweepIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.periodic.stop();
  }

  /** One pass; returns the ids of the jobs it refunded. */
  async sweep(): Promise<string[]> {
    const holds = await this.ledger.sweepExpiredHolds(SWEEP_BATCH_LIMIT);
    const refunded = await this.endings.expired(holds.holds);
    for (const balance of holds.balances) this.events.publish('balance.changed', balance);
    for (const balance of await this.ledger.expireGrants(SWEEP_BATCH_LIMIT)) this.events.publish('balance.changed', balance);
    return refunded;
  }
}
