import { z } from 'zod';
import { budgetPeriod, role } from './accounts.js';

/** Response shapes. The server answers with these; the OpenAPI document is generated from them. */
export const userView = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  lastOrganizationId: z.uuid().nullable(),
});

export const organizationView = z.object({
  id: z.uuid(),
  name: z.string(),
  timeZone: z.string(),
  role,
  defaultMemberBudget: z.object({ limitCredits: z.number().int().nullable(), period: budgetPeriod }),
  maxConcurrentJobsPerMember: z.number().int(),
  createdAt: z.iso.datetime(),
});

export const sessionView = z.object({
  user: userView,
  csrfToken: z.string(),
  organizations: z.array(organizationView),
});

export const budgetView = z.object({
  limitCredits: z.number().int().nullable(),
  period: budgetPeriod,
  spentCredits: z.number().int(),
  pendingCredits: z.number().int(),
  /** null when the limit is unlimited. */
  remainingCredits: z.number().int().nullable(),
  /** When the current period ends and the budget resets; null for period "none". */
  resetsAt: z.iso.datetime().nullable(),
});

export const memberView = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role,
  joinedAt: z.iso.datetime(),
  alertThresholdsPercent: z.array(z.number().int()),
  allowedModels: z.array(z.string()).nullable(),
  budget: budgetView,
});

export const poolView = z.object({
  postedCredits: z.number().int(),
  pendingCredits: z.number().int(),
  availableCredits: z.number().int(),
  /** Grows with every change; clients drop balance events older than the one they hold. */
  version: z.string(),
});

export const invitationView = z.object({
  id: z.uuid(),
  email: z.string(),
  role,
  invitedBy: z.object({ id: z.uuid(), name: z.string() }),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
});

export const invitationPreview = z.object({
  organizationName: z.string(),
  email: z.string(),
  role,
  invitedByName: z.string(),
  expiresAt: z.iso.datetime(),
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  hasAccount: z.boolean(),
});

export const projectView = z.object({
  id: z.uuid(),
  name: z.string(),
  budget: budgetView.nullable(),
  createdAt: z.iso.datetime(),
});

export const apiKeyView = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  userId: z.uuid(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
});

export const createdApiKeyView = apiKeyView.extend({
  /** Shown once: only its hash is stored. */
  secret: z.string(),
});

export const auditEntryView = z.object({
  id: z.string(),
  actor: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  createdAt: z.iso.datetime(),
});

export type UserView = z.infer<typeof userView>;
export type OrganizationView = z.infer<typeof organizationView>;
export type SessionView = z.infer<typeof sessionView>;
export type BudgetView = z.infer<typeof budgetView>;
export type MemberView = z.infer<typeof memberView>;
export type PoolView = z.infer<typeof poolView>;
export type InvitationView = z.infer<typeof invitationView>;
export type InvitationPreview = z.infer<typeof invitationPreview>;
export type ProjectView = z.infer<typeof projectView>;
export type ApiKeyView = z.infer<typeof apiKeyView>;
export type CreatedApiKeyView = z.infer<typeof createdApiKeyView>;
export type AuditEntryView = z.infer<typeof auditEntryView>;

export const lineItemView = z.object({
  description: z.string(),
  quantity: z.number().int(),
  unitCredits: z.number().int(),
  credits: z.number().int(),
});

export const priceView = z.object({
  credits: z.number().int(),
  lineItems: z.array(lineItemView),
  catalogId: z.string(),
  catalogVersion: z.number().int(),
  modelId: z.string(),
  provider: z.string(),
  /** Images covered by a free allowance (free tier), which cost 0. */
  freeUnits: z.number().int(),
});

export const blockingReason = z.object({
  code: z.enum(['invalid_request', 'model_unavailable', 'insufficient_credits', 'budget_exceeded', 'project_budget_exceeded', 'model_not_allowed', 'tier_limit', 'deficit_outstanding']),
  message: z.string(),
  /** The field at fault, when one is (`prompt`, `request.variations`). */
  field: z.string().optional(),
  availableCredits: z.number().int().optional(),
  requestedCredits: z.number().int().optional(),
  resetsAt: z.iso.datetime().nullable().optional(),
});

export const preflightView = z.object({
  /** True when pressing Generate now would be accepted. */
  allowed: z.boolean(),
  reasons: z.array(blockingReason),
  price: priceView,
  pool: z.object({ availableCredits: z.number().int() }),
  member: budgetView,
  project: budgetView.nullable(),
  modelAllowed: z.boolean(),
  /** The request exactly as it would be priced and run (with a workspace: built from its shared settings). */
  request: z.record(z.string(), z.unknown()),
});

export type PriceView = z.infer<typeof priceView>;
export type BlockingReason = z.infer<typeof blockingReason>;
export type PreflightView = z.infer<typeof preflightView>;

/** The catalog an org is priced with and what its tier allows: what the browser prices with. */
export const pricingContextView = z.object({
  /** The catalog's data (`@atelier/pricing`'s parseCatalog reads it). */
  catalog: z.record(z.string(), z.unknown()),
  catalogId: z.string(),
  catalogVersion: z.number().int(),
  tier: z.object({
    id: z.string(),
    name: z.string(),
    allowedModels: z.array(z.string()).nullable(),
    maxImagesPerJob: z.number().int().nullable(),
    maxConcurrentJobs: z.number().int().nullable(),
  }),
});
export type PricingContextView = z.infer<typeof pricingContextView>;

/** An owner's choice of price list (a custom catalog is set by an operator with the credits command). */
export const setPricingCatalogRequest = z.strictObject({ catalog: z.enum(['default', 'list-a', 'list-b', 'extended']) });
export type SetPricingCatalogRequest = z.infer<typeof setPricingCatalogRequest>;
