import { Inject, Injectable } from '@nestjs/common';
import type { ReviewStatus } from '@atelier/contracts';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';

export interface BoardRow {
  id: string;
  organization_id: string;
  project_id: string | null;
  name: string;
  description: string;
  cover_asset_id: string | null;
  created_by_id: string;
  created_by_name: string;
  created_at: Date;
  updated_at: Date;
  item_count: number;
  approved_count: number;
  changes_requested_count: number;
  first_asset_id: string | null;
}

export interface BoardItemRow {
  asset_id: string;
  position: number;
  width: number;
  height: number;
  prompt: string;
  author_id: string;
  author_name: string;
  added_at: Date;
  review_status: ReviewStatus;
  reviewed_by_user_id: string | null;
  reviewed_by_user_name: string | null;
  reviewed_by_guest_id: string | null;
  reviewed_by_guest_name: string | null;
  reviewed_at: Date | null;
  comments_total: number;
  comments_open: number;
}

export interface ArchiveRow {
  asset_id: string;
  position: number;
  review_status: ReviewStatus;
  prompt: string;
  price_credits: string;
  model_id: string;
  seed: string;
  request: Record<string, unknown>;
  author_name: string;
  created_at: Date;
  storage_key: string;
}

/** Who set a status or wrote a comment: a member, or a review link's guest. */
export type ActorRef = { userId: string } | { guestId: string };

const BOARD_SELECT = `
  select b.id, b.organization_id, b.project_id, b.name, b.description, b.cover_asset_id, b.created_by_id,
         u.name as created_by_name, b.created_at, b.updated_at,
         (select count(*)::int from board_items i where i.board_id = b.id) as item_count,
         (select count(*)::int from board_items i where i.board_id = b.id and i.review_status = 'approved') as approved_count,
         (select count(*)::int from board_items i where i.board_id = b.id and i.review_status = 'changes_requested') as changes_requested_count,
         (select i.asset_id from board_items i where i.board_id = b.id order by i.position, i.added_at limit 1) as first_asset_id
    from boards b join users u on u.id = b.created_by_id`;

