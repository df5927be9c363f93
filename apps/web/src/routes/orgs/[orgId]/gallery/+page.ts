import { can } from '@atelier/contracts';
import { api, unwrap } from '#lib/api/client.js';
import { filtersFromSearch, galleryQuery } from '#lib/gallery/gallery-filters.js';
import { galleryPageSize } from '#lib/gallery/gallery-list.js';
import { attempt, parentOrganization } from '#lib/load.js';
import type { PageLoad } from './$types';

// The first page of images for the filters in the URL (a filter change is a navigation), and the
// names the filters and the dialog show. New images (a finished job) invalidate 'app:gallery'.
export const load: PageLoad = async ({ params, url, parent, depends }) => {
  depends('app:gallery');
  const organization = await parentOrganization(parent);
  if (!organization.ok) return { first: organization, projects: [], workspaces: [], authors: [] };
  const orgId = params.orgId;
  const path = { orgId };
  const filters = filtersFromSearch(url.searchParams);
  const [first, projects, workspaces, members] = await Promise.all([
    attempt(unwrap(api.GET('/api/orgs/{orgId}/assets', { params: { path, query: galleryQuery(filters, null, galleryPageSize) } }))),
    unwrap(api.GET('/api/orgs/{orgId}/projects', { params: { path } })).catch(() => []),
    unwrap(api.GET('/api/orgs/{orgId}/workspaces', { params: { path } })).catch(() => []),
    can(organization.value.role, 'members.read') ? unwrap(api.GET('/api/orgs/{orgId}/members', { params: { path } })).catch(() => []) : [],
  ]);
  const authors = members.map((member) => ({ value: member.userId, label: member.name })).sort((a, b) => a.label.localeCompare(b.label));
  return { first, projects, workspaces, authors };
};
