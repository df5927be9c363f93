import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditEntry } from '../database/entities/index.js';
import type { TransactionClient } from '../repositories/postgres-pool.repository.js';

export interface NewAuditEntry {
  organizationId: string;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  /** JSON text, or null. */
  before: string | null;
  after: string | null;
}

/** The audit log (`audit_entries`): appended to, never updated or deleted. */
@Injectable()
export class AuditEntriesRepository {
  constructor(@Inject(EntityManager) private readonly em: EntityManager) {}

  /** Inside the caller's transaction when a client is given. */
  async insert(entry: NewAuditEntry, client?: TransactionClient): Promise<void> {
    const sql = `insert into audit_entries (organization_id, actor_id, action, target_type, target_id, before, after)
                 values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)`;
    const values = [entry.organizationId, entry.actorId, entry.action, entry.targetType, entry.targetId, entry.before, entry.after];
    if (client !== undefined) {
      await client.query(sql, values);
    } else {
      await this.em.getConnection().execute(sql.replace(/\$\d/g, '?'), values);
    }
  }

  /** Newest first, with their actors; only entries older than `beforeId` when given. */
  list(organizationId: string, beforeId: number | undefined, limit: number): Promise<AuditEntry[]> {
    return this.em.find(
      AuditEntry,
      { organization: organizationId, ...(beforeId === undefined ? {} : { id: { $lt: beforeId } }) },
      { orderBy: { id: 'desc' }, limit, populate: ['actor'] },
    );
  }
}
