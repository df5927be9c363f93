import { goto } from '$app/navigation';
import { resolve } from '$app/paths';
import type { AssetView, WorkspaceView } from '@atelier/contracts';
import { api, unwrap } from '../api/client.js';
import { galleryActionLabels, handoffSearch, type GalleryAction } from './handoff.js';

/** Where a gallery action goes: a new workspace (the default), or an existing one by id. */
export type HandoffTarget = { kind: 'new'; projectId: string } | { kind: 'existing'; workspaceId: string };

/**
 * Opens a workspace on an image for an action. A new one is made in the image's project, so
 * taking an image never overwrites what teammates have in theirs; an existing one asks first.
 */
export async function openInWorkspace(orgId: string, asset: Pick<AssetView, 'id' | 'prompt'>, action: GalleryAction, target: HandoffTarget): Promise<void> {
  let workspaceId: string;
  if (target.kind === 'existing') workspaceId = target.workspaceId;
  else {
    const name = `${galleryActionLabels[action]}: ${asset.prompt}`.slice(0, 80);
    const created: WorkspaceView = await unwrap(api.POST('/api/orgs/{orgId}/workspaces', { params: { path: { orgId } }, body: { name, projectId: target.projectId } }));
    workspaceId = created.id;
  }
  await goto(resolve(`/orgs/[orgId]/workspaces/[workspaceId]?${handoffSearch({ assetId: asset.id, action })}`, { orgId, workspaceId }));
}
