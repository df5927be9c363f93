import type { Permission } from '@atelier/contracts';

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path with `{param}` placeholders, e.g. `/api/orgs/{orgId}/projects/{projectId}`. */
  path: string;
  permission: Permission | undefined;
  requestBody: JsonSchema | undefined;
  isPublic: boolean;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  maxLength?: number;
  anyOf?: JsonSchema[];
  $ref?: string;
  [key: string]: unknown;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { 'x-permission'?: Permission; requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; security?: unknown }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const PUBLIC_PATHS = new Set([
  'POST /api/auth/sign-up',
  'POST /api/auth/sign-in',
  'POST /api/auth/password-reset',
  'POST /api/auth/password-reset/confirm',
  'GET /api/invitations/{token}',
  'POST /api/invitations/accept',
  'GET /api/health',
]);

/** Every operation of the API, read from the served OpenAPI document (new endpoints are covered automatically). */
export async function operationsOf(baseUrl: string): Promise<Operation[]> {
  const document = (await (await fetch(`${baseUrl}/api/openapi.json`)).json()) as OpenApiDocument;
  const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined => {
    if (schema?.$ref === undefined) return schema;
    const name = schema.$ref.split('/').pop() ?? '';
    return resolve(document.components?.schemas?.[name]);
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const upper = method.toUpperCase() as Operation['method'];
      operations.push({
        method: upper,
        path,
        permission: operation['x-permission'],
        requestBody: resolve(operation.requestBody?.content?.['application/json']?.schema),
        isPublic: PUBLIC_PATHS.has(`${upper} ${path}`),
      });
    }
  }
  return operations;
}

/** Fills `{param}` placeholders from `values`; throws if one is missing, so new params are noticed. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new Error(`no test value for path parameter {${name}} in ${path}`);
    }
    return value;
  }).replace(/^\/api/, '');
}