/** Boards and the images on them: every SQL of the boards feature about boards and items. */
@Injectable()
export class BoardsRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  async list(organizationId: string, filter: { projectId?: string; assetId?: string }): Promise<BoardRow[]> {
    const result = await this.postgres.pool.query<BoardRow>(
      `${BOARD_SELECT}
        where b.organization_id = $1
          and ($2::uuid is null or b.project_id = $2)
          and ($3::uuid is null or exists (select 1 from board_items i where i.board_id = b.id and i.asset_id = $3))
        order by b.updated_at desc, b.id
        limit 500`,
      [organizationId, filter.projectId ?? null, filter.assetId ?? null],
    );
    return result.rows;
  }

  async find(organizationId: string, boardId: string): Promise<BoardRow | undefined> {
    const result = await this.postgres.pool.query<BoardRow>(`${BOARD_SELECT} where b.id = $1 and b.organization_id = $2`, [boardId, organizationId]);
    return result.rows[0];
  }

  async items(boardId: string): Promise<BoardItemRow[]> {
    const result = await this.postgres.pool.query<BoardItemRow>(
      `select i.asset_id, i.position, a.width, a.height, a.prompt, a.author_id, au.name as author_name, i.added_at,
              i.review_status, i.reviewed_by_user_id, ru.name as reviewed_by_user_name,
              i.reviewed_by_guest_id, rg.name as reviewed_by_guest_name, i.reviewed_at,
              (select count(*)::int from comments c where c.asset_id = i.asset_id and c.deleted_at is null) as comments_total,
              (select count(*)::int from comments c where c.asset_id = i.asset_id and c.deleted_at is null and c.parent_id is null and c.resolved_at is null) as comments_open
         from board_items i
         join assets a on a.id = i.asset_id
         join users au on au.id = a.author_id
         left join users ru on ru.id = i.reviewed_by_user_id
         left join review_guests rg on rg.id = i.reviewed_by_guest_id
        where i.board_id = $1
        order by i.position, i.added_at`,
      [boardId],
    );
    return result.rows;
  }

  async create(organizationId: string, userId: string, board: { name: string; description: string; projectId: string | null }): Promise<string> {
    const result = await this.postgres.pool.query<{ id: string }>(
      `insert into boards (id, organization_id, project_id, name, description, created_by_id)
       values (gen_random_uuid(), $1, $2, $3, $4, $5) returning id`,
      [organizationId, board.projectId, board.name, board.description, userId],
    );
    const row = result.rows[0];
    if (row === undefined) throw new Error('board insert returned nothing');
    return row.id;
  }

  /** Sets the given fields (undefined: unchanged); false when the board is not in the org. */
  async update(
    organizationId: string,
    boardId: string,
    change: { name?: string; description?: string; projectId?: string | null; coverAssetId?: string | null },
  ): Promise<boolean> {
    const result = await this.postgres.pool.query(
      `update boards set
         name = coalesce($3, name),
         description = coalesce($4, description),
         project_id = case when $5 then $6::uuid else project_id end,
         cover_asset_id = case when $7 then $8::uuid else cover_asset_id end,
         updated_at = now()
       where id = $1 and organization_id = $2`,
      [
        boardId,
        organizationId,
        change.name ?? null,
        change.description ?? null,
        change.projectId !== undefined,
        change.projectId ?? null,
        change.coverAssetId !== undefined,
        change.coverAssetId ?? null,
      ],
    );
    return result.rowCount === 1;
  }

  async touch(boardId: string): Promise<void> {
    await this.postgres.pool.query(`update boards set updated_at = now() where id = $1`, [boardId]);
  }

  async delete(organizationId: string, boardId: string): Promise<boolean> {
    const result = await this.postgres.pool.query(`delete from boards where id = $1 and organization_id = $2`, [boardId, organizationId]);
    return result.rowCount === 1;
  }

  /** The ids among `assetIds` that are images of this org. */
  async assetsInOrganization(organizationId: string, assetIds: readonly string[]): Promise<string[]> {
    const result = await this.postgres.pool.query<{ id: string }>(`select id from assets where organization_id = $1 and id = any($2::uuid[])`, [organizationId, [...assetIds]]);
    return result.rows.map((row) => row.id);
  }

  async asset(organizationId: string, assetId: string): Promise<{ id: string; author_id: string; prompt: string; storage_key: string } | undefined> {
    const result = await this.postgres.pool.query<{ id: string; author_id: string; prompt: string; storage_key: string }>(
      `select id, author_id, prompt, storage_key from assets where id = $1 and organization_id = $2`,
      [assetId, organizationId],
    );
    return result.rows[0];
  }

  async projectInOrganization(organizationId: string, projectId: string): Promise<boolean> {
    const result = await this.postgres.pool.query(`select 1 from projects where id = $1 and organization_id = $2`, [projectId, organizationId]);
    return result.rowCount === 1;
  }

  /** Appends the images not yet on the board, in the order given; returns how many were added. */
  async addItems(boardId: string, assetIds: readonly string[], userId: string): Promise<number> {
    return this.postgres.transaction(async (client) => {
      await client.query(`select 1 from boards where id = $1 for update`, [boardId]);
      const result = await client.query(
        `insert into board_items (board_id, asset_id, position, added_by_id)
         select $1, ids.id, (select coalesce(max(position), -1) from board_items where board_id = $1) + ids.n::int, $3
           from unnest($2::uuid[]) with ordinality as ids(id, n)
         on conflict (board_id, asset_id) do nothing`,
        [boardId, [...assetIds], userId],
      );
      await client.query(`update boards set updated_at = now() where id = $1`, [boardId]);
      return result.rowCount ?? 0;
    });
  }

  async removeItem(boardId: string, assetId: string): Promise<boolean> {
    return this.postgres.transaction(async (client) => {
      const result = await client.query(`delete from board_items where board_id = $1 and asset_id = $2`, [boardId, assetId]);
      if (result.rowCount !== 1) return false;
      await client.query(`update boards set updated_at = now(), cover_asset_id = case when cover_asset_id = $2 then null else cover_asset_id end where id = $1`, [boardId, assetId]);
      return true;
    });
  }

  /**
   * Puts the board's images in this order, when `assetIds` is exactly the images on it (else
   * returns the ids it holds now, so the caller can say what differs).
   */
  async reorder(boardId: string, assetIds: readonly string[]): Promise<{ ok: true } | { ok: false; current: string[] }> {
    return this.postgres.transaction(async (client) => {
      await client.query(`select 1 from boards where id = $1 for update`, [boardId]);
      const current = await client.query<{ asset_id: string }>(`select asset_id from board_items where board_id = $1`, [boardId]);
      const held = new Set(current.rows.map((row) => row.asset_id));
      if (held.size !== assetIds.length || assetIds.some((id) => !held.has(id))) return { ok: false, current: [...held] };
      await client.query(
        `update board_items i set position = ids.n::int - 1 from unnest($2::uuid[]) with ordinality as ids(id, n)
          where i.board_id = $1 and i.asset_id = ids.id`,
        [boardId, [...assetIds]],
      );
      await client.query(`update boards set updated_at = now() where id = $1`, [boardId]);
      return { ok: true };
    });
  }

  /** Sets an image's review status on a board; false when the image is not on it. */
  async setStatus(boardId: string, assetId: string, status: ReviewStatus, actor: ActorRef): Promise<boolean> {
    const result = await this.postgres.pool.query(
      `update board_items set review_status = $3, reviewed_by_user_id = $4, reviewed_by_guest_id = $5, reviewed_at = now()
        where board_id = $1 and asset_id = $2`,
      [boardId, assetId, status, 'userId' in actor ? actor.userId : null, 'guestId' in actor ? actor.guestId : null],
    );
    if (result.rowCount === 1) await this.touch(boardId);
    return result.rowCount === 1;
  }

  /** What a board's download needs of each image, in board order. */
  async archiveRows(boardId: string): Promise<ArchiveRow[]> {
    const result = await this.postgres.pool.query<ArchiveRow>(
      `select i.asset_id, i.position, i.review_status, a.prompt, a.price_credits::text as price_credits, a.model_id, a.seed::text as seed,
              j.request, u.name as author_name, a.created_at, a.storage_key
         from board_items i
         join assets a on a.id = i.asset_id
         join jobs j on j.id = a.job_id
         join users u on u.id = a.author_id
        where i.board_id = $1
        order by i.position, i.added_at`,
      [boardId],
    );
    return result.rows;
  }

  async isOnBoard(boardId: string, assetId: string): Promise<boolean> {
    const result = await this.postgres.pool.query(`select 1 from board_items where board_id = $1 and asset_id = $2`, [boardId, assetId]);
    return result.rowCount === 1;
  }

  /** Members of the org among `userIds`, with their names. */
  async members(organizationId: string, userIds: readonly string[]): Promise<{ id: string; name: string }[]> {
    const result = await this.postgres.pool.query<{ id: string; name: string }>(
      `select u.id, u.name from memberships m join users u on u.id = m.user_id where m.organization_id = $1 and m.user_id = any($2::uuid[])`,
      [organizationId, [...userIds]],
    );
    return result.rows;
  }

  async everyMember(organizationId: string): Promise<{ id: string; name: string }[]> {
    const result = await this.postgres.pool.query<{ id: string; name: string }>(
      `select u.id, u.name from memberships m join users u on u.id = m.user_id where m.organization_id = $1 order by u.name, u.id limit 1000`,
      [organizationId],
    );
    return result.rows;
  }
}
