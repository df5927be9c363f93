import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Namespace, Server, Socket } from 'socket.io';
import type { BoardEvent, CommentEvent } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { EventBus } from '../events/event-bus.js';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { ReviewService, type ReviewGuestContext } from '../boards/review.service.js';

/** The socket.io namespace of client review links' guests (beside the members' default one). */
export const REVIEW_NAMESPACE = '/review';

/** What a guest's page hears: something on its board changed (it re-reads through the guest API), or the link ended. */
export interface ReviewServerEvents {
  changed: (event: { scope: 'board' } | { scope: 'asset'; assetId: string }) => void;
  ended: (event: { code: 'link_revoked' | 'link_expired' | 'board_deleted' }) => void;
}

type GuestSocket = Socket<Record<string, never>, ReviewServerEvents, Record<string, never>, { context: ReviewGuestContext }>;
type GuestNamespace = Namespace<Record<string, never>, ReviewServerEvents, Record<string, never>, { context: ReviewGuestContext }>;

const boardRoom = (boardId: string): string => `board:${boardId}`;
const assetRoom = (assetId: string): string => `asset:${assetId}`;
const linkRoom = (linkId: string): string => `link:${linkId}`;

/** Longest timer Node keeps (about 24.8 days); a link expiring later is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Live updates for the guests of client review links, on `/review` of the app's socket.io server.
 * A guest connects with the link's token and the guest token it got for its name; it joins its
 * board's room and its images' rooms only. Events carry no data, only that something changed (the
 * page re-reads through the guest API, which shows a guest nothing else), so nothing of the org
 * can leak through them. A revoked or expired link, or a deleted board, ends the connection. With
 * the Redis adapter, rooms and emits span every node.
 */
@Injectable()
export class ReviewLive {
  private readonly logger = new Logger('ReviewLive');
  private namespace: GuestNamespace | undefined;
  private unsubscribe: (() => void)[] = [];

  constructor(
    @Inject(ReviewService) private readonly review: ReviewService,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(DatabaseRepository) private readonly database: DatabaseRepository,
  ) {}

  attach(io: Server): void {
    const namespace = io.of(REVIEW_NAMESPACE) as unknown as GuestNamespace;
    namespace.use((socket, next) => {
      this.authenticate(socket).then(
        () => {
          next();
        },
        (error: unknown) => {
          next(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
    namespace.on('connection', (socket) => {
      this.connected(socket).catch((error: unknown) => {
        this.logger.warn(`guest socket setup failed: ${String(error)}`);
        socket.disconnect(true);
      });
    });
    this.namespace = namespace;
    this.unsubscribe = [
      this.events.subscribe('board.changed', (event) => {
        this.boardChanged(event);
      }),
      this.events.subscribe('comment.changed', (event) => {
        this.commentChanged(event);
      }),
      this.events.subscribe('review-link.revoked', ({ linkId }) => {
        this.end(linkRoom(linkId), 'link_revoked');
      }),
    ];
  }

  detach(): void {
    for (const stop of this.unsubscribe) stop();
    this.unsubscribe = [];
    this.namespace = undefined;
  }

  private async authenticate(socket: GuestSocket): Promise<void> {
    const auth = socket.handshake.auth as { reviewToken?: unknown; guestToken?: unknown };
    const reviewToken = typeof auth.reviewToken === 'string' && auth.reviewToken.length <= 100 ? auth.reviewToken : undefined;
    const guestToken = typeof auth.guestToken === 'string' && auth.guestToken.length <= 100 ? auth.guestToken : undefined;
    if (reviewToken === undefined) throw refused('guest_required', 'Open the review link and give your name.');
    try {
      socket.data.context = await this.database.withOwnContext(() => this.review.guest(reviewToken, guestToken));
    } catch (error) {
      if (error instanceof ApiError) {
        const body = error.getResponse() as { code: string; message: string };
        throw refused(body.code, body.message);
      }
      throw error;
    }
  }

  private async connected(socket: GuestSocket): Promise<void> {
    const { link } = socket.data.context;
    const board = await this.database.withOwnContext(() => this.review.board(socket.data.context, false));
    await socket.join([boardRoom(link.board_id), linkRoom(link.id), ...board.items.map((item) => assetRoom(item.assetId))]);
    const untilExpiry = link.expires_at.getTime() - Date.now();
    const timer = setTimeout(() => {
      socket.emit('ended', { code: 'link_expired' });
      socket.disconnect(true);
    }, Math.max(0, Math.min(untilExpiry, MAX_TIMER_MS)));
    socket.on('disconnect', () => {
      clearTimeout(timer);
    });
  }

  private boardChanged(event: BoardEvent): void {
    const namespace = this.namespace;
    if (namespace === undefined) return;
    if (event.action === 'deleted') {
      this.end(boardRoom(event.boardId), 'board_deleted');
      return;
    }
    // New images' comments reach the guests too (a removed image's do no harm: events carry nothing).
    if (event.board !== null) namespace.in(boardRoom(event.boardId)).socketsJoin(event.board.items.map((item) => assetRoom(item.assetId)));
    namespace.to(boardRoom(event.boardId)).emit('changed', { scope: 'board' });
  }

  private commentChanged(event: CommentEvent): void {
    this.namespace?.to(assetRoom(event.assetId)).emit('changed', { scope: 'asset', assetId: event.assetId });
  }

  private end(room: string, code: 'link_revoked' | 'board_deleted'): void {
    const namespace = this.namespace;
    if (namespace === undefined) return;
    namespace.to(room).emit('ended', { code });
    namespace.in(room).disconnectSockets(true);
  }
}

function refused(code: string, message: string): Error & { data: { code: string; message: string } } {
  return Object.assign(new Error(code), { data: { code, message } });
}
