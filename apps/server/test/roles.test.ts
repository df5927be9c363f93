import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, permissions, roles, type Role } from '@atelier/contracts';
import { startTestApp, type TestApp } from './app.js';
import { fillPath, operationsOf, type Operation } from './openapi.js';
import { addMember, buildWorld, invite } from './world.js';
import { createWorkspace } from './collab/collab-client.js';

/** A plausible valid body per endpoint, so allowed calls get past validation and do their work. */
function bodyFor(operation: Operation, unique: string): unknown {
  const key = `${operation.method} ${operation.path.replace('/api/orgs/{orgId}', '')}`;
  const bodies: Record<string, unknown> = {
    'PATCH ': { name: `Renamed ${unique}` },
    'PATCH /members/{userId}': { role: 'member' },
    'PUT /members/{userId}/budget': { limitCredits: 500, period: 'month', alertThresholdsPercent: [50, 80], allowedModels: null },
    'POST /invitations': { email: `invitee-${unique}@example.com`, role: 'viewer' },
    'POST /projects': { name: `Project ${unique}` },
    'PATCH /projects/{projectId}': { name: `Project renamed ${unique}` },
    'POST /api-keys': { name: `key ${unique}` },
    'POST /jobs': { request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 }, prompt: 'a role test' },
    'POST /workspaces': { name: `Workspace ${unique}`, projectId: '00000000-0000-4000-8000-000000000000' },
    'POST /preflight': { request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } },
  };
  return operation.method === 'GET' || operation.method === 'DELETE' ? undefined : (bodies[key] ?? {});
}

describe('the permission table is what every endpoint enforces', () => {
  let server: TestApp;
  let operations: Operation[];

  beforeAll(async () => {
    server = await startTestApp();
    operations = (await operationsOf(server.url)).filter((operation) => operation.path.startsWith('/api/orgs/{orgId}'));
  });
  afterAll(async () => {
    await server.close();
  });

  it('every org-scoped endpoint declares a permission from the table', () => {
    const undeclared = operations.filter((operation) => operation.permission === undefined || !(operation.permission in permissions));
    expect(undeclared.map((operation) => `${operation.method} ${operation.path}`)).toEqual([]);
  });

  it.each(roles.map((role) => [role]))('as %s: forbidden exactly where the table says so', async (role: Role) => {
    const world = await buildWorld(server, `roles-${role}`);
    const caller = world.members[role].client;
    const mismatches: string[] = [];
    // Destructive calls go last and on throwaway targets, so earlier calls still find their data.
    const ordered = [...operations].sort((a, b) => rank(a) - rank(b));
    let index = 0;
    for (const operation of ordered) {
      index += 1;
      const unique = `${role}-${String(index)}`;
      const ids = {
        orgId: world.organization.id,
        userId: world.members.viewer.userId,
        projectId: world.project.id,
        invitationId: world.invitation.id,
        apiKeyId: world.apiKey.id,
        jobId: world.job.id,
        assetId: world.assetId,
        width: '256',
        workspaceId: (await createWorkspace(world.members.owner.client, world.organization.id, world.project.id, `Workspace ${unique}`)).id,
      };
      if (operation.method === 'DELETE' && operation.path.endsWith('{userId}')) {
        ids.userId = (await addMember(server, world.members.owner.client, world.organization.id, 'viewer', `throwaway-${unique}`)).userId;
      }
      if (operation.method === 'DELETE' && operation.path.endsWith('{invitationId}')) {
        ids.invitationId = (await invite(server, world.members.owner.client, world.organization.id, `throwaway-${unique}@example.com`, 'viewer')).invitation.id;
      }
      const path = fillPath(operation.path, ids);
      const response = await caller.request(operation.method, path, bodyFor(operation, unique));
      const permission = operation.permission;
      if (permission === undefined) continue;
      const allowed = can(role, permission);
      const forbidden = response.status === 403 && (response.body as { code?: string }).code === 'forbidden';
      if (allowed === forbidden || response.status >= 500) {
        mismatches.push(`${operation.method} ${operation.path} (${permission}): ${String(response.status)} ${JSON.stringify(response.body).slice(0, 160)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

function rank(operation: Operation): number {
  if (operation.method !== 'DELETE') return 0;
  return operation.path === '/api/orgs/{orgId}' ? 2 : 1;
}
