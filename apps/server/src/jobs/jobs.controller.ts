import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Inject, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import {
  assetView,
  bulkSubmitRequest,
  bulkSubmitView,
  galleryPage,
  jobLimits,
  galleryQuery,
  jobListQuery,
  jobView,
  submitJobRequest,
  submittedJobView,
  uuid,
  type BulkSubmitView,
  type GalleryPage,
  type JobView,
  type SubmittedJobView,
} from '@atelier/contracts';
import { RateLimit } from '../auth/rate-limit.guard.js';
import { CurrentAccess, CurrentPrincipal, RequirePermission, type OrganizationAccess, type Principal } from '../auth/principal.js';
import { ApiError } from '../common/error.filter.js';
import { GalleryService, type AssetSettings, type ServedImage } from './gallery.service.js';
import { THUMBNAIL_WIDTHS } from './thumbnails.js';
import { JobsService } from './jobs.service.js';

const orgParam = { schema: uuid };
const thumbnailWidth = z
  .enum(THUMBNAIL_WIDTHS.map(String) as ['256', '512'])
  .transform((width) => Number(width) as (typeof THUMBNAIL_WIDTHS)[number]);
const idempotencyKey = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
const assetDetail = z.object({
  asset: assetView,
  settings: z.object({
    request: z.record(z.string(), z.unknown()),
    prompt: z.string(),
    negativePrompt: z.string().nullable(),
    seed: z.number().int(),
    sourceAssetId: z.uuid().optional(),
  }),
});

@ApiTags('jobs')
@Controller('orgs/:orgId')
export class JobsController {
  constructor(
    @Inject(JobsService) private readonly jobs: JobsService,
    @Inject(GalleryService) private readonly gallery: GalleryService,
  ) {}

