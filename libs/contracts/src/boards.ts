import { z } from 'zod';
import { reviewStatuses } from './values.js';
import { displayName, uuid } from './accounts.js';

/**
 * Boards (named, hand-ordered collections of an org's images), comments on images, review status
 * per image on a board, and client review links (a board shown to guests without an account).
 */

export const boardLimits = {
  descriptionLength: 2_000,
  itemsPerBoard: 500,
  assetsPerAdd: 100,
  commentLength: 5_000,
  mentionsPerComment: 20,
  guestNameLength: 60,
  linkPasswordMinLength: 6,
  linkPasswordMaxLength: 256,
  linkLifetimeDaysMax: 365,
  linksPerBoard: 50,
} as const;

export const reviewStatus = z.enum(reviewStatuses);

export const reviewLinkModes = ['view', 'review'] as const;
export type ReviewLinkMode = (typeof reviewLinkModes)[number];

/** A fraction of the image's width or height: 0 (left/top edge) to 1 (right/bottom edge). */
const fraction = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

/**
 * Where a comment is pinned: a point (x, y), or a region when width and height are given; all
 * fractions of the image, so a pin stays put at any display size.
 */
export const commentPin = z
  .strictObject({ x: fraction, y: fraction, width: fraction.optional(), height: fraction.optional() })
  .refine((pin) => (pin.width === undefined) === (pin.height === undefined), { message: 'give both width and height, or neither', path: ['width'] })
  .refine((pin) => pin.x + (pin.width ?? 0) <= 1 && pin.y + (pin.height ?? 0) <= 1, { message: 'the region must lie inside the image', path: ['width'] });
export type CommentPin = z.infer<typeof commentPin>;

const boardDescription = z.string().max(boardLimits.descriptionLength);

export const createBoardRequest = z.strictObject({
  name: displayName,
  description: boardDescription.optional(),
  projectId: uuid.nullable().optional(),
});
export const updateBoardRequest = z.strictObject({
  name: displayName.optional(),
  description: boardDescription.optional(),
  projectId: uuid.nullable().optional(),
  /** One of the board's images, or null for the first one. */
  coverAssetId: uuid.nullable().optional(),
});
export const addBoardItemsRequest = z.strictObject({
  assetIds: z
    .array(uuid)
    .min(1, 'must name at least one image')
    .max(boardLimits.assetsPerAdd)
    .refine((ids) => new Set(ids).size === ids.length, { message: 'must not repeat an image' }),
});
/** The board's whole order: every image on it, each once. */
export const reorderBoardRequest = z.strictObject({
  assetIds: z
    .array(uuid)
    .max(boardLimits.itemsPerBoard)
    .refine((ids) => new Set(ids).size === ids.length, { message: 'must not repeat an image' }),
});
export const setReviewStatusRequest = z.strictObject({ status: reviewStatus });
export const boardListQuery = z.strictObject({ projectId: uuid.optional(), assetId: uuid.optional() });

const commentBody = z.string().trim().min(1, 'must not be empty').max(boardLimits.commentLength);
export const createCommentRequest = z.strictObject({
  body: commentBody,
  /** Reply to this comment (a thread is one comment and its replies). */
  parentId: uuid.optional(),
  pin: commentPin.optional(),
  /** The board the comment was made on, if any. */
  boardId: uuid.optional(),
  /** Members @mentioned in the body; each is notified (in the app and by email). */
  mentions: z.array(uuid).max(boardLimits.mentionsPerComment).optional(),
});
export const updateCommentRequest = z.strictObject({
  body: commentBody,
  mentions: z.array(uuid).max(boardLimits.mentionsPerComment).optional(),
});
export const resolveCommentRequest = z.strictObject({ resolved: z.boolean() });

export const createReviewLinkRequest = z.strictObject({
  mode: z.enum(reviewLinkModes),
  /** Days until the link stops working (1 to 365). */
  expiresInDays: z.number().int().min(1).max(boardLimits.linkLifetimeDaysMax),
  password: z.string().min(boardLimits.linkPasswordMinLength, `must be at least ${String(boardLimits.linkPasswordMinLength)} characters`).max(boardLimits.linkPasswordMaxLength).optional(),
  /** Show guests the prompts of the images (never costs, credits or settings). */
  allowPrompts: z.boolean().optional(),
  label: z.string().trim().max(100).optional(),
});

export const reviewToken = z.string().min(20).max(100).regex(/^[A-Za-z0-9_-]+$/, 'is not a review link token');
export const joinReviewRequest = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(boardLimits.guestNameLength),
  password: z.string().min(1).max(boardLimits.linkPasswordMaxLength).optional(),
});
/** `poll=1`: a page refreshing itself in the background, not a person looking again (not audited). */
export const reviewReadQuery = z.strictObject({ poll: z.enum(['1']).optional() });
export const guestCommentRequest = z.strictObject({
  body: commentBody,
  parentId: uuid.optional(),
  pin: commentPin.optional(),
});

/** A guest changes the words of a comment they wrote (guests do not mention). */
export const guestEditCommentRequest = z.strictObject({ body: commentBody });
export type GuestEditCommentRequest = z.infer<typeof guestEditCommentRequest>;

/** Who did something: a member of the org, or a guest of a review link (by the name they gave). */
export const actorView = z.object({ kind: z.enum(['member', 'guest']), id: z.string().nullable(), name: z.string() });
export type ActorView = z.infer<typeof actorView>;

export const reviewView = z.object({ status: reviewStatus, by: actorView.nullable(), at: z.string().nullable() });

