import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { Principal } from './principal.js';

/**
 * Credentials that stopped working: a signed-out session, every session of a person, a revoked
 * API key, or everything a person holds (a password reset). Open sockets and collab connections
 * made with them are closed at once (`docs/SECURITY.md`).
 */
export type Revocation =
  | { userId: string; kind: 'session'; sessionId: string }
  | { userId: string; kind: 'apiKey'; apiKeyId: string }
  | { userId: string; kind: 'allSessions' }
  | { userId: string; kind: 'everything' };

/** Whether a connection made with `principal` is cut by `revocation`. */
export function isRevokedBy(principal: Principal, revocation: Revocation): boolean {
  if (principal.userId !== revocation.userId) return false;
  switch (revocation.kind) {
    case 'session':
      return principal.kind === 'session' && principal.sessionId === revocation.sessionId;
    case 'apiKey':
      return principal.kind === 'apiKey' && principal.apiKeyId === revocation.apiKeyId;
    case 'allSessions':
      return principal.kind === 'session';
    case 'everything':
      return true;
  }
}

/**
 * In-process announcements of revocations. `revoked`: made on this node (the realtime gateway
 * disconnects the sockets on every node and relays it to the other nodes); `revokedElsewhere`:
 * relayed from another node (the collab server closes this node's connections).
 */
@Injectable()
export class RevocationEvents {
  readonly emitter = new EventEmitter<{ revoked: [Revocation]; revokedElsewhere: [Revocation] }>();

  revoked(revocation: Revocation): void {
    this.emitter.emit('revoked', revocation);
  }
}
