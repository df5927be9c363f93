import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { AuditEntryView } from '@atelier/contracts';
import type pg from 'pg';
import { AuditEntry } from '../database/entities/index.js';

export interface AuditRecord {
  organizationId: string;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
}

export const AUDIT_PAGE_LIMIT = 100;

/** Who changed what, when, from what to what. Entries are never updated or deleted. */
@Injectable()
export class AuditService {
  constructor(@Inject(EntityManager) private readonly em: EntityManager) {}

  /** Records an entry, inside the caller's transaction when a client is given. */
  async record(entry: AuditRecord, client?: pg.PoolClient): Promise<void> {
    const sql = `insert into audit_entries (organization_id, actor_id, action, target_type, target_id, before, after)
                 values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)`;
    const values = [
      entry.organizationId,
      entry.actorId,
      entry.action,
      entry.targetType,
      entry.targetId,
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
    ];
    if (client !== undefined) {
      await client.query(sql, values);
    } else {
      await this.em.getConnection().execute(sql.replace(/\$\d/g, '?'), values);
    }
  }

  async list(organizationId: string, beforeId: string | undefined, limit: number): Promise<AuditEntryView[]> {
    const entries = await this.em.find(
      AuditEntry,
      { organization: organizationId, ...(beforeId === undefined ? {} : { id: { $lt: Number(beforeId) } }) },
      { orderBy: { id: 'desc' }, limit: Math.min(limit, AUDIT_PAGE_LIMIT), populate: ['actor'] },
    );
    return entries.map((entry) => ({
      id: String(entry.id),
      actor: entry.actor === null || entry.actor === undefined ? null : { id: entry.actor.id, name: entry.actor.name },
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      before: entry.before ?? null,
      after: entry.after ?? null,
      createdAt: entry.createdAt.toISOString(),
    }));
  }
}
