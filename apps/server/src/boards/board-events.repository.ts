import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { BoardEvent, CommentEvent } from '@atelier/contracts';

/**
 * Where board and comment changes are announced inside this process; the realtime gateway
 * forwards them to `org:{id}` (and, with REDIS_URL, to every node's sockets).
 */
@Injectable()
export class BoardEventsRepository {
  readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  boardChanged(event: BoardEvent): void {
    this.emitter.emit('board', event);
  }

  commentChanged(event: CommentEvent): void {
    this.emitter.emit('comment', event);
  }
}
