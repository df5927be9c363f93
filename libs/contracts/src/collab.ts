import { z } from 'zod';
import { displayName, uuid } from './accounts.js';
import type { MaskStroke } from './jobs.js';

/**
 * Collaborative editing: one Yjs document per workspace, served by Hocuspocus at `/collab`.
 * Plain constants and types only: this module runs in the browser too.
 */
export const COLLAB_PATH = '/collab';

/** The Hocuspocus document name of a workspace. */
export function workspaceDocumentName(workspaceId: string): string {
  return `workspace:${workspaceId}`;
}

/** The workspace id in a document name, or undefined when the name is not a workspace document. */
export function workspaceIdOfDocument(documentName: string): string | undefined {
  const match = /^workspace:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(documentName);
  return match?.[1];
}

/** The shared types inside a workspace document. */
export const collabFields = {
  /** Y.Text */
  prompt: 'prompt',
  /** Y.Text */
  negativePrompt: 'negativePrompt',
  /** Y.Map<CollabSettings[keyof CollabSettings]> */
  settings: 'settings',
  /** Y.Array<MaskStroke>: a stroke is pushed once, on pointer-up. */
  mask: 'mask',
} as const;

/** Keys of the `settings` map (any may be absent). */
export interface CollabSettings {
  operation?: string;
  model?: string;
  quality?: string;
  width?: number;
  height?: number;
  steps?: number;
  seed?: number;
  variations?: number;
  sourceAssetId?: string;
  /** Search & replace / recolor: what to find in the source image. */
  searchPrompt?: string;
  /** Outpaint: pixels added on each side. */
  outpaint?: { left: number; right: number; top: number; bottom: number };
}

/** A mask stroke as stored in the document's `mask` array (same shape as a job's maskStrokes). */
export type CollabMaskStroke = MaskStroke;

/** What each client puts in its awareness state (passed through by the server). */
export interface CollabAwareness {
  user: { id: string; name: string; colour: string };
  cursor?: { x: number; y: number } | null;
  brush?: { tool: 'brush' | 'eraser'; width: number; x: number; y: number } | null;
  /** The mask stroke being drawn (throttled), so others see it before pointer-up commits it to the document. */
  stroke?: { tool: 'brush' | 'eraser'; width: number; points: number[] } | null;
}

export const collabLimits = {
  /** A single WebSocket message (one update or awareness change). */
  maxMessageBytes: 512 * 1024,
  /** The encoded document state. */
  maxDocumentBytes: 4 * 1024 * 1024,
  /** How long a collab ticket may be used to connect. */
  ticketTtlSeconds: 60,
} as const;

/**
 * Why the server closed a document connection. Hocuspocus delivers the reason to the provider's
 * `onClose` (as `event.reason`, starting with one of these); the code is used on the server side.
 */
export const collabRejections = {
  messageTooLarge: { code: 4413, reason: 'message-too-large' },
  documentTooLarge: { code: 4414, reason: 'document-too-large' },
} as const;

/**
 * Closes the server makes that a client should simply retry (the provider reconnects by itself and
 * syncs what it holds, edits made meanwhile included): the document could not be loaded for a
 * moment (`document-unavailable`), or the node is stopping (`server-restart`; another node, or this
 * one restarted, takes the reconnect).
 */
export const collabRetryableCloses = {
  documentUnavailable: { code: 4503, reason: 'document-unavailable' },
  serverRestart: { code: 1012, reason: 'server-restart' },
} as const;

export const createWorkspaceRequest = z.strictObject({ name: displayName, projectId: uuid });
export type CreateWorkspaceRequest = z.infer<typeof createWorkspaceRequest>;

export const workspacesQuery = z.strictObject({ projectId: uuid.optional() });

export const workspaceView = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  projectId: z.uuid(),
  name: z.string(),
  documentName: z.string(),
  createdBy: z.uuid(),
  createdAt: z.iso.datetime(),
});
export type WorkspaceView = z.infer<typeof workspaceView>;

export const collabTicketView = z.object({
  /** Pass as the Hocuspocus provider's `token`. */
  ticket: z.string(),
  documentName: z.string(),
  /** Path of the WebSocket endpoint on the API's host. */
  url: z.string(),
  canWrite: z.boolean(),
  expiresAt: z.iso.datetime(),
});
export type CollabTicketView = z.infer<typeof collabTicketView>;

/** A named snapshot of a workspace's shared document (prompt, negative prompt, settings, mask), with who took it and when. */
export const workspaceSnapshotView = z.object({
  id: z.uuid(),
  workspaceId: z.uuid(),
  name: z.string(),
  createdBy: z.object({ id: z.uuid(), name: z.string() }),
  createdAt: z.string(),
  document: z.object({
    prompt: z.string(),
    negativePrompt: z.string(),
    settings: z.record(z.string(), z.unknown()),
    mask: z.array(z.object({ tool: z.enum(['brush', 'eraser']), width: z.number(), points: z.array(z.number()) })),
  }),
});
export const createWorkspaceSnapshotRequest = z.strictObject({ name: z.string().trim().min(1, 'must not be empty').max(100) });
export type WorkspaceSnapshotView = z.infer<typeof workspaceSnapshotView>;
