import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { JobStatus } from '@atelier/contracts';
import type { Operation } from '@atelier/pricing';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import type { PricingContextRow } from '../pricing/pricing-context.repository.js';
import type { ProviderId } from '../providers/provider.js';

/** What a job asks a provider for, as recorded at submit (the priced request). */
export interface RecordedRequest {
  width: number;
  height: number;
  steps?: number;
  outpaint?: Partial<Record<'left' | 'right' | 'top' | 'bottom', number>>;
  [field: string]: unknown;
}

/** The one shape of a job inside the server: a `jobs` row, in API numbers. */
export interface MemberLimits {
  allowedModels: string[] | null;
  maxConcurrentJobsPerMember: number;
}

/** A free-tier usage row: units of an allowance used in the period starting `periodStart`. */
export interface FreeUsageRow {
  allowanceId: string;
  periodStart: string;
  unitsUsed: number;
}

export interface JobRecord {
  id: string;
  organizationId: string;
  projectId: string | null;
  authorId: string;
  apiKeyId: string | null;
  workspaceId: string | null;
  status: JobStatus;
  operation: Operation;
  modelId: string;
  provider: ProviderId;
  request: RecordedRequest;
  prompt: string;
  negativePrompt: string | null;
  searchPrompt: string | null;
  seed: number;
  variations: number;
  unitCredits: number;
  priceCredits: number;
  capturedCredits: number | null;
  catalogId: string;
  catalogVersion: number;
  lineItems: readonly unknown[];
  sourceAssetId: string | null;
  parentAssetId: string | null;
  maskKey: string | null;
  freeAllowanceId: string | null;
  freeUnits: number;
  idempotencyKey: string | null;
  requestFingerprint: string;
  /** Its priority in the queue (lowest first), set when it was placed: see `QUEUE_PRIORITY`. */
  queuePriority: number;
  imagesDone: number;
  progressPercent: number;
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  cancelRequestedAt: Date | null;
  /** Images stored when a cancel of the running job was accepted: they are kept and charged. */
  cancelKeptImages: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A job as submit places it (the rest of the row takes its defaults). */
export type NewJob = Omit<
  JobRecord,
  'status' | 'capturedCredits' | 'imagesDone' | 'progressPercent' | 'errorCode' | 'errorMessage' | 'attempts' | 'cancelRequestedAt' | 'cancelKeptImages' | 'createdAt' | 'startedAt' | 'finishedAt' | 'queuePriority'
>;

/** How a job that did not succeed ended. */
export interface JobEnd {
  status: 'failed' | 'cancelled';
  code: string;
  message: string;
}

interface JobRow {
  id: string;
  organization_id: string;
  project_id: string | null;
  author_id: string;
  api_key_id: string | null;
  workspace_id: string | null;
  status: JobStatus;
  operation: Operation;
  model_id: string;
  provider: ProviderId;
  request: RecordedRequest;
  prompt: string;
  negative_prompt: string | null;
  search_prompt: string | null;
  seed: string;
  variations: number;
  unit_credits: string;
  price_credits: string;
  captured_credits: string | null;
  catalog_id: string;
  catalog_version: number;
  line_items: readonly unknown[];
  source_asset_id: string | null;
  parent_asset_id: string | null;
  mask_key: string | null;
  free_allowance_id: string | null;
  free_units: number;
  idempotency_key: string | null;
  request_fingerprint: string;
  queue_priority: number;
  images_done: number;
  progress_percent: number;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  cancel_requested_at: Date | null;
  cancel_kept_images: number | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const ENDABLE = `status in ('queued', 'running')`;

/**
 * Waiting jobs counted at most: a deeper backlog takes its member's highest waiting priority (a
 * tie, run oldest first), and the count stays a short range of the member's index.
 */
const BACKLOG_COUNTED = 256;
/**
 * A new job's priority in the queue (graphile-worker runs the lowest first): how many jobs its
 * member has waiting (`backlog.waiting`), so a member's k-th waiting job runs after every member's
 * (k−1)-th, in any org, and one member's backlog (a script of 40 jobs) does not hold up a
 * teammate's or another org's next job. Never below the member's own highest waiting one
 * (`backlog.top`): a tie then runs the older first, so a member's jobs keep their order. Read when
 * the job's row is written, with no lock: a node places one batch of a pool at a time, and two
 * nodes placing a member's jobs at once can only tie them.
 */
const MEMBER_BACKLOG = `select m.organization_id, m.author_id,
    (select count(*) from (select from jobs q where q.organization_id = m.organization_id and q.author_id = m.author_id and q.status = 'queued'
      limit ${String(BACKLOG_COUNTED)}) waiting) as waiting,
    (select max(q.queue_priority) from jobs q where q.organization_id = m.organization_id and q.author_id = m.author_id and q.status = 'queued') as top
  from (select distinct organization_id, author_id from placed) m`;
const QUEUE_PRIORITY = `least(32767, coalesce(greatest(backlog.waiting, backlog.top), 0) + row_number() over (partition by placed.organization_id, placed.author_id order by placed.place) - 1)`;

/**
 * The `jobs` table: the one place a job's row is written. Each state change is one statement
 * that checks the state it leaves (queued → running → succeeded / failed / cancelled), so two
 * writers racing (a runner and a cancel, a runner and the sweeper) cannot both win.
 */
@Injectable()
export class JobsRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  /** Places a queued job inside the caller's transaction (with its hold and queue entry); returns its priority in the queue. */
  async insert(client: pg.ClientBase, job: NewJob): Promise<number> {
    const result = await client.query<{ queue_priority: number }>(
      `with placed as (select $2::uuid as organization_id, $4::uuid as author_id, 1 as place),
            backlog as (${MEMBER_BACKLOG})
       insert into jobs (id, organization_id, project_id, author_id, api_key_id, workspace_id, status, operation, model_id, provider,
         request, prompt, negative_prompt, search_prompt, seed, variations, unit_credits, price_credits, catalog_id, catalog_version,
         line_items, source_asset_id, parent_asset_id, mask_key, free_allowance_id, free_units, idempotency_key, request_fingerprint, queue_priority)
       select $1::uuid, $2, $3::uuid, $4, $5::uuid, $6::uuid, 'queued', $7::text, $8::text, $9::text, $10::jsonb, $11::text, $12::text, $13::text,
              $14::bigint, $15::integer, $16::integer, $17::integer, $18::text, $19::integer, $20::jsonb, $21::uuid, $22::uuid, $23::text, $24::text,
              $25::integer, $26::text, $27::text, ${QUEUE_PRIORITY}
         from placed left join backlog using (organization_id, author_id)
       returning queue_priority`,
      [
        job.id, job.organizationId, job.projectId, job.authorId, job.apiKeyId, job.workspaceId, job.operation, job.modelId, job.provider,
        JSON.stringify(job.request), job.prompt, job.negativePrompt, job.searchPrompt, job.seed, job.variations, job.unitCredits,
        job.priceCredits, job.catalogId, job.catalogVersion, JSON.stringify(job.lineItems), job.sourceAssetId, job.parentAssetId,
        job.maskKey, job.freeAllowanceId, job.freeUnits, job.idempotencyKey, job.requestFingerprint,
      ],
    );
    return result.rows[0]?.queue_priority ?? 0;
  }

