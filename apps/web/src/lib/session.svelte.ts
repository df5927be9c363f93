import type { OrganizationView, SessionView, UserView } from '@atelier/contracts';
import { api, setCsrfToken, unwrap } from './api/client.js';
import { ApiFailure } from './api/errors.js';

/**
 * The signed-in person and their organizations, for the whole app. `load()` asks the server once;
 * sign-in, sign-up and invitation acceptance call `adopt` with what the server returned.
 */
class Session {
  user = $state<UserView | undefined>();
  organizations = $state<OrganizationView[]>([]);
  /** False until the first answer about the session (signed in or not). */
  known = $state(false);
  private loading: Promise<boolean> | undefined;

  get signedIn(): boolean {
    return this.user !== undefined;
  }

  /** Resolves true when signed in. Network errors propagate (the caller shows them). */
  load(force = false): Promise<boolean> {
    if (this.loading === undefined || force) {
      this.loading = this.fetchSession().catch((error: unknown) => {
        this.loading = undefined;
        throw error;
      });
    }
    return this.loading;
  }

  adopt(view: SessionView): void {
    setCsrfToken(view.csrfToken);
    this.user = view.user;
    this.organizations = view.organizations;
    this.known = true;
    this.loading = Promise.resolve(true);
  }

  organization(id: string): OrganizationView | undefined {
    return this.organizations.find((organization) => organization.id === id);
  }

  upsertOrganization(organization: OrganizationView): void {
    const others = this.organizations.filter((candidate) => candidate.id !== organization.id);
    this.organizations = [...others, organization].sort((a, b) => a.name.localeCompare(b.name));
  }

  async signOut(): Promise<void> {
    await unwrap(api.POST('/api/auth/sign-out'));
    this.clear();
  }

  clear(): void {
    setCsrfToken(undefined);
    this.user = undefined;
    this.organizations = [];
    this.known = true;
    this.loading = Promise.resolve(false);
  }

  private async fetchSession(): Promise<boolean> {
    try {
      this.adopt(await unwrap(api.GET('/api/auth/session')));
      return true;
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 401) {
        this.clear();
        return false;
      }
      throw error;
    }
  }
}

export const session = new Session();
