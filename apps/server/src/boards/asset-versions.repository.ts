import { Inject, Injectable } from '@nestjs/common';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';

export interface VersionRow {
  id: string;
  parent_asset_id: string | null;
  width: number;
  height: number;
  operation: string;
  prompt: string;
  author_id: string;
  author_name: string;
  created_at: Date;
}

/** How far a lineage is followed each way (a guard against a runaway chain). */
export const MAX_VERSIONS = 200;

const VERSION_COLUMNS = `a.id, a.parent_asset_id, a.width, a.height, a.operation, a.prompt, a.author_id, u.name as author_name, a.created_at`;

/** An image's lineage through `assets.parent_asset_id` (the image a remix, inpaint, outpaint, upscale or edit started from). */
@Injectable()
export class AssetVersionsRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  async asset(organizationId: string, assetId: string): Promise<VersionRow | undefined> {
    const result = await this.postgres.pool.query<VersionRow>(
      `select ${VERSION_COLUMNS} from assets a join users u on u.id = a.author_id where a.id = $1 and a.organization_id = $2`,
      [assetId, organizationId],
    );
    return result.rows[0];
  }

  /** Parent, grandparent… in the same org, nearest first. */
  async ancestors(organizationId: string, assetId: string): Promise<VersionRow[]> {
    const result = await this.postgres.pool.query<VersionRow>(
      `with recursive chain(id, depth) as (
         select parent_asset_id, 1 from assets where id = $1 and organization_id = $2 and parent_asset_id is not null
         union all
         select a.parent_asset_id, c.depth + 1 from chain c join assets a on a.id = c.id
          where a.parent_asset_id is not null and c.depth < $3
       )
       select ${VERSION_COLUMNS} from chain c join assets a on a.id = c.id join users u on u.id = a.author_id
        where a.organization_id = $2
        order by c.depth`,
      [assetId, organizationId, MAX_VERSIONS],
    );
    return result.rows;
  }

  /** Every image made from this one, at any depth, in the same org, oldest first. */
  async descendants(organizationId: string, assetId: string): Promise<VersionRow[]> {
    const result = await this.postgres.pool.query<VersionRow>(
      `with recursive tree(id, depth) as (
         select id, 1 from assets where parent_asset_id = $1 and organization_id = $2
         union
         select a.id, t.depth + 1 from tree t join assets a on a.parent_asset_id = t.id
          where a.organization_id = $2 and t.depth < $3
       )
       select distinct on (a.created_at, a.id) ${VERSION_COLUMNS} from tree t join assets a on a.id = t.id join users u on u.id = a.author_id
        order by a.created_at, a.id
        limit $3`,
      [assetId, organizationId, MAX_VERSIONS],
    );
    return result.rows;
  }
}
