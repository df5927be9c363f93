import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../../server/test/app.js';

/**
 * The committed API types (src/lib/api/schema.d.ts) are generated from the server's OpenAPI
 * document. This fails when they drift; `npm run api:types -w @atelier/web` regenerates them.
 */
let server: TestApp;
beforeAll(async () => {
  server = await startTestApp();
});
afterAll(async () => {
  await server.close();
});

test('the committed API types match the served OpenAPI document', async () => {
  const response = await fetch(`${server.url}/api/openapi.json`);
  expect(response.status).toBe(200);
  const document = (await response.json()) as Parameters<typeof openapiTS>[0];
  const generated = [
    '// Generated from /api/openapi.json by `npm run api:types -w @atelier/web`. Do not edit.',
    astToString(await openapiTS(document, { alphabetize: true })),
  ].join('\n');
  await expect(generated, 'src/lib/api/schema.d.ts is stale: run `npm run api:types -w @atelier/web`').toMatchFileSnapshot(
    '../src/lib/api/schema.d.ts',
  );
});
