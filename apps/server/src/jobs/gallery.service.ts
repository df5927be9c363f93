import { Inject, Injectable } from '@nestjs/common';
import type { AssetView, GalleryPage, GalleryQuery } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { notFound } from '../orgs/organization.guard.js';
import type { AssetStorage } from '../storage/storage.js';
import { GalleryRepository, type AssetRow, type GalleryCursor } from './gallery.repository.js';
import { ThumbnailService } from './thumbnail.service.js';
import { assetEtag, matchesEtag, THUMBNAIL_WIDTHS, type ThumbnailWidth } from './thumbnails.js';
import { ASSET_STORAGE } from '../repositories/tokens.js';
import { HttpStatus } from '@nestjs/common';

export interface ServedImage {
  etag: string;
  contentType: string;
  fileName: string;
  /** Undefined: the client's copy (If-None-Match) is current. */
  bytes: Buffer | undefined;
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
    @Inject(GalleryRepository) private readonly assets: GalleryRepository,
    @Inject(ThumbnailService) private readonly thumbnails: ThumbnailService,
    @Inject(ASSET_STORAGE) private readonly storage: AssetStorage,
  ) {}

  async page(organizationId: string, query: GalleryQuery): Promise<GalleryPage> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const { rows, totals } = await this.assets.page(organizationId, query, cursor, query.limit + 1);
    const more = rows.length > query.limit;
    const assets = rows.slice(0, query.limit);
    const last = assets.at(-1);
    return {
      assets: assets.map(view),
      nextCursor: more && last !== undefined ? encodeCursor(last.created_us, last.id) : null,
      totals: totals.map((row) => ({ operation: row.operation, count: Number(row.count), credits: Number(row.credits) })),
    };
  }

  async get(organizationId: string, assetId: string): Promise<{ asset: AssetView; settings: AssetSettings }> {
    const row = await this.row(organizationId, assetId);
    const job = await this.assets.jobOf(row.job_id);
    const request = { ...(job?.request ?? {}) };
    delete request.mask; // recomputed from the new mask
    request.variations = 1;
    return {
      asset: view(row),
      settings: {
        request,
        prompt: row.prompt,
        negativePrompt: row.negative_prompt,
        seed: Number(row.seed),
        ...(job?.source_asset_id == null ? {} : { sourceAssetId: job.source_asset_id }),
      },
    };
  }

  /** The original PNG; `bytes` is undefined when `ifNoneMatch` already names it (answer 304). */
  async image(organizationId: string, assetId: string, ifNoneMatch?: string): Promise<ServedImage> {
    const row = await this.row(organizationId, assetId);
    const served = { etag: assetEtag(row.id), contentType: 'image/png', fileName: `atelier-${row.model_id}-${row.seed}-${row.id.slice(0, 8)}.png` };
    if (matchesEtag(ifNoneMatch, served.etag)) return { ...served, bytes: undefined };
    const bytes = await this.storage.get(row.storage_key);
    if (bytes === undefined) throw imageMissing();
    return { ...served, bytes };
  }

  /** A WebP thumbnail (made now if the image predates thumbnails); `bytes` undefined as for `image`. */
  async thumbnail(organizationId: string, assetId: string, width: ThumbnailWidth, ifNoneMatch?: string): Promise<ServedImage> {
    const row = await this.row(organizationId, assetId);
    const served = { etag: assetEtag(row.id, width), contentType: 'image/webp', fileName: `atelier-${row.id.slice(0, 8)}-w${String(width)}.webp` };
    if (matchesEtag(ifNoneMatch, served.etag)) return { ...served, bytes: undefined };
    const bytes = await this.thumbnails.get(row.storage_key, width);
    if (bytes === undefined) throw imageMissing();
    return { ...served, bytes };
  }

  private async row(organizationId: string, assetId: string): Promise<AssetRow> {
    const row = await this.assets.find(organizationId, assetId);
    if (row === undefined) throw notFound('The image');
    return row;
  }
}

function view(row: AssetRow): AssetView {
  const base = `/api/orgs/${row.organization_id}/assets/${row.id}`;
  return {
    id: row.id,
    jobId: row.job_id,
    imageIndex: row.image_index,
    url: `${base}/image`,
    thumbnails: thumbnailsOf(row, base),
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

function imageMissing(): ApiError {
  return new ApiError(HttpStatus.GONE, { code: 'not_found', message: 'The image file is missing from storage.' });
}

/** Thumbnail sizes no wider than the image (WebP at its own width still saves bytes); at least the smallest. */
function thumbnailsOf(row: AssetRow, base: string): { width: number; url: string }[] {
  const fitting = THUMBNAIL_WIDTHS.filter((width) => width <= row.width);
  if (fitting.length === 0) return [{ width: row.width, url: `${base}/thumbnails/${String(THUMBNAIL_WIDTHS[0])}` }];
  return fitting.map((width) => ({ width, url: `${base}/thumbnails/${String(width)}` }));
}

function encodeCursor(createdMicros: string, id: string): string {
  return Buffer.from(`${createdMicros}|${id}`).toString('base64url');
}

/**
 * A cursor holds the last asset's time in microseconds, as Postgres keeps it: in milliseconds (as
 * cursors held it before), an asset made in the same millisecond just before the page's last one
 * was skipped by the next page.
 * A cursor in milliseconds (from a page loaded before) is still read as it was.
 */
function decodeCursor(cursor: string): GalleryCursor {
  const [time = '', id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const micros = /^\d{1,18}$/.test(time) ? time : Number.isNaN(Date.parse(time)) ? undefined : `${String(Date.parse(time))}000`;
  if (micros === undefined || id === undefined || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: 'cursor: not a cursor from this list', field: 'cursor' });
  }
  return { createdMicros: micros, id };
}
