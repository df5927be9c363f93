import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Logger as WorkerLogger, run, type JobHelpers, type Runner, type Task } from 'graphile-worker';
import type pg from 'pg';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { providerIds, type ProviderId } from '../providers/provider.js';
import { assertEveryProviderRuns, generationTask, taskPayloads, type GenerationRunners, type TaskHandler, type TaskHandlers, type TaskName, type TaskPayload } from './queue-tasks.js';

/** Attempts of one job by graphile-worker (each attempt also retries provider calls itself). */
export const MAX_JOB_ATTEMPTS = 3;

/**
 * A member's jobs run in `concurrency` named queues (each queue runs one job at a time), so one
 * member never has more running at once than the org allows, and the workers pick the oldest job
 * among all members' queue heads: round-robin between members, nobody starved.
 */
export function queueNameFor(organizationId: string, memberId: string, slot: number): string {
  return `org:${organizationId}:member:${memberId}:${String(slot)}`;
}

export interface EnqueueRequest {
  jobId: string;
  provider: ProviderId;
  queueName: string;
}

/** graphile-worker on our Postgres: enqueue inside the caller's transaction, run handlers per provider. */
@Injectable()
export class QueueRepository implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Queue');
  private runners: Runner[] = [];
  /** graphile-worker's log, through ours: warnings and errors only (job failures are ours to report). */
  private readonly workerLogger = new WorkerLogger(() => (level, message) => {
    if (level === 'error') this.logger.error(message);
    else if (level === 'warning') this.logger.warn(message);
  });

  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  /** Adds the job in the caller's open transaction: it exists exactly when the transaction commits. */
  async enqueue(client: pg.ClientBase, request: EnqueueRequest): Promise<void> {
    await client.query(
      `select graphile_worker.add_job($1, $2::json, queue_name => $3, job_key => $4, max_attempts => $5)`,
      [generationTask(request.provider), JSON.stringify({ jobId: request.jobId } satisfies TaskPayload<'generate'>), request.queueName, request.jobId, MAX_JOB_ATTEMPTS],
    );
  }

  /** Adds a background task (alerts' mail and webhooks) in the caller's transaction. */
  async enqueueTask<K extends TaskName>(client: pg.ClientBase, task: K, payload: TaskPayload<K>, options: { runAt?: Date; maxAttempts?: number } = {}): Promise<void> {
    await client.query(`select graphile_worker.add_job($1, $2::json, run_at => $3, max_attempts => $4)`, [
      task,
      JSON.stringify(payload),
      options.runAt ?? null,
      options.maxAttempts ?? 5,
    ]);
  }

  /** Starts a runner for a group of background tasks (not generation jobs), one handler per task. */
  async startTasks<K extends TaskName>(name: string, handlers: TaskHandlers<K>, concurrency: number): Promise<void> {
    const taskList: Record<string, Task> = {};
    for (const task of Object.keys(handlers) as K[]) taskList[task] = checkedTask(task, handlers[task]);
    await this.startRunner(taskList, concurrency);
    this.logger.log(`${name} runner started: ${Object.keys(taskList).join(', ')}×${String(concurrency)}`);
  }

  /** Removes a job that has not started (a cancel); a running or finished one is left alone. */
  async remove(jobId: string): Promise<void> {
    await this.postgres.pool.query(`select graphile_worker.remove_job($1)`, [jobId]);
  }

  /** Starts one runner per provider, each with its own concurrency limit; fails when a provider has none. */
  async startGeneration(runners: Partial<GenerationRunners>): Promise<void> {
    assertEveryProviderRuns(runners);
    for (const provider of providerIds) {
      const { concurrency, handler } = runners[provider];
      await this.startRunner({ [generationTask(provider)]: checkedTask('generate', handler) }, concurrency);
    }
    this.logger.log(`job runners started: ${providerIds.map((provider) => `${provider}×${String(runners[provider].concurrency)}`).join(', ')}`);
  }

  private async startRunner(taskList: Record<string, Task>, concurrency: number): Promise<void> {
    const runner = await run({
      pgPool: this.postgres.pool,
      concurrency,
      noHandleSignals: true,
      pollInterval: 250,
      taskList,
      crontab: '',
      logger: this.workerLogger,
    });
    this.runners.push(runner);
  }

  async stop(): Promise<void> {
    const runners = this.runners;
    this.runners = [];
    await Promise.all(runners.map((runner) => runner.stop()));
  }

  /** Before the pool closes: running jobs finish or are released. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}

/** A handler as graphile-worker's task: its payload validated against the task's schema first. */
function checkedTask<K extends TaskName>(task: K, handler: TaskHandler<K>): Task {
  return async (payload: unknown, helpers: JobHelpers) => {
    const parsed = taskPayloads[task].safeParse(payload);
    if (!parsed.success) throw new Error(`task ${task} got a malformed payload: ${parsed.error.message}`);
    await handler(parsed.data as TaskPayload<K>, { attempts: helpers.job.attempts, maxAttempts: helpers.job.max_attempts, abortSignal: helpers.abortSignal });
  };
}
