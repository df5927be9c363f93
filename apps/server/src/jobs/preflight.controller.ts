import { Body, Controller, HttpCode, HttpStatus, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { preflightRequest, preflightView, uuid, type PreflightView } from '@atelier/contracts';
import { RateLimit } from '../auth/rate-limit.guard.js';
import { CurrentAccess, RequirePermission, type OrganizationAccess } from '../auth/principal.js';
import { PreflightService } from './preflight.service.js';

@ApiTags('pricing')
@Controller('orgs/:orgId/preflight')
export class PreflightController {
  constructor(@Inject(PreflightService) private readonly preflightService: PreflightService) {}

  @Post()
  @RateLimit('preflight')
  @RequirePermission('generate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: preflightView, description: 'The price and whether Generate would be accepted now, and why not' })
  preflight(
    @Param('orgId', { schema: uuid }) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: preflightRequest }) body: z.infer<typeof preflightRequest>,
  ): Promise<PreflightView> {
    return this.preflightService.preflight(orgId, access.userId, body);
  }
}
