import { z } from 'zod';
import { uuid } from './accounts.js';

/**
 * What can alert someone. Each fires once per subject, threshold and period:
 * - `budget_threshold`: a member's used budget (spent + held) reached one of their thresholds (percent);
 * - `budget_exhausted`: nothing is left of a member's budget this period (to the member);
 * - `member_budget_exhausted`: the same, to those who can raise the budget (owners and managers);
 * - `pool_low`: the pool's available balance fell below the org's low-balance line (once per month and line);
 * - `grant_expiring`: a grant with credits left expires within the org's notice;
 * - `payment_failed`, `auto_topup_disabled`, `billing_deficit`: from billing.
 */
export const alertKinds = [
  'budget_threshold',
  'budget_exhausted',
  'member_budget_exhausted',
  'pool_low',
  'grant_expiring',
  'payment_failed',
  'auto_topup_disabled',
  'billing_deficit',
] as const;
export type AlertKind = (typeof alertKinds)[number];

export const alertData = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));
export type AlertData = z.infer<typeof alertData>;

export const notificationView = z.object({
  id: z.string(),
  alertId: z.string(),
  organizationId: z.string(),
  kind: z.enum(alertKinds),
  title: z.string(),
  message: z.string(),
  data: alertData,
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type NotificationView = z.infer<typeof notificationView>;

export const notificationQuery = z.strictObject({
  unread: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  cursor: z.string().regex(/^n[0-9]{1,19}_[0-9a-f-]{36}$/, 'not a cursor from this list').optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});
export type NotificationQuery = z.infer<typeof notificationQuery>;

export const notificationPage = z.object({
  /** Newest first. */
  notifications: z.array(notificationView),
  unreadCount: z.number().int(),
  nextCursor: z.string().nullable(),
});
export type NotificationPage = z.infer<typeof notificationPage>;

/** Mark some of my notifications read (`ids`), or all of them (`all: true`). */
export const markNotificationsRead = z
  .strictObject({ ids: z.array(uuid).min(1).max(200).optional(), all: z.literal(true).optional() })
  .refine((body) => (body.ids === undefined) !== (body.all === undefined), { message: 'give either ids or all: true', path: ['ids'] });
export type MarkNotificationsRead = z.infer<typeof markNotificationsRead>;

export const maxLowBalanceCredits = 1_000_000_000_000;

export const alertSettingsView = z.object({
  /** The pool's low-balance line in credits; null: no low-balance alert. */
  lowBalanceCredits: z.number().int().nullable(),
  grantExpiryNoticeDays: z.number().int(),
  webhookUrl: z.string().nullable(),
  /** Whether a signing secret exists (it is shown once, when made). */
  webhookSecretSet: z.boolean(),
});
export type AlertSettingsView = z.infer<typeof alertSettingsView>;

const webhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048);

export const updateAlertSettings = z.strictObject({
  lowBalanceCredits: z.number().int().min(1).max(maxLowBalanceCredits).nullable().optional(),
  grantExpiryNoticeDays: z.number().int().min(1).max(60).optional(),
  webhookUrl: webhookUrl.nullable().optional(),
});
export type UpdateAlertSettings = z.infer<typeof updateAlertSettings>;

/** A new webhook signing secret: shown this once. */
export const webhookSecretView = z.object({ secret: z.string() });
export type WebhookSecretView = z.infer<typeof webhookSecretView>;

export const webhookAttemptView = z.object({
  id: z.string(),
  alertId: z.string(),
  kind: z.enum(alertKinds),
  attempt: z.number().int(),
  url: z.string(),
  outcome: z.enum(['delivered', 'failed', 'abandoned']),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
});
export type WebhookAttemptView = z.infer<typeof webhookAttemptView>;

export const webhookAttemptList = z.object({ attempts: z.array(webhookAttemptView) });
export type WebhookAttemptList = z.infer<typeof webhookAttemptList>;

/**
 * The JSON body POSTed to an org's webhook. Header `Atelier-Signature: t=<unix seconds>,v1=<hex>`
 * where v1 = HMAC-SHA256(secret, `${t}.${body}`); reject old timestamps to stop replays.
 */
export interface AlertWebhookPayload {
  id: string;
  type: `alert.${AlertKind}`;
  organizationId: string;
  createdAt: string;
  alert: { kind: AlertKind; title: string; message: string; data: AlertData };
}
