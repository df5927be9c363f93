import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { verify } from '@node-rs/argon2';
import type { CommentView, GuestCommentRequest, JoinedReviewView, JoinReviewRequest, ReviewAssetView, ReviewBoardView, ReviewLinkPreview, ReviewStatus } from '@atelier/contracts';
import { AlertsService } from '../alerts/alerts.service.js';
import { RateLimitRepository } from '../auth/rate-limit.repository.js';
import { ApiError } from '../common/error.filter.js';
import { randomToken, sha256 } from '../common/crypto.js';
import { AuditService } from '../orgs/audit.service.js';
import { withoutPngText } from '../providers/png-text.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import type { AssetStorage } from '../storage/storage.js';
import { ASSET_STORAGE } from '../repositories/tokens.js';
import { reviewItemView } from './board-views.js';
import { BoardsRepository, type BoardItemRow } from './boards.repository.js';
import { BoardsService } from './boards.service.js';
import { CommentsService } from './comments.service.js';
import { ReviewLinksRepository, type ReviewLinkRow } from './review-links.repository.js';

/** A guest of a review link, as every guest call resolves it. */
export interface ReviewGuestContext {
  link: ReviewLinkRow;
  guest: { id: string; name: string };
  token: string;
}

function linkGone(code: 'link_expired' | 'link_revoked'): ApiError {
  return new ApiError(HttpStatus.GONE, {
    code,
    message: code === 'link_expired' ? 'This review link has expired. Ask the person who shared it for a new one.' : 'This review link was turned off by the person who shared it.',
  });
}

const linkNotFound = (): ApiError => new ApiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: 'This review link does not exist.' });

/**
 * A board shown to guests through a review link: no account, a name, images large (without their
 * settings, even in the PNG), comments and approvals when the link allows them. Guests never see
 * credits, costs, models or settings, nor prompts unless the sharer allowed them, and cannot
 * generate. Every view and action of a guest is in the org's audit trail.
 */
@Injectable()
export class ReviewService {
  constructor(
    @Inject(ReviewLinksRepository) private readonly links: ReviewLinksRepository,
    @Inject(BoardsRepository) private readonly boardsRepository: BoardsRepository,
    @Inject(BoardsService) private readonly boards: BoardsService,
    @Inject(CommentsService) private readonly comments: CommentsService,
    @Inject(AlertsService) private readonly alerts: AlertsService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(RateLimitRepository) private readonly rateLimits: RateLimitRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(ASSET_STORAGE) private readonly storage: AssetStorage,
  ) {}

  async preview(token: string): Promise<ReviewLinkPreview> {
    const link = await this.link(token);
    return { boardName: link.board_name, sharedBy: link.created_by_name, mode: link.mode, needsPassword: link.password_hash !== null, expiresAt: link.expires_at.toISOString() };
  }

  async join(token: string, request: JoinReviewRequest, address: string): Promise<JoinedReviewView> {
    const link = await this.link(token);
    if (link.password_hash !== null) await this.checkPassword(link, request.password, address);
    const guestToken = randomToken(32);
    const guestId = await this.links.createGuest(link.id, request.name, sha256(guestToken));
    await this.record(link, { id: guestId, name: request.name }, 'review.join', {});
    return { guestToken, guest: { id: guestId, name: request.name } };
  }

