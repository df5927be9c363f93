import { goto } from '$app/navigation';
import { resolve } from '$app/paths';
import { session } from '../session.svelte.js';

/** Resolves true when signed in; otherwise sends the person to sign in and back here afterwards. */
export async function requireSession(): Promise<boolean> {
  if (await session.load()) return true;
  await goto(resolve(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`), { replace: true });
  return false;
}
