import { resolve } from '$app/paths';
import type { ResolvedPathname } from '$app/types';
import type { SessionView } from '@atelier/contracts';

/** Where to go once signed in: a safe same-site `next`, else the last organization, else the org picker. */
export function destinationAfterSignIn(view: SessionView, next: string | null): ResolvedPathname {
  // `next` is a page's own path (`location.pathname` + search, see requireSession): it has the base path already.
  if (next !== null && next.startsWith('/') && !next.startsWith('//')) return next as ResolvedPathname;
  const last = view.user.lastOrganizationId;
  const organization = view.organizations.find((candidate) => candidate.id === last) ?? view.organizations[0];
  return organization === undefined ? resolve('/orgs') : resolve('/orgs/[orgId]/workspaces', { orgId: organization.id });
}