  /**
   * Several new jobs in one statement (a batch of submits, inside its transaction), returned as
   * their rows. Same columns and checks as `insert`; their creation times (the transaction's start)
   * are a microsecond apart in the batch's order, so a place in line read later (`queuePosition`)
   * tells them apart as the enqueue did. In the same round trip: which of the queues
   * `busyAmong` a worker holds now (running a job of theirs), for the batch's choice of slots.
   */
  async insertMany(client: pg.ClientBase, jobs: readonly NewJob[], busyAmong: readonly string[] = []): Promise<{ records: JobRecord[]; busyQueues: Set<string> }> {
    const column = <T>(value: (job: NewJob) => T): T[] => jobs.map(value);
    const result = await client.query<JobRow & { busy_queues: string[] }>(
      `with placed as (
         select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[],
                     $10::jsonb[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::integer[], $16::integer[], $17::integer[],
                     $18::text[], $19::integer[], $20::jsonb[], $21::uuid[], $22::uuid[], $23::text[], $24::text[], $25::integer[],
                     $26::text[], $27::text[]) with ordinality
           as t(id, organization_id, project_id, author_id, api_key_id, workspace_id, operation, model_id, provider,
                request, prompt, negative_prompt, search_prompt, seed, variations, unit_credits, price_credits, catalog_id, catalog_version,
                line_items, source_asset_id, parent_asset_id, mask_key, free_allowance_id, free_units, idempotency_key, request_fingerprint, place)),
       backlog as (${MEMBER_BACKLOG}),
       inserted as (insert into jobs (id, organization_id, project_id, author_id, api_key_id, workspace_id, status, operation, model_id, provider,
         request, prompt, negative_prompt, search_prompt, seed, variations, unit_credits, price_credits, catalog_id, catalog_version,
         line_items, source_asset_id, parent_asset_id, mask_key, free_allowance_id, free_units, idempotency_key, request_fingerprint, created_at, queue_priority)
       select id, organization_id, project_id, author_id, api_key_id, workspace_id, 'queued', operation, model_id, provider,
         request, prompt, negative_prompt, search_prompt, seed, variations, unit_credits, price_credits, catalog_id, catalog_version,
         line_items, source_asset_id, parent_asset_id, mask_key, free_allowance_id, free_units, idempotency_key, request_fingerprint,
         now() + (place - 1) * interval '1 microsecond', ${QUEUE_PRIORITY}
         from placed left join backlog using (organization_id, author_id)
       returning *)
       select inserted.*,
              array(select queue_name from graphile_worker._private_job_queues where queue_name = any($28::text[]) and locked_at is not null) as busy_queues
         from inserted`,
      [
        column((job) => job.id), column((job) => job.organizationId), column((job) => job.projectId), column((job) => job.authorId),
        column((job) => job.apiKeyId), column((job) => job.workspaceId), column((job) => job.operation), column((job) => job.modelId),
        column((job) => job.provider), column((job) => JSON.stringify(job.request)), column((job) => job.prompt),
        column((job) => job.negativePrompt), column((job) => job.searchPrompt), column((job) => job.seed), column((job) => job.variations),
        column((job) => job.unitCredits), column((job) => job.priceCredits), column((job) => job.catalogId), column((job) => job.catalogVersion),
        column((job) => JSON.stringify(job.lineItems)), column((job) => job.sourceAssetId), column((job) => job.parentAssetId),
        column((job) => job.maskKey), column((job) => job.freeAllowanceId), column((job) => job.freeUnits), column((job) => job.idempotencyKey),
        column((job) => job.requestFingerprint),
        busyAmong,
      ],
    );
    return { records: result.rows.map(record), busyQueues: new Set(result.rows[0]?.busy_queues ?? []) };
  }

