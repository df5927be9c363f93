/**
 * Hocuspocus and Yjs, loaded through `require`.
 *
 * The @hocuspocus/* packages publish a `source` export condition that points at their TypeScript
 * sources, and this repository resolves `source` (tsconfig customConditions, tsx and vitest) for
 * its own libs: importing them normally would type-check and run Hocuspocus's sources. Their
 * `source` entry only has an `import` branch, so `require` falls through to the built CommonJS.
 * Yjs is required the same way so that there is ONE Yjs instance (Hocuspocus's CommonJS build
 * requires yjs's CommonJS build); mixing instances breaks `instanceof` checks inside Yjs.
 * The types below are the small part of Hocuspocus this server uses.
 */
import { createRequire } from 'node:module';
import type * as YTypes from 'yjs';

const require = createRequire(import.meta.url);

export const Y = require('yjs') as typeof YTypes;
export type YDoc = YTypes.Doc;

export interface ConnectionConfiguration {
  readOnly: boolean;
  isAuthenticated: boolean;
}

export interface HocuspocusDocument extends YTypes.Doc {
  name: string;
  getConnectionsCount(): number;
}

export interface AuthenticatePayload<Context> {
  documentName: string;
  token: string;
  connectionConfig: ConnectionConfiguration;
  context: Context;
}

export interface DocumentPayload {
  documentName: string;
  document: HocuspocusDocument;
}

export interface MessagePayload extends DocumentPayload {
  update: Uint8Array;
}

/** One client's connection to one document. */
export interface DocumentConnection {
  readOnly: boolean;
  close(event?: { code: number; reason: string }): void;
}

export interface Extension {
  priority?: number;
  connected?(payload: { documentName: string; context: unknown; connection: DocumentConnection }): Promise<void>;
  onDisconnect?(payload: { documentName: string; context: unknown }): Promise<void>;
  onAuthenticate?(payload: AuthenticatePayload<never>): Promise<unknown>;
  beforeHandleMessage?(payload: MessagePayload): Promise<void>;
  afterLoadDocument?(payload: DocumentPayload): Promise<void>;
  onChange?(payload: MessagePayload): Promise<void>;
  afterUnloadDocument?(payload: { documentName: string }): Promise<void>;
}

export interface WebSocketLike {
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  readyState: number;
}

export interface ClientConnection {
  handleMessage(data: Uint8Array): void;
  handleClose(event: { code: number; reason: string }): void;
}

export interface HocuspocusConfiguration {
  name: string;
  quiet: boolean;
  extensions: Extension[];
  debounce: number;
  maxDebounce: number;
  unloadImmediately: boolean;
}

export interface HocuspocusInstance {
  documents: Map<string, HocuspocusDocument>;
  handleConnection(websocket: WebSocketLike, request: Request, context?: object): ClientConnection;
  closeConnections(documentName?: string): void;
  getConnectionsCount(): number;
  getDocumentsCount(): number;
  hooks(name: 'onDestroy', payload: { instance: HocuspocusInstance }): Promise<unknown>;
}

interface ServerModule {
  Hocuspocus: new (configuration: HocuspocusConfiguration) => HocuspocusInstance;
}
interface DatabaseModule {
  Database: new (configuration: {
    fetch: (payload: { documentName: string }) => Promise<Uint8Array | null>;
    store: (payload: { documentName: string; state: Uint8Array }) => Promise<void>;
  }) => Extension;
}
interface RedisModule {
  Redis: new (configuration: { createClient: () => unknown; prefix?: string }) => Extension;
}

export const { Hocuspocus } = require('@hocuspocus/server') as ServerModule;
export const { Database } = require('@hocuspocus/extension-database') as DatabaseModule;
export const { Redis: RedisExtension } = require('@hocuspocus/extension-redis') as RedisModule;
