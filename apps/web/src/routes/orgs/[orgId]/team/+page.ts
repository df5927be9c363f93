import { can } from '@atelier/contracts';
import { api, unwrap } from '#lib/api/client.js';
import { attempt, parentOrganization } from '#lib/load.js';
import type { PageLoad } from './$types';

// The team (managers and owners): members, invitations and projects, read together.
export const load: PageLoad = async ({ params, parent, depends }) => {
  depends('app:team');
  const organization = await parentOrganization(parent);
  if (!organization.ok) return { team: organization };
  const { role } = organization.value;
  if (!can(role, 'members.read')) return { team: undefined };
  const path = { orgId: params.orgId };
  const team = await attempt(async () => {
    const [members, invitations, projects] = await Promise.all([
      unwrap(api.GET('/api/orgs/{orgId}/members', { params: { path } })),
      can(role, 'invitations.manage') ? unwrap(api.GET('/api/orgs/{orgId}/invitations', { params: { path } })) : [],
      unwrap(api.GET('/api/orgs/{orgId}/projects', { params: { path } })),
    ]);
    return {
      members: members.sort((a, b) => a.name.localeCompare(b.name)),
      invitations,
      projects: projects.sort((a, b) => a.name.localeCompare(b.name)),
    };
  });
  return { team };
};
