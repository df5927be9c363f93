import { Inject, Injectable } from '@nestjs/common';
import type { AlertData, AlertKind } from '@atelier/contracts';
import { PostgresPoolRepository, type TransactionClient } from '../repositories/postgres-pool.repository.js';

/** A notification (its own id) joined to its alert. */
export interface NotificationRow {
  id: string;
  alert_id: string;
  organization_id: string;
  kind: AlertKind;
  title: string;
  message: string;
  data: AlertData;
  created_at: Date;
  read_at: Date | null;
  created_us: string;
}

/** Who an alert goes to: everyone with one of these roles in the org, or these members. */
export type NotificationRecipients = { roles: readonly string[]; exceptUserIds?: readonly string[] } | { userIds: readonly string[] };

export interface NotificationPageQuery {
  unread: boolean | null;
  /** Position after the last notification of the previous page. */
  cursor: { createdMicros: string; id: string } | null;
  limit: number;
}

/** In-app notifications (`notifications`): one per recipient of an alert, read or not. */
@Injectable()
export class NotificationsRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  /** In the caller's transaction: one notification per recipient who is a member (by role: but `exceptUserIds`); their ids. */
  async insertForRecipients(client: TransactionClient, organizationId: string, alertId: string, recipients: NotificationRecipients): Promise<{ id: string; user_id: string }[]> {
    const byRole = 'roles' in recipients;
    const result = await client.query<{ id: string; user_id: string }>(
      `insert into notifications (id, alert_id, organization_id, user_id)
       select gen_random_uuid(), $1, m.organization_id, m.user_id
         from memberships m
        where m.organization_id = $2 and ${byRole ? 'm.role = any($3::text[]) and m.user_id <> all($4::uuid[])' : 'm.user_id = any($3::uuid[])'}
       returning id, user_id`,
      byRole
        ? [alertId, organizationId, [...recipients.roles], [...(recipients.exceptUserIds ?? [])]]
        : [alertId, organizationId, [...recipients.userIds]],
    );
    return result.rows;
  }

  /** Newest first, `limit` of them (the caller asks one more to know whether a page follows). */
  async page(organizationId: string, userId: string, query: NotificationPageQuery): Promise<NotificationRow[]> {
    const result = await this.postgres.pool.query<NotificationRow>(
      `select n.id, n.alert_id, n.organization_id, a.kind, a.title, a.message, a.data, n.created_at, n.read_at,
              (extract(epoch from n.created_at) * 1000000)::bigint::text as created_us
         from notifications n join alerts a on a.id = n.alert_id
        where n.user_id = $1 and n.organization_id = $2
          and ($3::boolean is not true or n.read_at is null)
          and ($4::bigint is null or (n.created_at, n.id) < (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5::uuid))
        order by n.created_at desc, n.id desc
        limit $6`,
      [userId, organizationId, query.unread, query.cursor?.createdMicros ?? null, query.cursor?.id ?? null, query.limit],
    );
    return result.rows;
  }

  async unreadCount(organizationId: string, userId: string): Promise<number> {
    const result = await this.postgres.pool.query<{ count: string }>(
      `select count(*) from notifications where user_id = $1 and organization_id = $2 and read_at is null`,
      [userId, organizationId],
    );
    return Number(result.rows[0]?.count ?? 0);
  }

  /** Marks the person's unread notifications read (these ids, or all); how many changed. */
  async markRead(organizationId: string, userId: string, ids: readonly string[] | 'all'): Promise<number> {
    const result = await this.postgres.pool.query(
      `update notifications set read_at = now()
        where user_id = $1 and organization_id = $2 and read_at is null and ($3::uuid[] is null or id = any($3::uuid[]))`,
      [userId, organizationId, ids === 'all' ? null : [...ids]],
    );
    return result.rowCount ?? 0;
  }
}
