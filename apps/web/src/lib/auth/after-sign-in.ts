import type { SessionView } from '@atelier/contracts';

/** Where to go once signed in: a safe same-site `next`, else the last organization, else the org picker. */
export function destinationAfterSignIn(view: SessionView, next: string | null): string {
  if (next !== null && next.startsWith('/') && !next.startsWith('//')) return next;
  const last = view.user.lastOrganizationId;
  const organization = view.organizations.find((candidate) => candidate.id === last) ?? view.organizations[0];
  return organization === undefined ? '/orgs' : `/orgs/${organization.id}/workspaces`;
}
