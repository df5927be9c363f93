import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './app.js';

describe('GET /api/health', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => {
    await server.close();
  });

  it('reports the database up with its latency', async () => {
    const response = await fetch(`${server.url}/api/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; checks: Record<string, { status: string; latencyMs: number }> };
    expect(body.status).toBe('ok');
    expect(body.checks.database?.status).toBe('up');
    expect(body.checks.database?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.checks).not.toHaveProperty('redis');
  });

  it('without provider keys, says the server is a demo whose images come from the offline renderer', async () => {
    const body = (await (await fetch(`${server.url}/api/health`)).json()) as { providers: unknown };
    expect(body.providers).toMatchObject({ demo: true, adapters: [{ id: 'local', demo: true, status: 'up', lastError: null }] });
    const providers = (await (await fetch(`${server.url}/api/providers`)).json()) as { demo: boolean; models: { modelId: string; routes: string[] }[] };
    expect(providers.demo).toBe(true);
    expect(providers.models.length).toBeGreaterThan(10);
    expect(providers.models.every((model) => model.routes.join() === 'local')).toBe(true);
  });

  it('publishes the OpenAPI document', async () => {
    const response = await fetch(`${server.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(document.paths).toHaveProperty('/api/health');
  });

  it('answers unknown API routes with a JSON 404 carrying a code', async () => {
    const response = await fetch(`${server.url}/api/no-such-thing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'not_found' });
  });
});
