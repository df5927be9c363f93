import { Inject, Injectable } from '@nestjs/common';
import type { ReviewLinkMode } from '@atelier/contracts';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';

export interface ReviewLinkRow {
  id: string;
  organization_id: string;
  board_id: string;
  board_name: string;
  board_description: string;
  label: string;
  mode: ReviewLinkMode;
  allow_prompts: boolean;
  password_hash: string | null;
  expires_at: Date;
  revoked_at: Date | null;
  created_by_id: string;
  created_by_name: string;
  created_at: Date;
  last_used_at: Date | null;
}

const LINK_SELECT = `
  select l.id, l.organization_id, l.board_id, b.name as board_name, b.description as board_description, l.label, l.mode,
         l.allow_prompts, l.password_hash, l.expires_at, l.revoked_at, l.created_by_id, u.name as created_by_name, l.created_at, l.last_used_at
    from review_links l join boards b on b.id = l.board_id join users u on u.id = l.created_by_id`;

export interface NewReviewLink {
  organizationId: string;
  boardId: string;
  tokenHash: string;
  label: string;
  mode: ReviewLinkMode;
  allowPrompts: boolean;
  passwordHash: string | null;
  expiresAt: Date;
  createdBy: string;
}

/** Review links and their guests: every SQL about them. Tokens arrive here already hashed. */
@Injectable()
export class ReviewLinksRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  async create(link: NewReviewLink): Promise<string> {
    const result = await this.postgres.pool.query<{ id: string }>(
      `insert into review_links (id, organization_id, board_id, token_hash, label, mode, allow_prompts, password_hash, expires_at, created_by_id)
       values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
      [link.organizationId, link.boardId, link.tokenHash, link.label, link.mode, link.allowPrompts, link.passwordHash, link.expiresAt, link.createdBy],
    );
    const row = result.rows[0];
    if (row === undefined) throw new Error('review link insert returned nothing');
    return row.id;
  }

  async countForBoard(boardId: string): Promise<number> {
    const result = await this.postgres.pool.query<{ count: number }>(`select count(*)::int as count from review_links where board_id = $1`, [boardId]);
    return result.rows[0]?.count ?? 0;
  }

  async forBoard(boardId: string): Promise<ReviewLinkRow[]> {
    const result = await this.postgres.pool.query<ReviewLinkRow>(`${LINK_SELECT} where l.board_id = $1 order by l.created_at desc, l.id`, [boardId]);
    return result.rows;
  }

  async find(boardId: string, linkId: string): Promise<ReviewLinkRow | undefined> {
    const result = await this.postgres.pool.query<ReviewLinkRow>(`${LINK_SELECT} where l.id = $1 and l.board_id = $2`, [linkId, boardId]);
    return result.rows[0];
  }

  async byTokenHash(tokenHash: string): Promise<ReviewLinkRow | undefined> {
    const result = await this.postgres.pool.query<ReviewLinkRow>(`${LINK_SELECT} where l.token_hash = $1`, [tokenHash]);
    return result.rows[0];
  }

  async revoke(linkId: string): Promise<void> {
    await this.postgres.pool.query(`update review_links set revoked_at = coalesce(revoked_at, now()) where id = $1`, [linkId]);
  }

  async touch(linkId: string): Promise<void> {
    await this.postgres.pool.query(`update review_links set last_used_at = now() where id = $1`, [linkId]);
  }

  async createGuest(linkId: string, name: string, tokenHash: string): Promise<string> {
    const result = await this.postgres.pool.query<{ id: string }>(
      `insert into review_guests (id, link_id, name, token_hash) values (gen_random_uuid(), $1, $2, $3) returning id`,
      [linkId, name, tokenHash],
    );
    const row = result.rows[0];
    if (row === undefined) throw new Error('review guest insert returned nothing');
    return row.id;
  }

  async guest(linkId: string, tokenHash: string): Promise<{ id: string; name: string } | undefined> {
    const result = await this.postgres.pool.query<{ id: string; name: string }>(`select id, name from review_guests where link_id = $1 and token_hash = $2`, [linkId, tokenHash]);
    return result.rows[0];
  }
}
