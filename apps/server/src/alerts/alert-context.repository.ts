import { Inject, Injectable } from '@nestjs/common';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';

export interface MemberAlertContext {
  thresholds: number[];
  organizationName: string;
  memberName: string;
}

/** What alert texts need about a member: their thresholds, their name and their org's. */
@Injectable()
export class AlertContextRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  /** Undefined when the person is no longer a member or the org is deleted. */
  async member(organizationId: string, memberId: string): Promise<MemberAlertContext | undefined> {
    const context = await this.postgres.pool.query<{ thresholds: number[]; organization_name: string; member_name: string }>(
      `select m.alert_thresholds_percent as thresholds, o.name as organization_name, u.name as member_name
         from memberships m
         join organizations o on o.id = m.organization_id
         join users u on u.id = m.user_id
        where m.organization_id = $1 and m.user_id = $2 and o.deleted_at is null`,
      [organizationId, memberId],
    );
    const row = context.rows[0];
    return row === undefined ? undefined : { thresholds: row.thresholds, organizationName: row.organization_name, memberName: row.member_name };
  }
}
