import { EventBus } from '../events/event-bus.js';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { hash } from '@node-rs/argon2';
import { boardLimits, type CreatedReviewLinkView, type CreateReviewLinkRequest, type ReviewLinkView } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { randomToken, sha256 } from '../common/crypto.js';
import { notFound } from '../orgs/organization.guard.js';
import { AuditService } from '../orgs/audit.service.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { BoardsRepository } from './boards.repository.js';
import { ReviewLinksRepository, type ReviewLinkRow } from './review-links.repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export function reviewLinkView(row: ReviewLinkRow): ReviewLinkView {
  return {
    id: row.id,
    boardId: row.board_id,
    label: row.label,
    mode: row.mode,
    allowPrompts: row.allow_prompts,
    hasPassword: row.password_hash !== null,
    expiresAt: row.expires_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    createdBy: { id: row.created_by_id, name: row.created_by_name },
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

/**
 * A board's client review links, as members manage them: made with an unguessable token (only its
 * SHA-256 is stored, the link is shown once), an expiry, an optional password (argon2), a mode,
 * and whether guests see prompts; revoked at once for every guest.
 */
@Injectable()
export class ReviewLinksService {
  constructor(
    @Inject(ReviewLinksRepository) private readonly links: ReviewLinksRepository,
    @Inject(BoardsRepository) private readonly boards: BoardsRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
  ) {}

  async create(organizationId: string, userId: string, boardId: string, request: CreateReviewLinkRequest): Promise<CreatedReviewLinkView> {
    await this.requireBoard(organizationId, boardId);
    if ((await this.links.countForBoard(boardId)) >= boardLimits.linksPerBoard) {
      throw new ApiError(HttpStatus.CONFLICT, { code: 'too_many_links', message: `A board has at most ${String(boardLimits.linksPerBoard)} review links; revoke old ones.`, limit: boardLimits.linksPerBoard });
    }
    const token = randomToken(32);
    const linkId = await this.links.create({
      organizationId,
      boardId,
      tokenHash: sha256(token),
      label: request.label ?? '',
      mode: request.mode,
      allowPrompts: request.allowPrompts ?? false,
      passwordHash: request.password === undefined ? null : await hash(request.password),
      expiresAt: new Date(this.clock.now().getTime() + request.expiresInDays * DAY_MS),
      createdBy: userId,
    });
    const row = await this.links.find(boardId, linkId);
    if (row === undefined) throw new Error('a review link vanished after insert');
    await this.audit.record({
      organizationId,
      actorId: userId,
      action: 'review_link.create',
      targetType: 'board',
      targetId: boardId,
      after: { linkId, mode: row.mode, allowPrompts: row.allow_prompts, password: row.password_hash !== null, expiresAt: row.expires_at.toISOString() },
    });
    return { ...reviewLinkView(row), token, path: `/review/${token}` };
  }

  async list(organizationId: string, boardId: string): Promise<ReviewLinkView[]> {
    await this.requireBoard(organizationId, boardId);
    return (await this.links.forBoard(boardId)).map(reviewLinkView);
  }

  async revoke(organizationId: string, userId: string, boardId: string, linkId: string): Promise<ReviewLinkView> {
    await this.requireBoard(organizationId, boardId);
    const row = await this.links.find(boardId, linkId);
    if (row === undefined) throw notFound('The review link');
    await this.links.revoke(linkId);
    await this.audit.record({ organizationId, actorId: userId, action: 'review_link.revoke', targetType: 'board', targetId: boardId, after: { linkId } });
    this.events.publish('review-link.revoked', { organizationId, boardId, linkId });
    const revoked = await this.links.find(boardId, linkId);
    if (revoked === undefined) throw notFound('The review link');
    return reviewLinkView(revoked);
  }

  private async requireBoard(organizationId: string, boardId: string): Promise<void> {
    if ((await this.boards.find(organizationId, boardId)) === undefined) throw notFound('The board');
  }
}
