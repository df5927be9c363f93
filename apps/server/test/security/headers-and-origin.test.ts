import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CreatedApiKeyView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { buildWorld, type OrganizationWorld } from '../world.js';
import { connect, cookieOf } from '../realtime/sockets.js';
import { collabUrl } from '../collab/collab-client.js';

const friendlyOrigin = 'https://studio.example.com';
const evilOrigin = 'https://evil.example';

describe('security headers, and the Origin check on sockets and collab', () => {
  let server: TestApp;
  let world: OrganizationWorld;

  beforeAll(async () => {
    server = await startTestApp({ ALLOWED_ORIGINS: friendlyOrigin, TRUST_PROXY: 'loopback' });
    world = await buildWorld(server, 'headers');
  });
  afterAll(async () => {
    await server.close();
  });

  it('sends a strict CSP, no framing, nosniff (images too), a referrer policy and no X-Powered-By', async () => {
    for (const response of [
      await fetch(`${server.url}/api/health`),
      await fetch(`${server.url}/`),
      await fetch(`${server.url}/api/orgs/${world.organization.id}/assets/${world.assetId}/image`, { headers: { authorization: `Bearer ${world.apiKey.secret}` } }),
      await fetch(`${server.url}/api/orgs/${world.organization.id}/nothing-here`),
    ]) {
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')*;/);
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toContain("object-src 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('strict-transport-security')).toBeNull(); // plain http
    }
  });

  it('sends HSTS only when the request came over https (through a trusted proxy)', async () => {
    const response = await fetch(`${server.url}/api/health`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('refuses a cookie-authenticated socket from another site, and takes the own, the configured and an API key', async () => {
    const cookie = cookieOf(world.members.owner.client);
    await expect(connect(server.url, { cookie, origin: evilOrigin })).rejects.toThrow(/origin_not_allowed/);
    for (const origin of [server.url, friendlyOrigin, undefined]) {
      const connection = await connect(server.url, { cookie, ...(origin === undefined ? {} : { origin }) });
      expect(connection.socket.connected).toBe(true);
      connection.close();
    }
    const key = await world.members.member.client.post<CreatedApiKeyView>(`/orgs/${world.organization.id}/api-keys`, { name: 'origin' });
    const script = await connect(server.url, { bearer: key.body.secret, origin: evilOrigin });
    expect(script.socket.connected).toBe(true);
    script.close();
  });

  it('refuses a collab connection from another site before any document is opened', async () => {
    const attempt = (origin: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = new WebSocket(collabUrl(server.url), { headers: { origin } });
        socket.on('open', () => {
          socket.close();
          resolve('open');
        });
        socket.on('unexpected-response', (_request, response) => {
          resolve(String(response.statusCode));
        });
        socket.on('error', () => {
          resolve('error');
        });
      });
    expect(await attempt(evilOrigin)).toBe('403');
    expect(await attempt(server.url)).toBe('open');
  });
});
