import { Inject, Injectable } from '@nestjs/common';
import type { AssetVersionsView, AssetVersionView } from '@atelier/contracts';
import { notFound } from '../orgs/organization.guard.js';
import { memberImageUrl } from './board-views.js';
import { AssetVersionsRepository, type VersionRow } from './asset-versions.repository.js';

function versionView(organizationId: string, row: VersionRow): AssetVersionView {
  return {
    id: row.id,
    parentAssetId: row.parent_asset_id,
    imageUrl: memberImageUrl(organizationId, row.id),
    width: row.width,
    height: row.height,
    operation: row.operation,
    prompt: row.prompt,
    author: { id: row.author_id, name: row.author_name },
    createdAt: row.created_at.toISOString(),
  };
}

/** An image's versions: what it was made from, back to the original, and everything made from it. */
@Injectable()
export class AssetVersionsService {
  constructor(@Inject(AssetVersionsRepository) private readonly versions: AssetVersionsRepository) {}

  async lineage(organizationId: string, assetId: string): Promise<AssetVersionsView> {
    const asset = await this.versions.asset(organizationId, assetId);
    if (asset === undefined) throw notFound('The image');
    const [ancestors, descendants] = await Promise.all([this.versions.ancestors(organizationId, assetId), this.versions.descendants(organizationId, assetId)]);
    return {
      ancestors: ancestors.reverse().map((row) => versionView(organizationId, row)),
      asset: versionView(organizationId, asset),
      descendants: descendants.map((row) => versionView(organizationId, row)),
    };
  }
}
