import { Inject, Injectable } from '@nestjs/common';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { Y } from './hocuspocus-runtime.js';

/**
 * The stored Yjs state of workspace documents (table `collab_documents`, state as bytea).
 *
 * Storing MERGES with what is already stored (under a row lock) instead of overwriting, so two
 * nodes storing concurrently, or a node that somehow holds an incomplete document, can never
 * erase edits that were stored before: Yjs updates merge as a union.
 */
@Injectable()
export class CollabDocumentRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  /** The stored state, or null when the workspace has never been edited. Throws if the database fails. */
  async load(workspaceId: string): Promise<Uint8Array | null> {
    const result = await this.postgres.pool.query<{ state: Buffer }>('select state from collab_documents where workspace_id = $1', [workspaceId]);
    const row = result.rows[0];
    return row === undefined ? null : new Uint8Array(row.state);
  }

  async store(workspaceId: string, state: Uint8Array): Promise<void> {
    await this.postgres.transaction(async (client) => {
      const existing = await client.query<{ state: Buffer }>('select state from collab_documents where workspace_id = $1 for update', [workspaceId]);
      const stored = existing.rows[0];
      const merged = stored === undefined ? state : Y.mergeUpdates([new Uint8Array(stored.state), state]);
      await client.query(
        `insert into collab_documents (workspace_id, state, bytes, updated_at) values ($1, $2, $3, now())
         on conflict (workspace_id) do update set state = excluded.state, bytes = excluded.bytes, updated_at = now()`,
        [workspaceId, Buffer.from(merged), merged.byteLength],
      );
    });
  }
}
