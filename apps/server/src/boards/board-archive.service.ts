import { Inject, Injectable } from '@nestjs/common';
import { ASSET_STORAGE } from '../repositories/tokens.js';
import { notFound } from '../orgs/organization.guard.js';
import { AuditService } from '../orgs/audit.service.js';
import type { AssetStorage } from '../storage/storage.js';
import { boardArchive, type ArchiveEntry } from './board-archive.js';
import { BoardsRepository } from './boards.repository.js';

const TITLE_LENGTH = 120;

/** "spring-picks" from "Spring picks!" (for the ZIP's file name). */
function slug(name: string): string {
  const cleaned = name.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase();
  return cleaned === '' ? 'board' : cleaned.slice(0, 60);
}

/** A board as a ZIP: its images in board order and a CSV manifest (file, title, status, cost, model, seed, settings, author, date). */
@Injectable()
export class BoardArchiveService {
  constructor(
    @Inject(BoardsRepository) private readonly boards: BoardsRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(ASSET_STORAGE) private readonly storage: AssetStorage,
  ) {}

  async archive(organizationId: string, userId: string, boardId: string): Promise<{ fileName: string; stream: NodeJS.ReadableStream }> {
    const board = await this.boards.find(organizationId, boardId);
    if (board === undefined) throw notFound('The board');
    const rows = await this.boards.archiveRows(boardId);
    const width = Math.max(2, String(rows.length).length);
    const entries: ArchiveEntry[] = rows.map((row, index) => ({
      fileName: `${String(index + 1).padStart(width, '0')}-${row.asset_id.slice(0, 8)}.png`,
      title: row.prompt.length > TITLE_LENGTH ? `${row.prompt.slice(0, TITLE_LENGTH - 1)}…` : row.prompt,
      status: row.review_status,
      costCredits: Number(row.price_credits),
      model: row.model_id,
      seed: Number(row.seed),
      settings: row.request,
      author: row.author_name,
      createdAt: row.created_at,
      read: () => this.storage.get(row.storage_key),
    }));
    await this.audit.record({ organizationId, actorId: userId, action: 'board.download', targetType: 'board', targetId: boardId, after: { images: rows.length } });
    return { fileName: `${slug(board.name)}.zip`, stream: boardArchive(entries) };
  }
}
