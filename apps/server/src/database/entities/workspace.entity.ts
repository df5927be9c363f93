import { defineEntity, p } from '@mikro-orm/postgresql';
import { Organization, Project } from './organization.entity.js';
import { User } from './user.entity.js';

/** A shared editing space inside a project: one collaborative (Yjs) document each. */
export const WorkspaceSchema = defineEntity({
  name: 'Workspace',
  tableName: 'workspaces',
  indexes: [{ properties: ['organization', 'project'] }],
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    project: () => p.manyToOne(Project).deleteRule('cascade'),
    name: p.string().length(100),
    createdBy: () => p.manyToOne(User).deleteRule('cascade'),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
export class Workspace extends WorkspaceSchema.class {}
WorkspaceSchema.setClass(Workspace);

/** The stored Yjs state of a workspace document (Y.encodeStateAsUpdate). */
export const CollabDocumentSchema = defineEntity({
  name: 'CollabDocument',
  tableName: 'collab_documents',
  properties: {
    workspace: () => p.oneToOne(Workspace).primary().deleteRule('cascade'),
    state: p.blob(),
    bytes: p.integer(),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
export class CollabDocument extends CollabDocumentSchema.class {}
CollabDocumentSchema.setClass(CollabDocument);

/** Short-lived tickets authorizing one person to open one workspace document; stored hashed. */
export const CollabTicketSchema = defineEntity({
  name: 'CollabTicket',
  tableName: 'collab_tickets',
  properties: {
    tokenHash: p.string().length(64).primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade').index(),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    canWrite: p.boolean(),
    expiresAt: p.datetime().index(),
  },
});
export class CollabTicket extends CollabTicketSchema.class {}
CollabTicketSchema.setClass(CollabTicket);

/** A named copy of a workspace's document (prompt, negative prompt, settings, mask) at one moment. */
export const WorkspaceSnapshotSchema = defineEntity({
  name: 'WorkspaceSnapshot',
  tableName: 'workspace_snapshots',
  indexes: [{ properties: ['workspace', 'createdAt'] }],
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    name: p.string().length(100),
    document: p.json<Record<string, unknown>>(),
    createdBy: () => p.manyToOne(User).deleteRule('cascade'),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
export class WorkspaceSnapshot extends WorkspaceSnapshotSchema.class {}
WorkspaceSnapshotSchema.setClass(WorkspaceSnapshot);
