import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { AcceptInvitationRequest, InvitationPreview, InvitationView, Role } from '@atelier/contracts';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ApiError } from '../common/error.filter.js';
import { randomToken, sha256 } from '../common/crypto.js';
import type { Invitation } from '../database/entities/index.js';
import { MailerRepository } from '../mail/mailer.repository.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { AuthService } from '../auth/auth.service.js';
import { UsersRepository } from '../auth/users.repository.js';
import { AuditService } from './audit.service.js';
import { InvitationsRepository } from './invitations.repository.js';
import { MembershipsRepository } from './memberships.repository.js';
import { notFound } from './organization.guard.js';
import { OrganizationsRepository } from './organizations.repository.js';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const MAX_PENDING_INVITATIONS = 200;

type InvitationStatus = InvitationView['status'];

function statusOf(invitation: Invitation, now = Date.now()): InvitationStatus {
  if (invitation.acceptedAt) return 'accepted';
  if (invitation.revokedAt) return 'revoked';
  if (invitation.expiresAt.getTime() <= now) return 'expired';
  return 'pending';
}

@Injectable()
export class InvitationsService {
  constructor(
    @Inject(InvitationsRepository) private readonly invitations: InvitationsRepository,
    @Inject(MembershipsRepository) private readonly memberships: MembershipsRepository,
    @Inject(OrganizationsRepository) private readonly organizations: OrganizationsRepository,
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(MailerRepository) private readonly mailer: MailerRepository,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async invite(organizationId: string, actorId: string, actorRole: Role, email: string, role: Role): Promise<InvitationView> {
    if (role === 'owner' && actorRole !== 'owner') {
      throw new ApiError(HttpStatus.FORBIDDEN, { code: 'forbidden', message: 'Only an owner can invite another owner.', field: 'role' });
    }
    if (await this.memberships.hasMemberWithEmail(organizationId, email)) {
      throw new ApiError(HttpStatus.CONFLICT, { code: 'conflict', message: `${email} is already a member.`, field: 'email' });
    }
    const pending = await this.invitations.countPending(organizationId, new Date());
    if (pending >= MAX_PENDING_INVITATIONS) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'conflict',
        message: `At most ${String(MAX_PENDING_INVITATIONS)} invitations can be pending: revoke some first.`,
        limit: MAX_PENDING_INVITATIONS,
      });
    }
    const organization = await this.organizations.findById(organizationId);
    const inviter = await this.users.findById(actorId);
    const token = randomToken();
    const invitation = await this.invitations.create({
      organization,
      invitedBy: inviter,
      email,
      role,
      tokenHash: sha256(token),
      linkToken: token,
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
    });
    await this.audit.record({ organizationId, actorId, action: 'invitation.create', targetType: 'invitation', targetId: invitation.id, after: { email, role } });
    await this.mailer.send({
      to: email,
      subject: `${inviter.name} invited you to ${organization.name} on Atelier`,
      text: `${inviter.name} invited you to join ${organization.name} on Atelier as ${role}.\n\nAccept here (the link works for 7 days):\n${this.linkOf(token)}\n`,
    });
    return this.view(invitation);
  }

  async list(organizationId: string): Promise<InvitationView[]> {
    const invitations = await this.invitations.listPending(organizationId, new Date(), MAX_PENDING_INVITATIONS);
    return invitations.map((invitation) => this.view(invitation));
  }

  async revoke(organizationId: string, actorId: string, invitationId: string): Promise<void> {
    if (!(await this.invitations.revoke(organizationId, invitationId, new Date()))) {
      throw notFound('The pending invitation');
    }
    await this.audit.record({ organizationId, actorId, action: 'invitation.revoke', targetType: 'invitation', targetId: invitationId });
  }

  async preview(token: string): Promise<InvitationPreview> {
    const invitation = await this.findByToken(token);
    const hasAccount = await this.users.existsWithEmail(invitation.email);
    return {
      organizationName: invitation.organization.name,
      email: invitation.email,
      role: invitation.role as Role,
      invitedByName: invitation.invitedBy.name,
      expiresAt: invitation.expiresAt.toISOString(),
      status: statusOf(invitation),
      hasAccount,
    };
  }

  /**
   * Accepts as the signed-in user (whose email must be the invited one), or, for someone without
   * an account, creates it with the invitation's email and the given name and password.
   * Returns the member's user id and the org id.
   */
  async accept(request: AcceptInvitationRequest, signedInUserId: string | undefined): Promise<{ userId: string; organizationId: string; createdUser: boolean }> {
    const invitation = await this.findByToken(request.token);
    const status = statusOf(invitation);
    if (status !== 'pending') {
      const messages: Record<Exclude<InvitationStatus, 'pending'>, string> = {
        accepted: 'This invitation has already been used.',
        revoked: 'This invitation was revoked. Ask for a new one.',
        expired: 'This invitation has expired. Ask for a new one.',
      };
      const codes = { accepted: 'invitation_used', revoked: 'invitation_revoked', expired: 'invitation_expired' } as const;
      throw new ApiError(HttpStatus.GONE, { code: codes[status], message: messages[status] });
    }
    let userId = signedInUserId;
    let createdUser = false;
    if (userId === undefined) {
      if (request.name === undefined || request.password === undefined) {
        throw new ApiError(HttpStatus.UNAUTHORIZED, {
          code: 'unauthenticated',
          message: 'Sign in to accept, or give a name and a password to create your account.',
          field: request.name === undefined ? 'name' : 'password',
        });
      }
      userId = (await this.auth.createUser({ email: invitation.email, name: request.name, password: request.password })).id;
      createdUser = true;
    } else {
      const user = await this.users.findById(userId);
      if (user.email !== invitation.email) {
        throw new ApiError(HttpStatus.FORBIDDEN, {
          code: 'invitation_email_mismatch',
          message: `This invitation is for ${invitation.email}; you are signed in as ${user.email}.`,
        });
      }
    }
    const organization = invitation.organization;
    const memberId = userId;
    await this.postgres.transaction(async (client) => {
      // Marks the invitation used exactly once, even when two tabs accept at the same moment.
      if (!(await this.invitations.claim(client, invitation.id, memberId))) {
        throw new ApiError(HttpStatus.GONE, { code: 'invitation_used', message: 'This invitation has already been used.' });
      }
      const inserted = await this.memberships.insertIfAbsent(client, {
        organizationId: organization.id,
        userId: memberId,
        role: invitation.role,
        budgetLimitCredits: organization.defaultBudgetLimitCredits ?? null,
        budgetPeriod: organization.defaultBudgetPeriod,
      });
      if (inserted) {
        await this.ledger.setMemberBudgetInTransaction(client, {
          organizationId: organization.id,
          memberId,
          limitCredits: organization.defaultBudgetLimitCredits ?? null,
          period: organization.defaultBudgetPeriod as 'day' | 'week' | 'month' | 'none',
          actorId: invitation.invitedBy.id,
        });
      }
      await this.users.setLastOrganization(memberId, organization.id, client);
      await this.audit.record(
        { organizationId: organization.id, actorId: memberId, action: 'invitation.accept', targetType: 'invitation', targetId: invitation.id, after: { role: invitation.role } },
        client,
      );
    });
    return { userId: memberId, organizationId: organization.id, createdUser };
  }

  private async findByToken(token: string): Promise<Invitation> {
    const invitation = await this.invitations.findByTokenHash(sha256(token));
    if (invitation === null) {
      throw notFound('The invitation');
    }
    return invitation;
  }

  private linkOf(token: string): string {
    return `${this.config.publicUrl}/invitations/${token}`;
  }

  private view(invitation: Invitation): InvitationView {
    return {
      id: invitation.id,
      email: invitation.email,
      role: invitation.role as Role,
      invitedBy: { id: invitation.invitedBy.id, name: invitation.invitedBy.name },
      createdAt: invitation.createdAt.toISOString(),
      expiresAt: invitation.expiresAt.toISOString(),
      status: statusOf(invitation),
      link: invitation.linkToken == null || statusOf(invitation) !== 'pending' ? null : this.linkOf(invitation.linkToken),
    };
  }
}
