import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { CommentEvent, CommentPin, CommentView, MentionableView } from '@atelier/contracts';
import { AlertsService } from '../alerts/alerts.service.js';
import { ApiError } from '../common/error.filter.js';
import { notFound } from '../orgs/organization.guard.js';
import { EventBus } from '../events/event-bus.js';
import { commentView } from './board-views.js';
import { BoardsRepository } from './boards.repository.js';
import type { BoardActor } from './boards.service.js';
import { CommentsRepository, type CommentRow } from './comments.repository.js';

export interface WriteComment {
  body: string;
  parentId?: string | undefined;
  pin?: CommentPin | undefined;
  boardId?: string | undefined;
  mentions?: readonly string[] | undefined;
}

const EXCERPT = 140;

function excerpt(body: string): string {
  return body.length > EXCERPT ? `${body.slice(0, EXCERPT - 1)}…` : body;
}

/**
 * Comments on images: threads (a comment and its replies), pinned to a point or region or not,
 * @mentions that notify (in the app and by email), edits and deletes by the author, resolve and
 * reopen by anyone who may comment. Every change reaches the org's sockets.
 */
/** Who may change a comment: the member who wrote it, or the guest (of a review link) who did. */
export type CommentAuthor = { userId: string } | { guestId: string };

@Injectable()
export class CommentsService {
  constructor(
    @Inject(CommentsRepository) private readonly comments: CommentsRepository,
    @Inject(BoardsRepository) private readonly boards: BoardsRepository,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(AlertsService) private readonly alerts: AlertsService,
  ) {}

  async list(organizationId: string, assetId: string): Promise<CommentView[]> {
    if ((await this.boards.asset(organizationId, assetId)) === undefined) throw notFound('The image');
    return (await this.comments.forAsset(assetId)).map(commentView);
  }

  async create(organizationId: string, assetId: string, actor: BoardActor, request: WriteComment): Promise<CommentView> {
    const asset = await this.boards.asset(organizationId, assetId);
    if (asset === undefined) throw notFound('The image');
    const parentId = await this.threadRoot(organizationId, assetId, request.parentId);
    const boardId = request.boardId ?? null;
    if (boardId !== null && ((await this.boards.find(organizationId, boardId)) === undefined || !(await this.boards.isOnBoard(boardId, assetId)))) {
      throw new ApiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: 'The image is not on that board.', field: 'boardId' });
    }
    const mentions = actor.kind === 'member' ? await this.members(organizationId, request.mentions ?? []) : [];
    const id = await this.comments.insert({
      organizationId,
      assetId,
      boardId,
      parentId,
      author: actor.kind === 'member' ? { userId: actor.userId } : { guestId: actor.guestId },
      body: request.body,
      pin: parentId === null ? (request.pin ?? null) : null,
      mentions: mentions.map((member) => member.id),
    });
    const comment = await this.announce(organizationId, id, 'created');
    await this.notifyMentions(organizationId, comment, mentions.map((member) => member.id).filter((userId) => actor.kind !== 'member' || userId !== actor.userId));
    return comment;
  }

  /** Its author (a member, or the guest who wrote it through a review link) changes a comment's words. */
  async edit(organizationId: string, author: CommentAuthor, commentId: string, body: string, mentionIds: readonly string[]): Promise<CommentView> {
    const row = await this.own(organizationId, author, commentId);
    const mentions = await this.members(organizationId, mentionIds);
    await this.comments.edit(commentId, body, mentions.map((member) => member.id));
    const comment = await this.announce(organizationId, commentId, 'updated');
    const before = new Set(row.mentions);
    await this.notifyMentions(organizationId, comment, mentions.map((member) => member.id).filter((id) => !before.has(id) && !('userId' in author && id === author.userId)));
    return comment;
  }

  async delete(organizationId: string, author: CommentAuthor, commentId: string): Promise<void> {
    await this.own(organizationId, author, commentId);
    await this.comments.markDeleted(commentId);
    await this.announce(organizationId, commentId, 'deleted');
  }

  async setResolved(organizationId: string, actor: BoardActor, commentId: string, resolved: boolean): Promise<CommentView> {
    const row = await this.comments.find(organizationId, commentId);
    if (row === undefined || row.deleted_at !== null) throw notFound('The comment');
    if (row.parent_id !== null) {
      throw new ApiError(HttpStatus.CONFLICT, { code: 'not_a_thread', message: 'Resolve the thread (its first comment), not a reply.', field: 'commentId' });
    }
    await this.comments.setResolved(commentId, resolved, actor.kind === 'member' ? { userId: actor.userId } : { guestId: actor.guestId });
    return this.announce(organizationId, commentId, resolved ? 'resolved' : 'reopened');
  }

  async mentionable(organizationId: string): Promise<MentionableView[]> {
    return this.boards.everyMember(organizationId);
  }

  /** The comment, when `author` wrote it (else 403 not_comment_author; 404 when there is none). */
  private async own(organizationId: string, author: CommentAuthor, commentId: string): Promise<CommentRow> {
    const row = await this.comments.find(organizationId, commentId);
    if (row === undefined || row.deleted_at !== null) throw notFound('The comment');
    const theirs = 'userId' in author ? row.author_user_id === author.userId : row.author_guest_id === author.guestId;
    if (!theirs) {
      throw new ApiError(HttpStatus.FORBIDDEN, { code: 'not_comment_author', message: 'Only its author can change or delete a comment.' });
    }
    return row;
  }

  /** A reply goes under its thread's first comment (one level of threads). */
  private async threadRoot(organizationId: string, assetId: string, parentId: string | undefined): Promise<string | null> {
    if (parentId === undefined) return null;
    const parent = await this.comments.find(organizationId, parentId);
    if (parent?.asset_id !== assetId || parent.deleted_at !== null) {
      throw new ApiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: 'The comment to reply to was not found on this image.', field: 'parentId' });
    }
    return parent.parent_id ?? parent.id;
  }

  private async members(organizationId: string, userIds: readonly string[]): Promise<{ id: string; name: string }[]> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return [];
    const found = await this.boards.members(organizationId, unique);
    const known = new Set(found.map((member) => member.id));
    const missing = userIds.findIndex((id) => !known.has(id));
    if (missing >= 0) {
      throw new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: `mentions.${String(missing)}: not a member of this organization`, field: `mentions.${String(missing)}` });
    }
    return found;
  }

  private async notifyMentions(organizationId: string, comment: CommentView, userIds: readonly string[]): Promise<void> {
    for (const userId of userIds) {
      await this.alerts.raise({
        organizationId,
        kind: 'mention',
        subjectKey: comment.id,
        periodKey: userId,
        title: `${comment.author.name} mentioned you`,
        message: `${comment.author.name} mentioned you in a comment on an image: “${excerpt(comment.body)}”`,
        data: { assetId: comment.assetId, commentId: comment.id, boardId: comment.boardId, path: `/orgs/${organizationId}/gallery/${comment.assetId}` },
        recipients: { userIds: [userId] },
      });
    }
  }

  private async announce(organizationId: string, commentId: string, action: CommentEvent['action']): Promise<CommentView> {
    const row = await this.comments.find(organizationId, commentId);
    if (row === undefined) throw notFound('The comment');
    const comment = commentView(row);
    this.events.publish('comment.changed', { organizationId, assetId: comment.assetId, action, comment });
    return comment;
  }
}
