import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './app.js';
import { fillPath, operationsOf, type JsonSchema, type Operation } from './openapi.js';
import { buildWorld, type OrganizationWorld } from './world.js';
import { createWorkspace } from './collab/collab-client.js';

interface Case {
  label: string;
  body: unknown;
  /** The field the answer must name; undefined: any. */
  field?: string;
}

function typeOf(schema: JsonSchema): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return schema.type.find((type) => type !== 'null');
  return schema.anyOf?.map(typeOf).find((type) => type !== undefined && type !== 'null');
}

/** Malformed bodies for one endpoint, derived from its request schema. */
function casesFor(schema: JsonSchema): Case[] {
  const properties = schema.properties ?? {};
  const cases: Case[] = [
    { label: 'an array instead of an object', body: [] },
    { label: 'a string instead of an object', body: '"hello"' },
    { label: 'an unknown field', body: { surprise: true }, field: 'surprise' },
  ];
  for (const name of schema.required ?? []) {
    cases.push({ label: `missing ${name}`, body: {}, field: undefined });
  }
  for (const [name, property] of Object.entries(properties)) {
    const type = typeOf(property);
    const wrong = type === 'string' ? 12345 : type === 'number' || type === 'integer' ? 'lots' : type === 'array' ? 'not a list' : type === 'boolean' ? 'yes' : 42;
    cases.push({ label: `${name} of the wrong type`, body: { [name]: wrong }, field: name });
    if (type === 'string') {
      cases.push({ label: `${name} far too long`, body: { [name]: 'x'.repeat(100_000) }, field: name });
    }
    if (type === 'number' || type === 'integer') {
      cases.push({ label: `${name} negative`, body: { [name]: -1 }, field: name });
      cases.push({ label: `${name} fractional`, body: { [name]: 1.5 } });
    }
  }
  return cases;
}

describe('malformed requests get a 400 naming the field, never a 500', () => {
  let server: TestApp;
  let world: OrganizationWorld;
  let operations: Operation[];

  beforeAll(async () => {
    server = await startTestApp();
    world = await buildWorld(server, 'bad-input');
    operations = (await operationsOf(server.url)).filter((operation) => operation.requestBody !== undefined);
  });
  afterAll(async () => {
    await server.close();
  });

  it('finds the endpoints that take a body', () => {
    expect(operations.length).toBeGreaterThanOrEqual(12);
  });

  it('rejects every malformed body with 400 and the field at fault', async () => {
    const problems: string[] = [];
    const ids = {
      orgId: world.organization.id,
      userId: world.members.viewer.userId,
      projectId: world.project.id,
      invitationId: world.invitation.id,
      apiKeyId: world.apiKey.id,
      token: world.invitationToken,
      jobId: world.job.id,
      assetId: world.assetId,
      width: '256',
      workspaceId: (await createWorkspace(world.members.owner.client, world.organization.id, world.project.id, 'Bad input workspace')).id,
    };
    const caller = world.members.owner.client;
    for (const operation of operations) {
      const path = fillPath(operation.path, ids);
      const schema = operation.requestBody ?? {};
      for (const testCase of casesFor(schema)) {
        const response = await caller.request(operation.method, path, testCase.body);
        const body = response.body as { code?: string; field?: string; issues?: { field: string }[] };
        const named = testCase.field === undefined || body.field === testCase.field || body.issues?.some((issue) => issue.field === testCase.field);
        const coded = body.code === 'invalid_request' || body.code === 'invalid_json';
        if (response.status !== 400 || !coded || body.field === undefined || !named) {
          problems.push(`${operation.method} ${operation.path} with ${testCase.label}: ${String(response.status)} ${JSON.stringify(response.body).slice(0, 200)}`);
        }
      }
      const notJson = await caller.request(operation.method, path, '{"unterminated', { 'content-type': 'application/json' });
      if (notJson.status !== 400 || (notJson.body as { code?: string }).code !== 'invalid_json') {
        problems.push(`${operation.method} ${operation.path} with broken JSON: ${String(notJson.status)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('refuses a body over the size limit with 413', async () => {
    const response = await world.members.owner.client.request('POST', `/orgs/${world.organization.id}/projects`, JSON.stringify({ name: 'x'.repeat(2_000_000) }));
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ code: 'payload_too_large' });
  });
});
