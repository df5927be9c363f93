/**
 * Whether a browser connection's `Origin` may use this server's cookies: the server's own origin
 * (the Host the request came to), PUBLIC_URL's, or one of ALLOWED_ORIGINS. No Origin header is
 * not a browser (browsers always send it on WebSocket handshakes) and is allowed; `null` (a
 * sandboxed frame, a file) is not.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowedOrigins: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  if (allowedOrigins.has(origin.toLowerCase())) return true;
  try {
    const url = new URL(origin);
    return host !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.toLowerCase();
  } catch {
    return false;
  }
}
