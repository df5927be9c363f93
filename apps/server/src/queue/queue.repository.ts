import { EventEmitter } from 'node:events';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Logger as WorkerLogger, run, type JobHelpers, type Runner, type RunnerOptions, type Task, type WorkerEvents, type WorkerPool } from 'graphile-worker';
import type pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { ServiceStatus } from '../health/service-status.js';
import { isDatabaseUnavailable } from '../common/database-errors.js';
import { providerIds, type ProviderId } from '../providers/provider.js';
import { assertEveryProviderRuns, generationTask, taskPayloads, type GenerationRunners, type TaskHandler, type TaskHandlers, type TaskName, type TaskPayload } from './queue-tasks.js';

/** Attempts of one job by graphile-worker (each attempt also retries provider calls itself). */
export const MAX_JOB_ATTEMPTS = 3;

/**
 * A member's jobs run in `concurrency` named queues (each queue runs one job at a time), so one
 * member never has more running at once than the org allows. Among the jobs of queues not running
 * one, the workers pick the lowest priority, a member's backlog when the job was placed (see
 * JobsRepository): each member's next job before anyone's later ones, nobody starved.
 */
export function queueNameFor(organizationId: string, memberId: string, slot: number): string {
  return `org:${organizationId}:member:${memberId}:${String(slot)}`;
}

export interface EnqueueRequest {
  jobId: string;
  organizationId: string;
  provider: ProviderId;
  queueName: string;
  /** Lowest runs first: the job row's `queue_priority` (see JobsRepository). */
  priority: number;
}

/** How often a worker node looks for jobs queued for a provider it runs no runner for. */
const ADOPT_QUEUED_PROVIDERS_MS = 60_000;

/** A runner that stopped on its own (its database went away) is started again after this long, at most. */
const RESTART_DELAY_MAX_MS = 10_000;

/**
 * graphile-worker options for every runner. Completing and failing jobs go through its batcher
 * (delay 0: no waiting), whose errors are handled: without it a job finishing while the database
 * is unreachable rejects a promise nobody awaits, and Node ends the process.
 */
const WORKER_PRESET = { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } };

interface SupervisedRunner {
  name: string;
  options: RunnerOptions;
  runner: Runner | undefined;
  /** Ids of the runner's worker pool and workers (for unlocking their jobs and queues when the runner dies). */
  workerIds: string[];
  pool?: WorkerPool;
}

/** A look for a job that has not ended after this long is taken as lost, and the next one goes ahead. */
const FETCH_TURN_TIMEOUT_MS = 10_000;

/**
 * Workers of this process look for jobs one at a time. graphile-worker's look locks every free
 * named queue (a member's slot) while it runs, skipping queues already locked, so a worker that
 * looks at the same moment as another sees no free queue and finds nothing, though its job is
 * there. With a runner per provider and one for background tasks, every new job's notification
 * woke a worker of each runner at once, and the runner the job was for often lost the race: the
 * job then waited for a poll (up to a second). A look takes a millisecond or two, so taking turns
 * costs nothing measurable.
 *
 * `begin` is graphile-worker's forbiddenFlags callback (no flags are forbidden; it only waits);
 * the worker's getJob then emits exactly one of job:start, worker:getJob:empty or
 * worker:getJob:error, which call `end`. Since turns are taken one at a time, the event that ends a
 * look is the current turn's.
 */
class FetchTurns {
  private busy = false;
  private readonly waiting: (() => void)[] = [];
  private timeout: NodeJS.Timeout | undefined;

  constructor(private readonly warn: (message: string) => void) {}

  async begin(): Promise<null> {
    if (this.busy) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.busy = true;
    this.timeout = setTimeout(() => {
      this.warn(`a look for jobs did not end in ${String(FETCH_TURN_TIMEOUT_MS)} ms; the next one goes ahead`);
      this.end();
    }, FETCH_TURN_TIMEOUT_MS);
    this.timeout.unref();
    return null;
  }

