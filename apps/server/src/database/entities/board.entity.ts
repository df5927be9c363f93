import { defineEntity, p } from '@mikro-orm/postgresql';
import { Asset } from './job.entity.js';
import { Organization, Project } from './organization.entity.js';
import { User } from './user.entity.js';

/** A named, hand-ordered collection of an org's images (optionally in a project), with a cover. */
export const BoardSchema = defineEntity({
  name: 'Board',
  tableName: 'boards',
  indexes: [{ properties: ['organization', 'updatedAt'] }],
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    project: () => p.manyToOne(Project).nullable().deleteRule('set null'),
    name: p.string().length(100),
    description: p.text().default(''),
    coverAsset: () => p.manyToOne(Asset).nullable().deleteRule('set null'),
    createdBy: () => p.manyToOne(User).deleteRule('cascade'),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
export class Board extends BoardSchema.class {}
BoardSchema.setClass(Board);

/**
 * One image on one board (an image may be on several boards), its place in the board's order,
 * and its review status there: who set it (a member, or a review link's guest) and when.
 */
export const BoardItemSchema = defineEntity({
  name: 'BoardItem',
  tableName: 'board_items',
  indexes: [{ properties: ['asset'] }],
  properties: {
    board: () => p.manyToOne(Board).primary().deleteRule('cascade'),
    asset: () => p.manyToOne(Asset).primary().deleteRule('cascade'),
    position: p.integer(),
    addedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    addedAt: p.datetime().defaultRaw('now()'),
    reviewStatus: p.string().length(24).default('pending'),
    reviewedByUser: () => p.manyToOne(User).nullable().deleteRule('set null'),
    reviewedByGuest: () => p.manyToOne(ReviewGuest).nullable().deleteRule('set null'),
    reviewedAt: p.datetime().nullable(),
  },
});
export class BoardItem extends BoardItemSchema.class {}
BoardItemSchema.setClass(BoardItem);

/**
 * A link that shows one board to people without an account. Only the SHA-256 of its token is
 * kept; the optional password is an argon2 hash.
 */
export const ReviewLinkSchema = defineEntity({
  name: 'ReviewLink',
  tableName: 'review_links',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    board: () => p.manyToOne(Board).deleteRule('cascade').index(),
    tokenHash: p.string().length(64).unique(),
    label: p.string().length(100).default(''),
    /** 'view' (look only) or 'review' (comment and approve too). */
    mode: p.string().length(16),
    allowPrompts: p.boolean().default(false),
    passwordHash: p.string().length(255).nullable(),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    createdBy: () => p.manyToOne(User).deleteRule('cascade'),
    createdAt: p.datetime().defaultRaw('now()'),
    lastUsedAt: p.datetime().nullable(),
  },
});
export class ReviewLink extends ReviewLinkSchema.class {}
ReviewLinkSchema.setClass(ReviewLink);

/** Someone who opened a review link and gave a name; their token (hashed) identifies them after. */
export const ReviewGuestSchema = defineEntity({
  name: 'ReviewGuest',
  tableName: 'review_guests',
  properties: {
    id: p.uuid().primary(),
    link: () => p.manyToOne(ReviewLink).deleteRule('cascade').index(),
    name: p.string().length(60),
    tokenHash: p.string().length(64).unique(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
export class ReviewGuest extends ReviewGuestSchema.class {}
ReviewGuestSchema.setClass(ReviewGuest);

/**
 * A comment on an image: a thread is a comment and its replies (one level). Pinned to a point or a
 * region (fractions of the image) or to nothing. Written by a member or a review link's guest.
 */
export const CommentSchema = defineEntity({
  name: 'Comment',
  tableName: 'comments',
  indexes: [{ properties: ['asset', 'createdAt'] }],
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    asset: () => p.manyToOne(Asset).deleteRule('cascade'),
    board: () => p.manyToOne(Board).nullable().deleteRule('set null'),
    parent: () => p.manyToOne(Comment).nullable().deleteRule('cascade'),
    authorUser: () => p.manyToOne(User).nullable().deleteRule('cascade'),
    authorGuest: () => p.manyToOne(ReviewGuest).nullable().deleteRule('cascade'),
    body: p.text(),
    pin: p.json<{ x: number; y: number; width?: number; height?: number }>().nullable(),
    mentions: p.array().default([]),
    resolvedAt: p.datetime().nullable(),
    resolvedByUser: () => p.manyToOne(User).nullable().deleteRule('set null'),
    resolvedByGuest: () => p.manyToOne(ReviewGuest).nullable().deleteRule('set null'),
    editedAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
export class Comment extends CommentSchema.class {}
CommentSchema.setClass(Comment);
