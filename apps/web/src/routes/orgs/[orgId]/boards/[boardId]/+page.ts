import { api, unwrap } from '#lib/api/client.js';
import { attempt, parentOrganization } from '#lib/load.js';
import type { PageLoad } from './$types';

// One board with its items; a comment on one of its images invalidates 'app:board' (the counts).
export const load: PageLoad = async ({ params, parent, depends }) => {
  depends('app:board');
  const organization = await parentOrganization(parent);
  if (!organization.ok) return { board: organization };
  const board = await attempt(unwrap(api.GET('/api/orgs/{orgId}/boards/{boardId}', { params: { path: { orgId: params.orgId, boardId: params.boardId } } })));
  return { board };
};
