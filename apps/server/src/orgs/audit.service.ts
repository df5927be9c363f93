import { Inject, Injectable } from '@nestjs/common';
import type { AuditEntryView } from '@atelier/contracts';
import type { TransactionClient } from '../repositories/postgres-pool.repository.js';
import { AuditEntriesRepository } from './audit-entries.repository.js';

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
  constructor(@Inject(AuditEntriesRepository) private readonly entries: AuditEntriesRepository) {}

  /** Records an entry, inside the caller's transaction when a client is given. */
  async record(entry: AuditRecord, client?: TransactionClient): Promise<void> {
    await this.entries.insert(
      {
        organizationId: entry.organizationId,
        actorId: entry.actorId,
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId,
        before: entry.before === undefined ? null : JSON.stringify(entry.before),
        after: entry.after === undefined ? null : JSON.stringify(entry.after),
      },
      client,
    );
  }

  async list(organizationId: string, beforeId: string | undefined, limit: number): Promise<AuditEntryView[]> {
    const entries = await this.entries.list(organizationId, beforeId === undefined ? undefined : Number(beforeId), Math.min(limit, AUDIT_PAGE_LIMIT));
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