export const boardItemView = z.object({
  assetId: z.uuid(),
  position: z.number().int(),
  imageUrl: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  prompt: z.string(),
  author: z.object({ id: z.uuid(), name: z.string() }),
  addedAt: z.string(),
  review: reviewView,
  comments: z.object({ total: z.number().int(), open: z.number().int() }),
});
export const boardSummaryView = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  projectId: z.uuid().nullable(),
  name: z.string(),
  description: z.string(),
  coverAssetId: z.uuid().nullable(),
  coverUrl: z.string().nullable(),
  itemCount: z.number().int(),
  approvedCount: z.number().int(),
  changesRequestedCount: z.number().int(),
  createdBy: z.object({ id: z.uuid(), name: z.string() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const boardView = boardSummaryView.extend({ items: z.array(boardItemView) });

export const commentView = z.object({
  id: z.uuid(),
  assetId: z.uuid(),
  boardId: z.uuid().nullable(),
  parentId: z.uuid().nullable(),
  author: actorView,
  body: z.string(),
  pin: z.object({ x: z.number(), y: z.number(), width: z.number().optional(), height: z.number().optional() }).nullable(),
  mentions: z.array(z.object({ id: z.uuid(), name: z.string() })),
  resolved: z.boolean(),
  resolvedBy: actorView.nullable(),
  resolvedAt: z.string().nullable(),
  editedAt: z.string().nullable(),
  deleted: z.boolean(),
  createdAt: z.string(),
});
export const mentionableView = z.object({ id: z.uuid(), name: z.string() });

export const reviewLinkView = z.object({
  id: z.uuid(),
  boardId: z.uuid(),
  label: z.string(),
  mode: z.enum(reviewLinkModes),
  allowPrompts: z.boolean(),
  hasPassword: z.boolean(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  createdBy: z.object({ id: z.uuid(), name: z.string() }),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
/** Only when created: the link itself (its token is stored hashed and never shown again). */
export const createdReviewLinkView = reviewLinkView.extend({ token: z.string(), path: z.string() });

/** What anyone holding the link may see before joining. */
export const reviewLinkPreview = z.object({
  boardName: z.string(),
  sharedBy: z.string(),
  mode: z.enum(reviewLinkModes),
  needsPassword: z.boolean(),
  expiresAt: z.string(),
});
export const joinedReviewView = z.object({ guestToken: z.string(), guest: z.object({ id: z.uuid(), name: z.string() }) });

/** A board as a guest sees it: images, review status and comments counts; no costs, credits or settings. */
export const reviewItemView = z.object({
  assetId: z.uuid(),
  position: z.number().int(),
  imageUrl: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  /** Only when the sharer allowed prompts. */
  prompt: z.string().optional(),
  review: reviewView,
  comments: z.object({ total: z.number().int(), open: z.number().int() }),
});
export const reviewBoardView = z.object({
  boardName: z.string(),
  description: z.string(),
  mode: z.enum(reviewLinkModes),
  allowPrompts: z.boolean(),
  expiresAt: z.string(),
  guest: z.object({ id: z.uuid(), name: z.string() }),
  approvedCount: z.number().int(),
  items: z.array(reviewItemView),
});
export const reviewAssetView = z.object({ item: reviewItemView, comments: z.array(commentView) });

export type CreateBoardRequest = z.infer<typeof createBoardRequest>;
export type UpdateBoardRequest = z.infer<typeof updateBoardRequest>;
export type BoardListQuery = z.infer<typeof boardListQuery>;
export type CreateCommentRequest = z.infer<typeof createCommentRequest>;
export type UpdateCommentRequest = z.infer<typeof updateCommentRequest>;
export type CreateReviewLinkRequest = z.infer<typeof createReviewLinkRequest>;
export type JoinReviewRequest = z.infer<typeof joinReviewRequest>;
export type GuestCommentRequest = z.infer<typeof guestCommentRequest>;
export type BoardItemView = z.infer<typeof boardItemView>;
export type BoardSummaryView = z.infer<typeof boardSummaryView>;
export type BoardView = z.infer<typeof boardView>;
export type CommentView = z.infer<typeof commentView>;
export type MentionableView = z.infer<typeof mentionableView>;
export type ReviewLinkView = z.infer<typeof reviewLinkView>;
export type CreatedReviewLinkView = z.infer<typeof createdReviewLinkView>;
export type ReviewLinkPreview = z.infer<typeof reviewLinkPreview>;
export type JoinedReviewView = z.infer<typeof joinedReviewView>;
export type ReviewItemView = z.infer<typeof reviewItemView>;
export type ReviewBoardView = z.infer<typeof reviewBoardView>;
export type ReviewAssetView = z.infer<typeof reviewAssetView>;

/** One image in an image's lineage (remix, inpaint, outpaint, upscale, edit…). */
export const assetVersionView = z.object({
  id: z.uuid(),
  parentAssetId: z.uuid().nullable(),
  imageUrl: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  operation: z.string(),
  prompt: z.string(),
  author: z.object({ id: z.uuid(), name: z.string() }),
  createdAt: z.string(),
});
/** An image's ancestors (oldest first: the original, then each image made from the one before) and every image made from it, at any depth (oldest first). */
export const assetVersionsView = z.object({
  ancestors: z.array(assetVersionView),
  asset: assetVersionView,
  descendants: z.array(assetVersionView),
});
export type AssetVersionView = z.infer<typeof assetVersionView>;
export type AssetVersionsView = z.infer<typeof assetVersionsView>;
