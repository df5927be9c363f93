import { api, unwrap } from '#lib/api/client.js';
import { attempt, parentOrganization } from '#lib/load.js';
import type { PageLoad } from './$types';

// The org's boards and its projects (a new board may belong to one).
export const load: PageLoad = async ({ params, parent, depends }) => {
  depends('app:boards');
  const organization = await parentOrganization(parent);
  if (!organization.ok) return { boards: organization };
  const path = { orgId: params.orgId };
  const boards = await attempt(async () => {
    const [list, projects] = await Promise.all([
      unwrap(api.GET('/api/orgs/{orgId}/boards', { params: { path } })),
      unwrap(api.GET('/api/orgs/{orgId}/projects', { params: { path } })),
    ]);
    return { boards: list, projects };
  });
  return { boards };
};
