import { z } from 'zod';
import { jobLimits } from './values.js';
import { generationRequestInput, uuid } from './accounts.js';


/** A mask stroke as the canvas commits it on pointer-up: points are [x0, y0, x1, y1, …] in source pixels. */
export const maskStroke = z.strictObject({
  tool: z.enum(['brush', 'eraser']),
  width: z.number().min(1).max(1024),
  points: z.array(z.number()).min(2).max(jobLimits.maskPointsPerStroke),
});
export type MaskStroke = z.infer<typeof maskStroke>;

export const submitJobRequest = z
  .strictObject({
    /**
     * Priced by @atelier/pricing: operation, model or quality, width, height, steps, variations,
     * outpaint. With a workspace, its shared settings make the request (these fill what it lacks).
     */
    request: generationRequestInput.default({}),
    /** Required by the operations that take one (pricing's operationInputs); upscales and background removal need none. */
    prompt: z.string().trim().max(jobLimits.promptLength).default(''),
    negativePrompt: z.string().max(jobLimits.promptLength).optional(),
    /** search & replace / search & recolor: what to find in the source image. */
    searchPrompt: z.string().trim().min(1).max(jobLimits.promptLength).optional(),
    /** Absent: a random seed, recorded on the job and its images. */
    seed: z.number().int().min(0).max(jobLimits.seedMax).optional(),
    projectId: uuid.optional(),
    workspaceId: uuid.optional(),
    /** Required by every operation but text-to-image. Its size must be the request's width × height. */
    sourceAssetId: uuid.optional(),
    /** A remix: the asset these settings came from. */
    parentAssetId: uuid.optional(),
    /** Inpaint: the strokes of the mask; rendered to a PNG on the server. */
    maskStrokes: z.array(maskStroke).max(jobLimits.maskStrokes).optional(),
  })
  .refine((body) => (body.maskStrokes ?? []).reduce((sum, stroke) => sum + stroke.points.length, 0) <= jobLimits.maskTotalPoints, {
    error: `a mask may have at most ${String(jobLimits.maskTotalPoints)} points in all`,
    path: ['maskStrokes'],
  })
  .refine((body) => body.maskStrokes === undefined || JSON.stringify(body.maskStrokes).length <= jobLimits.maskBytes, {
    error: `a mask may take at most ${String(jobLimits.maskBytes)} bytes as JSON`,
    path: ['maskStrokes'],
  });
export type SubmitJobRequest = z.infer<typeof submitJobRequest>;

export const jobStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof jobStatus>;

export const jobView = z.object({
  id: z.uuid(),
  status: jobStatus,
  operation: z.string(),
  modelId: z.string(),
  provider: z.string(),
  prompt: z.string(),
  negativePrompt: z.string().nullable(),
  seed: z.number().int(),
  variations: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  steps: z.number().int().nullable(),
  unitCredits: z.number().int(),
  priceCredits: z.number().int(),
  capturedCredits: z.number().int().nullable(),
  /** Images covered by a free allowance (free tier): they cost 0. */
  freeUnits: z.number().int(),
  catalogId: z.string(),
  catalogVersion: z.number().int(),
  authorId: z.uuid(),
  projectId: z.uuid().nullable(),
  workspaceId: z.uuid().nullable(),
  imagesDone: z.number().int(),
  progressPercent: z.number().int(),
  /** Its place among its org's queued jobs of its provider, in the queue's order (1: the org's next to start); null once it has started. Other orgs' jobs are not counted. */
  queuePosition: z.number().int().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  assetIds: z.array(z.uuid()),
  /** When a cancel was accepted; null when none was. */
  cancelRequestedAt: z.iso.datetime().nullable(),
  /**
   * What an accepted cancel does, decided when it was accepted: the images stored by then are kept
   * and charged (free units first), any finished later is discarded, the rest released.
   */
  cancel: z.object({ keptImages: z.number().int(), chargedCredits: z.number().int(), releasedCredits: z.number().int() }).nullable(),
  /** Credits given back once the job ended (price − captured); null while it runs. */
  refundedCredits: z.number().int().nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});
