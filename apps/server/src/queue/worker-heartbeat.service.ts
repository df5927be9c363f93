import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Periodic } from '../common/periodic.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { QueueRepository } from './queue.repository.js';

/**
 * On a worker node: says its workers are alive (a heartbeat every third of WORKER_SILENT_AFTER_MS,
 * at most every 5 s), and frees what workers of any node that went silent still hold, so a node
 * killed mid-job does not leave its jobs, and every job queued behind them in a member's queue,
 * locked for hours. The freed jobs run again on a live worker; the job runner resumes a running
 * job where it stopped, and the ledger resolves its hold exactly once.
 */
@Injectable()
export class WorkerHeartbeatService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WorkerHeartbeat');
  private readonly beats = new Periodic(
    () => this.queue.beat(),
    (error: unknown) => {
      this.logger.warn(`heartbeat not written: ${String(error)}`);
    },
  );
  private readonly unlocks = new Periodic(
    () => this.queue.unlockSilentWorkers(this.config.jobs.workerSilentAfterMs),
    (error: unknown) => {
      this.logger.warn(`silent workers not checked: ${String(error)}`);
    },
  );

  constructor(
    @Inject(QueueRepository) private readonly queue: QueueRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.jobs.runWorkers) return;
    const silentMs = this.config.jobs.workerSilentAfterMs;
    this.beats.start(Math.min(5_000, Math.floor(silentMs / 3)));
    this.unlocks.start(Math.floor(silentMs / 2));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.beats.stop(), this.unlocks.stop()]);
  }
}
