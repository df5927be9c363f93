// Every page of an organization: checks the session (signed out: to sign-in and back here after),
// then loads the organization. Pages read it with `await parent()`; Retry invalidates 'app:org'.
import { redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { api, unwrap } from '#lib/api/client.js';
import { attempt } from '#lib/load.js';
import { session } from '#lib/session.svelte.js';
import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ params, url, depends, untrack }) => {
  depends('app:org');
  const orgId = params.orgId;
  const signedIn = await attempt(session.load());
  if (signedIn.ok && !signedIn.value) {
    // Read without tracking: the layout must not load again on every navigation inside the org.
    const here = untrack(() => url.pathname + url.search);
    redirect(307, resolve(`/sign-in?next=${encodeURIComponent(here)}`));
  }
  const organization = signedIn.ok
    ? await attempt(async () => session.organization(orgId) ?? (await unwrap(api.GET('/api/orgs/{orgId}', { params: { path: { orgId } } }))))
    : signedIn;
  // Remember it as the last organization (where sign-in lands next time); not worth an error.
  if (organization.ok) void api.PUT('/api/orgs/{orgId}/current', { params: { path: { orgId } } }).catch(() => undefined);
  return { organization };
};
