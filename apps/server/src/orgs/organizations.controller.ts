import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  auditEntryView,
  budgetView,
  changeRoleRequest,
  createOrganizationRequest,
  memberView,
  organizationView,
  poolView,
  setMemberBudgetRequest,
  updateOrganizationRequest,
  uuid,
  type AuditEntryView,
  type BudgetView,
  type MemberView,
  type OrganizationView,
  type PoolView,
} from '@atelier/contracts';
import { CurrentAccess, CurrentPrincipal, RequirePermission, type OrganizationAccess, type Principal } from '../auth/principal.js';
import { AuthService } from '../auth/auth.service.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { AUDIT_PAGE_LIMIT, AuditService } from './audit.service.js';
import { OrganizationsService } from './organizations.service.js';

const orgParam = { schema: uuid };
const auditQuery = z.strictObject({
  before: z.string().regex(/^\d{1,18}$/, 'must be an entry id').optional(),
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_LIMIT).default(50),
});

@ApiTags('organizations')
@Controller('orgs')
export class OrganizationsController {
  constructor(
    @Inject(OrganizationsService) private readonly organizations: OrganizationsService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
  ) {}

  @Post()
  @ApiCreatedResponse({ standardSchema: organizationView, description: 'You are its owner; its credit pool exists' })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body({ schema: createOrganizationRequest }) body: z.infer<typeof createOrganizationRequest>,
  ): Promise<OrganizationView> {
    return this.organizations.create(principal.userId, body);
  }

  @Get()
  @ApiOkResponse({ standardSchema: z.array(organizationView) })
  list(@CurrentPrincipal() principal: Principal): Promise<OrganizationView[]> {
    return this.organizations.listFor(principal.userId);
  }

  @Get(':orgId')
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: organizationView })
  async get(@Param('orgId', orgParam) orgId: string, @CurrentAccess() access: OrganizationAccess): Promise<OrganizationView> {
    return this.organizations.get(orgId, access.role);
  }

  @Patch(':orgId')
  @RequirePermission('org.update')
  @ApiOkResponse({ standardSchema: organizationView })
  update(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: updateOrganizationRequest }) body: z.infer<typeof updateOrganizationRequest>,
  ): Promise<OrganizationView> {
    return this.organizations.update(orgId, access.userId, access.role, body);
  }

  @Delete(':orgId')
  @RequirePermission('org.delete')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  delete(@Param('orgId', orgParam) orgId: string, @CurrentAccess() access: OrganizationAccess): Promise<void> {
    return this.organizations.delete(orgId, access.userId);
  }

  /** Remembers the org the person works in, so the app opens there next time. */
  @Put(':orgId/current')
  @RequirePermission('org.read')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  switchTo(@Param('orgId', orgParam) orgId: string, @CurrentAccess() access: OrganizationAccess): Promise<void> {
    return this.auth.setLastOrganization(access.userId, orgId);
  }

  @Get(':orgId/pool')
  @RequirePermission('pool.read')
  @ApiOkResponse({ standardSchema: poolView })
  pool(@Param('orgId', orgParam) orgId: string): Promise<PoolView> {
    return this.ledger.poolBalance(orgId);
  }

  @Get(':orgId/me')
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: memberView, description: 'Your membership, budget and allowed models' })
  me(@Param('orgId', orgParam) orgId: string, @CurrentAccess() access: OrganizationAccess): Promise<MemberView> {
    return this.organizations.member(orgId, access.userId);
  }

  @Get(':orgId/members')
  @RequirePermission('members.read')
  @ApiOkResponse({ standardSchema: z.array(memberView) })
  members(@Param('orgId', orgParam) orgId: string): Promise<MemberView[]> {
    return this.organizations.members(orgId);
  }

  @Get(':orgId/members/:userId')
  @RequirePermission('members.read')
  @ApiOkResponse({ standardSchema: memberView })
  member(@Param('orgId', orgParam) orgId: string, @Param('userId', { schema: uuid }) userId: string): Promise<MemberView> {
    return this.organizations.member(orgId, userId);
  }

  @Patch(':orgId/members/:userId')
  @RequirePermission('members.role')
  @ApiOkResponse({ standardSchema: memberView })
  changeRole(
    @Param('orgId', orgParam) orgId: string,
    @Param('userId', { schema: uuid }) userId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: changeRoleRequest }) body: z.infer<typeof changeRoleRequest>,
  ): Promise<MemberView> {
    return this.organizations.changeRole(orgId, access.userId, userId, body.role);
  }

  @Delete(':orgId/members/:userId')
  @RequirePermission('members.remove')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  removeMember(
    @Param('orgId', orgParam) orgId: string,
    @Param('userId', { schema: uuid }) userId: string,
    @CurrentAccess() access: OrganizationAccess,
  ): Promise<void> {
    return this.organizations.removeMember(orgId, access.userId, access.role, userId);
  }

  @Get(':orgId/members/:userId/budget')
  @RequirePermission('budgets.read')
  @ApiOkResponse({ standardSchema: budgetView })
  budget(@Param('orgId', orgParam) orgId: string, @Param('userId', { schema: uuid }) userId: string): Promise<BudgetView> {
    return this.organizations.member(orgId, userId).then((member) => member.budget);
  }

  @Put(':orgId/members/:userId/budget')
  @RequirePermission('budgets.write')
  @ApiOkResponse({ standardSchema: memberView })
  setBudget(
    @Param('orgId', orgParam) orgId: string,
    @Param('userId', { schema: uuid }) userId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: setMemberBudgetRequest }) body: z.infer<typeof setMemberBudgetRequest>,
  ): Promise<MemberView> {
    return this.organizations.setBudget(orgId, access.userId, userId, body);
  }

  @Get(':orgId/audit')
  @RequirePermission('audit.read')
  @ApiOkResponse({ standardSchema: z.array(auditEntryView) })
  auditTrail(
    @Param('orgId', orgParam) orgId: string,
    @Query({ schema: auditQuery }) query: z.infer<typeof auditQuery>,
  ): Promise<AuditEntryView[]> {
    return this.audit.list(orgId, query.before, query.limit);
  }
}
