import type { CollabSettings } from './collab.js';

// The constants both sides share: limits, names, enumerations. Nothing here builds a zod schema:
// the web app imports these values, and the package is free of side effects (package.json), so
// the schema modules (whose zod schemas are built when they load) stay out of its bundle.

export const limits = {
  emailLength: 254,
  passwordMinLength: 10,
  passwordMaxLength: 256,
  nameLength: 100,
  timeZoneLength: 64,
  alertThresholds: 5,
  allowedModels: 50,
  modelIdLength: 64,
  tokenLength: 128,
  /**
   * The largest credit figure the API takes (budgets, limits): the ledger's largest pool balance
   * (`ledgerLimits.maxPoolBalanceCredits`, asserted equal by a test), so anything the schema
   * accepts the ledger stores.
   */
  maxCredits: 1_000_000_000_000_000,
} as const;

export const jobLimits = {
  promptLength: 2_000,
  /**
   * Mask bounds, checked before anything is rendered. Rendering time grows with the points drawn
   * (about 0.5 s for 20,000 numbers of wild strokes over 1024×1024, docs/SECURITY.md). Points
   * count numbers: a stroke of n positions has 2n.
   */
  maskStrokes: 1_000,
  maskPointsPerStroke: 4_000,
  maskTotalPoints: 40_000,
  /** The strokes as JSON. */
  maskBytes: 512 * 1024,
  idempotencyKeyLength: 128,
  /** Submits in one bulk request (POST /jobs/bulk). */
  bulkJobs: 100,
  /** A bulk request's Idempotency-Key: item i uses `key#i`, which must fit the 128 of a job's key. */
  bulkIdempotencyKeyLength: 124,
  seedMax: 4_294_967_295,
} as const;

/**
 * Widths (px) of the WebP thumbnails of every image, narrowest first: the two card sizes are made
 * when an image is stored, the preview size (1024, a workspace's result) on its first request.
 */
export const THUMBNAIL_WIDTHS = [256, 512, 1024] as const;
/** The thumbnails made as soon as an image is stored (cards, queue rows). */
export const CARD_THUMBNAIL_WIDTHS = [256, 512] as const;
export type ThumbnailWidth = (typeof THUMBNAIL_WIDTHS)[number];

export const usageGroupBys = ['member', 'model', 'operation', 'project'] as const;
export const usageBuckets = ['day', 'week', 'month'] as const;
export const transferKindNames = ['grant', 'hold', 'capture', 'void', 'hold_expiry', 'grant_expiry', 'adjustment', 'reversal'] as const;

export const collabSettingKeys = ['operation', 'model', 'quality', 'width', 'height', 'steps', 'seed', 'variations', 'sourceAssetId', 'searchPrompt', 'outpaint'] as const satisfies readonly (keyof CollabSettings)[];

export const creditPackageIds = ['starter', 'standard', 'bulk'] as const;

export const reviewStatuses = ['pending', 'changes_requested', 'approved'] as const;
export type ReviewStatus = (typeof reviewStatuses)[number];
