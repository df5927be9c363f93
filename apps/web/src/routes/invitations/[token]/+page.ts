import { api, unwrap } from '#lib/api/client.js';
import { attempt } from '#lib/load.js';
import { session } from '#lib/session.svelte.js';
import type { PageLoad } from './$types';

// The invitation (who invites whom to what) and whether someone is signed in, read together.
export const load: PageLoad = async ({ params, depends }) => {
  depends('app:invitation');
  const { token } = params;
  const preview = await attempt(async () => {
    const [invitation] = await Promise.all([unwrap(api.GET('/api/invitations/{token}', { params: { path: { token } } })), session.load()]);
    return invitation;
  });
  return { token, preview };
};
