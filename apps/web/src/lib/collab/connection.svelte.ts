import type { CollabAwareness } from '@atelier/contracts';
import { HocuspocusProvider } from '@hocuspocus/provider';
import * as Y from 'yjs';
import { api, unwrap } from '../api/client.js';
import { personColour } from '../format.js';

export type CollabStatus = 'connecting' | 'synced' | 'offline' | 'refused';

/** What each client publishes: contracts' CollabAwareness, plus `color` for y-codemirror's carets. */
export type LocalAwareness = CollabAwareness & { user: CollabAwareness['user'] & { color: string; colorLight: string } };

interface Person {
  id: string;
  name: string;
}

/**
 * One open workspace document: a Yjs doc kept in sync over Hocuspocus at /collab, authenticated
 * with a short-lived ticket fetched on every (re)connect. Exposes status and whether I may write.
 */
export class WorkspaceConnection {
  readonly doc = new Y.Doc();
  readonly provider: HocuspocusProvider;
  status = $state<CollabStatus>('connecting');
  canWrite = $state(false);
  problem = $state<string | undefined>();

  constructor(organizationId: string, workspaceId: string, me: Person) {
    const colour = personColour(me.id);
    this.provider = new HocuspocusProvider({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/collab`,
      name: `workspace:${workspaceId}`,
      document: this.doc,
      token: async () => {
        const ticket = await unwrap(
          api.POST('/api/orgs/{orgId}/workspaces/{workspaceId}/collab-ticket', { params: { path: { orgId: organizationId, workspaceId } } }),
        );
        this.canWrite = ticket.canWrite;
        return ticket.ticket;
      },
      onSynced: () => {
        this.status = 'synced';
        this.problem = undefined;
      },
      onDisconnect: () => {
        if (this.status !== 'refused') this.status = 'offline';
      },
      onAuthenticationFailed: ({ reason }) => {
        this.status = 'refused';
        this.problem = `The server refused this workspace (${reason}). Reload the page; if it persists, ask a manager for access.`;
      },
      onClose: ({ event }) => {
        if (event.reason.startsWith('document-too-large') || event.reason.startsWith('message-too-large')) {
          this.problem = 'The last change was too large to share (a very long prompt or a huge mask). Undo it, or clear the mask.';
        }
      },
    });
    const local: LocalAwareness = { user: { id: me.id, name: me.name, colour, color: colour, colorLight: colour.replace(')', ' / 20%)') } };
    this.provider.setAwarenessField('user', local.user);
  }

  get awareness(): NonNullable<HocuspocusProvider['awareness']> {
    const awareness = this.provider.awareness;
    if (awareness === null) throw new Error('the provider has no awareness');
    return awareness;
  }

  destroy(): void {
    this.provider.destroy();
    this.doc.destroy();
  }
}
