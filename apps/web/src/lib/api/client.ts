import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { ApiFailure, errorBodyOf } from './errors.js';
import type { paths } from './schema.js';

export type ApiClient = Client<paths>;
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The CSRF token of the signed-in session. The server hands it out with the session (sign-up,
 * sign-in, GET /api/auth/session) and requires it on every cookie-authenticated write.
 */
let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

interface ClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
}

/**
 * A typed client of the Atelier API (paths and bodies from the OpenAPI document). Writes carry
 * the CSRF header; a write refused with `csrf_failed` (a token rotated by a sign-in in another tab)
 * refreshes the token once and is sent again.
 */
export function createApiClient(options: ClientOptions = {}): ApiClient {
  const fetcher = options.fetch ?? ((input: Request) => globalThis.fetch(input));
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? (typeof location === 'undefined' ? 'http://localhost' : location.origin),
    credentials: 'same-origin',
    fetch: fetcher,
  });
  const retries = new Map<string, Request>();
  const csrf: Middleware = {
    onRequest({ request, id }) {
      if (SAFE_METHODS.has(request.method)) return request;
      if (csrfToken !== undefined) request.headers.set(CSRF_HEADER, csrfToken);
      retries.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id }) {
      const retry = retries.get(id);
      retries.delete(id);
      if (retry === undefined || response.status !== 403) return response;
      const body: unknown = await response.clone().json().catch(() => undefined);
      if ((body as { code?: unknown } | undefined)?.code !== 'csrf_failed') return response;
      const session = await fetcher(new Request(new URL('/api/auth/session', retry.url), { credentials: 'same-origin' }));
      if (!session.ok) return response;
      const { csrfToken: fresh } = (await session.json()) as { csrfToken: string };
      setCsrfToken(fresh);
      retry.headers.set(CSRF_HEADER, fresh);
      return fetcher(retry);
    },
    onError({ id }) {
      retries.delete(id);
    },
  };
  client.use(csrf);
  return client;
}

/** The app's client (same origin as the page). */
export const api: ApiClient = createApiClient();

interface FetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}
/** The success body of a call (undefined for 204 No Content). */
type DataOf<R extends FetchResult> = [Exclude<R['data'], undefined>] extends [never] ? undefined : Exclude<R['data'], undefined>;

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiFailure carrying the
 * server's `{ code, message, field }` (a network failure becomes `network_error`).
 * Usage: `const org = await unwrap(api.GET('/api/orgs/{orgId}', { params: { path: { orgId } } }))`.
 */
export async function unwrap<R extends FetchResult>(call: Promise<R>): Promise<DataOf<R>> {
  let result: R;
  try {
    result = await call;
  } catch (error) {
    throw new ApiFailure(0, {
      code: 'network_error',
      message: `Cannot reach the server${error instanceof Error && error.message !== '' ? ` (${error.message})` : ''}.`,
    });
  }
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiFailure(result.response.status, errorBodyOf(result.response.status, result.error));
  }
  return result.data as DataOf<R>;
}
