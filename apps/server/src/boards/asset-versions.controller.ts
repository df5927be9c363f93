import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { assetVersionsView, uuid, type AssetVersionsView } from '@atelier/contracts';
import { RequirePermission } from '../auth/principal.js';
import { AssetVersionsService } from './asset-versions.service.js';

@ApiTags('assets')
@Controller('orgs/:orgId/assets/:assetId/versions')
export class AssetVersionsController {
  constructor(@Inject(AssetVersionsService) private readonly versions: AssetVersionsService) {}

  @Get()
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: assetVersionsView, description: 'The image’s ancestors (oldest first) and every image made from it' })
  lineage(@Param('orgId', { schema: uuid }) orgId: string, @Param('assetId', { schema: uuid }) assetId: string): Promise<AssetVersionsView> {
    return this.versions.lineage(orgId, assetId);
  }
}