  end(): void {
    clearTimeout(this.timeout);
    this.timeout = undefined;
    const next = this.waiting.shift();
    // The turn passes straight to the next waiter (busy stays true), or the turns are free.
    if (next === undefined) this.busy = false;
    else next();
  }
}

/** graphile-worker on our Postgres: enqueue inside the caller's transaction, run handlers per provider. */
@Injectable()
export class QueueRepository implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Queue');
  private runners: SupervisedRunner[] = [];
  private stopping = false;
  private readonly fetchTurns = new FetchTurns((message) => {
    this.logger.warn(message);
  });
  /** The generation runners started, and the look for jobs queued for the others. */
  private generation: { runners: GenerationRunners; started: Set<ProviderId>; watch: NodeJS.Timeout | undefined } | undefined;
  /** graphile-worker's log, through ours: warnings and errors only (job failures are ours to report). */
  private readonly workerLogger = new WorkerLogger(() => (level, message) => {
    if (level === 'error') this.logger.error(message);
    else if (level === 'warning') this.logger.warn(message);
  });

  constructor(
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(ServiceStatus) private readonly status: ServiceStatus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Adds the job in the caller's open transaction: it exists exactly when the transaction commits. */
  async enqueue(client: pg.ClientBase, request: EnqueueRequest): Promise<void> {
    await this.enqueueMany(client, [request]);
  }

  /**
   * Adds several generation jobs in one statement (one notification), in the caller's open
   * transaction, with their priorities, and answers in the same round trip each one's place in
   * line: among its org's queued jobs of its provider, in the queue's order (priority, then age),
   * every committed one at or below its priority, then the batch's own before it. Other orgs'
   * jobs are not counted (their volume is theirs). Not "created before this transaction began": a
   * transaction that began earlier but took the pool's lock later would not count the jobs of the
   * one that went first, and two jobs would both be answered #1.
   */
  async enqueueMany(client: pg.ClientBase, requests: readonly EnqueueRequest[]): Promise<Map<string, number>> {
    const ids = requests.map((request) => request.jobId);
    // Per org and provider, the batch's lowest and highest priorities: the committed jobs below the
    // lowest are counted in one range of the index, those between are counted by priority.
    const result = await client.query<{ added: string; below: { o: string; p: string; n: number }[] | null; near: { o: string; p: string; q: number }[] | null }>(
      `with added as (
         select count(*) as n from graphile_worker.add_jobs(array(
           select row(identifier, payload, queue_name, null, $5::integer, job_key, priority, null)::graphile_worker.job_spec
             from unnest($1::text[], $2::json[], $3::text[], $4::text[], $6::integer[]) as t(identifier, payload, queue_name, job_key, priority)))),
       bounds as (
         select organization_id, provider, min(priority) as low, max(priority) as high
           from unnest($7::uuid[], $8::text[], $6::integer[]) as t(organization_id, provider, priority) group by organization_id, provider)
       select (select n from added) as added,
              (select json_agg(json_build_object('o', b.organization_id, 'p', b.provider, 'n',
                 (select count(*) from jobs o where o.organization_id = b.organization_id and o.status = 'queued' and o.provider = b.provider and o.queue_priority < b.low)))
                 from bounds b) as below,
              (select json_agg(json_build_object('o', o.organization_id, 'p', o.provider, 'q', o.queue_priority))
                 from bounds b join jobs o on o.organization_id = b.organization_id and o.status = 'queued' and o.provider = b.provider
                  and o.queue_priority between b.low and b.high and o.id <> all($4::text[]::uuid[])) as near`,
      [
        requests.map((request) => generationTask(request.provider)),
        requests.map((request) => JSON.stringify({ jobId: request.jobId } satisfies TaskPayload<'generate'>)),
        requests.map((request) => request.queueName),
        ids,
        MAX_JOB_ATTEMPTS,
        requests.map((request) => Math.min(32_767, request.priority)),
        requests.map((request) => request.organizationId),
        requests.map((request) => request.provider),
      ],
    );
    const row = result.rows[0];
    const lineOf = (organizationId: string, provider: string): string => `${organizationId} ${provider}`;
    const below = new Map((row?.below ?? []).map((entry) => [lineOf(entry.o, entry.p), entry.n]));
    // One walk through each line in the queue's order: the committed jobs between the batch's
    // priorities come before the batch's own at the same priority, and the batch's own keep its order.
    const inLine = [
      ...(row?.near ?? []).map((entry) => ({ line: lineOf(entry.o, entry.p), priority: entry.q, order: -1, jobId: undefined })),
      ...requests.map((request, index) => ({ line: lineOf(request.organizationId, request.provider), priority: request.priority, order: index, jobId: request.jobId })),
    ].sort((a, b) => a.line.localeCompare(b.line) || a.priority - b.priority || a.order - b.order);
    const positions = new Map<string, number>();
    let ahead = 0;
    inLine.forEach((entry, index) => {
      if (index === 0 || inLine[index - 1]?.line !== entry.line) ahead = below.get(entry.line) ?? 0;
      if (entry.jobId !== undefined) positions.set(entry.jobId, ahead + 1);
      ahead += 1;
    });
    return positions;
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

  /**
   * Starts one runner per provider this node can call (`wanted`), each with its own concurrency
   * limit, plus one for any other provider that still has jobs queued (a provider removed from the
   * configuration: its jobs run, and end cleanly if nothing routes them). A runner per unused
   * provider would only wake with every insert and query for nothing (submit-to-start p99 33 ms
   * with one runner against 108 ms with nine). Fails when a provider has no handler.
   */
  async startGeneration(runners: Partial<GenerationRunners>, wanted: ReadonlySet<ProviderId>): Promise<void> {
    assertEveryProviderRuns(runners);
    this.generation = { runners, started: new Set(), watch: undefined };
    const configured = providerIds.filter((provider) => wanted.has(provider));
    await this.startGenerationRunners(configured);
    this.logger.log(`job runners started: ${configured.map((provider) => `${provider}×${String(runners[provider].concurrency)}`).join(', ')}`);
    await this.adoptQueuedProviders();
    // Jobs may still be queued for another provider later (a node of the cluster configured with it,
    // and no worker of its own): look once a minute.
    this.generation.watch = setInterval(() => {
      void this.adoptQueuedProviders().catch((error: unknown) => {
        this.logger.warn(`could not look for jobs of other providers: ${String(error)}`);
      });
    }, ADOPT_QUEUED_PROVIDERS_MS);
    this.generation.watch.unref();
  }

  /** Starts runners for providers without one whose jobs are queued; the providers it started. */
  async adoptQueuedProviders(): Promise<ProviderId[]> {
    const generation = this.generation;
    if (generation === undefined || this.stopping) return [];
    const found = await this.providersWithQueuedJobs(providerIds.filter((provider) => !generation.started.has(provider)));
    const adopted = providerIds.filter((provider) => found.has(provider) && !generation.started.has(provider));
    if (adopted.length > 0) {
      await this.startGenerationRunners(adopted);
      this.logger.log(`job runners started for queued jobs: ${adopted.join(', ')}`);
    }
    return adopted;
  }

  private async startGenerationRunners(providers: readonly ProviderId[]): Promise<void> {
    const generation = this.generation;
    if (generation === undefined) return;
    for (const provider of providers) {
      generation.started.add(provider);
      const { concurrency, handler } = generation.runners[provider];
      await this.startRunner({ [generationTask(provider)]: checkedTask('generate', handler) }, concurrency);
    }
  }

  /** Which of these providers have generation jobs in the queue. */
  private async providersWithQueuedJobs(providers: readonly ProviderId[]): Promise<Set<ProviderId>> {
    if (providers.length === 0) return new Set();
    const result = await this.postgres.pool.query<{ task_identifier: string }>(
      `select distinct task_identifier from graphile_worker.jobs where task_identifier = any($1::text[])`,
      [providers.map((provider) => generationTask(provider))],
    );
    const tasks = new Set(result.rows.map((row) => row.task_identifier));
    return new Set(providers.filter((provider) => tasks.has(generationTask(provider))));
  }

  /** Starts a runner, watched: one that stops on its own is started again once the database answers. */
  private async startRunner(taskList: Record<string, Task>, concurrency: number): Promise<void> {
    await this.supervise(Object.keys(taskList).join(', '), this.runnerOptions(taskList, concurrency));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.generation?.watch);
    const runners = this.runners;
    this.runners = [];
    await Promise.all(
      runners.map(async (supervised) => {
        await supervised.runner?.stop().catch(() => undefined);
      }),
    );
  }

  private reportWorkers(): void {
    this.status.workers(this.runners.every((supervised) => supervised.runner !== undefined) ? 'running' : 'paused');
  }

  private runnerOptions(taskList: Record<string, Task>, concurrency: number): RunnerOptions {
    return {
      pgPool: this.postgres.pool,
      concurrency,
      noHandleSignals: true,
      pollInterval: this.config.jobs.queuePollIntervalMs,
      taskList,
      crontab: '',
      logger: this.workerLogger,
      preset: WORKER_PRESET,
      // Called by each worker right before it looks for a job: it waits for its turn here.
      forbiddenFlags: () => this.fetchTurns.begin(),
    };
  }

  /** Starts a runner and watches it: one that stops on its own is started again once the database answers. */
  private async supervise(name: string, options: RunnerOptions): Promise<void> {
    const supervised: SupervisedRunner = { name, options, runner: undefined, workerIds: [] };
    this.postgres.reserveListener();
    this.runners.push(supervised);
    await this.launch(supervised);
  }

  private async launch(supervised: SupervisedRunner): Promise<void> {
    const events: WorkerEvents = new EventEmitter();
    // graphile-worker locks jobs and named queues with its pool's id (older versions: the worker's).
    events.on('pool:create', ({ workerPool }) => {
      supervised.workerIds.push(workerPool.id);
      supervised.pool = workerPool;
    });
    events.on('worker:create', ({ worker }) => supervised.workerIds.push(worker.workerId));
    // The runner's next look for a job waits for the others' (see FetchTurns), and ends its turn when done.
    const endTurn = (): void => {
      this.fetchTurns.end();
    };
    events.on('job:start', endTurn);
    events.on('worker:getJob:empty', endTurn);
    events.on('worker:getJob:error', endTurn);
    // The runner has ended once its pool's workers have stopped. Its promise says so too, but not
    // always: after graphile-worker fails to record a job's completion or failure, its batcher
    // miscounts its pending calls (graphile/worker#636) and the pool's last step waits for good,
    // so the runner's promise never settles. Its workers have stopped all the same; their jobs and
    // the members' queues stay locked by the pool, so nothing queued behind them would ever run.
    let ended = false;
    let fatal: unknown;
    const end = (error: unknown): void => {
      if (ended) return;
      ended = true;
      this.restart(supervised, error ?? fatal);
    };
    events.on('pool:fatalError', ({ error }) => (fatal ??= error));
    events.on('pool:gracefulShutdown:complete', () => {
      end(undefined);
    });
    events.on('pool:forcefulShutdown:complete', () => {
      end(undefined);
    });
    events.on('pool:forcefulShutdown:error', ({ error }) => {
      end(error);
    });
    const runner = await run({ ...supervised.options, events });
    supervised.runner = runner;
    this.reportWorkers();
    runner.promise.then(
      () => {
        end(undefined);
      },
      (error: unknown) => {
        end(error);
      },
    );
  }

  /**
   * A runner ended without being asked to (graphile-worker shuts a pool down when it cannot record
   * a job's completion or failure): the workers pause until the database answers, the dead
   * runner's jobs are unlocked (they run again; the job runner ignores a job already finished), and
   * a new runner starts.
   */
  private restart(supervised: SupervisedRunner, error: unknown): void {
    if (this.stopping || !this.runners.includes(supervised)) return;
    // Its pool has stopped; stopping the runner also ends what else it started (its cron). It may
    // never settle (see launch), so nothing waits for it.
    supervised.runner?.stop().catch(() => undefined);
    supervised.runner = undefined;
    this.reportWorkers();
    if (isDatabaseUnavailable(error)) this.status.databaseDown(error);
    this.logger.warn(`runner ${supervised.name} stopped (${error instanceof Error ? error.message : 'no error'}); restarting when the database answers`);
    void (async () => {
      // stop() empties `runners`: a runner no longer listed is not started again.
      for (let attempt = 0; this.runners.includes(supervised); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(RESTART_DELAY_MAX_MS, 500 * 2 ** attempt)));
        await this.status.untilDatabaseUp();
        if (!this.runners.includes(supervised)) return;
        try {
          if (supervised.workerIds.length > 0) {
            await this.postgres.pool.query('select graphile_worker.force_unlock_workers($1::text[])', [supervised.workerIds]);
            supervised.workerIds = [];
          }
          await this.launch(supervised);
          this.logger.log(`runner ${supervised.name} restarted`);
          return;
        } catch (restartError) {
          if (isDatabaseUnavailable(restartError)) this.status.databaseDown(restartError);
          this.logger.warn(`runner ${supervised.name} could not restart yet: ${String(restartError)}`);
        }
      }
    })();
  }

  /** This node's workers are alive: their heartbeats are written now. */
  async beat(): Promise<void> {
    const workerIds = this.runners.flatMap((supervised) => supervised.workerIds);
    if (workerIds.length === 0) return;
    await this.postgres.pool.query(
      `insert into worker_heartbeats (worker_id, beat_at) select unnest($1::text[]), now()
       on conflict (worker_id) do update set beat_at = excluded.beat_at`,
      [workerIds],
    );
  }

  /**
   * Frees what workers that stopped beating (a node killed, a machine lost) still hold: their jobs
   * run again and the named queues behind them move, instead of waiting for graphile-worker's 4-hour
   * lock expiry. A lock is only taken from a worker silent for `silentMs` that took it at least
   * that long ago (a worker just started may not have beaten yet). Returns the workers freed.
   */
  async unlockSilentWorkers(silentMs: number): Promise<string[]> {
    const silent = await this.postgres.pool.query<{ locked_by: string }>(
      `with locks as (
         select locked_by from graphile_worker._private_jobs where locked_by is not null and locked_at < now() - make_interval(secs => $1::double precision / 1000)
         union
         select locked_by from graphile_worker._private_job_queues where locked_by is not null and locked_at < now() - make_interval(secs => $1::double precision / 1000)
       )
       select locked_by from locks
        where not exists (select 1 from worker_heartbeats h where h.worker_id = locks.locked_by and h.beat_at > now() - make_interval(secs => $1::double precision / 1000))`,
      [silentMs],
    );
    const workerIds = silent.rows.map((row) => row.locked_by);
    if (workerIds.length > 0) {
      await this.postgres.pool.query('select graphile_worker.force_unlock_workers($1::text[])', [workerIds]);
      // The freed jobs start now on idle workers, not at their next poll.
      for (const supervised of this.runners) if (supervised.pool !== undefined && !supervised.pool._shuttingDown) supervised.pool.nudge(supervised.options.concurrency ?? 1);
      this.logger.warn(`freed the jobs and queues of ${String(workerIds.length)} silent worker(s): ${workerIds.join(', ')}`);
    }
    // Heartbeats of workers gone for a day are forgotten.
    await this.postgres.pool.query(`delete from worker_heartbeats where beat_at < now() - interval '1 day'`);
    return workerIds;
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