  /** Removes rows `insertMany` wrote in this transaction for jobs whose hold was then refused. */
  async deleteUnplaced(client: pg.ClientBase, jobIds: readonly string[]): Promise<void> {
    await client.query(`delete from jobs where id = any($1::uuid[]) and status = 'queued'`, [jobIds]);
  }

  async find(organizationId: string, jobId: string): Promise<JobRecord | undefined> {
    const result = await this.postgres.pool.query<JobRow>(`select * from jobs where id = $1 and organization_id = $2`, [jobId, organizationId]);
    return optional(result.rows[0]);
  }

  async list(organizationId: string, filter: { authorId?: string; status?: string; limit: number }): Promise<JobRecord[]> {
    const result = await this.postgres.pool.query<JobRow>(
      `select * from jobs where organization_id = $1 and ($2::uuid is null or author_id = $2) and ($3::text is null or status = $3)
       order by created_at desc limit $4`,
      [organizationId, filter.authorId ?? null, filter.status ?? null, filter.limit],
    );
    return result.rows.map(record);
  }

  async findByIdempotencyKey(organizationId: string, authorId: string, key: string): Promise<JobRecord | undefined> {
    const result = await this.postgres.pool.query<JobRow>(
      `select * from jobs where organization_id = $1 and author_id = $2 and idempotency_key = $3`,
      [organizationId, authorId, key],
    );
    return optional(result.rows[0]);
  }

  /**
   * Everything preparing a member's request reads, in one round trip: the org's pricing row, what
   * it lets the member submit (undefined when not a member) and its free-tier usage rows of the
   * current day and month (`periodStarts`). Undefined when the org does not exist.
   */
  async submitContext(
    organizationId: string,
    userId: string,
    periodStarts: readonly string[],
  ): Promise<{ pricing: PricingContextRow; member: MemberLimits | undefined; freeUsage: FreeUsageRow[] } | undefined> {
    const result = await this.postgres.pool.query<PricingContextRow & { member: { allowed_models: string[] | null } | null; max_concurrent_jobs_per_member: number; free_usage: FreeUsageRow[] }>(
      `select o.pricing_catalog as "pricingCatalog", o.custom_catalog as "customCatalog", s.tier, s.status as "subscriptionStatus",
              o.max_concurrent_jobs_per_member,
              (select json_build_object('allowed_models', m.allowed_models) from memberships m where m.organization_id = o.id and m.user_id = $2) as member,
              (select coalesce(json_agg(json_build_object('allowanceId', u.allowance_id, 'periodStart', u.period_start, 'unitsUsed', u.units_used)), '[]'::json)
                 from free_allowance_usage u where u.organization_id = o.id and u.period_start = any($3::text[])) as free_usage
         from organizations o left join billing_subscriptions s on s.organization_id = o.id
        where o.id = $1 and o.deleted_at is null`,
      [organizationId, userId, periodStarts],
    );
    const row = result.rows[0];
    if (row === undefined) return undefined;
    const pricing = { pricingCatalog: row.pricingCatalog, customCatalog: row.customCatalog, tier: row.tier, subscriptionStatus: row.subscriptionStatus };
    const member = row.member === null ? undefined : { allowedModels: row.member.allowed_models, maxConcurrentJobsPerMember: row.max_concurrent_jobs_per_member };
    return { pricing, member, freeUsage: row.free_usage };
  }

