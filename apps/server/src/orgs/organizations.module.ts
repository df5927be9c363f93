import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthController } from '../auth/auth.controller.js';
import { AuthGuard } from '../auth/auth.guard.js';
import { AuthService } from '../auth/auth.service.js';
import { RateLimitRepository } from '../auth/rate-limit.repository.js';
import { RevocationEvents } from '../auth/revocations.js';
import { RateLimitGuard } from '../auth/rate-limit.guard.js';
import { ApiKeysRepository } from '../auth/api-keys.repository.js';
import { PasswordResetTokensRepository } from '../auth/password-reset-tokens.repository.js';
import { SessionsRepository } from '../auth/sessions.repository.js';
import { USER_ORGANIZATIONS } from '../auth/user-organizations.js';
import { UsersRepository } from '../auth/users.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuditEntriesRepository } from './audit-entries.repository.js';
import { AuditService } from './audit.service.js';
import { InvitationsRepository } from './invitations.repository.js';
import { InvitationsService } from './invitations.service.js';
import { MembershipsRepository } from './memberships.repository.js';
import { ApiKeysController, InvitationsController, ProjectsController } from './org-resources.controller.js';
import { OrganizationGuard } from './organization.guard.js';
import { OrganizationsController } from './organizations.controller.js';
import { OrganizationsRepository } from './organizations.repository.js';
import { OrganizationsService } from './organizations.service.js';
import { ProjectsRepository } from './projects.repository.js';
import { ProjectsService } from './projects.service.js';

/** Accounts and teams: sign-in, organizations, members and budgets, invitations, projects, API keys. */
@Module({
  controllers: [
    AuthController,
    OrganizationsController,
    InvitationsController,
    ProjectsController,
    ApiKeysController,
  ],
  providers: [
    // Order matters: who is calling, then what they may do in the org.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: OrganizationGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    AuthService,
    UsersRepository,
    SessionsRepository,
    PasswordResetTokensRepository,
    ApiKeysRepository,
    RateLimitRepository,
    RevocationEvents,
    AuditEntriesRepository,
    AuditService,
    OrganizationsRepository,
    MembershipsRepository,
    InvitationsRepository,
    ProjectsRepository,
    OrganizationsService,
    InvitationsService,
    ProjectsService,
    ApiKeysService,
    // The session view's list of orgs: auth asks through this port, so it does not import orgs.
    { provide: USER_ORGANIZATIONS, useExisting: OrganizationsService },
  ],
  exports: [AuthService, RevocationEvents, RateLimitRepository, OrganizationsService, ProjectsService, AuditService, UsersRepository, MembershipsRepository],
})
export class OrganizationsModule {}
