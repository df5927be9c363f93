import { Inject, Injectable } from '@nestjs/common';
import type { CommentPin } from '@atelier/contracts';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import type { ActorRef } from './boards.repository.js';

export interface CommentRow {
  id: string;
  organization_id: string;
  asset_id: string;
  board_id: string | null;
  parent_id: string | null;
  author_user_id: string | null;
  author_user_name: string | null;
  author_guest_id: string | null;
  author_guest_name: string | null;
  body: string;
  pin: CommentPin | null;
  mentions: string[];
  mention_names: { id: string; name: string }[];
  resolved_at: Date | null;
  resolved_by_user_id: string | null;
  resolved_by_user_name: string | null;
  resolved_by_guest_id: string | null;
  resolved_by_guest_name: string | null;
  edited_at: Date | null;
  deleted_at: Date | null;
  created_at: Date;
}

const COMMENT_SELECT = `
  select c.id, c.organization_id, c.asset_id, c.board_id, c.parent_id,
         c.author_user_id, au.name as author_user_name, c.author_guest_id, ag.name as author_guest_name,
         c.body, c.pin, c.mentions,
         coalesce((select json_agg(json_build_object('id', mu.id, 'name', mu.name) order by mu.name)
                     from users mu where mu.id::text = any(c.mentions)), '[]'::json) as mention_names,
         c.resolved_at, c.resolved_by_user_id, ru.name as resolved_by_user_name, c.resolved_by_guest_id, rg.name as resolved_by_guest_name,
         c.edited_at, c.deleted_at, c.created_at
    from comments c
    left join users au on au.id = c.author_user_id
    left join review_guests ag on ag.id = c.author_guest_id
    left join users ru on ru.id = c.resolved_by_user_id
    left join review_guests rg on rg.id = c.resolved_by_guest_id`;

export interface NewComment {
  organizationId: string;
  assetId: string;
  boardId: string | null;
  parentId: string | null;
  author: ActorRef;
  body: string;
  pin: CommentPin | null;
  mentions: readonly string[];
}

/** Comments on images: every SQL about them. */
@Injectable()
export class CommentsRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  /** An image's comments, oldest first; deleted ones only while they still have live replies. */
  async forAsset(assetId: string): Promise<CommentRow[]> {
    const result = await this.postgres.pool.query<CommentRow>(
      `${COMMENT_SELECT}
        where c.asset_id = $1
          and (c.deleted_at is null or exists (select 1 from comments r where r.parent_id = c.id and r.deleted_at is null))
        order by c.created_at, c.id
        limit 2000`,
      [assetId],
    );
    return result.rows;
  }

  async find(organizationId: string, commentId: string): Promise<CommentRow | undefined> {
    const result = await this.postgres.pool.query<CommentRow>(`${COMMENT_SELECT} where c.id = $1 and c.organization_id = $2`, [commentId, organizationId]);
    return result.rows[0];
  }

  async insert(comment: NewComment): Promise<string> {
    const result = await this.postgres.pool.query<{ id: string }>(
      `insert into comments (id, organization_id, asset_id, board_id, parent_id, author_user_id, author_guest_id, body, pin, mentions)
       values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::text[]) returning id`,
      [
        comment.organizationId,
        comment.assetId,
        comment.boardId,
        comment.parentId,
        'userId' in comment.author ? comment.author.userId : null,
        'guestId' in comment.author ? comment.author.guestId : null,
        comment.body,
        comment.pin === null ? null : JSON.stringify(comment.pin),
        [...comment.mentions],
      ],
    );
    const row = result.rows[0];
    if (row === undefined) throw new Error('comment insert returned nothing');
    return row.id;
  }

  async edit(commentId: string, body: string, mentions: readonly string[]): Promise<void> {
    await this.postgres.pool.query(`update comments set body = $2, mentions = $3::text[], edited_at = now() where id = $1`, [commentId, body, [...mentions]]);
  }

  async setResolved(commentId: string, resolved: boolean, actor: ActorRef): Promise<void> {
    await this.postgres.pool.query(
      `update comments set resolved_at = case when $2 then now() else null end,
              resolved_by_user_id = case when $2 then $3::uuid else null end,
              resolved_by_guest_id = case when $2 then $4::uuid else null end
        where id = $1`,
      [commentId, resolved, 'userId' in actor ? actor.userId : null, 'guestId' in actor ? actor.guestId : null],
    );
  }

  async markDeleted(commentId: string): Promise<void> {
    await this.postgres.pool.query(`update comments set deleted_at = now(), body = '', mentions = '{}' where id = $1`, [commentId]);
  }
}
