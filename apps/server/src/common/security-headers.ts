import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** HSTS over https only: one year, subdomains included. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/**
 * The hashes (`'sha256-…'`) of the inline scripts of the built app's index.html (its text, or
 * undefined without a build): SvelteKit's bootstrap script, the only inline script there is. No
 * page gets 'unsafe-inline' for scripts.
 */
export function inlineScriptHashes(html: string | undefined): string[] {
  if (html === undefined) return [];
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    const body = match[1] ?? '';
    if (body.trim() === '') continue;
    hashes.push(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return hashes;
}

/**
 * Security headers on every answer (API, web app, images) through helmet: a strict CSP (scripts
 * from this origin and the hashed bootstrap only; no framing), nosniff, a same-origin referrer
 * policy, no X-Powered-By; HSTS only on requests that arrived over https. See docs/SECURITY.md.
 */
export function securityHeaders(scriptHashes: readonly string[]): RequestHandler[] {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...scriptHashes],
        // Svelte writes style attributes for dynamic styles; styles cannot run code.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        // The API, socket.io and /collab are this origin (ws/wss included in 'self').
        connectSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
  const permissions = (_request: Request, response: Response, next: NextFunction): void => {
    response.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), usb=()');
    next();
  };
  const strictTransport = (request: Request, response: Response, next: NextFunction): void => {
    if (request.secure) response.setHeader('Strict-Transport-Security', `max-age=${String(HSTS_MAX_AGE_SECONDS)}; includeSubDomains`);
    next();
  };
  return [headers, permissions, strictTransport];
}