export type JobView = z.infer<typeof jobView>;

export const submittedJobView = z.object({
  job: jobView,
  balances: z.object({
    pool: z.object({ availableCredits: z.number().int(), pendingCredits: z.number().int(), version: z.string() }),
    member: z.object({ remainingCredits: z.number().int().nullable(), pendingCredits: z.number().int() }),
  }),
});
export type SubmittedJobView = z.infer<typeof submittedJobView>;

/**
 * Bulk submit: up to `jobLimits.bulkJobs` submit bodies (each as for POST /jobs), e.g. one request
 * with a list of prompts. Each is validated on its own, so a bad one is refused alone: the items
 * are any JSON here and the answer says what was wrong with each.
 */
export const bulkSubmitRequest = z.strictObject({
  jobs: z
    .array(z.unknown())
    .min(1)
    .max(jobLimits.bulkJobs)
    .describe(`1 to ${String(jobLimits.bulkJobs)} submit bodies, each as for POST /orgs/{orgId}/jobs (SubmitJobRequest)`),
});
export type BulkSubmitRequest = z.infer<typeof bulkSubmitRequest>;

export const bulkSubmitItemError = z
  .object({ code: z.string(), message: z.string(), field: z.string().optional() })
  .catchall(z.unknown())
  .describe('The error POST /jobs would answer for this item, with its figures');
export type BulkSubmitItemError = z.infer<typeof bulkSubmitItemError>;

export const bulkSubmitItemResult = z.discriminatedUnion('ok', [
  z.object({ index: z.number().int(), ok: z.literal(true), status: z.union([z.literal(200), z.literal(201)]), replayed: z.boolean(), job: jobView }),
  z.object({ index: z.number().int(), ok: z.literal(false), status: z.number().int(), error: bulkSubmitItemError }),
]);
export type BulkSubmitItemResult = z.infer<typeof bulkSubmitItemResult>;

export const bulkSubmitView = z.object({
  /** One per item, in the request's order. */
  results: z.array(bulkSubmitItemResult),
  /** Credits held by this request's new jobs. */
  heldCredits: z.number().int(),
  /** The balances after the last hold (or now, when nothing was held). */
  balances: submittedJobView.shape.balances,
});
export type BulkSubmitView = z.infer<typeof bulkSubmitView>;


export const assetView = z.object({
  id: z.uuid(),
  jobId: z.uuid(),
  imageIndex: z.number().int(),
  /** The full PNG: for the detail view and downloads. */
  url: z.string(),
  /** WebP thumbnails, narrowest first (`width` in px): for cards and rows, as a `srcset`. */
  thumbnails: z.array(z.object({ width: z.number().int(), url: z.string() })),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int(),
  prompt: z.string(),
  negativePrompt: z.string().nullable(),
  operation: z.string(),
  modelId: z.string(),
  provider: z.string(),
  seed: z.number().int(),
  steps: z.number().int().nullable(),
  priceCredits: z.number().int(),
  /** Made under a free allowance (free tier): cost 0. */
  freeTier: z.boolean(),
  catalogId: z.string(),
  catalogVersion: z.number().int(),
  author: z.object({ id: z.uuid(), name: z.string() }),
  projectId: z.uuid().nullable(),
  workspaceId: z.uuid().nullable(),
  parentAssetId: z.uuid().nullable(),
  hasMask: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type AssetView = z.infer<typeof assetView>;

export const galleryQuery = z.strictObject({
  projectId: uuid.optional(),
  authorId: uuid.optional(),
  modelId: z.string().max(64).optional(),
  operation: z.string().max(40).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});
export type GalleryQuery = z.infer<typeof galleryQuery>;

export const galleryPage = z.object({
  assets: z.array(assetView),
  nextCursor: z.string().nullable(),
  totals: z.array(z.object({ operation: z.string(), count: z.number().int(), credits: z.number().int() })),
});
export type GalleryPage = z.infer<typeof galleryPage>;

export const jobListQuery = z.strictObject({
  mine: z.enum(['true', 'false']).optional(),
  status: jobStatus.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});
