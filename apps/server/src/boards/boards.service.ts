import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { boardLimits, type BoardEvent, type BoardListQuery, type BoardSummaryView, type BoardView, type CreateBoardRequest, type ReviewStatus, type UpdateBoardRequest } from '@atelier/contracts';
import { AlertsService } from '../alerts/alerts.service.js';
import { ApiError } from '../common/error.filter.js';
import { notFound } from '../orgs/organization.guard.js';
import { AuditService } from '../orgs/audit.service.js';
import { EventBus } from '../events/event-bus.js';
import { boardSummaryView, boardView } from './board-views.js';
import { BoardsRepository, type ActorRef } from './boards.repository.js';

/** A member (id) or a guest (id and the name they gave) acting on a board. */
export type BoardActor = { kind: 'member'; userId: string } | { kind: 'guest'; guestId: string; name: string; linkId: string };

const statusWords: Record<ReviewStatus, string> = { pending: 'pending', changes_requested: 'changes requested', approved: 'approved' };

function actorRef(actor: BoardActor): ActorRef {
  return actor.kind === 'member' ? { userId: actor.userId } : { guestId: actor.guestId };
}

/**
 * Boards: named, hand-ordered collections of the org's images with a cover, and each image's
 * review status on a board. Every change is announced to the org's sockets with the whole board.
 */
@Injectable()
export class BoardsService {
  constructor(
    @Inject(BoardsRepository) private readonly boards: BoardsRepository,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(AlertsService) private readonly alerts: AlertsService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async list(organizationId: string, query: BoardListQuery): Promise<BoardSummaryView[]> {
    const rows = await this.boards.list(organizationId, query);
    return rows.map(boardSummaryView);
  }

  async get(organizationId: string, boardId: string): Promise<BoardView> {
    const row = await this.boards.find(organizationId, boardId);
    if (row === undefined) throw notFound('The board');
    return boardView(row, await this.boards.items(boardId));
  }

  async create(organizationId: string, userId: string, request: CreateBoardRequest): Promise<BoardView> {
    const projectId = request.projectId ?? null;
    if (projectId !== null) await this.requireProject(organizationId, projectId);
    const boardId = await this.boards.create(organizationId, userId, { name: request.name, description: request.description ?? '', projectId });
    await this.audit.record({ organizationId, actorId: userId, action: 'board.create', targetType: 'board', targetId: boardId, after: { name: request.name, projectId } });
    return this.announce(organizationId, boardId, 'created', userId);
  }

  async update(organizationId: string, userId: string, boardId: string, request: UpdateBoardRequest): Promise<BoardView> {
    await this.get(organizationId, boardId);
    if (request.projectId != null) await this.requireProject(organizationId, request.projectId);
    if (request.coverAssetId != null && !(await this.boards.isOnBoard(boardId, request.coverAssetId))) {
      throw new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: 'coverAssetId: the cover must be one of the board’s images.', field: 'coverAssetId' });
    }
    await this.boards.update(organizationId, boardId, request);
    return this.announce(organizationId, boardId, 'updated', userId);
  }

  async delete(organizationId: string, userId: string, boardId: string): Promise<void> {
    const board = await this.get(organizationId, boardId);
    if (!(await this.boards.delete(organizationId, boardId))) throw notFound('The board');
    await this.audit.record({ organizationId, actorId: userId, action: 'board.delete', targetType: 'board', targetId: boardId, before: { name: board.name, items: board.itemCount } });
    const event: BoardEvent = { organizationId, boardId, action: 'deleted', actorId: userId, board: null };
    this.events.publish('board.changed', event);
  }

  async addItems(organizationId: string, userId: string, boardId: string, assetIds: readonly string[]): Promise<BoardView> {
    const board = await this.get(organizationId, boardId);
    const found = new Set(await this.boards.assetsInOrganization(organizationId, assetIds));
    const missing = assetIds.findIndex((id) => !found.has(id));
    if (missing >= 0) {
      throw new ApiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: 'The image was not found.', field: `assetIds.${String(missing)}` });
    }
    const onBoard = new Set(board.items.map((item) => item.assetId));
    const adding = assetIds.filter((id) => !onBoard.has(id)).length;
    if (board.items.length + adding > boardLimits.itemsPerBoard) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'board_full',
        message: `A board holds at most ${String(boardLimits.itemsPerBoard)} images.`,
        field: 'assetIds',
        limit: boardLimits.itemsPerBoard,
      });
    }
    await this.boards.addItems(boardId, assetIds, userId);
    return this.announce(organizationId, boardId, 'items', userId);
  }

  async removeItem(organizationId: string, userId: string, boardId: string, assetId: string): Promise<BoardView> {
    await this.get(organizationId, boardId);
    if (!(await this.boards.removeItem(boardId, assetId))) throw notFound('The image on this board');
    return this.announce(organizationId, boardId, 'items', userId);
  }

  async reorder(organizationId: string, userId: string, boardId: string, assetIds: readonly string[]): Promise<BoardView> {
    await this.get(organizationId, boardId);
    const result = await this.boards.reorder(boardId, assetIds);
    if (!result.ok) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'order_mismatch',
        message: 'assetIds: give every image on the board, each once (someone may have just added or removed one; reload).',
        field: 'assetIds',
        currentAssetIds: result.current,
      });
    }
    return this.announce(organizationId, boardId, 'reordered', userId);
  }

  /** Sets an image's status on a board; the image's author is told (unless they set it). */
  async setStatus(organizationId: string, actor: BoardActor, boardId: string, assetId: string, status: ReviewStatus): Promise<BoardView> {
    const board = await this.get(organizationId, boardId);
    const item = board.items.find((candidate) => candidate.assetId === assetId);
    if (item === undefined) throw notFound('The image on this board');
    await this.boards.setStatus(boardId, assetId, status, actorRef(actor));
    const view = await this.announce(organizationId, boardId, 'status', actor.kind === 'member' ? actor.userId : null);
    if (item.review.status !== status && !(actor.kind === 'member' && actor.userId === item.author.id)) {
      const who = actor.kind === 'member' ? ((await this.boards.members(organizationId, [actor.userId]))[0]?.name ?? 'A member') : `${actor.name} (guest)`;
      await this.alerts.raise({
        organizationId,
        kind: 'review_status',
        subjectKey: `${boardId}:${assetId}`,
        periodKey: randomUUID(),
        title: `${statusWords[status][0]?.toUpperCase() ?? ''}${statusWords[status].slice(1)}: your image on “${board.name}”`,
        message: `${who} marked your image on the board “${board.name}” as ${statusWords[status]}.`,
        data: { boardId, assetId, status, path: `/orgs/${organizationId}/boards/${boardId}` },
        recipients: { userIds: [item.author.id] },
      });
    }
    return view;
  }

  /** Reads the board after a change and tells the org's sockets. */
  private async announce(organizationId: string, boardId: string, action: BoardEvent['action'], actorId: string | null): Promise<BoardView> {
    const board = await this.get(organizationId, boardId);
    this.events.publish('board.changed', { organizationId, boardId, action, actorId, board });
    return board;
  }

  private async requireProject(organizationId: string, projectId: string): Promise<void> {
    if (!(await this.boards.projectInOrganization(organizationId, projectId))) {
      throw new ApiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: 'The project was not found.', field: 'projectId' });
    }
  }
}
