import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Invitation, Organization, User } from '../database/entities/index.js';
import type { TransactionClient } from '../repositories/postgres-pool.repository.js';

export interface NewInvitation {
  organization: Organization;
  invitedBy: User;
  email: string;
  role: string;
  tokenHash: string;
  /** The link's token, kept while pending so those who may invite can copy the link again. */
  linkToken: string;
  expiresAt: Date;
}

/** Invitations to join an org (`invitations`), stored by the hash of their link's token. */
@Injectable()
export class InvitationsRepository {
  constructor(@Inject(EntityManager) private readonly em: EntityManager) {}

  /** Neither accepted, revoked nor expired at `now`. */
  countPending(organizationId: string, now: Date): Promise<number> {
    return this.em.count(Invitation, { organization: organizationId, acceptedAt: null, revokedAt: null, expiresAt: { $gt: now } });
  }

  async create(invitation: NewInvitation): Promise<Invitation> {
    const created = this.em.create(Invitation, {
      id: crypto.randomUUID(),
      organization: invitation.organization,
      email: invitation.email,
      role: invitation.role,
      tokenHash: invitation.tokenHash,
      linkToken: invitation.linkToken,
      invitedBy: invitation.invitedBy,
      createdAt: new Date(),
      expiresAt: invitation.expiresAt,
      acceptedAt: null,
      acceptedBy: null,
      revokedAt: null,
    });
    await this.em.flush();
    return created;
  }

  /** The pending ones with their inviters, newest first, at most `limit`. */
  listPending(organizationId: string, now: Date, limit: number): Promise<Invitation[]> {
    return this.em.find(
      Invitation,
      { organization: organizationId, acceptedAt: null, revokedAt: null, expiresAt: { $gt: now } },
      { populate: ['invitedBy'], orderBy: { createdAt: 'desc' }, limit },
    );
  }

  /** False when there is no such invitation still open (not accepted, not revoked) in the org. */
  async revoke(organizationId: string, invitationId: string, revokedAt: Date): Promise<boolean> {
    const revoked = await this.em.nativeUpdate(
      Invitation,
      { id: invitationId, organization: organizationId, acceptedAt: null, revokedAt: null },
      { revokedAt, linkToken: null },
    );
    return revoked === 1;
  }

  /** The invitation of an org not deleted, with its org and inviter, or null. */
  findByTokenHash(tokenHash: string): Promise<Invitation | null> {
    return this.em.findOne(
      Invitation,
      { tokenHash, organization: { deletedAt: null } },
      { populate: ['organization', 'invitedBy'] },
    );
  }

  /**
   * In the caller's transaction: marks the invitation accepted by `userId` exactly once, even when
   * two tabs accept at the same moment. False when it was used, revoked or expired meanwhile.
   */
  async claim(client: TransactionClient, invitationId: string, userId: string): Promise<boolean> {
    const claimed = await client.query(
      `update invitations set accepted_at = now(), accepted_by_id = $2, link_token = null where id = $1 and accepted_at is null and revoked_at is null and expires_at > now()`,
      [invitationId, userId],
    );
    return claimed.rowCount === 1;
  }
}
