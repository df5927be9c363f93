import { defineEntity, p } from '@mikro-orm/postgresql';
import { User } from './user.entity.js';

export const OrganizationSchema = defineEntity({
  name: 'Organization',
  tableName: 'organizations',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(100),
    timeZone: p.string().length(64).default('UTC'),
    /** Budget given to members who join; null limit = unlimited. */
    defaultBudgetLimitCredits: p.bigint('number').nullable(),
    defaultBudgetPeriod: p.string().length(8).default('month'),
    maxConcurrentJobsPerMember: p.integer().default(4),
    /** The price list the org's jobs are priced with: `default`, `list-a`, `list-b` or `custom`. */
    pricingCatalog: p.string().length(16).default('default'),
    /** With `custom`: the catalog's data (checked by @atelier/pricing's parseCatalog when set). */
    customCatalog: p.json<unknown>().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    deletedAt: p.datetime().nullable(),
  },
});
export class Organization extends OrganizationSchema.class {}
OrganizationSchema.setClass(Organization);

export const MembershipSchema = defineEntity({
  name: 'Membership',
  tableName: 'memberships',
  properties: {
    organization: () => p.manyToOne(Organization).primary().deleteRule('cascade'),
    user: () => p.manyToOne(User).primary().deleteRule('cascade').index(),
    role: p.string().length(16),
    budgetLimitCredits: p.bigint('number').nullable(),
    budgetPeriod: p.string().length(8).default('month'),
    alertThresholdsPercent: p.json<number[]>().default('[]'),
    /** null: every model. */
    allowedModels: p.json<string[]>().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
export class Membership extends MembershipSchema.class {}
MembershipSchema.setClass(Membership);

export const InvitationSchema = defineEntity({
  name: 'Invitation',
  tableName: 'invitations',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade').index(),
    email: p.string().length(254),
    role: p.string().length(16),
    tokenHash: p.string().length(64).unique(),
    /** The link's token while the invitation is pending, so those who invite can copy the link; cleared when used or revoked. */
    linkToken: p.string().length(64).nullable(),
    invitedBy: () => p.manyToOne(User).deleteRule('cascade'),
    createdAt: p.datetime().defaultRaw('now()'),
    expiresAt: p.datetime(),
    acceptedAt: p.datetime().nullable(),
    acceptedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    revokedAt: p.datetime().nullable(),
  },
});
export class Invitation extends InvitationSchema.class {}
InvitationSchema.setClass(Invitation);

export const ProjectSchema = defineEntity({
  name: 'Project',
  tableName: 'projects',
  uniques: [{ properties: ['organization', 'name'] }],
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    name: p.string().length(100),
    budgetLimitCredits: p.bigint('number').nullable(),
    budgetPeriod: p.string().length(8).default('none'),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
export class Project extends ProjectSchema.class {}
ProjectSchema.setClass(Project);

export const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade').index(),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    name: p.string().length(100),
    /** The first characters of the key, shown in lists so people can tell keys apart. */
    prefix: p.string().length(16),
    secretHash: p.string().length(64).unique(),
    createdAt: p.datetime().defaultRaw('now()'),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});
export class ApiKey extends ApiKeySchema.class {}
ApiKeySchema.setClass(ApiKey);

export const AuditEntrySchema = defineEntity({
  name: 'AuditEntry',
  tableName: 'audit_entries',
  indexes: [{ properties: ['organization', 'createdAt'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    actor: () => p.manyToOne(User).nullable().deleteRule('set null'),
    action: p.string().length(64),
    targetType: p.string().length(32),
    targetId: p.string().length(64),
    before: p.json<unknown>().nullable(),
    after: p.json<unknown>().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
export class AuditEntry extends AuditEntrySchema.class {}
AuditEntrySchema.setClass(AuditEntry);