  /** A member's jobs not ended yet (queued or running). */
  async activeCount(organizationId: string, authorId: string): Promise<number> {
    const result = await this.postgres.pool.query<{ count: string }>(
      `select count(*) from jobs where organization_id = $1 and author_id = $2 and ${ENDABLE}`,
      [organizationId, authorId],
    );
    return Number(result.rows[0]?.count ?? 0);
  }

  /**
   * 1 for its org's next queued job of its provider, 2 behind it, and so on, in the queue's order
   * (priority, then age; see QueueRepository.enqueueMany). Other orgs' jobs are not counted.
   */
  async queuePosition(job: Pick<JobRecord, 'id'>): Promise<number> {
    // The job's creation time read in the statement: a JavaScript Date has only milliseconds, and
    // the jobs of one batch are a microsecond apart.
    const ahead = await this.postgres.pool.query<{ count: string }>(
      `select count(*) from jobs o, jobs me
        where me.id = $1 and o.organization_id = me.organization_id and o.status = 'queued' and o.provider = me.provider
          and (o.queue_priority, o.created_at) < (me.queue_priority, me.created_at)`,
      [job.id],
    );
    return Number(ahead.rows[0]?.count ?? 0) + 1;
  }

  /** queued (or a retried running) → running, unless a cancel came first. */
  async start(jobId: string): Promise<JobRecord | undefined> {
    const result = await this.postgres.pool.query<JobRow>(
      `update jobs set status = 'running', started_at = coalesce(started_at, now()), attempts = attempts + 1
       where id = $1 and ${ENDABLE} and cancel_requested_at is null returning *`,
      [jobId],
    );
    return optional(result.rows[0]);
  }

  /** Whether the job may go on: cancelled (asked or done), no longer running, or running. */
  async runState(jobId: string): Promise<'cancelled' | 'ended' | 'running'> {
    const result = await this.postgres.pool.query<{ status: string; cancel_requested_at: Date | null }>(
      `select status, cancel_requested_at from jobs where id = $1`,
      [jobId],
    );
    const row = result.rows[0];
    if (row === undefined || row.cancel_requested_at !== null) return 'cancelled';
    return row.status === 'running' ? 'running' : 'ended';
  }

  /** An open job whose cancel was asked while it waited (its runner then ends it as cancelled). */
  async findCancelAsked(jobId: string): Promise<JobRecord | undefined> {
    const result = await this.postgres.pool.query<JobRow>(`select * from jobs where id = $1 and ${ENDABLE} and cancel_requested_at is not null`, [jobId]);
    return optional(result.rows[0]);
  }

  async recordProgress(jobId: string, imagesDone: number, progressPercent: number): Promise<void> {
    await this.postgres.pool.query(`update jobs set images_done = $2, progress_percent = $3 where id = $1`, [jobId, imagesDone, progressPercent]);
  }

  /** Progress within an image, only forward and only while running. */
  async recordProgressWithin(jobId: string, progressPercent: number): Promise<void> {
    await this.postgres.pool.query(`update jobs set progress_percent = $2 where id = $1 and status = 'running' and progress_percent < $2`, [jobId, progressPercent]);
  }

  /** The job shows who made its latest image (each asset keeps its own provider). */
  async recordProvider(jobId: string, provider: ProviderId): Promise<void> {
    await this.postgres.pool.query(`update jobs set provider = $2 where id = $1 and provider <> $2`, [jobId, provider]);
  }

