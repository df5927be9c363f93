import { api, unwrap } from '#lib/api/client.js';
import { attempt, parentOrganization } from '#lib/load.js';
import type { PageLoad } from './$types';

// Projects and their workspaces.
export const load: PageLoad = async ({ params, parent, depends }) => {
  depends('app:workspaces');
  const organization = await parentOrganization(parent);
  if (!organization.ok) return { lists: organization };
  const path = { orgId: params.orgId };
  const lists = await attempt(async () => {
    const [projects, workspaces] = await Promise.all([
      unwrap(api.GET('/api/orgs/{orgId}/projects', { params: { path } })),
      unwrap(api.GET('/api/orgs/{orgId}/workspaces', { params: { path, query: {} } })),
    ]);
    return { projects, workspaces };
  });
  return { lists };
};
