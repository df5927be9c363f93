import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { CollabTicket, Membership, Organization, User, Workspace } from '../database/entities/index.js';

export interface NewCollabTicket {
  tokenHash: string;
  organizationId: string;
  workspaceId: string;
  userId: string;
  canWrite: boolean;
  expiresAt: Date;
}

/** What a valid ticket was issued for, and the holder's current role in the org. */
export interface RedeemableTicket {
  userId: string;
  organizationId: string;
  /** Write access when the ticket was issued. */
  canWrite: boolean;
  /** The holder's role now. */
  role: string;
}

/**
 * Short-lived tickets that open one workspace document (`collab_tickets`), stored hashed. Used
 * outside requests too (the collab server), so every call works on its own fork.
 */
@Injectable()
export class CollabTicketsRepository {
  constructor(@Inject(EntityManager) private readonly em: EntityManager) {}

  /** Stores the ticket; expired tickets are swept as new ones are issued. */
  async issue(ticket: NewCollabTicket): Promise<void> {
    const em = this.em.fork();
    await em.nativeDelete(CollabTicket, { expiresAt: { $lt: new Date() } });
    em.create(CollabTicket, {
      tokenHash: ticket.tokenHash,
      organization: em.getReference(Organization, ticket.organizationId),
      workspace: em.getReference(Workspace, ticket.workspaceId),
      user: em.getReference(User, ticket.userId),
      canWrite: ticket.canWrite,
      expiresAt: ticket.expiresAt,
    });
    await em.flush();
  }

  /**
   * The unexpired ticket with this hash, if it is for this workspace, its holder is still a
   * member of the (undeleted) org and the workspace is still in it; else null.
   */
  async findRedeemable(tokenHash: string, workspaceId: string): Promise<RedeemableTicket | null> {
    const em = this.em.fork();
    const found = await em.findOne(CollabTicket, { tokenHash, expiresAt: { $gt: new Date() } });
    if (found === null || found.workspace.id !== workspaceId) return null;
    const organizationId = found.organization.id;
    const membership = await em.findOne(Membership, { organization: { id: organizationId, deletedAt: null }, user: found.user.id }, { fields: ['role'] });
    if (membership === null) return null;
    const workspace = await em.findOne(Workspace, { id: workspaceId, organization: organizationId });
    if (workspace === null) return null;
    return { userId: found.user.id, organizationId, canWrite: found.canWrite, role: membership.role };
  }
}
