import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { BudgetView, JobView } from '@atelier/contracts';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LedgerRepository, type HoldRefusal, type JobHoldOutcome, type JobHold } from '../repositories/ledger.repository.js';
import { QueueRepository } from '../queue/queue.repository.js';
import type { BalanceChanged } from '../events/app-events.js';
import { JobsRepository, type JobRecord, type NewJob } from './jobs.repository.js';
import { jobView } from './job-view.js';

/** A paid job to place: its row, its price and the queue it waits in. */
export interface PaidPlacement {
  job: NewJob;
  credits: number;
  /** The member's queue this job's id picks, and the others to use when that one is busy. */
  queueName: string;
  otherQueueNames: readonly string[];
  reason: string;
}

export type PlacedJob = { ok: true; view: JobView; balance: BalanceChanged; member: BudgetView } | { ok: false; refusal: HoldRefusal };

/** One submit waiting in a batch; the batch's writes fill in its row, its queue and its batch. */
interface Entry {
  placement: PaidPlacement;
  record?: JobRecord;
  queueName?: string;
  batch?: PlacedBatch;
}

/**
 * The places in line of the jobs one transaction placed (read with their enqueue, under the pool's
 * lock: every earlier batch of the pool has committed).
 */
class PlacedBatch {
  constructor(private readonly positions: ReadonlyMap<string, number>) {}

  positionOf(record: JobRecord): number {
    const position = this.positions.get(record.id);
    if (position === undefined) throw new Error(`job ${record.id} has no place in line`);
    return position;
  }
}

/**
 * Places paid jobs in batches: concurrent submits share one transaction in which the ledger places
 * their holds (pool, member and project budgets checked in order, atomically) and, for the holds
 * accepted, their job rows and queue entries are inserted in one statement each. A refused hold
 * inserts nothing; each submit gets its own answer.
 */
@Injectable()
export class JobPlacer {
  private readonly place: (hold: JobHold, entry: Entry) => Promise<JobHoldOutcome>;

  constructor(
    @Inject(LedgerRepository) ledger: LedgerRepository,
    @Inject(JobsRepository) private readonly jobs: JobsRepository,
    @Inject(QueueRepository) private readonly queue: QueueRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.place = ledger.jobHoldBatcher<Entry>({
      before: (client, entries) => this.writeRows(client, entries),
      after: (client, accepted, notAccepted) => this.enqueue(client, accepted, notAccepted),
    });
  }

  /** Holds the job's price and, when accepted, creates and enqueues it in the same commit. */
  async placePaid(placement: PaidPlacement): Promise<PlacedJob> {
    const { job } = placement;
    const entry: Entry = { placement };
    const outcome = await this.place(
      {
        jobId: job.id,
        organizationId: job.organizationId,
        memberId: job.authorId,
        projectId: job.projectId,
        credits: placement.credits,
        ttlMs: this.config.jobs.queuedHoldTtlMs,
        reason: placement.reason,
      },
      entry,
    );
    if (!outcome.ok) return outcome;
    const { record, batch } = entry;
    if (record === undefined || batch === undefined) throw new Error(`job ${job.id} was held but not written`);
    return { ok: true, view: jobView(record, [], batch.positionOf(record)), balance: outcome.balance, member: outcome.member };
  }

  /**
   * Before the pool is locked (nothing decided yet): every job's row, and the queue each would
   * wait in. Concurrent batches do this side by side; only the decision and the enqueue below wait
   * for the pool's lock.
   */
  private async writeRows(client: pg.ClientBase, entries: readonly Entry[]): Promise<void> {
    const candidates = entries.map(({ placement }) => [placement.queueName, ...placement.otherQueueNames]);
    const choice = candidates.some((names) => names.length > 1);
    const { records, busyQueues } = await this.jobs.insertMany(
      client,
      entries.map((entry) => entry.placement.job),
      choice ? [...new Set(candidates.flat())] : [],
    );
    const queueNames = queueNamesFor(candidates, busyQueues);
    const byId = new Map(records.map((record) => [record.id, record]));
    entries.forEach((entry, index) => {
      entry.record = byId.get(entry.placement.job.id);
      entry.queueName = queueNames[index];
    });
  }

  /** Once the holds are decided: the accepted jobs are enqueued, the others' rows removed (the same transaction, so none was ever seen). */
  private async enqueue(client: pg.ClientBase, accepted: readonly Entry[], notAccepted: readonly Entry[]): Promise<void> {
    if (notAccepted.length > 0) await this.jobs.deleteUnplaced(client, notAccepted.map((entry) => entry.placement.job.id));
    if (accepted.length === 0) return;
    const positions = await this.queue.enqueueMany(
      client,
      accepted.map(({ placement, queueName, record }) => ({
        jobId: placement.job.id,
        organizationId: placement.job.organizationId,
        provider: placement.job.provider,
        queueName: queueName ?? placement.queueName,
        priority: record?.queuePriority ?? 0,
      })),
    );
    const batch = new PlacedBatch(positions);
    for (const entry of accepted) entry.batch = batch;
  }
}

/**
 * Each job's queue (one of its member's slots, each running one job at a time): the one its id
 * picks unless a job is running in it, then the next free one, and never two of this batch in one
 * slot while another is free. A job queued behind a running one would wait for that one's
 * completion, which announces nothing; a free slot starts it on its own notification.
 */
function queueNamesFor(candidates: readonly (readonly string[])[], busy: ReadonlySet<string>): string[] {
  const taken = new Set<string>();
  return candidates.map((names) => {
    const chosen = names.find((name) => !busy.has(name) && !taken.has(name)) ?? names.find((name) => !busy.has(name)) ?? names[0] ?? '';
    taken.add(chosen);
    return chosen;
  });
}
