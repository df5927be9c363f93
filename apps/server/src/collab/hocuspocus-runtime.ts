/**
 * Hocuspocus and Yjs as the collab code uses them, in one place. Imported as ES modules (our
 * workspaces resolve through the `@atelier/source` condition, which third-party packages do not
 * publish, so Hocuspocus's own `source` export is never picked). Hocuspocus's ESM build imports
 * Yjs's ESM build, as this module does: one Yjs instance, so Yjs's `instanceof` checks hold.
 */
import * as YModule from 'yjs';
import type { Connection, Extension as HocuspocusExtension, Hocuspocus as HocuspocusServer, onAuthenticatePayload } from '@hocuspocus/server';
import type { CollabContext } from './collab-context.js';

export { Hocuspocus } from '@hocuspocus/server';
export { Database } from '@hocuspocus/extension-database';
export { Redis as RedisExtension } from '@hocuspocus/extension-redis';

export const Y = YModule;
export type YDoc = YModule.Doc;

export type HocuspocusInstance = HocuspocusServer<CollabContext>;
export type Extension = HocuspocusExtension<CollabContext>;
export type AuthenticatePayload = onAuthenticatePayload<CollabContext>;
/** One client's connection to one document. */
export type DocumentConnection = Connection<CollabContext>;
