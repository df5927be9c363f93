import { can, type MemberView, type OrganizationView, type Permission } from '@atelier/contracts';
import { getContext, setContext } from 'svelte';
import { api, unwrap } from './api/client.js';
import { OrgRealtime } from './realtime/org-realtime.svelte.js';

/**
 * Everything a page under /orgs/[orgId] needs about the current organization: the org, my
 * membership (role, budget settings, allowed models) and the live store. The org layout creates
 * it; pages read it with `useOrg()`.
 */
export class OrgState {
  organization = $state<OrganizationView>() as OrganizationView;
  me = $state<MemberView | undefined>();
  readonly realtime: OrgRealtime;

  constructor(organization: OrganizationView) {
    this.organization = organization;
    this.realtime = new OrgRealtime(organization.id);
  }

  get id(): string {
    return this.organization.id;
  }

  /** Whether my role allows this (the server checks again; this only hides what would be refused). */
  can(permission: Permission): boolean {
    return can(this.organization.role, permission);
  }

  async refreshMe(): Promise<MemberView> {
    const me = await unwrap(api.GET('/api/orgs/{orgId}/me', { params: { path: { orgId: this.id } } }));
    this.me = me;
    return me;
  }

  /** Models I may use: null when every model is allowed. */
  get allowedModels(): readonly string[] | null {
    // A manager's change pushed over the socket wins over what was loaded with the page.
    if (this.realtime.allowedModels !== undefined) return this.realtime.allowedModels;
    return this.me?.allowedModels ?? null;
  }
}

const key = Symbol('org');

export function provideOrg(state: OrgState): void {
  setContext(key, state);
}

/** The current organization's state, inside /orgs/[orgId]/**. */
export function useOrg(): OrgState {
  const state = getContext<OrgState | undefined>(key);
  if (state === undefined) throw new Error('useOrg() is only available under /orgs/[orgId]');
  return state;
}
