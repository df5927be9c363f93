import { parseCatalog } from '@atelier/pricing';
import { api, unwrap } from '#lib/api/client.js';
import { attempt, parentOrganization } from '#lib/load.js';
import type { PageLoad } from './$types';

// The workspace, its project and the prices the cost line uses. The view's code (Yjs, the collab
// provider, CodeMirror, the mask canvas) is a chunk of its own, fetched beside the data, so the
// route's first load stays small.
export const load: PageLoad = async ({ params, parent, depends }) => {
  depends('app:workspace');
  const viewCode = import('#lib/workspace/WorkspaceView.svelte');
  const organization = await parentOrganization(parent);
  if (!organization.ok) {
    viewCode.catch(() => undefined);
    return { opened: organization };
  }
  const { orgId, workspaceId } = params;
  const opened = await attempt(async () => {
    try {
      const workspace = await unwrap(api.GET('/api/orgs/{orgId}/workspaces/{workspaceId}', { params: { path: { orgId, workspaceId } } }));
      // The catalog the server prices this org with, and what its tier allows: the cost line uses them.
      const [project, context, view] = await Promise.all([
        unwrap(api.GET('/api/orgs/{orgId}/projects/{projectId}', { params: { path: { orgId, projectId: workspace.projectId } } })),
        unwrap(api.GET('/api/orgs/{orgId}/pricing', { params: { path: { orgId } } })),
        viewCode,
      ]);
      const parsed = parseCatalog(context.catalog);
      if (!parsed.ok) throw new Error(`The price list could not be read (${parsed.issues[0]?.path ?? 'catalog'}). Reload the page.`);
      return { workspace, project, pricing: { catalog: parsed.catalog, tier: context.tier }, DocumentView: view.default };
    } catch (error) {
      viewCode.catch(() => undefined); // its failure (if any) is not this one
      throw error;
    }
  });
  return { opened };
};
