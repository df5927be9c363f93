import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Inject, Param, Patch, Post, Put, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  commentView,
  guestCommentRequest,
  guestEditCommentRequest,
  joinedReviewView,
  joinReviewRequest,
  reviewAssetView,
  reviewBoardView,
  reviewLinkPreview,
  reviewReadQuery,
  reviewToken,
  setReviewStatusRequest,
  uuid,
  type CommentView,
  type JoinedReviewView,
  type ReviewAssetView,
  type ReviewBoardView,
  type ReviewLinkPreview,
} from '@atelier/contracts';
import { Public } from '../auth/principal.js';
import { RateLimit } from '../auth/rate-limit.guard.js';
import { ReviewService } from './review.service.js';

/** The guest's token: the `x-review-guest` header; image loads (GET) may carry it as a cookie. */
export const GUEST_HEADER = 'x-review-guest';
const GUEST_COOKIE = 'atelier_review';
const tokenParam = { schema: reviewToken };
const idParam = { schema: uuid };

function headerToken(value: string | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 100 ? value : undefined;
}

function cookieToken(request: Request): string | undefined {
  const cookies = request.cookies as Record<string, string | undefined> | undefined;
  const value = cookies?.[GUEST_COOKIE];
  return typeof value === 'string' && value.length > 0 && value.length <= 100 ? value : undefined;
}

/**
 * Client review links (`/review/:token`), for guests without an account: each call counts against
 * the `review` rate limit of the caller's address. Writes need the guest token in the header.
 */
@ApiTags('review')
@Controller('review/:reviewToken')
export class ReviewController {
  constructor(@Inject(ReviewService) private readonly review: ReviewService) {}

  @Get()
  @Public()
  @RateLimit('review')
  @ApiOkResponse({ standardSchema: reviewLinkPreview, description: 'What the link is, before giving a name (410 link_expired / link_revoked)' })
  preview(@Param('reviewToken', tokenParam) token: string): Promise<ReviewLinkPreview> {
    return this.review.preview(token);
  }

  @Post('guests')
  @Public()
  @RateLimit('review')
  @ApiCreatedResponse({ standardSchema: joinedReviewView, description: 'The guest token to send as x-review-guest (a cookie for images too)' })
  async join(
    @Param('reviewToken', tokenParam) token: string,
    @Body({ schema: joinReviewRequest }) body: z.infer<typeof joinReviewRequest>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JoinedReviewView> {
    const joined = await this.review.join(token, body, request.ip ?? 'unknown');
    response.cookie(GUEST_COOKIE, joined.guestToken, { httpOnly: true, sameSite: 'strict', secure: request.secure, path: `/api/review/${token}` });
    return joined;
  }

  @Get('board')
  @Public()
  @RateLimit('review')
  @ApiOkResponse({ standardSchema: reviewBoardView })
  async board(
    @Param('reviewToken', tokenParam) token: string,
    @Query({ schema: reviewReadQuery }) query: z.infer<typeof reviewReadQuery>,
    @Headers(GUEST_HEADER) guest: string | undefined,
    @Req() request: Request,
  ): Promise<ReviewBoardView> {
    return this.review.board(await this.review.guest(token, headerToken(guest) ?? cookieToken(request)), query.poll !== '1');
  }

  @Get('assets/:assetId')
  @Public()
  @RateLimit('review')
  @ApiOkResponse({ standardSchema: reviewAssetView })
  async asset(
    @Param('reviewToken', tokenParam) token: string,
    @Param('assetId', idParam) assetId: string,
    @Query({ schema: reviewReadQuery }) query: z.infer<typeof reviewReadQuery>,
    @Headers(GUEST_HEADER) guest: string | undefined,
    @Req() request: Request,
  ): Promise<ReviewAssetView> {
    return this.review.asset(await this.review.guest(token, headerToken(guest) ?? cookieToken(request)), assetId, query.poll !== '1');
  }

  @Get('assets/:assetId/image')
  @Public()
  @RateLimit('review')
  @ApiProduces('image/png')
  @ApiOkResponse({ description: 'The PNG, without the settings other PNGs carry in text chunks' })
  async image(
    @Param('reviewToken', tokenParam) token: string,
    @Param('assetId', idParam) assetId: string,
    @Headers(GUEST_HEADER) guest: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const bytes = await this.review.image(await this.review.guest(token, headerToken(guest) ?? cookieToken(request)), assetId);
    response.setHeader('Cache-Control', 'private, no-store');
    return new StreamableFile(bytes, { type: 'image/png', disposition: 'inline' });
  }

  @Post('assets/:assetId/comments')
  @Public()
  @RateLimit('review')
  @ApiCreatedResponse({ standardSchema: commentView, description: 'A review-mode link only (403 link_view_only)' })
  async comment(
    @Param('reviewToken', tokenParam) token: string,
    @Param('assetId', idParam) assetId: string,
    @Headers(GUEST_HEADER) guest: string | undefined,
    @Body({ schema: guestCommentRequest }) body: z.infer<typeof guestCommentRequest>,
  ): Promise<CommentView> {
    return this.review.comment(await this.review.guest(token, headerToken(guest)), assetId, body);
  }

  @Patch('comments/:commentId')
  @Public()
  @RateLimit('review')
  @ApiOkResponse({ standardSchema: commentView, description: 'A comment this guest wrote (403 not_comment_author otherwise)' })
  async editComment(
    @Param('reviewToken', tokenParam) token: string,
    @Param('commentId', idParam) commentId: string,
    @Headers(GUEST_HEADER) guest: string | undefined,
    @Body({ schema: guestEditCommentRequest }) body: z.infer<typeof guestEditCommentRequest>,
  ): Promise<CommentView> {
    return this.review.editComment(await this.review.guest(token, headerToken(guest)), commentId, body.body);
  }

  @Delete('comments/:commentId')
  @Public()
  @RateLimit('review')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'A comment this guest wrote (403 not_comment_author otherwise)' })
  async deleteComment(@Param('reviewToken', tokenParam) token: string, @Param('commentId', idParam) commentId: string, @Headers(GUEST_HEADER) guest: string | undefined): Promise<void> {
    await this.review.deleteComment(await this.review.guest(token, headerToken(guest)), commentId);
  }

  @Put('assets/:assetId/status')
  @Public()
  @RateLimit('review')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: reviewBoardView, description: 'A review-mode link only (403 link_view_only)' })
  async setStatus(
    @Param('reviewToken', tokenParam) token: string,
    @Param('assetId', idParam) assetId: string,
    @Headers(GUEST_HEADER) guest: string | undefined,
    @Body({ schema: setReviewStatusRequest }) body: z.infer<typeof setReviewStatusRequest>,
  ): Promise<ReviewBoardView> {
    return this.review.setStatus(await this.review.guest(token, headerToken(guest)), assetId, body.status);
  }
}