  /** running → succeeded, with what was captured; fewer images than asked is marked `partial`. */
  async succeed(jobId: string, capturedCredits: number, imagesMade: number): Promise<void> {
    await this.postgres.pool.query(
      `update jobs set status = 'succeeded', captured_credits = $2, progress_percent = 100, finished_at = now(),
         error_code = case when $3::int < variations then 'partial' else null end,
         error_message = case when $3::int < variations then $3::int || ' of ' || variations || ' images were made; the rest was refunded.' else null end
       where id = $1 and status = 'running'`,
      [jobId, capturedCredits, imagesMade],
    );
  }

  /** queued or running → failed or cancelled; false when it had ended already. */
  async end(jobId: string, end: JobEnd): Promise<boolean> {
    const result = await this.postgres.pool.query(
      `update jobs set status = $2, error_code = $3, error_message = $4, finished_at = now() where id = $1 and ${ENDABLE}`,
      [jobId, end.status, end.code, end.message],
    );
    return result.rowCount === 1;
  }

  /** queued → cancelled at once; false when it is not queued (running, or ended). */
  async cancelQueued(jobId: string, message: string): Promise<boolean> {
    const result = await this.postgres.pool.query(
      `update jobs set status = 'cancelled', cancel_requested_at = now(), finished_at = now(), error_code = 'cancelled', error_message = $2
       where id = $1 and status = 'queued'`,
      [jobId, message],
    );
    return result.rowCount === 1;
  }

  /**
   * Asks a running job to stop, unless its runner has begun to finish it: records the images
   * stored by then (kept and charged; any finished later is discarded). The job as it stands
   * after the cancel, or undefined when it was too late (not running, or already finishing).
   */
  async requestCancel(jobId: string): Promise<JobRecord | undefined> {
    const result = await this.postgres.pool.query<JobRow>(
      `update jobs set cancel_requested_at = now(), cancel_kept_images = (select count(*) from assets where assets.job_id = jobs.id)
       where id = $1 and status = 'running' and cancel_requested_at is null and finishing_at is null returning *`,
      [jobId],
    );
    return optional(result.rows[0]);
  }

  /**
   * The runner's claim to finish a running job (capture its images): true unless a cancel came
   * first. A retried attempt of a job whose earlier attempt claimed it claims it again.
   */
  async claimFinish(jobId: string): Promise<boolean> {
    const result = await this.postgres.pool.query(
      `update jobs set finishing_at = coalesce(finishing_at, now()) where id = $1 and status = 'running' and cancel_requested_at is null`,
      [jobId],
    );
    return result.rowCount === 1;
  }

  /** The job's row now (a runner re-reads it to end a cancelled job with what the cancel kept). */
  async reload(job: Pick<JobRecord, 'id' | 'organizationId'>): Promise<JobRecord | undefined> {
    return this.find(job.organizationId, job.id);
  }

  /** running → cancelled, with what was captured for the images the cancel kept; false when it had ended already. */
  async endCancelled(jobId: string, capturedCredits: number | null, message: string): Promise<boolean> {
    const result = await this.postgres.pool.query(
      `update jobs set status = 'cancelled', captured_credits = $2, error_code = 'cancelled', error_message = $3, finished_at = now()
       where id = $1 and ${ENDABLE}`,
      [jobId, capturedCredits, message],
    );
    return result.rowCount === 1;
  }
}

function optional(row: JobRow | undefined): JobRecord | undefined {
  return row === undefined ? undefined : record(row);
}

function record(row: JobRow): JobRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    projectId: row.project_id,
    authorId: row.author_id,
    apiKeyId: row.api_key_id,
    workspaceId: row.workspace_id,
    status: row.status,
    operation: row.operation,
    modelId: row.model_id,
    provider: row.provider,
    request: row.request,
    prompt: row.prompt,
    negativePrompt: row.negative_prompt,
    searchPrompt: row.search_prompt,
    seed: Number(row.seed),
    variations: row.variations,
    unitCredits: Number(row.unit_credits),
    priceCredits: Number(row.price_credits),
    capturedCredits: row.captured_credits === null ? null : Number(row.captured_credits),
    catalogId: row.catalog_id,
    catalogVersion: row.catalog_version,
    lineItems: row.line_items,
    sourceAssetId: row.source_asset_id,
    parentAssetId: row.parent_asset_id,
    maskKey: row.mask_key,
    freeAllowanceId: row.free_allowance_id,
    freeUnits: row.free_units,
    idempotencyKey: row.idempotency_key,
    requestFingerprint: row.request_fingerprint,
    queuePriority: row.queue_priority,
    imagesDone: row.images_done,
    progressPercent: row.progress_percent,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    attempts: row.attempts,
    cancelRequestedAt: row.cancel_requested_at,
    cancelKeptImages: row.cancel_kept_images,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
