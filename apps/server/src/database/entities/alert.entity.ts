import { defineEntity, p } from '@mikro-orm/postgresql';
import { Organization } from './organization.entity.js';
import { User } from './user.entity.js';

/** An org's alert settings: the pool's low-balance line, grant expiry notice and the webhook. */
export const AlertSettingsSchema = defineEntity({
  name: 'AlertSettings',
  tableName: 'alert_settings',
  properties: {
    organization: () => p.oneToOne(Organization).primary().deleteRule('cascade'),
    /** Alert when the pool's available balance falls below this; null: never. */
    lowBalanceCredits: p.bigint('number').nullable(),
    /** Alert this many days before a grant with credits left expires. */
    grantExpiryNoticeDays: p.integer().default(3),
    webhookUrl: p.string().length(2048).nullable(),
    /** HMAC-SHA256 key for webhook signatures; shown to managers, rotated on demand. */
    webhookSecret: p.string().length(128).nullable(),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
export class AlertSettings extends AlertSettingsSchema.class {}
AlertSettingsSchema.setClass(AlertSettings);

/**
 * One alert that fired. The unique key is what makes each alert fire once: one row per kind,
 * subject (member, grant, invoice…), threshold and period, however many writers race to add it.
 */
export const AlertSchema = defineEntity({
  name: 'Alert',
  tableName: 'alerts',
  uniques: [{ properties: ['organization', 'kind', 'subjectKey', 'threshold', 'periodKey'] }],
  indexes: [{ properties: ['organization', 'createdAt'] }],
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    kind: p.string().length(32),
    subjectKey: p.string().length(128),
    threshold: p.bigint('number'),
    periodKey: p.string().length(64),
    title: p.string().length(200),
    message: p.text(),
    data: p.json<Record<string, string | number | null>>(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
export class Alert extends AlertSchema.class {}
AlertSchema.setClass(Alert);

/** An alert as one person's in-app notification. */
export const NotificationSchema = defineEntity({
  name: 'Notification',
  tableName: 'notifications',
  indexes: [{ properties: ['user', 'organization', 'createdAt'] }],
  properties: {
    id: p.uuid().primary(),
    alert: () => p.manyToOne(Alert).deleteRule('cascade').index(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    createdAt: p.datetime().defaultRaw('now()'),
    readAt: p.datetime().nullable(),
  },
});
export class Notification extends NotificationSchema.class {}
NotificationSchema.setClass(Notification);

/** Every attempt to deliver an alert to the org's webhook, kept as a log managers can read. */
export const WebhookAttemptSchema = defineEntity({
  name: 'WebhookAttempt',
  tableName: 'alert_webhook_attempts',
  indexes: [{ properties: ['organization', 'createdAt'] }],
  properties: {
    id: p.uuid().primary(),
    alert: () => p.manyToOne(Alert).deleteRule('cascade').index(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    attempt: p.integer(),
    url: p.string().length(2048),
    /** 'delivered', 'failed' (will retry) or 'abandoned' (last attempt failed). */
    outcome: p.string().length(16),
    statusCode: p.integer().nullable(),
    error: p.text().nullable(),
    durationMs: p.integer(),
    nextAttemptAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
export class WebhookAttempt extends WebhookAttemptSchema.class {}
WebhookAttemptSchema.setClass(WebhookAttempt);
