import type { OrganizationView } from '@atelier/contracts';

/**
 * What a `load` read, or why it could not: pages show the error with a Retry (an `invalidate` of
 * the page's dependency key) instead of SvelteKit's error page, inside the org's shell.
 */
export type Loaded<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Awaits `work`, turning a failure into `{ ok: false, error }`. */
export async function attempt<T>(work: Promise<T> | (() => Promise<T>)): Promise<Loaded<T>> {
  try {
    return { ok: true, value: await (typeof work === 'function' ? work() : work) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * The organization the org layout loaded (`await parent()`). When that failed the layout shows
 * the error instead of the page, so a page's load returns the same failure without reading more.
 */
export async function parentOrganization(parent: () => Promise<{ organization: Loaded<OrganizationView> }>): Promise<Loaded<OrganizationView>> {
  return (await parent()).organization;
}
