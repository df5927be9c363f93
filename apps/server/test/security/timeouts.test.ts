import { connect as connectTcp } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../app.js';

/** Sends `head` and `bodyPart` of a request, then nothing; resolves with what the server answered and when. */
function trickle(url: string, head: string, bodyPart: string): Promise<{ text: string; afterMs: number }> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connectTcp(Number(port), hostname, () => {
      socket.write(head + bodyPart);
    });
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', () => {
      resolve({ text, afterMs: Date.now() - started });
    });
    socket.on('error', reject);
  });
}

describe('slow request bodies', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ HTTP_BODY_TIMEOUT_MS: '500' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers 408 request_timeout and closes the connection when a body stops arriving', async () => {
    const head = `POST /api/auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
    const { text, afterMs } = await trickle(server.url, head, '{"email":"slow@example.com",');
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toContain('"code":"request_timeout"');
    expect(afterMs).toBeGreaterThanOrEqual(450);
    expect(afterMs).toBeLessThan(3_000);
  });

  it('leaves a body that arrives in time alone', async () => {
    const response = await fetch(`${server.url}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@example.com', password: 'whatever it is' }) });
    expect(response.status).toBe(401);
  });
});