  /** The link and the guest holding `guestToken` (401 guest_required without one that joined this link). */
  async guest(token: string, guestToken: string | undefined): Promise<ReviewGuestContext> {
    const link = await this.link(token);
    const guest = guestToken === undefined ? undefined : await this.links.guest(link.id, sha256(guestToken));
    if (guest === undefined) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, { code: 'guest_required', message: 'Give your name to open this review.' });
    }
    await this.links.touch(link.id);
    return { link, guest, token };
  }

  /** The board; `audited` false for a page's background refresh (a person's look is recorded once). */
  async board(context: ReviewGuestContext, audited = true): Promise<ReviewBoardView> {
    const { link, guest, token } = context;
    const items = await this.boardsRepository.items(link.board_id);
    if (audited) await this.record(link, guest, 'review.board_viewed', {});
    return {
      boardName: link.board_name,
      description: link.board_description,
      mode: link.mode,
      allowPrompts: link.allow_prompts,
      expiresAt: link.expires_at.toISOString(),
      guest,
      approvedCount: items.filter((item) => item.review_status === 'approved').length,
      items: items.map((item) => reviewItemView(item, token, link.allow_prompts)),
    };
  }

  async asset(context: ReviewGuestContext, assetId: string, audited = true): Promise<ReviewAssetView> {
    const item = await this.item(context, assetId);
    const comments = await this.comments.list(context.link.organization_id, assetId);
    if (audited) await this.record(context.link, context.guest, 'review.image_viewed', { assetId });
    return { item: reviewItemView(item, context.token, context.link.allow_prompts), comments };
  }

  /** The PNG without its text chunks (which hold the prompt and settings). */
  async image(context: ReviewGuestContext, assetId: string): Promise<Buffer> {
    await this.item(context, assetId);
    const asset = await this.boardsRepository.asset(context.link.organization_id, assetId);
    const bytes = asset === undefined ? undefined : await this.storage.get(asset.storage_key);
    if (bytes === undefined) throw new ApiError(HttpStatus.GONE, { code: 'not_found', message: 'The image file is missing from storage.' });
    return withoutPngText(bytes);
  }

  async comment(context: ReviewGuestContext, assetId: string, request: GuestCommentRequest): Promise<CommentView> {
    this.requireReviewMode(context.link);
    await this.item(context, assetId);
    const { link, guest } = context;
    const comment = await this.comments.create(link.organization_id, assetId, { kind: 'guest', guestId: guest.id, name: guest.name, linkId: link.id }, { ...request, boardId: link.board_id });
    await this.record(link, guest, 'review.comment', { assetId, commentId: comment.id, pin: comment.pin });
    const asset = await this.boardsRepository.asset(link.organization_id, assetId);
    const recipients = [...new Set([link.created_by_id, ...(asset === undefined ? [] : [asset.author_id])])];
    await this.alerts.raise({
      organizationId: link.organization_id,
      kind: 'guest_comment',
      subjectKey: comment.id,
      periodKey: 'once',
      title: `${guest.name} (guest) commented on “${link.board_name}”`,
      message: `${guest.name} commented through a review link: “${comment.body.length > 140 ? `${comment.body.slice(0, 139)}…` : comment.body}”`,
      data: { boardId: link.board_id, assetId, commentId: comment.id, path: `/orgs/${link.organization_id}/boards/${link.board_id}` },
      recipients: { userIds: recipients },
    });
    return comment;
  }

  /** A guest changes a comment they wrote through this link (another guest's, or a member's: 403). */
  async editComment(context: ReviewGuestContext, commentId: string, body: string): Promise<CommentView> {
    this.requireReviewMode(context.link);
    const { link, guest } = context;
    const comment = await this.comments.edit(link.organization_id, { guestId: guest.id }, commentId, body, []);
    await this.record(link, guest, 'review.comment_edit', { assetId: comment.assetId, commentId });
    return comment;
  }

  async deleteComment(context: ReviewGuestContext, commentId: string): Promise<void> {
    this.requireReviewMode(context.link);
    const { link, guest } = context;
    await this.comments.delete(link.organization_id, { guestId: guest.id }, commentId);
    await this.record(link, guest, 'review.comment_delete', { commentId });
  }

  async setStatus(context: ReviewGuestContext, assetId: string, status: ReviewStatus): Promise<ReviewBoardView> {
    this.requireReviewMode(context.link);
    await this.item(context, assetId);
    const { link, guest } = context;
    await this.boards.setStatus(link.organization_id, { kind: 'guest', guestId: guest.id, name: guest.name, linkId: link.id }, link.board_id, assetId, status);
    await this.record(link, guest, 'review.status', { assetId, status });
    return this.board(context, false);
  }

  private async link(token: string): Promise<ReviewLinkRow> {
    const link = await this.links.byTokenHash(sha256(token));
    if (link === undefined) throw linkNotFound();
    if (link.revoked_at !== null) throw linkGone('link_revoked');
    if (link.expires_at.getTime() <= this.clock.now().getTime()) throw linkGone('link_expired');
    return link;
  }

  private async checkPassword(link: ReviewLinkRow, password: string | undefined, address: string): Promise<void> {
    const wait = await this.rateLimits.reviewPasswordBlockedForSeconds(link.id, address);
    if (wait > 0) {
      throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, { code: 'rate_limited', message: `Too many wrong passwords; try again in ${String(wait)} seconds.`, retryAfterSeconds: wait });
    }
    if (password === undefined) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, { code: 'password_required', message: 'This review link needs a password.', field: 'password' });
    }
    if (!(await verify(link.password_hash ?? '', password))) {
      await this.rateLimits.recordReviewPasswordFailure(link.id, address);
      throw new ApiError(HttpStatus.UNAUTHORIZED, { code: 'wrong_password', message: 'That password is not right.', field: 'password' });
    }
  }

  private requireReviewMode(link: ReviewLinkRow): void {
    if (link.mode !== 'review') {
      throw new ApiError(HttpStatus.FORBIDDEN, { code: 'link_view_only', message: 'This review link is for viewing only.' });
    }
  }

  /** The image, when it is on the link's board (anything else: 404, whatever it is). */
  private async item(context: ReviewGuestContext, assetId: string): Promise<BoardItemRow> {
    const items = await this.boardsRepository.items(context.link.board_id);
    const item = items.find((candidate) => candidate.asset_id === assetId);
    if (item === undefined) throw new ApiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: 'The image is not on this board.' });
    return item;
  }

  private async record(link: ReviewLinkRow, guest: { id: string; name: string }, action: string, details: Record<string, unknown>): Promise<void> {
    await this.audit.record({
      organizationId: link.organization_id,
      actorId: null,
      action,
      targetType: 'board',
      targetId: link.board_id,
      after: { guest: guest.name, guestId: guest.id, linkId: link.id, ...details },
    });
  }
}
