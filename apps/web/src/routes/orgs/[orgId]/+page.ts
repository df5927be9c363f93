import { redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import type { PageLoad } from './$types';

// An organization opens on its workspaces.
export const load: PageLoad = async ({ params, parent }) => {
  await parent(); // signed in (or sent to sign in) first
  redirect(307, resolve('/orgs/[orgId]/workspaces', { orgId: params.orgId }));
};
