import type { OrganizationView } from '@atelier/contracts';

/**
 * The organizations a person belongs to, shown in the session view. The orgs module provides it
 * (OrganizationsService), so auth depends on this port and never imports orgs: orgs depends on auth.
 */
export const USER_ORGANIZATIONS = Symbol('USER_ORGANIZATIONS');

export interface UserOrganizations {
  listFor(userId: string): Promise<OrganizationView[]>;
}
