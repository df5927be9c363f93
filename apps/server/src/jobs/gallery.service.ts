import { Inject, Injectable } from '@nestjs/common';
import type { AssetView, GalleryPage, GalleryQuery } from '@atelier/contracts';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { ApiError } from '../common/error.filter.js';
import { notFound } from '../orgs/organization.guard.js';
import type { AssetStorage } from '../storage/storage.js';
import { ASSET_STORAGE } from './tokens.js';
import { HttpStatus } from '@nestjs/common';

interface AssetRow {
  id: string;
  organization_id: string;
  job_id: string;
  image_index: number;
  project_id: string | null;
  author_id: string;
  author_name: string;
  workspace_id: string | null;
  storage_key: string;
  bytes: number;
  width: number;
  height: number;
  prompt: string;
  negative_prompt: string | null;
  operation: string;
  model_id: string;
  provider: string;
  seed: string;
  steps: number | null;
  price_credits: string;
  catalog_id: string;
  catalog_version: number;
  mask_key: string | null;
  parent_asset_id: string | null;
  created_at: Date;
}

export interface AssetSettings {
  /** Ready to send back as a job request ("use these settings"). */
  request: Record<string, unknown>;
  prompt: string;
  negativePrompt: string | null;
  seed: number;
  /** Absent for text-to-image. */
  sourceAssetId?: string;
}

/** The team's images: filtered, paged newest first, with the cost of each and totals by operation. */
@Injectable()
export class GalleryService {
  constructor(
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(ASSET_STORAGE) private readonly storage: AssetStorage,
  ) {}

  async page(organizationId: string, query: GalleryQuery): Promise<GalleryPage> {
    const conditions = ['a.organization_id = $1'];
    const values: unknown[] = [organizationId];
    const add = (sql: string, value: unknown): void => {
      values.push(value);
      conditions.push(sql.replace('?', `$${String(values.length)}`));
    };
    if (query.projectId !== undefined) add('a.project_id = ?', query.projectId);
    if (query.authorId !== undefined) add('a.author_id = ?', query.authorId);
    if (query.modelId !== undefined) add('a.model_id = ?', query.modelId);
    if (query.operation !== undefined) add('a.operation = ?', query.operation);
    if (query.from !== undefined) add('a.created_at >= ?', query.from);
    if (query.to !== undefined) add('a.created_at < ?', query.to);
    const filtered = conditions.join(' and ');
    const totals = await this.postgres.pool.query<{ operation: string; count: string; credits: string }>(
      `select a.operation, count(*) as count, coalesce(sum(a.price_credits), 0) as credits from assets a where ${filtered} group by a.operation order by a.operation`,
      values,
    );
    const pageValues = [...values];
    let pageCondition = filtered;
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      pageValues.push(cursor.createdAt, cursor.id);
      pageCondition += ` and (a.created_at, a.id) < ($${String(pageValues.length - 1)}, $${String(pageValues.length)})`;
    }
    pageValues.push(query.limit + 1);
    const rows = await this.postgres.pool.query<AssetRow>(
      `select a.*, u.name as author_name from assets a join users u on u.id = a.author_id
       where ${pageCondition} order by a.created_at desc, a.id desc limit $${String(pageValues.length)}`,
      pageValues,
    );
    const more = rows.rows.length > query.limit;
    const assets = rows.rows.slice(0, query.limit);
    const last = assets.at(-1);
    return {
      assets: assets.map(view),
      nextCursor: more && last !== undefined ? encodeCursor(last.created_at, last.id) : null,
      totals: totals.rows.map((row) => ({ operation: row.operation, count: Number(row.count), credits: Number(row.credits) })),
    };
  }

  async get(organizationId: string, assetId: string): Promise<{ asset: AssetView; settings: AssetSettings }> {
    const row = await this.row(organizationId, assetId);
    const job = await this.postgres.pool.query<{ request: Record<string, unknown>; seed: string; source_asset_id: string | null }>(
      `select request, seed, source_asset_id from jobs where id = $1`,
      [row.job_id],
    );
    const request = { ...(job.rows[0]?.request ?? {}) };
    delete request.mask; // recomputed from the new mask
    request.variations = 1;
    return {
      asset: view(row),
      settings: {
        request,
        prompt: row.prompt,
        negativePrompt: row.negative_prompt,
        seed: Number(row.seed),
        ...(job.rows[0]?.source_asset_id == null ? {} : { sourceAssetId: job.rows[0].source_asset_id }),
      },
    };
  }

  async image(organizationId: string, assetId: string): Promise<{ bytes: Buffer; contentType: string; fileName: string }> {
    const row = await this.row(organizationId, assetId);
    const bytes = await this.storage.get(row.storage_key);
    if (bytes === undefined) {
      throw new ApiError(HttpStatus.GONE, { code: 'not_found', message: 'The image file is missing from storage.' });
    }
    return { bytes, contentType: 'image/png', fileName: `atelier-${row.model_id}-${row.seed}-${row.id.slice(0, 8)}.png` };
  }

  private async row(organizationId: string, assetId: string): Promise<AssetRow> {
    const result = await this.postgres.pool.query<AssetRow>(
      `select a.*, u.name as author_name from assets a join users u on u.id = a.author_id where a.id = $1 and a.organization_id = $2`,
      [assetId, organizationId],
    );
    const row = result.rows[0];
    if (row === undefined) throw notFound('The image');
    return row;
  }
}

function view(row: AssetRow): AssetView {
  return {
    id: row.id,
    jobId: row.job_id,
    imageIndex: row.image_index,
    url: `/api/orgs/${row.organization_id}/assets/${row.id}/image`,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    prompt: row.prompt,
    negativePrompt: row.negative_prompt,
    operation: row.operation,
    modelId: row.model_id,
    provider: row.provider,
    seed: Number(row.seed),
    steps: row.steps,
    priceCredits: Number(row.price_credits),
    // A paid image costs at least 1 credit: 0 means a free allowance covered it.
    freeTier: Number(row.price_credits) === 0,
    catalogId: row.catalog_id,
    catalogVersion: row.catalog_version,
    author: { id: row.author_id, name: row.author_name },
    projectId: row.project_id,
    workspaceId: row.workspace_id,
    parentAssetId: row.parent_asset_id,
    hasMask: row.mask_key !== null,
    createdAt: row.created_at.toISOString(),
  };
}

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (createdAt === undefined || id === undefined || Number.isNaN(Date.parse(createdAt)) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: 'cursor: not a cursor from this list', field: 'cursor' });
  }
  return { createdAt, id };
}
