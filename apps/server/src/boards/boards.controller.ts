import { Readable } from 'node:stream';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Patch, Post, Put, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import {
  addBoardItemsRequest,
  boardListQuery,
  boardSummaryView,
  boardView,
  commentView,
  createBoardRequest,
  createCommentRequest,
  createdReviewLinkView,
  createReviewLinkRequest,
  mentionableView,
  reorderBoardRequest,
  resolveCommentRequest,
  reviewLinkView,
  setReviewStatusRequest,
  updateBoardRequest,
  updateCommentRequest,
  uuid,
  type BoardSummaryView,
  type BoardView,
  type CommentView,
  type CreatedReviewLinkView,
  type MentionableView,
  type ReviewLinkView,
} from '@atelier/contracts';
import { CurrentAccess, RequirePermission, type OrganizationAccess } from '../auth/principal.js';
import { RateLimit } from '../auth/rate-limit.guard.js';
import { BoardArchiveService } from './board-archive.service.js';
import { BoardsService } from './boards.service.js';
import { CommentsService } from './comments.service.js';
import { ReviewLinksService } from './review-links.service.js';

const orgParam = { schema: uuid };
const idParam = { schema: uuid };

@ApiTags('boards')
@Controller('orgs/:orgId/boards')
export class BoardsController {
  constructor(
    @Inject(BoardsService) private readonly boards: BoardsService,
    @Inject(ReviewLinksService) private readonly links: ReviewLinksService,
    @Inject(BoardArchiveService) private readonly archives: BoardArchiveService,
  ) {}

  @Get(':boardId/download')
  @RequirePermission('boards.read')
  @RateLimit('expensive')
  @ApiProduces('application/zip')
  @ApiOkResponse({ description: 'A ZIP of the images in board order and manifest.csv (file, title, status, cost, model, seed, settings, author, date)' })
  async download(
    @Param('orgId', orgParam) orgId: string,
    @Param('boardId', idParam) boardId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const archive = await this.archives.archive(orgId, access.userId, boardId);
    response.setHeader('Cache-Control', 'private, no-store');
    return new StreamableFile(Readable.from(archive.stream), { type: 'application/zip', disposition: `attachment; filename="${archive.fileName}"` });
  }

  @Get()
  @RequirePermission('boards.read')
  @ApiOkResponse({ standardSchema: z.array(boardSummaryView), description: 'Boards, most recently changed first; `assetId` finds the boards an image is on' })
  list(@Param('orgId', orgParam) orgId: string, @Query({ schema: boardListQuery }) query: z.infer<typeof boardListQuery>): Promise<BoardSummaryView[]> {
    return this.boards.list(orgId, query);
  }

  @Post()
  @RequirePermission('boards.write')
  @ApiCreatedResponse({ standardSchema: boardView })
  create(@Param('orgId', orgParam) orgId: string, @CurrentAccess() access: OrganizationAccess, @Body({ schema: createBoardRequest }) body: z.infer<typeof createBoardRequest>): Promise<BoardView> {
    return this.boards.create(orgId, access.userId, body);
  }

  @Get(':boardId')
  @RequirePermission('boards.read')
  @ApiOkResponse({ standardSchema: boardView })
  get(@Param('orgId', orgParam) orgId: string, @Param('boardId', idParam) boardId: string): Promise<BoardView> {
    return this.boards.get(orgId, boardId);
  }

