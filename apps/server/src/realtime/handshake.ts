import type { IncomingHttpHeaders } from 'node:http';
import { SESSION_COOKIE } from '../auth/session-cookie.js';

export type HandshakeCredentials = { kind: 'apiKey'; secret: string } | { kind: 'session'; token: string } | undefined;

const MAX_TOKEN_LENGTH = 128;

function usable(token: unknown): token is string {
  return typeof token === 'string' && token.length > 0 && token.length <= MAX_TOKEN_LENGTH;
}

/** The value of one cookie in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() !== name) continue;
    const raw = part.slice(separator + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * What a socket presents: an API key in `auth.token` or `Authorization: Bearer` (which wins, as on
 * HTTP), else the session cookie the browser sends with the handshake.
 */
export function handshakeCredentials(headers: IncomingHttpHeaders, auth: unknown): HandshakeCredentials {
  const authToken = typeof auth === 'object' && auth !== null ? (auth as { token?: unknown }).token : undefined;
  if (usable(authToken)) return { kind: 'apiKey', secret: authToken };
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) {
    const secret = authorization.slice('Bearer '.length).trim();
    if (usable(secret)) return { kind: 'apiKey', secret };
  }
  const session = cookieValue(headers.cookie, SESSION_COOKIE);
  return usable(session) ? { kind: 'session', token: session } : undefined;
}
