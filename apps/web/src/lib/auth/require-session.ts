import { goto } from '$app/navigation';
import { session } from '../session.svelte.js';

/** Resolves true when signed in; otherwise sends the person to sign in and back here afterwards. */
export async function requireSession(): Promise<boolean> {
  if (await session.load()) return true;
  await goto(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`, { replaceState: true });
  return false;
}
