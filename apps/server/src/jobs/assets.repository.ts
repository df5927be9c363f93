import { Inject, Injectable } from '@nestjs/common';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import type { ProviderId } from '../providers/provider.js';

/** An image of the org, as a request's source or parent. */
export interface SourceAsset {
  id: string;
  width: number;
  height: number;
  storageKey: string;
}

/** One stored image of a job, as the runner records it. */
export interface NewAsset {
  id: string;
  organizationId: string;
  jobId: string;
  imageIndex: number;
  projectId: string | null;
  authorId: string;
  workspaceId: string | null;
  storageKey: string;
  bytes: number;
  width: number;
  height: number;
  prompt: string;
  negativePrompt: string | null;
  operation: string;
  modelId: string;
  provider: ProviderId;
  seed: number;
  steps: number | null;
  priceCredits: number;
  catalogId: string;
  catalogVersion: number;
  maskKey: string | null;
  parentAssetId: string | null;
  providerCost: unknown;
}

/** The `assets` table as jobs write it: one row per image made, removed with a refunded job. */
@Injectable()
export class AssetsRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  async findInOrganization(organizationId: string, assetId: string): Promise<SourceAsset | undefined> {
    const result = await this.postgres.pool.query<{ id: string; width: number; height: number; storage_key: string }>(
      `select id, width, height, storage_key from assets where id = $1 and organization_id = $2`,
      [assetId, organizationId],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : { id: row.id, width: row.width, height: row.height, storageKey: row.storage_key };
  }

  /** Records an image; a retried attempt's same image (same job and index) is kept once. */
  async insert(asset: NewAsset): Promise<void> {
    await this.postgres.pool.query(
      `insert into assets (id, organization_id, job_id, image_index, project_id, author_id, workspace_id, storage_key, content_type, bytes,
         width, height, prompt, negative_prompt, operation, model_id, provider, seed, steps, price_credits, catalog_id, catalog_version,
         mask_key, parent_asset_id, provider_cost)
       values ($1, $2, $3, $4, $5, $6, $7, $8, 'image/png', $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
       on conflict (job_id, image_index) do nothing`,
      [
        asset.id, asset.organizationId, asset.jobId, asset.imageIndex, asset.projectId, asset.authorId, asset.workspaceId, asset.storageKey,
        asset.bytes, asset.width, asset.height, asset.prompt, asset.negativePrompt, asset.operation, asset.modelId, asset.provider, asset.seed,
        asset.steps, asset.priceCredits, asset.catalogId, asset.catalogVersion, asset.maskKey, asset.parentAssetId,
        asset.providerCost === undefined ? null : JSON.stringify(asset.providerCost),
      ],
    );
  }

  /** The ids of a job's images, in the order they were asked for. */
  async idsOfJob(jobId: string): Promise<string[]> {
    const result = await this.postgres.pool.query<{ id: string }>(`select id from assets where job_id = $1 order by image_index`, [jobId]);
    return result.rows.map((row) => row.id);
  }

  async countOfJob(jobId: string): Promise<number> {
    const result = await this.postgres.pool.query<{ count: string }>(`select count(*) from assets where job_id = $1`, [jobId]);
    return Number(result.rows[0]?.count ?? 0);
  }

  /** Removes a job's images after the first `keep` (by index); returns their storage keys for the caller to delete. */
  async deleteOfJobAfter(jobId: string, keep: number): Promise<string[]> {
    const removed = await this.postgres.pool.query<{ storage_key: string }>(
      `delete from assets where job_id = $1 and id not in (select id from assets where job_id = $1 order by image_index limit $2) returning storage_key`,
      [jobId, keep],
    );
    return removed.rows.map((row) => row.storage_key);
  }

  /** Removes a job's images; returns their storage keys for the caller to delete. */
  async deleteOfJob(jobId: string): Promise<string[]> {
    const removed = await this.postgres.pool.query<{ storage_key: string }>(`delete from assets where job_id = $1 returning storage_key`, [jobId]);
    return removed.rows.map((row) => row.storage_key);
  }

  /** Where an image is stored, and the prompt it was made with. */
  /**
   * The turns of a conversation before an asset, oldest first: its ancestors through general
   * edits (each edit's parent was the turn before it), at most `maxTurns`, with prompts.
   */
  async earlierTurns(assetId: string, maxTurns: number): Promise<{ storageKey: string; prompt: string }[]> {
    const result = await this.postgres.pool.query<{ storage_key: string; prompt: string }>(
      `with recursive chain (id, parent_asset_id, operation, storage_key, prompt, depth) as (
         select id, parent_asset_id, operation, storage_key, prompt, 0 from assets where id = $1
         union all
         select parent.id, parent.parent_asset_id, parent.operation, parent.storage_key, parent.prompt, chain.depth + 1
           from assets parent join chain on parent.id = chain.parent_asset_id
          where chain.operation = 'general-edit' and chain.depth < $2
       )
       select storage_key, prompt from chain where depth > 0 order by depth desc`,
      [assetId, maxTurns],
    );
    return result.rows.map((row) => ({ storageKey: row.storage_key, prompt: row.prompt }));
  }

  async storedImage(assetId: string): Promise<{ storageKey: string; prompt: string } | undefined> {
    const result = await this.postgres.pool.query<{ storage_key: string; prompt: string }>(`select storage_key, prompt from assets where id = $1`, [assetId]);
    const row = result.rows[0];
    return row === undefined ? undefined : { storageKey: row.storage_key, prompt: row.prompt };
  }
}
