import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../orgs/organizations.module.js';
import { AssetVersionsController } from './asset-versions.controller.js';
import { AssetVersionsRepository } from './asset-versions.repository.js';
import { AssetVersionsService } from './asset-versions.service.js';
import { BoardArchiveService } from './board-archive.service.js';
import { BoardsController, CommentsController } from './boards.controller.js';
import { BoardsRepository } from './boards.repository.js';
import { BoardsService } from './boards.service.js';
import { CommentsRepository } from './comments.repository.js';
import { CommentsService } from './comments.service.js';
import { ReviewController } from './review.controller.js';
import { ReviewLinksRepository } from './review-links.repository.js';
import { ReviewLinksService } from './review-links.service.js';
import { ReviewService } from './review.service.js';

/**
 * Client deliverables: boards (hand-ordered collections of images with a cover), comments on
 * images, review status per image on a board, client review links for guests, and an image's
 * versions (its lineage).
 * Notifications go through AlertsService (global).
 */
@Module({
  imports: [OrganizationsModule],
  controllers: [BoardsController, CommentsController, ReviewController, AssetVersionsController],
  providers: [AssetVersionsRepository, AssetVersionsService, BoardArchiveService, BoardsRepository, CommentsRepository, ReviewLinksRepository, BoardsService, CommentsService, ReviewLinksService, ReviewService],
  exports: [ReviewService],
})
export class BoardsModule {}
