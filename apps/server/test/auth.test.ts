import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '@atelier/contracts';
import { SIGN_IN_FAILURES_ALLOWED } from '../src/auth/rate-limit.repository.js';
import { startTestApp, type TestApp } from './app.js';
import { ApiClient } from './client.js';

describe('accounts and sessions', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => {
    await server.close();
  });

  it('signs up, keeps the session in an httpOnly SameSite cookie, and knows who you are', async () => {
    const client = new ApiClient(server.url);
    const signUp = await client.post<SessionView>('/auth/sign-up', { email: 'Ada@Example.com', name: 'Ada', password: 'analytical engine' });
    expect(signUp.status).toBe(201);
    expect(signUp.body.user.email).toBe('ada@example.com');
    const cookie = signUp.headers.getSetCookie()[0] ?? '';
    expect(cookie).toMatch(/^atelier_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    client.csrfToken = signUp.body.csrfToken;

    const session = await client.get<SessionView>('/auth/session');
    expect(session.status).toBe(200);
    expect(session.body.user.name).toBe('Ada');
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    await new ApiClient(server.url).signUp('grace@example.com');
    const again = await new ApiClient(server.url).post('/auth/sign-up', { email: 'GRACE@example.com', name: 'G', password: 'another password' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'email_taken', field: 'email' });
  });

  it('rejects cookie-authenticated writes without the CSRF token', async () => {
    const client = new ApiClient(server.url);
    await client.signUp('csrf@example.com');
    const withoutToken = await client.request('POST', '/orgs', { name: 'Acme' }, { 'x-csrf-token': 'wrong' });
    expect(withoutToken.status).toBe(403);
    expect(withoutToken.body).toMatchObject({ code: 'csrf_failed' });
    const withToken = await client.post('/orgs', { name: 'Acme' });
    expect(withToken.status).toBe(201);
  });

  it('signs out here, and everywhere', async () => {
    const laptop = new ApiClient(server.url);
    await laptop.signUp('two-devices@example.com');
    const phone = new ApiClient(server.url);
    expect((await phone.signIn('two-devices@example.com')).status).toBe(200);
    const tablet = new ApiClient(server.url);
    expect((await tablet.signIn('two-devices@example.com')).status).toBe(200);

    expect((await phone.post('/auth/sign-out')).status).toBe(204);
    expect((await phone.get('/auth/session')).status).toBe(401);
    expect((await laptop.get('/auth/session')).status).toBe(200);

    expect((await laptop.post('/auth/sign-out-everywhere')).status).toBe(204);
    expect((await laptop.get('/auth/session')).status).toBe(401);
    expect((await tablet.get('/auth/session')).status).toBe(401);
  });

  it('rate-limits failed sign-ins with a clear message, and a correct password does not get through meanwhile', async () => {
    await new ApiClient(server.url).signUp('target@example.com');
    const attacker = new ApiClient(server.url);
    for (let attempt = 0; attempt < SIGN_IN_FAILURES_ALLOWED; attempt += 1) {
      const wrong = await attacker.signIn('target@example.com', 'wrong password');
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ code: 'invalid_credentials' });
    }
    const blocked = await attacker.signIn('target@example.com');
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ code: 'rate_limited', retryAfterSeconds: expect.any(Number) as number });
    expect((blocked.body as unknown as { message: string }).message).toMatch(/try again in/i);
  });

  it('resets a password with a one-time emailed token, signing out every session', async () => {
    const owner = new ApiClient(server.url);
    await owner.signUp('forgetful@example.com');
    const anonymous = new ApiClient(server.url);
    const unknown = await anonymous.post('/auth/password-reset', { email: 'nobody@example.com' });
    const known = await anonymous.post('/auth/password-reset', { email: 'forgetful@example.com' });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(known.body).toEqual(unknown.body); // the answer does not reveal who has an account

    const mail = server.outbox.findLast((candidate) => candidate.to === 'forgetful@example.com');
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
    expect(token).toBeDefined();

    expect((await anonymous.post('/auth/password-reset/confirm', { token, password: 'a brand new password' })).status).toBe(204);
    const reuse = await anonymous.post('/auth/password-reset/confirm', { token, password: 'yet another password' });
    expect(reuse.status).toBe(400);
    expect(reuse.body).toMatchObject({ code: 'token_invalid', field: 'token' });

    expect((await owner.get('/auth/session')).status).toBe(401);
    expect((await anonymous.signIn('forgetful@example.com', 'a brand new password')).status).toBe(200);
  });

  it('answers an anonymous call to a private route with 401 unauthenticated', async () => {
    const response = await new ApiClient(server.url).get('/orgs');
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'unauthenticated' });
  });
});
