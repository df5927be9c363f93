import { z } from 'zod';
import { limits } from './values.js';
import { unknownFieldMessage } from './unknown-field.js';
import { roles } from './roles.js';

/** Limits on every free-text field: named, and the same in server and browser. */

export const email = z.email({ error: 'must be an email address' }).max(limits.emailLength).toLowerCase();
export const password = z
  .string()
  .min(limits.passwordMinLength, `must be at least ${String(limits.passwordMinLength)} characters`)
  .max(limits.passwordMaxLength);
export const displayName = z.string().trim().min(1, 'must not be empty').max(limits.nameLength);
export const timeZone = z
  .string()
  .max(limits.timeZoneLength)
  .refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris' });
export const uuid = z.uuid({ error: 'must be a UUID' });
export const token = z.string().min(16).max(limits.tokenLength).regex(/^[A-Za-z0-9_-]+$/, 'is not a valid token');
/** Credits travel as JSON integers; the server converts them to bigint for the ledger. */
export const credits = z.number().int('must be a whole number of credits').min(0).max(limits.maxCredits);
export const budgetPeriod = z.enum(['day', 'week', 'month', 'none']);
export const role = z.enum(roles);

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const signUpRequest = z.strictObject({ email, password, name: displayName });
export const signInRequest = z.strictObject({ email, password: z.string().min(1).max(limits.passwordMaxLength) });
export const passwordResetRequest = z.strictObject({ email });
export const passwordResetConfirmRequest = z.strictObject({ token, password });

export const createOrganizationRequest = z.strictObject({ name: displayName, timeZone: timeZone.optional() });
export const budgetSettings = z.strictObject({ limitCredits: credits.nullable(), period: budgetPeriod });
export const updateOrganizationRequest = z.strictObject({
  name: displayName.optional(),
  timeZone: timeZone.optional(),
  defaultMemberBudget: budgetSettings.optional(),
  maxConcurrentJobsPerMember: z.number().int().min(1).max(100).optional(),
});

export const setMemberBudgetRequest = z.strictObject({
  limitCredits: credits.nullable(),
  period: budgetPeriod,
  alertThresholdsPercent: z
    .array(z.number().int().min(1).max(100))
    .max(limits.alertThresholds)
    .refine((values) => new Set(values).size === values.length, { error: 'must not repeat a threshold' })
    .default([]),
  /** null: every model in the catalog. */
  allowedModels: z.array(z.string().min(1).max(limits.modelIdLength)).max(limits.allowedModels).nullable().default(null),
});
export const changeRoleRequest = z.strictObject({ role });

export const createInvitationRequest = z.strictObject({ email, role });
export const acceptInvitationRequest = z.strictObject({
  token,
  /** For someone without an account: the account is created with the invitation's email. */
  name: displayName.optional(),
  password: password.optional(),
});

export const createProjectRequest = z.strictObject({ name: displayName, budget: budgetSettings.nullable().optional() });
export const updateProjectRequest = z.strictObject({
  name: displayName.optional(),
  budget: budgetSettings.nullable().optional(),
});

export const createApiKeyRequest = z.strictObject({ name: displayName });

export type SignUpRequest = z.infer<typeof signUpRequest>;
export type SignInRequest = z.infer<typeof signInRequest>;
export type CreateOrganizationRequest = z.infer<typeof createOrganizationRequest>;
export type UpdateOrganizationRequest = z.infer<typeof updateOrganizationRequest>;
export type BudgetSettings = z.infer<typeof budgetSettings>;
export type BudgetPeriod = z.infer<typeof budgetPeriod>;
export type SetMemberBudgetRequest = z.infer<typeof setMemberBudgetRequest>;
export type CreateInvitationRequest = z.infer<typeof createInvitationRequest>;
export type AcceptInvitationRequest = z.infer<typeof acceptInvitationRequest>;
export type CreateProjectRequest = z.infer<typeof createProjectRequest>;
export type UpdateProjectRequest = z.infer<typeof updateProjectRequest>;
export type CreateApiKeyRequest = z.infer<typeof createApiKeyRequest>;

/**
 * A generation request as the pricing library reads it. Strict: an unknown key anywhere is a 400
 * naming it (`request.step: unknown field; did you mean steps?`). Ranges and the catalog's rules
 * are checked by the pricing library, field by field.
 */
function strictFields<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownFieldMessage(issue.keys[0] ?? '', known) : undefined),
  });
}
const side = z.number().int().optional();
export const generationRequestInput = strictFields({
  operation: z.string().max(64).optional(),
  model: z.string().max(64).optional(),
  quality: z.string().max(32).optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  steps: z.number().int().optional(),
  variations: z.number().int().optional(),
  /** Inpaint (preflight): the share of the image the mask covers, 0 to 1. On submit the server measures it from the strokes. */
  mask: strictFields({ coverage: z.number() }).optional(),
  /** Outpaint: pixels added on each side. */
  outpaint: strictFields({ left: side, right: side, top: side, bottom: side }).optional(),
});
export const preflightRequest = z.strictObject({
  request: generationRequestInput.default({}),
  projectId: uuid.optional(),
  /**
   * "Would Generate in this workspace be accepted now?": the request is built from the workspace's
   * shared settings exactly as submit builds it, and its inputs (prompt, source, mask) are checked too.
   */
  workspaceId: uuid.optional(),
  prompt: z.string().max(2_000).optional(),
  searchPrompt: z.string().max(2_000).optional(),
  sourceAssetId: uuid.optional(),
});
export type PreflightRequest = z.infer<typeof preflightRequest>;
