import { Inject, Injectable } from '@nestjs/common';
import type { WorkspaceSnapshotView } from '@atelier/contracts';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import type { WorkspaceSnapshot } from './workspace-document.js';

interface SnapshotRow {
  id: string;
  workspace_id: string;
  name: string;
  document: WorkspaceSnapshot;
  created_by_id: string;
  created_by_name: string;
  created_at: Date;
}

/** The most snapshots one workspace lists (newest first). */
export const SNAPSHOT_LIST_LIMIT = 200;

function view(row: SnapshotRow): WorkspaceSnapshotView {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    createdBy: { id: row.created_by_id, name: row.created_by_name },
    createdAt: row.created_at.toISOString(),
    document: { prompt: row.document.prompt, negativePrompt: row.document.negativePrompt, settings: { ...row.document.settings }, mask: row.document.mask },
  };
}

/** Named snapshots of workspace documents: every SQL about them. */
@Injectable()
export class WorkspaceSnapshotsRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  async workspaceInOrganization(organizationId: string, workspaceId: string): Promise<boolean> {
    const result = await this.postgres.pool.query(`select 1 from workspaces where id = $1 and organization_id = $2`, [workspaceId, organizationId]);
    return result.rowCount === 1;
  }

  async insert(organizationId: string, workspaceId: string, userId: string, name: string, document: WorkspaceSnapshot): Promise<WorkspaceSnapshotView> {
    const result = await this.postgres.pool.query<SnapshotRow>(
      `with inserted as (
         insert into workspace_snapshots (id, organization_id, workspace_id, name, document, created_by_id)
         values (gen_random_uuid(), $1, $2, $3, $4::jsonb, $5)
         returning id, workspace_id, name, document, created_by_id, created_at
       )
       select i.*, u.name as created_by_name from inserted i join users u on u.id = i.created_by_id`,
      [organizationId, workspaceId, name, JSON.stringify(document), userId],
    );
    const row = result.rows[0];
    if (row === undefined) throw new Error('snapshot insert returned nothing');
    return view(row);
  }

  async list(workspaceId: string): Promise<WorkspaceSnapshotView[]> {
    const result = await this.postgres.pool.query<SnapshotRow>(
      `select s.id, s.workspace_id, s.name, s.document, s.created_by_id, u.name as created_by_name, s.created_at
         from workspace_snapshots s join users u on u.id = s.created_by_id
        where s.workspace_id = $1
        order by s.created_at desc, s.id
        limit $2`,
      [workspaceId, SNAPSHOT_LIST_LIMIT],
    );
    return result.rows.map(view);
  }
}
