import { api, unwrap } from '#lib/api/client.js';
import { attempt, parentOrganization } from '#lib/load.js';
import type { PageLoad } from './$types';

// The server's image providers and their health; Refresh invalidates 'app:providers'.
export const load: PageLoad = async ({ parent, depends }) => {
  depends('app:providers');
  const organization = await parentOrganization(parent);
  if (!organization.ok) return { providers: organization };
  return { providers: await attempt(unwrap(api.GET('/api/providers'))) };
};
