import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../tools/testing/database.js';
import { freePort, runServer, type ServerProcess } from './server-process.js';

/** The server's log lines that are JSON (pino), parsed. */
function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the request log (LOG_LEVEL=info)', () => {
  let database: TestDatabase | undefined;
  let server: ServerProcess | undefined;
  let url = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    server = runServer({ DATABASE_URL: database.url, PORT: String(await freePort()), LOG_LEVEL: 'info' });
    url = await server.ready();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('has one line per request with its id, method, URL, address, status and time, and none of its cookies, tokens or body', async () => {
    if (server === undefined) throw new Error('not started');
    const password = 'a password for the log test';
    const signUp = await fetch(`${url}/api/auth/sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'logged@example.com', name: 'Logged', password }),
    });
    expect(signUp.status).toBe(201);
    const cookie = (signUp.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const { csrfToken } = (await signUp.json()) as { csrfToken: string };
    expect(cookie).toMatch(/=./);
    const created = await fetch(`${url}/api/orgs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ name: 'Logged org' }),
    });
    expect(created.status).toBe(201);
    const listed = await fetch(`${url}/api/orgs?view=all`, { headers: { cookie } });
    expect(listed.status).toBe(200);
    // Junk: answered 400, and logged as such (its body is not).
    const junk = await fetch(`${url}/api/orgs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: '{"name": "secret junk',
    });
    expect(junk.status).toBe(400);

    const completed = (): Record<string, unknown>[] => logLines(server?.output() ?? '').filter((line) => line.msg === 'request completed');
    await expect.poll(() => completed().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    const lines = completed();
    const ids = new Set(lines.map((line) => (line.req as { id: unknown }).id));
    expect(ids.size).toBe(lines.length);
    const line = lines.find((entry) => (entry.req as { url: string }).url === '/api/orgs?view=all');
    expect(line).toMatchObject({ level: 30, req: { method: 'GET', url: '/api/orgs?view=all' }, res: { statusCode: 200 } });
    expect(Object.keys(line?.req as object).sort()).toEqual(['id', 'method', 'remoteAddress', 'url']);
    expect(Object.keys(line?.res as object)).toEqual(['statusCode']);
    expect(typeof line?.responseTime).toBe('number');
    expect(lines.map((entry) => [(entry.req as { method: string }).method, (entry.res as { statusCode: number }).statusCode])).toEqual(
      expect.arrayContaining([
        ['POST', 201],
        ['POST', 201],
        ['GET', 200],
        ['POST', 400],
      ]),
    );

    // Nothing secret reaches the log: not the session cookie, the CSRF token or the password.
    const output = server.output();
    expect(output).not.toContain(cookie.split('=')[1]);
    expect(output).not.toContain(csrfToken);
    expect(output).not.toContain(password);
    expect(output).not.toContain('secret junk');
  });
});
