import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../app.js';
import { buildWorld, type OrganizationWorld } from '../world.js';
import { createWorkspace } from '../collab/collab-client.js';
import type { ApiClient } from '../client.js';
import type { JsonSchema } from '../openapi.js';

/**
 * Every endpoint of /api/openapi.json, called with inputs generated from its own schemas and then
 * broken (wrong types, missing and unknown fields, huge strings, NUL and lone surrogates, numbers
 * beyond every limit, invalid JSON, wrong content types): no answer is a 5xx, and every 4xx has a
 * `code` and, when it names a `field`, one the request sent or the schema defines.
 */

const seed = 18_2026;
/** Runs per endpoint: bounded so the whole file stays well under a minute. */
const runsPerEndpoint = 20;

/** Calls that end the caller's session or delete the world it needs; covered by their own tests. */
const skipped = new Set(['POST /api/auth/sign-out', 'POST /api/auth/sign-out-everywhere', 'DELETE /api/orgs/{orgId}']);

interface FuzzOperation {
  method: string;
  path: string;
  body: JsonSchema | undefined;
  query: Record<string, JsonSchema>;
  pathParams: string[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; parameters?: { name: string; in: string; schema?: JsonSchema }[] }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

async function fuzzOperations(baseUrl: string): Promise<FuzzOperation[]> {
  const document = (await (await fetch(`${baseUrl}/api/openapi.json`)).json()) as OpenApiDocument;
  const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined => {
    if (schema?.$ref === undefined) return schema;
    return resolve(document.components?.schemas?.[schema.$ref.split('/').pop() ?? '']);
  };
  const operations: FuzzOperation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = operation.parameters ?? [];
      operations.push({
        method: method.toUpperCase(),
        path,
        body: resolve(operation.requestBody?.content?.['application/json']?.schema),
        query: Object.fromEntries(parameters.filter((parameter) => parameter.in === 'query').map((parameter) => [parameter.name, resolve(parameter.schema) ?? {}])),
        pathParams: parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name),
      });
    }
  }
  return operations;
}

const nasty = fc.constantFrom<unknown>(
  '',
  'x'.repeat(100_000),
  'nul\u0000byte',
  'lone \ud800 surrogate',
  '\udfff',
  '🚀',
  -1,
  0,
  1.5,
  1e16,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  1e308,
  true,
  null,
  [],
  {},
  [1, 2, 3],
  { nested: { deeper: 'x' } },
  '../../etc/passwd',
  '2026-13-45T99:99:99Z',
  '00000000-0000-0000-0000-000000000000',
);

/** A value shaped by a JSON schema (roughly valid), for bodies that get past the first checks. */
function valueOf(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const any = schema as JsonSchema & { enum?: unknown[]; items?: JsonSchema; minimum?: number; maximum?: number; const?: unknown; oneOf?: JsonSchema[]; allOf?: JsonSchema[] };
  if (any.const !== undefined) return fc.constant(any.const);
  if (any.enum !== undefined && any.enum.length > 0) return fc.constantFrom(...any.enum);
  const variants = any.anyOf ?? any.oneOf;
  if (variants !== undefined && variants.length > 0) return fc.oneof(...variants.map((variant) => valueOf(variant, depth + 1)));
  const type = Array.isArray(any.type) ? any.type[0] : any.type;
  switch (type) {
    case 'string':
      return schema.format === 'uuid' ? fc.uuid() : schema.format === 'email' ? fc.emailAddress() : fc.string({ maxLength: 40 });
    case 'integer':
      return fc.integer({ min: Math.max(any.minimum ?? -1000, -1e6), max: Math.min(any.maximum ?? 1e6, 1e6) });
    case 'number':
      return fc.double({ min: -1e6, max: 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return depth > 3 ? fc.constant([]) : fc.array(valueOf(any.items ?? {}, depth + 1), { maxLength: 3 });
    case 'object':
      return depth > 3 ? fc.constant({}) : objectOf(schema, depth + 1);
    default:
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null));
  }
}

function objectOf(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  if (names.length === 0) return fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), { maxKeys: 3 });
  return fc.record(Object.fromEntries(names.map((name) => [name, valueOf(properties[name] ?? {}, depth)])), { requiredKeys: [] });
}

/** A body for `schema`, then broken in one of many ways. */
function bodyOf(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  const shaped = objectOf(schema ?? {}, 0);
  const names = Object.keys(schema?.properties ?? {});
  const broken: fc.Arbitrary<unknown>[] = [
    shaped,
    fc.anything({ maxDepth: 2 }),
    shaped.map((body) => ({ ...body, unknownFieldForFuzz: 1 })),
  ];
  if (names.length > 0) {
    broken.push(fc.tuple(shaped, fc.constantFrom(...names), nasty).map(([body, name, value]) => ({ ...body, [name]: value })));
  }
  return fc.oneof(...broken);
}

function queryOf(query: Record<string, JsonSchema>): fc.Arbitrary<Record<string, string>> {
  const names = Object.keys(query);
  const values = fc.oneof(
    fc.string({ maxLength: 20 }),
    nasty.map((value) => (typeof value === 'string' ? value.slice(0, 2_000) : JSON.stringify(value))),
    fc.integer().map(String),
    fc.constantFrom('true', 'false', 'day', 'member', '2026-01-01T00:00:00.000Z'),
  );
  if (names.length === 0) return fc.constant({});
  return fc.dictionary(fc.constantFrom(...names, 'unknown'), values, { maxKeys: 4 });
}

