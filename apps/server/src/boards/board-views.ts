import type { ActorView, BoardItemView, BoardSummaryView, BoardView, CommentView, ReviewItemView } from '@atelier/contracts';
import type { BoardItemRow, BoardRow } from './boards.repository.js';
import type { CommentRow } from './comments.repository.js';

/** Rows to the API's views; the guest views leave out everything a client must not see. */

export const memberImageUrl = (organizationId: string, assetId: string): string => `/api/orgs/${organizationId}/assets/${assetId}/image`;
export const guestImageUrl = (token: string, assetId: string): string => `/api/review/${token}/assets/${assetId}/image`;

function actor(userId: string | null, userName: string | null, guestId: string | null, guestName: string | null): ActorView | null {
  if (userId !== null) return { kind: 'member', id: userId, name: userName ?? '' };
  if (guestId !== null) return { kind: 'guest', id: guestId, name: guestName ?? '' };
  return null;
}

export function boardSummaryView(row: BoardRow): BoardSummaryView {
  const cover = row.cover_asset_id ?? row.first_asset_id;
  return {
    id: row.id,
    organizationId: row.organization_id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    coverAssetId: cover,
    coverUrl: cover === null ? null : memberImageUrl(row.organization_id, cover),
    itemCount: row.item_count,
    approvedCount: row.approved_count,
    changesRequestedCount: row.changes_requested_count,
    createdBy: { id: row.created_by_id, name: row.created_by_name },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function reviewOf(item: BoardItemRow): BoardItemView['review'] {
  return {
    status: item.review_status,
    by: actor(item.reviewed_by_user_id, item.reviewed_by_user_name, item.reviewed_by_guest_id, item.reviewed_by_guest_name),
    at: item.reviewed_at?.toISOString() ?? null,
  };
}

export function boardView(row: BoardRow, items: readonly BoardItemRow[]): BoardView {
  return {
    ...boardSummaryView(row),
    items: items.map((item) => ({
      assetId: item.asset_id,
      position: item.position,
      imageUrl: memberImageUrl(row.organization_id, item.asset_id),
      width: item.width,
      height: item.height,
      prompt: item.prompt,
      author: { id: item.author_id, name: item.author_name },
      addedAt: item.added_at.toISOString(),
      review: reviewOf(item),
      comments: { total: item.comments_total, open: item.comments_open },
    })),
  };
}

/** An image as a guest sees it: no cost, credits, model or settings; the prompt only when allowed. */
export function reviewItemView(item: BoardItemRow, token: string, allowPrompts: boolean): ReviewItemView {
  return {
    assetId: item.asset_id,
    position: item.position,
    imageUrl: guestImageUrl(token, item.asset_id),
    width: item.width,
    height: item.height,
    ...(allowPrompts ? { prompt: item.prompt } : {}),
    review: reviewOf(item),
    comments: { total: item.comments_total, open: item.comments_open },
  };
}

export function commentView(row: CommentRow): CommentView {
  const author = actor(row.author_user_id, row.author_user_name, row.author_guest_id, row.author_guest_name) ?? { kind: 'member', id: null, name: '' };
  const deleted = row.deleted_at !== null;
  return {
    id: row.id,
    assetId: row.asset_id,
    boardId: row.board_id,
    parentId: row.parent_id,
    author,
    body: deleted ? '' : row.body,
    pin: row.pin,
    mentions: deleted ? [] : row.mention_names,
    resolved: row.resolved_at !== null,
    resolvedBy: actor(row.resolved_by_user_id, row.resolved_by_user_name, row.resolved_by_guest_id, row.resolved_by_guest_name),
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    editedAt: row.edited_at?.toISOString() ?? null,
    deleted,
    createdAt: row.created_at.toISOString(),
  };
}
