import { Body, Controller, Get, Inject, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { pricingContextView, setPricingCatalogRequest, uuid, type PricingContextView, type SetPricingCatalogRequest } from '@atelier/contracts';
import { CurrentAccess, RequirePermission, type OrganizationAccess } from '../auth/principal.js';
import { AuditService } from '../orgs/audit.service.js';
import { PricingContextService, type PricingContext } from './pricing-context.service.js';

@ApiTags('pricing')
@Controller('orgs/:orgId/pricing')
export class PricingController {
  constructor(
    @Inject(PricingContextService) private readonly pricing: PricingContextService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  @Get()
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: pricingContextView, description: "The org's price catalog and what its tier allows" })
  async context(@Param('orgId', { schema: uuid }) orgId: string): Promise<PricingContextView> {
    return contextView(await this.pricing.contextFor(orgId));
  }

  @Put('catalog')
  @RequirePermission('billing.manage')
  @ApiOkResponse({ standardSchema: pricingContextView, description: 'The org is priced with this catalog from now on' })
  async setCatalog(
    @Param('orgId', { schema: uuid }) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: setPricingCatalogRequest }) body: SetPricingCatalogRequest,
  ): Promise<PricingContextView> {
    const before = await this.pricing.contextFor(orgId);
    await this.pricing.setCatalog(orgId, body.catalog);
    await this.audit.record({
      organizationId: orgId,
      actorId: access.userId,
      action: 'pricing.catalog',
      targetType: 'organization',
      targetId: orgId,
      before: { catalog: before.catalog.id },
      after: { catalog: body.catalog },
    });
    return contextView(await this.pricing.contextFor(orgId));
  }
}

function contextView(context: PricingContext): PricingContextView {
  const { id, name, allowedModels, maxImagesPerJob, maxConcurrentJobs } = context.tier;
  return {
    catalog: context.catalog as unknown as Record<string, unknown>,
    catalogId: context.catalog.id,
    catalogVersion: context.catalog.version,
    tier: { id, name, allowedModels: allowedModels === null ? null : [...allowedModels], maxImagesPerJob, maxConcurrentJobs },
  };
}