  @Patch(':boardId')
  @RequirePermission('boards.write')
  @ApiOkResponse({ standardSchema: boardView, description: 'Name, description, project, cover' })
  update(
    @Param('orgId', orgParam) orgId: string,
    @Param('boardId', idParam) boardId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: updateBoardRequest }) body: z.infer<typeof updateBoardRequest>,
  ): Promise<BoardView> {
    return this.boards.update(orgId, access.userId, boardId, body);
  }

  @Delete(':boardId')
  @RequirePermission('boards.write')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  delete(@Param('orgId', orgParam) orgId: string, @Param('boardId', idParam) boardId: string, @CurrentAccess() access: OrganizationAccess): Promise<void> {
    return this.boards.delete(orgId, access.userId, boardId);
  }

  @Post(':boardId/items')
  @RequirePermission('boards.write')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: boardView, description: 'Adds images at the end (ones already on the board stay where they are)' })
  addItems(
    @Param('orgId', orgParam) orgId: string,
    @Param('boardId', idParam) boardId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: addBoardItemsRequest }) body: z.infer<typeof addBoardItemsRequest>,
  ): Promise<BoardView> {
    return this.boards.addItems(orgId, access.userId, boardId, body.assetIds);
  }

  @Delete(':boardId/items/:assetId')
  @RequirePermission('boards.write')
  @ApiOkResponse({ standardSchema: boardView })
  removeItem(
    @Param('orgId', orgParam) orgId: string,
    @Param('boardId', idParam) boardId: string,
    @Param('assetId', idParam) assetId: string,
    @CurrentAccess() access: OrganizationAccess,
  ): Promise<BoardView> {
    return this.boards.removeItem(orgId, access.userId, boardId, assetId);
  }

  @Put(':boardId/order')
  @RequirePermission('boards.write')
  @ApiOkResponse({ standardSchema: boardView, description: 'The whole order: every image on the board, each once (409 order_mismatch otherwise)' })
  reorder(
    @Param('orgId', orgParam) orgId: string,
    @Param('boardId', idParam) boardId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: reorderBoardRequest }) body: z.infer<typeof reorderBoardRequest>,
  ): Promise<BoardView> {
    return this.boards.reorder(orgId, access.userId, boardId, body.assetIds);
  }

  @Put(':boardId/items/:assetId/status')
  @RequirePermission('reviews.approve')
  @ApiOkResponse({ standardSchema: boardView, description: "The image's review status on this board; its author is notified" })
  setStatus(
    @Param('orgId', orgParam) orgId: string,
    @Param('boardId', idParam) boardId: string,
    @Param('assetId', idParam) assetId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: setReviewStatusRequest }) body: z.infer<typeof setReviewStatusRequest>,
  ): Promise<BoardView> {
    return this.boards.setStatus(orgId, { kind: 'member', userId: access.userId }, boardId, assetId, body.status);
  }

  @Get(':boardId/links')
  @RequirePermission('boards.share')
  @ApiOkResponse({ standardSchema: z.array(reviewLinkView) })
  listLinks(@Param('orgId', orgParam) orgId: string, @Param('boardId', idParam) boardId: string): Promise<ReviewLinkView[]> {
    return this.links.list(orgId, boardId);
  }

  @Post(':boardId/links')
  @RequirePermission('boards.share')
  @ApiCreatedResponse({ standardSchema: createdReviewLinkView, description: 'The link (its token) is shown this once' })
  share(
    @Param('orgId', orgParam) orgId: string,
    @Param('boardId', idParam) boardId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: createReviewLinkRequest }) body: z.infer<typeof createReviewLinkRequest>,
  ): Promise<CreatedReviewLinkView> {
    return this.links.create(orgId, access.userId, boardId, body);
  }

  @Delete(':boardId/links/:linkId')
  @RequirePermission('boards.share')
  @ApiOkResponse({ standardSchema: reviewLinkView, description: 'Revoked: every guest of the link loses access at once' })
  revoke(
    @Param('orgId', orgParam) orgId: string,
    @Param('boardId', idParam) boardId: string,
    @Param('linkId', idParam) linkId: string,
    @CurrentAccess() access: OrganizationAccess,
  ): Promise<ReviewLinkView> {
    return this.links.revoke(orgId, access.userId, boardId, linkId);
  }
}

@ApiTags('comments')
@Controller('orgs/:orgId')
export class CommentsController {
  constructor(@Inject(CommentsService) private readonly comments: CommentsService) {}

  @Get('assets/:assetId/comments')
  @RequirePermission('boards.read')
  @ApiOkResponse({ standardSchema: z.array(commentView), description: "The image's comments, oldest first (threads: parentId)" })
  list(@Param('orgId', orgParam) orgId: string, @Param('assetId', idParam) assetId: string): Promise<CommentView[]> {
    return this.comments.list(orgId, assetId);
  }

  @Post('assets/:assetId/comments')
  @RequirePermission('comments.write')
  @ApiCreatedResponse({ standardSchema: commentView, description: 'Mentioned members are notified' })
  create(
    @Param('orgId', orgParam) orgId: string,
    @Param('assetId', idParam) assetId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: createCommentRequest }) body: z.infer<typeof createCommentRequest>,
  ): Promise<CommentView> {
    return this.comments.create(orgId, assetId, { kind: 'member', userId: access.userId }, body);
  }

  @Patch('comments/:commentId')
  @RequirePermission('comments.write')
  @ApiOkResponse({ standardSchema: commentView, description: 'Its author only (403 not_comment_author)' })
  edit(
    @Param('orgId', orgParam) orgId: string,
    @Param('commentId', idParam) commentId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: updateCommentRequest }) body: z.infer<typeof updateCommentRequest>,
  ): Promise<CommentView> {
    return this.comments.edit(orgId, { userId: access.userId }, commentId, body.body, body.mentions ?? []);
  }

  @Delete('comments/:commentId')
  @RequirePermission('comments.write')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Its author only (403 not_comment_author)' })
  delete(@Param('orgId', orgParam) orgId: string, @Param('commentId', idParam) commentId: string, @CurrentAccess() access: OrganizationAccess): Promise<void> {
    return this.comments.delete(orgId, { userId: access.userId }, commentId);
  }

  @Put('comments/:commentId/resolved')
  @RequirePermission('comments.write')
  @ApiOkResponse({ standardSchema: commentView, description: 'Resolve or reopen a thread' })
  resolve(
    @Param('orgId', orgParam) orgId: string,
    @Param('commentId', idParam) commentId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: resolveCommentRequest }) body: z.infer<typeof resolveCommentRequest>,
  ): Promise<CommentView> {
    return this.comments.setResolved(orgId, { kind: 'member', userId: access.userId }, commentId, body.resolved);
  }

  @Get('mentionable')
  @RequirePermission('comments.write')
  @ApiOkResponse({ standardSchema: z.array(mentionableView), description: 'Members one can @mention (id and name)' })
  mentionable(@Param('orgId', orgParam) orgId: string): Promise<MentionableView[]> {
    return this.comments.mentionable(orgId);
  }
}
