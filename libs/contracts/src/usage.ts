import { z } from 'zod';
import { transferKindNames, usageBuckets, usageGroupBys } from './values.js';
import { uuid } from './accounts.js';


/** Spend over [from, to): the org's (managers and owners) or, with `scope=me`, the caller's own. */
export const spendQuery = z
  .strictObject({
    groupBy: z.enum(usageGroupBys).default('member'),
    bucket: z.enum(usageBuckets).default('day'),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    scope: z.enum(['org', 'me']).default('org'),
  })
  .refine((query) => Date.parse(query.from) < Date.parse(query.to), { message: 'from must be before to', path: ['to'] })
  .refine((query) => Date.parse(query.to) - Date.parse(query.from) <= 400 * 86_400_000, { message: 'at most 400 days', path: ['to'] });
export type SpendQuery = z.infer<typeof spendQuery>;

export const spendReport = z.object({
  groupBy: z.enum(usageGroupBys),
  bucket: z.enum(usageBuckets),
  scope: z.enum(['org', 'me']),
  from: z.string(),
  to: z.string(),
  /** Bucket starts are in the pool's time zone. */
  timeZone: z.string(),
  /** One row per group and bucket with any spend, by bucket then group. */
  rows: z.array(
    z.object({
      bucketStart: z.string(),
      /** Member id, model id, operation or project id (null: no project). */
      key: z.string().nullable(),
      /** The member's name for groupBy=member, else the key. */
      label: z.string().nullable(),
      jobs: z.number().int(),
      images: z.number().int(),
      credits: z.number().int(),
    }),
  ),
  totals: z.object({
    jobs: z.number().int(),
    images: z.number().int(),
    credits: z.number().int(),
    /** Credits per kept image; null when no image was kept. */
    averageCreditsPerImage: z.number().nullable(),
    byOperation: z.array(z.object({ operation: z.string(), jobs: z.number().int(), images: z.number().int(), credits: z.number().int() })),
  }),
});
export type SpendReport = z.infer<typeof spendReport>;

const transactionFilters = {
  memberId: uuid.optional(),
  projectId: uuid.optional(),
  /** One kind or several, comma separated. */
  kind: z
    .string()
    .max(200)
    .transform((value) => value.split(','))
    .pipe(z.array(z.enum(transferKindNames)).min(1))
    .optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
};

export const transactionQuery = z.strictObject({
  ...transactionFilters,
  cursor: z.string().regex(/^c[0-9]{1,19}$/, 'not a cursor from this list').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type TransactionQuery = z.infer<typeof transactionQuery>;

export const transactionExportQuery = z.strictObject(transactionFilters);
export type TransactionExportQuery = z.infer<typeof transactionExportQuery>;

/** Filters of the human CSV (the statement): the rows shown; the balance is always the pool's. */
export const usageStatementQuery = z.strictObject({
  memberId: uuid.optional(),
  projectId: uuid.optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
});
export type UsageStatementQuery = z.infer<typeof usageStatementQuery>;

export const transactionView = z.object({
  transferId: z.string(),
  kind: z.enum(transferKindNames),
  phase: z.string(),
  debitAccount: z.string(),
  creditAccount: z.string(),
  amountCredits: z.number().int(),
  memberId: z.string().nullable(),
  projectId: z.string().nullable(),
  actorId: z.string().nullable(),
  holdId: z.string().nullable(),
  jobId: z.string().nullable(),
  purchaseId: z.string().nullable(),
  reason: z.string().nullable(),
  correctsTransferId: z.string().nullable(),
  createdAt: z.string(),
});
export type TransactionView = z.infer<typeof transactionView>;

export const transactionPage = z.object({
  /** Newest first. */
  transactions: z.array(transactionView),
  nextCursor: z.string().nullable(),
});
export type TransactionPage = z.infer<typeof transactionPage>;

/** Credits charged against what the providers charged us, per model, over [from, to) (owners). */
export const providerCostQuery = z
  .strictObject({ from: z.iso.datetime(), to: z.iso.datetime() })
  .refine((query) => Date.parse(query.from) < Date.parse(query.to), { message: 'from must be before to', path: ['to'] })
  .refine((query) => Date.parse(query.to) - Date.parse(query.from) <= 400 * 86_400_000, { message: 'at most 400 days', path: ['to'] });
export type ProviderCostQuery = z.infer<typeof providerCostQuery>;

const providerCostFigures = {
  /** Images made (kept) in the range. */
  images: z.number().int(),
  /** Of those, the images whose provider reported its cost. */
  imagesWithCost: z.number().int(),
  /** The reported costs in US dollars (BFL credits at $0.01); null when none was reported. */
  providerCostUsd: z.number().nullable(),
};

export const providerCostReport = z.object({
  from: z.string(),
  to: z.string(),
  models: z.array(
    z.object({
      modelId: z.string(),
      /** Credits captured for the model's jobs in the range. */
      credits: z.number().int(),
      jobs: z.number().int(),
      ...providerCostFigures,
      /** Who made the images: each provider's share (`local` is the demo renderer, never a cost). */
      providers: z.array(z.object({ provider: z.string(), ...providerCostFigures })),
    }),
  ),
  totals: z.object({ credits: z.number().int(), jobs: z.number().int(), ...providerCostFigures }),
});
export type ProviderCostReport = z.infer<typeof providerCostReport>;
