import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Periodic } from '../common/periodic.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { JobEventsRepository } from './job-events.repository.js';
import { JobsService } from './jobs.service.js';
import { QueueRepository } from './queue.repository.js';
import { ThumbnailService } from './thumbnail.service.js';

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
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(QueueRepository) private readonly queue: QueueRepository,
    @Inject(JobsService) private readonly jobs: JobsService,
    @Inject(JobEventsRepository) private readonly events: JobEventsRepository,
    @Inject(ThumbnailService) private readonly thumbnails: ThumbnailService,
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
    const holds = await this.ledger.ledger.sweepExpiredHolds(SWEEP_BATCH_LIMIT);
    const refunded: string[] = [];
    for (const hold of holds.expiredHolds) {
      const failed = await this.postgres.pool.query<{ id: string; organization_id: string }>(
        `update jobs set status = 'failed', error_code = 'hold_expired', finished_at = now(),
           error_message = 'The job did not finish in time (its worker stopped, or it waited too long in the queue); its credits were refunded.'
         where id = $1 and status in ('queued', 'running') returning id, organization_id`,
        [hold.holdId],
      );
      const job = failed.rows[0];
      if (job === undefined) continue;
      refunded.push(job.id);
      await this.queue.remove(job.id);
      const removed = await this.postgres.pool.query<{ storage_key: string }>(`delete from assets where job_id = $1 returning storage_key`, [job.id]);
      await Promise.all(removed.rows.map((row) => this.thumbnails.deleteWithThumbnails(row.storage_key).catch(() => undefined)));
      this.events.jobChanged(await this.jobs.get(job.organization_id, job.id));
    }
    for (const balance of holds.balances) this.events.balanceChanged(balance.orgId, balance);
    const grants = await this.ledger.ledger.expireGrants(SWEEP_BATCH_LIMIT);
    for (const balance of grants.balances) this.events.balanceChanged(balance.orgId, balance);
    return refunded;
  }
}