  @Post('jobs')
  @RateLimit('submit')
  @RequirePermission('generate')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retry with the same key returns the same job' })
  @ApiCreatedResponse({ standardSchema: submittedJobView, description: 'Priced, held and queued; 402 with the binding limit when it cannot be afforded' })
  async submit(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @CurrentPrincipal() principal: Principal,
    @Body({ schema: submitJobRequest }) body: z.infer<typeof submitJobRequest>,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SubmittedJobView> {
    if (key !== undefined && !idempotencyKey.safeParse(key).success) {
      throw new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: 'Idempotency-Key: must be 1 to 128 printable characters', field: 'Idempotency-Key' });
    }
    const submitted = await this.jobs.submit(
      { organizationId: orgId, userId: access.userId, apiKeyId: principal.kind === 'apiKey' ? principal.apiKeyId : null },
      body,
      key,
    );
    response.status(submitted.replayed ? HttpStatus.OK : HttpStatus.CREATED);
    return submitted.view;
  }

  @Post('jobs/bulk')
  @HttpCode(HttpStatus.OK)
  @RateLimit('submit', bulkItems)
  @RequirePermission('generate')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Item i uses `key#i`: a retry with the same key returns the same jobs' })
  @ApiOkResponse({
    standardSchema: bulkSubmitView,
    description: `Up to ${String(jobLimits.bulkJobs)} submits, each answered on its own: 201 (or 200 replayed) with its job, or its 4xx error with the field. Valid items are held in order, each when it still fits after the ones before it`,
  })
  submitMany(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @CurrentPrincipal() principal: Principal,
    @Body({ schema: bulkSubmitRequest }) body: z.infer<typeof bulkSubmitRequest>,
    @Headers('idempotency-key') key: string | undefined,
  ): Promise<BulkSubmitView> {
    if (key !== undefined && !(idempotencyKey.safeParse(key).success && key.length <= jobLimits.bulkIdempotencyKeyLength)) {
      throw new ApiError(HttpStatus.BAD_REQUEST, {
        code: 'invalid_request',
        message: `Idempotency-Key: must be 1 to ${String(jobLimits.bulkIdempotencyKeyLength)} printable characters`,
        field: 'Idempotency-Key',
      });
    }
    return this.jobs.submitMany({ organizationId: orgId, userId: access.userId, apiKeyId: principal.kind === 'apiKey' ? principal.apiKeyId : null }, body.jobs, key);
  }

  @Get('jobs')
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: z.array(jobView), description: 'Newest first; `mine=true` for your own' })
  list(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Query({ schema: jobListQuery }) query: z.infer<typeof jobListQuery>,
  ): Promise<JobView[]> {
    return this.jobs.list(orgId, {
      ...(query.mine === 'true' ? { authorId: access.userId } : {}),
      ...(query.status === undefined ? {} : { status: query.status }),
      limit: query.limit,
    });
  }

  @Get('jobs/:jobId')
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: jobView })
  get(@Param('orgId', orgParam) orgId: string, @Param('jobId', { schema: uuid }) jobId: string): Promise<JobView> {
    return this.jobs.get(orgId, jobId);
  }

  @Post('jobs/:jobId/cancel')
  @RequirePermission('generate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: jobView, description: 'Queued: cancelled and released now; running: asked to stop' })
  cancel(
    @Param('orgId', orgParam) orgId: string,
    @Param('jobId', { schema: uuid }) jobId: string,
    @CurrentAccess() access: OrganizationAccess,
  ): Promise<JobView> {
    return this.jobs.cancel(orgId, jobId, access.userId, access.role === 'owner' || access.role === 'manager');
  }

  @Get('assets')
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: galleryPage })
  assets(@Param('orgId', orgParam) orgId: string, @Query({ schema: galleryQuery }) query: z.infer<typeof galleryQuery>): Promise<GalleryPage> {
    return this.gallery.page(orgId, query);
  }

  @Get('assets/:assetId')
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: assetDetail, description: 'The image and its settings, ready for "use these settings" or a remix' })
  asset(
    @Param('orgId', orgParam) orgId: string,
    @Param('assetId', { schema: uuid }) assetId: string,
  ): Promise<{ asset: z.infer<typeof assetView>; settings: AssetSettings }> {
    return this.gallery.get(orgId, assetId);
  }

  @Get('assets/:assetId/image')
  @RequirePermission('org.read')
  @ApiProduces('image/png')
  @ApiOkResponse({ description: 'The PNG, with its settings in text chunks; `?download=1` to save it. Immutable, with an ETag (304 on If-None-Match)' })
  async image(
    @Param('orgId', orgParam) orgId: string,
    @Param('assetId', { schema: uuid }) assetId: string,
    @Query({ schema: z.strictObject({ download: z.enum(['0', '1']).optional() }) }) query: { download?: '0' | '1' },
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile | undefined> {
    const image = await this.gallery.image(orgId, assetId, ifNoneMatch);
    return served(image, response, query.download === '1');
  }

  @Get('assets/:assetId/thumbnails/:width')
  @RequirePermission('org.read')
  @ApiProduces('image/webp')
  @ApiOkResponse({ description: 'A WebP thumbnail at most `width` px wide (256 or 512), for cards and rows. Immutable, with an ETag (304 on If-None-Match)' })
  async thumbnail(
    @Param('orgId', orgParam) orgId: string,
    @Param('assetId', { schema: uuid }) assetId: string,
    @Param('width', { schema: thumbnailWidth }) width: z.infer<typeof thumbnailWidth>,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile | undefined> {
    const image = await this.gallery.thumbnail(orgId, assetId, width, ifNoneMatch);
    return served(image, response, false);
  }
}

/** Assets never change: cached for a year, revalidated by ETag (a 304 without the bytes). */
function served(image: ServedImage, response: Response, download: boolean): StreamableFile | undefined {
  response.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
  response.setHeader('ETag', image.etag);
  if (image.bytes === undefined) {
    response.status(HttpStatus.NOT_MODIFIED);
    return undefined;
  }
  return new StreamableFile(image.bytes, {
    type: image.contentType,
    disposition: download ? `attachment; filename="${image.fileName}"` : 'inline',
  });
}

/** A bulk submit counts against the submit limit as its items (the body is checked after: 1 at least, the cap at most). */
function bulkItems(request: { body?: unknown }): number {
  const jobs = typeof request.body === 'object' && request.body !== null ? (request.body as { jobs?: unknown }).jobs : undefined;
  return Array.isArray(jobs) ? Math.min(jobLimits.bulkJobs, Math.max(1, jobs.length)) : 1;
}
