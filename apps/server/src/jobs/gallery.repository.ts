import { Inject, Injectable } from '@nestjs/common';
import type { GalleryQuery } from '@atelier/contracts';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';

export interface AssetRow {
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

/** An asset of a page, with created_at in microseconds since the epoch (Postgres' precision; a Date keeps milliseconds). */
export type PagedAssetRow = AssetRow & { created_us: string };

/** Position after an asset: its time in microseconds and its id. */
export interface GalleryCursor {
  createdMicros: string;
  id: string;
}

/** The gallery's reads of `assets` (and the job each came from). */
@Injectable()
export class GalleryRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  /** Up to `limit` assets matching the filters, newest first, after the cursor; and the totals by operation of all that match. */
  async page(
    organizationId: string,
    query: GalleryQuery,
    cursor: GalleryCursor | undefined,
    limit: number,
  ): Promise<{ rows: PagedAssetRow[]; totals: { operation: string; count: string; credits: string }[] }> {
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
    if (cursor !== undefined) {
      pageValues.push(cursor.createdMicros, cursor.id);
      pageCondition += ` and (a.created_at, a.id) < (timestamptz 'epoch' + $${String(pageValues.length - 1)}::bigint * interval '1 microsecond', $${String(pageValues.length)}::uuid)`;
    }
    pageValues.push(limit);
    const rows = await this.postgres.pool.query<PagedAssetRow>(
      `select a.*, (extract(epoch from a.created_at) * 1000000)::bigint::text as created_us, u.name as author_name
         from assets a join users u on u.id = a.author_id
       where ${pageCondition} order by a.created_at desc, a.id desc limit $${String(pageValues.length)}`,
      pageValues,
    );
    return { rows: rows.rows, totals: totals.rows };
  }

  async find(organizationId: string, assetId: string): Promise<AssetRow | undefined> {
    const result = await this.postgres.pool.query<AssetRow>(
      `select a.*, u.name as author_name from assets a join users u on u.id = a.author_id where a.id = $1 and a.organization_id = $2`,
      [assetId, organizationId],
    );
    return result.rows[0];
  }

  async jobOf(jobId: string): Promise<{ request: Record<string, unknown>; seed: string; source_asset_id: string | null } | undefined> {
    const job = await this.postgres.pool.query<{ request: Record<string, unknown>; seed: string; source_asset_id: string | null }>(
      `select request, seed, source_asset_id from jobs where id = $1`,
      [jobId],
    );
    return job.rows[0];
  }
}
