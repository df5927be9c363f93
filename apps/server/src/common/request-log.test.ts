import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLog } from './request-log.js';

describe('the request log', () => {
  const lines: Record<string, unknown>[] = [];
  let server: http.Server;
  let base = '';

  beforeAll(async () => {
    const log = requestLog('info', { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    // Each path answers the status it names, as our error filter does: a response, no error object.
    server = http.createServer((request, response) => {
      log(request, response);
      response.statusCode = Number(request.url?.split('/').pop()) || 200;
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('logs 2xx and 4xx at info, 503 at warn and other 5xx at error, without an error made up for them', async () => {
    for (const path of ['/api/orgs/200', '/api/orgs/404', '/api/jobs/503', '/api/jobs/500', '/api/health']) {
      await (await fetch(`${base}${path}`, { headers: { cookie: 'atelier_session=secret-cookie' } })).text();
    }
    await expect.poll(() => lines.length).toBe(4);
    expect(lines.map((line) => [(line.req as { url: string }).url, line.level, line.msg, (line.res as { statusCode: number }).statusCode])).toEqual([
      ['/api/orgs/200', 30, 'request completed', 200],
      ['/api/orgs/404', 30, 'request completed', 404],
      ['/api/jobs/503', 40, 'request failed', 503],
      ['/api/jobs/500', 50, 'request failed', 500],
    ]);
    for (const line of lines) {
      expect(line).not.toHaveProperty('err');
      expect(typeof line.responseTime).toBe('number');
    }
    expect(JSON.stringify(lines)).not.toContain('secret-cookie');
  });
});
