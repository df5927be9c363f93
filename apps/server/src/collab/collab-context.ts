import type { Connection } from '@hocuspocus/server';
import type { WebSocket } from 'ws';

/** Who a valid collab ticket lets in (checked again against the membership at connect), and whether they may write. */
export interface CollabGrant {
  userId: string;
  organizationId: string;
  workspaceId: string;
  canWrite: boolean;
}

/** Per connection: what the ticket granted (set by onAuthenticate). */
export interface CollabContext {
  grant?: CollabGrant;
  /** Set once connected: closed or made read-only when the member is removed or becomes a viewer. */
  connection?: Connection<CollabContext>;
  /** The client's WebSocket (closed with a retryable code when its document cannot be loaded). */
  socket?: WebSocket;
}
