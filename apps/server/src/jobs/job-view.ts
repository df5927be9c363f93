import type { JobStatus, JobView } from '@atelier/contracts';
import type { Job } from '../database/entities/index.js';

export function jobView(job: Job, assetIds: string[], queuePosition: number | null): JobView {
  const request = job.request as { width?: number; height?: number; steps?: number };
  return {
    id: job.id,
    status: job.status as JobStatus,
    operation: job.operation,
    modelId: job.modelId,
    provider: job.provider,
    prompt: job.prompt,
    negativePrompt: job.negativePrompt ?? null,
    seed: job.seed,
    variations: job.variations,
    width: request.width ?? 0,
    height: request.height ?? 0,
    steps: request.steps ?? null,
    unitCredits: job.unitCredits,
    priceCredits: job.priceCredits,
    capturedCredits: job.capturedCredits ?? null,
    freeUnits: job.freeUnits,
    catalogId: job.catalogId,
    catalogVersion: job.catalogVersion,
    authorId: job.author.id,
    projectId: job.project?.id ?? null,
    workspaceId: job.workspaceId ?? null,
    imagesDone: job.imagesDone,
    progressPercent: job.progressPercent,
    queuePosition,
    error: job.errorCode === null || job.errorCode === undefined ? null : { code: job.errorCode, message: job.errorMessage ?? '' },
    assetIds,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
