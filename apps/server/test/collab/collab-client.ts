import { HocuspocusProvider } from '@hocuspocus/provider';
import type * as YTypes from 'yjs';
import type { CollabTicketView, WorkspaceView } from '@atelier/contracts';
import type { ApiClient } from '../client.js';
import { Y } from '../../src/collab/hocuspocus-runtime.js';

/** The provider, as the web app uses it (Node's own WebSocket; the same Yjs instance as the server in this process). */
export type Provider = HocuspocusProvider;

export { Y };

export interface CollabPeer {
  doc: YTypes.Doc;
  provider: Provider;
  /** Reasons the server refused authentication, oldest first. */
  refusals: string[];
  closes: { code: number; reason: string }[];
  synced(timeoutMs?: number): Promise<void>;
  destroy(): void;
}

export function collabUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/collab`;
}

/** Opens a workspace document on `httpUrl` with a ticket (or a function fetching a fresh one per connect). */
export function connect(httpUrl: string, documentName: string, token: string | (() => Promise<string>), doc: YTypes.Doc = new Y.Doc()): CollabPeer {
  const refusals: string[] = [];
  const closes: { code: number; reason: string }[] = [];
  const provider = new HocuspocusProvider({
    url: collabUrl(httpUrl),
    name: documentName,
    document: doc,
    token,
    onAuthenticationFailed: ({ reason }) => refusals.push(reason),
    onClose: ({ event }) => closes.push({ code: event.code, reason: event.reason }),
  });
  return {
    doc,
    provider,
    refusals,
    closes,
    synced: (timeoutMs = 10_000) => waitFor(() => provider.isSynced, timeoutMs, `${documentName} to sync`),
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

export async function ticketFor(client: ApiClient, organizationId: string, workspaceId: string): Promise<CollabTicketView> {
  const response = await client.post<CollabTicketView>(`/orgs/${organizationId}/workspaces/${workspaceId}/collab-ticket`);
  if (response.status !== 200) throw new Error(`ticket: ${String(response.status)} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function createWorkspace(client: ApiClient, organizationId: string, projectId: string, name = 'Board'): Promise<WorkspaceView> {
  const response = await client.post<WorkspaceView>(`/orgs/${organizationId}/workspaces`, { name, projectId });
  if (response.status !== 201) throw new Error(`workspace: ${String(response.status)} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export { redisUnavailable, redisUrl } from '../redis.js';
