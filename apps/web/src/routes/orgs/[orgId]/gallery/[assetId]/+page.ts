import { api, unwrap } from '#lib/api/client.js';
import { attempt, parentOrganization } from '#lib/load.js';
import type { PageLoad } from './$types';

// One image: its details (then its project's name) and, beside them, the workspaces to open it in.
export const load: PageLoad = async ({ params, parent, depends }) => {
  depends('app:asset');
  const organization = await parentOrganization(parent);
  if (!organization.ok) return { asset: organization, workspaces: [] };
  const { orgId, assetId } = params;
  const [asset, workspaces] = await Promise.all([
    attempt(async () => {
      const detail = await unwrap(api.GET('/api/orgs/{orgId}/assets/{assetId}', { params: { path: { orgId, assetId } } }));
      const projectId = detail.asset.projectId;
      const project = projectId === null
        ? undefined
        : await unwrap(api.GET('/api/orgs/{orgId}/projects/{projectId}', { params: { path: { orgId, projectId } } })).catch(() => undefined);
      return { detail, project };
    }),
    unwrap(api.GET('/api/orgs/{orgId}/workspaces', { params: { path: { orgId } } })).catch(() => []),
  ]);
  return { asset, workspaces };
};