/** A path segment as sent: lone surrogates become invalid UTF-8, and `%` sequences go as they are. */
function rawSegment(value: string): string {
  if (value.startsWith('%')) return value;
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

/** JSON text of a generated value; `undefined` (which JSON cannot hold) is sent as null. */
function jsonOf(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

interface Sent {
  operation: FuzzOperation;
  body: unknown;
  query: Record<string, string>;
}

function problemWith(sent: Sent, status: number, answer: unknown): string | undefined {
  if (status >= 500) return `${String(status)} (a server error)`;
  if (status < 400) return undefined;
  const body = answer as { code?: unknown; message?: unknown; field?: unknown } | undefined;
  if (typeof body?.code !== 'string' || body.code === '') return `${String(status)} without a code`;
  if (typeof body.message !== 'string') return `${String(status)} without a message`;
  if (status === 400 && body.code === 'invalid_request' && typeof body.field !== 'string') return '400 invalid_request without a field';
  // A 400 names the input at fault; a 409 may name the state in the way ("set a webhook URL first").
  if (status === 400 && typeof body.field === 'string') {
    const top = body.field.split('.')[0] ?? '';
    const sentKeys = typeof sent.body === 'object' && sent.body !== null && !Array.isArray(sent.body) ? Object.keys(sent.body) : [];
    const known = new Set(['body', 'key', ...sentKeys, ...Object.keys(sent.operation.body?.properties ?? {}), ...Object.keys(sent.query), ...Object.keys(sent.operation.query), ...sent.operation.pathParams]);
    if (!known.has(top) && !sentKeys.includes(body.field)) return `${String(status)} names field ${body.field}, which the request neither sent nor could send`;
  }
  return undefined;
}

describe('fuzzing every endpoint of the OpenAPI document', () => {
  let server: TestApp;
  let world: OrganizationWorld;
  let operations: FuzzOperation[];
  let ids: Record<string, string>;

  beforeAll(async () => {
    server = await startTestApp();
    world = await buildWorld(server, 'fuzz');
    operations = (await fuzzOperations(server.url)).filter((operation) => !skipped.has(`${operation.method} ${operation.path}`));
    ids = {
      orgId: world.organization.id,
      userId: world.members.viewer.userId,
      projectId: world.project.id,
      invitationId: world.invitation.id,
      apiKeyId: world.apiKey.id,
      token: world.invitationToken,
      jobId: world.job.id,
      assetId: world.assetId,
      boardId: world.boardId,
      commentId: world.commentId,
      linkId: world.reviewLink.id,
      reviewToken: world.reviewLink.token,
      width: '256',
      workspaceId: (await createWorkspace(world.members.owner.client, world.organization.id, world.project.id, 'Fuzz workspace')).id,
    };
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  function pathFor(operation: FuzzOperation, brokenParam: string | undefined, brokenValue: string): string {
    return operation.path
      .replace(/\{(\w+)\}/g, (_match, name: string) => {
        const value = name === brokenParam ? brokenValue : ids[name];
        if (value === undefined) throw new Error(`no test value for {${name}} in ${operation.path}`);
        return name === brokenParam ? rawSegment(value) : encodeURIComponent(value);
      })
      .replace(/^\/api/, '');
  }

  async function send(client: ApiClient, operation: FuzzOperation, path: string, query: Record<string, string>, body: string | undefined, contentType: string): Promise<{ status: number; body: unknown }> {
    const search = new URLSearchParams(query).toString();
    const withBody = operation.method !== 'GET' && operation.method !== 'DELETE';
    return client.request(operation.method, `${path}${search === '' ? '' : `?${search}`}`, withBody ? body : undefined, withBody ? { 'content-type': contentType } : {});
  }

  it('finds the endpoints', () => {
    expect(operations.length).toBeGreaterThanOrEqual(40);
  });

  it('answers no 5xx, and every 4xx has a code and the right field', async () => {
    const problems: string[] = [];
    const client = world.members.owner.client;
    for (const operation of operations) {
      const input = fc.record({
        body: bodyOf(operation.body),
        query: queryOf(operation.query),
        brokenParam: operation.pathParams.length === 0 ? fc.constant(undefined) : fc.option(fc.constantFrom(...operation.pathParams), { freq: 6 }),
        brokenValue: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('nul\u0000', '\ud800', '%ZZ', '%00', '%ED%A0%80', '..', 'x'.repeat(5_000), '-1', '00000000-0000-0000-0000-000000000000')),
        encoding: fc.constantFrom('json', 'json', 'json', 'json', 'broken', 'text', 'form'),
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ body, query, brokenParam, brokenValue, encoding }) => {
          const path = pathFor(operation, brokenParam ?? undefined, brokenValue);
          const [text, contentType] =
            encoding === 'broken' ? ['{"unterminated', 'application/json']
            : encoding === 'text' ? [jsonOf(body), 'text/plain']
            : encoding === 'form' ? ['a=1&b=%00', 'application/x-www-form-urlencoded']
            : [jsonOf(body), 'application/json'];
          const response = await send(client, operation, path, query, text, contentType);
          const problem = problemWith({ operation, body, query }, response.status, response.body);
          if (problem !== undefined) {
            problems.push(`${operation.method} ${path} ${JSON.stringify(query)} ${text.slice(0, 200)}: ${problem} ${JSON.stringify(response.body).slice(0, 300)}`);
          }
          return true;
        }),
        { seed, numRuns: runsPerEndpoint, endOnFailure: true },
      );
    }
    expect(problems.slice(0, 30)).toEqual([]);
  }, 120_000);
});
