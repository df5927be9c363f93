import { defineEntity, p } from '@mikro-orm/postgresql';
import { Organization, Project } from './organization.entity.js';
import { User } from './user.entity.js';

export const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** One generation request: its price, its hold (the hold id is the job id) and its outcome. */
export const JobSchema = defineEntity({
  name: 'Job',
  tableName: 'jobs',
  uniques: [{ properties: ['organization', 'author', 'idempotencyKey'] }],
  indexes: [
    { properties: ['organization', 'createdAt'] },
    // A job's place in line among its org's queued jobs (`queuePriority`, then age).
    { properties: ['organization', 'status', 'provider', 'queuePriority', 'createdAt'] },
    // A member's waiting and running jobs (their backlog and its highest priority, their running limit).
    { properties: ['organization', 'author', 'status', 'queuePriority'] },
  ],
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    project: () => p.manyToOne(Project).nullable().deleteRule('set null'),
    author: () => p.manyToOne(User).deleteRule('cascade'),
    apiKeyId: p.uuid().nullable(),
    workspaceId: p.uuid().nullable(),
    status: p.string().length(16),
    operation: p.string().length(40),
    modelId: p.string().length(64),
    provider: p.string().length(32),
    /** The generation request as priced (operation, model, size, steps, variations, mask, outpaint). */
    request: p.json<Record<string, unknown>>(),
    prompt: p.text(),
    negativePrompt: p.text().nullable(),
    searchPrompt: p.text().nullable(),
    seed: p.bigint('number'),
    variations: p.integer(),
    unitCredits: p.bigint('number'),
    priceCredits: p.bigint('number'),
    capturedCredits: p.bigint('number').nullable(),
    catalogId: p.string().length(64),
    catalogVersion: p.integer(),
    lineItems: p.json<unknown[]>(),
    sourceAssetId: p.uuid().nullable(),
    parentAssetId: p.uuid().nullable(),
    /** Storage key of the rendered mask PNG (inpaint). */
    maskKey: p.string().length(255).nullable(),
    freeAllowanceId: p.string().length(64).nullable(),
    freeUnits: p.integer().default(0),
    idempotencyKey: p.string().length(128).nullable(),
    requestFingerprint: p.string().length(64),
    imagesDone: p.integer().default(0),
    progressPercent: p.integer().default(0),
    errorCode: p.string().length(64).nullable(),
    errorMessage: p.text().nullable(),
    attempts: p.integer().default(0),
    cancelRequestedAt: p.datetime().nullable(),
    /** Its priority in the queue (lowest first): how many jobs its member had waiting when it was queued. */
    queuePriority: p.integer().default(0),
    /** Images stored when a cancel of the running job was accepted: kept and charged, the rest discarded. */
    cancelKeptImages: p.integer().nullable(),
    /** When a runner began to finish the job (capture); a cancel after that is too late. */
    finishingAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
  },
});
export class Job extends JobSchema.class {}
JobSchema.setClass(Job);

/** One stored image, with everything needed to reproduce or remix it. */
export const AssetSchema = defineEntity({
  name: 'Asset',
  tableName: 'assets',
  uniques: [{ properties: ['job', 'imageIndex'] }],
  indexes: [
    { properties: ['organization', 'createdAt'] },
    { properties: ['organization', 'operation'] },
  ],
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    job: () => p.manyToOne(Job).deleteRule('cascade'),
    imageIndex: p.integer(),
    project: () => p.manyToOne(Project).nullable().deleteRule('set null'),
    author: () => p.manyToOne(User).deleteRule('cascade'),
    workspaceId: p.uuid().nullable(),
    storageKey: p.string().length(255),
    contentType: p.string().length(64).default('image/png'),
    bytes: p.integer(),
    width: p.integer(),
    height: p.integer(),
    prompt: p.text(),
    negativePrompt: p.text().nullable(),
    operation: p.string().length(40),
    modelId: p.string().length(64),
    provider: p.string().length(32),
    seed: p.bigint('number'),
    steps: p.integer().nullable(),
    priceCredits: p.bigint('number'),
    catalogId: p.string().length(64),
    catalogVersion: p.integer(),
    maskKey: p.string().length(255).nullable(),
    parentAssetId: p.uuid().nullable(),
    /** What the provider said this image cost it (`{ amount, unit }`), when it said so. */
    providerCost: p.json<{ amount: number; unit: string }>().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
export class Asset extends AssetSchema.class {}
AssetSchema.setClass(Asset);

/** Free units of a catalog allowance an org used in one period (e.g. 10 Imagen images a day). */
export const FreeAllowanceUsageSchema = defineEntity({
  name: 'FreeAllowanceUsage',
  tableName: 'free_allowance_usage',
  properties: {
    organization: () => p.manyToOne(Organization).primary().deleteRule('cascade'),
    allowanceId: p.string().length(64).primary(),
    periodStart: p.string().length(10).primary(),
    unitsUsed: p.integer().default(0),
  },
});
export class FreeAllowanceUsage extends FreeAllowanceUsageSchema.class {}
FreeAllowanceUsageSchema.setClass(FreeAllowanceUsage);
