import { Inject, Injectable } from '@nestjs/common';
import type { JobView } from '@atelier/contracts';
import { notFound } from '../orgs/organization.guard.js';
import { AssetsRepository } from './assets.repository.js';
import { JobsRepository, type JobRecord } from './jobs.repository.js';
import { cancelOutcome } from './charges.js';

/** A job as the API and the sockets show it: its row, its images and its place in the queue. */
@Injectable()
export class JobViews {
  constructor(
    @Inject(JobsRepository) private readonly jobs: JobsRepository,
    @Inject(AssetsRepository) private readonly assets: AssetsRepository,
  ) {}

  async get(organizationId: string, jobId: string): Promise<JobView> {
    const job = await this.jobs.find(organizationId, jobId);
    if (job === undefined) throw notFound('The job');
    return this.of(job);
  }

  async list(organizationId: string, filter: { authorId?: string; status?: string; limit: number }): Promise<JobView[]> {
    const jobs = await this.jobs.list(organizationId, filter);
    return Promise.all(jobs.map((job) => this.of(job)));
  }

  async of(job: JobRecord): Promise<JobView> {
    const [assetIds, position] = await Promise.all([
      this.assets.idsOfJob(job.id),
      job.status === 'queued' ? this.jobs.queuePosition(job) : Promise.resolve(null),
    ]);
    return jobView(job, assetIds, position);
  }
}

export function jobView(job: JobRecord, assetIds: string[], queuePosition: number | null): JobView {
  const ended = job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled';
  const cancel = job.cancelRequestedAt === null ? null : cancelOutcome(job);
  return {
    id: job.id,
    status: job.status,
    operation: job.operation,
    modelId: job.modelId,
    provider: job.provider,
    prompt: job.prompt,
    negativePrompt: job.negativePrompt,
    seed: job.seed,
    variations: job.variations,
    width: job.request.width,
    height: job.request.height,
    steps: job.request.steps ?? null,
    unitCredits: job.unitCredits,
    priceCredits: job.priceCredits,
    capturedCredits: job.capturedCredits,
    freeUnits: job.freeUnits,
    catalogId: job.catalogId,
    catalogVersion: job.catalogVersion,
    authorId: job.authorId,
    projectId: job.projectId,
    workspaceId: job.workspaceId,
    imagesDone: job.imagesDone,
    progressPercent: job.progressPercent,
    queuePosition,
    error: job.errorCode === null ? null : { code: job.errorCode, message: job.errorMessage ?? '' },
    // Images finished after an accepted cancel are discarded: never shown meanwhile.
    assetIds: cancel === null ? assetIds : assetIds.slice(0, cancel.keptImages),
    cancelRequestedAt: job.cancelRequestedAt?.toISOString() ?? null,
    cancel,
    refundedCredits: ended ? job.priceCredits - (job.capturedCredits ?? 0) : null,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
