import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './app.js';
import { ApiClient } from './client.js';
import { fillPath, operationsOf, type Operation } from './openapi.js';
import { buildWorld, type OrganizationWorld } from './world.js';
import { createWorkspace } from './collab/collab-client.js';

describe('organizations are isolated from each other', () => {
  let server: TestApp;
  let ours: OrganizationWorld;
  let theirs: OrganizationWorld;
  let operations: Operation[];
  let theirWorkspaceId: string;

  beforeAll(async () => {
    server = await startTestApp();
    [ours, theirs] = await Promise.all([buildWorld(server, 'ours'), buildWorld(server, 'theirs')]);
    operations = (await operationsOf(server.url)).filter((operation) => operation.path.includes('{orgId}'));
    theirWorkspaceId = (await createWorkspace(theirs.members.member.client, theirs.organization.id, theirs.project.id, 'Their workspace')).id;
  });
  afterAll(async () => {
    await server.close();
  });

  function theirIds(): Record<string, string> {
    return {
      orgId: theirs.organization.id,
      userId: theirs.members.member.userId,
      projectId: theirs.project.id,
      invitationId: theirs.invitation.id,
      apiKeyId: theirs.apiKey.id,
      jobId: theirs.job.id,
      assetId: theirs.assetId,
      width: '256',
      workspaceId: theirWorkspaceId,
    };
  }

  it('covers every org-scoped endpoint of the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
  });

  it("answers 403 or 404, and no data, to every endpoint called with the other org's ids", async () => {
    const callers: [string, ApiClient][] = [
      ['their-less owner (session)', ours.members.owner.client],
      ['a manager (session)', ours.members.manager.client],
    ];
    const keyClient = new ApiClient(server.url);
    keyClient.apiKey = ours.apiKey.secret;
    callers.push(['an API key of our org', keyClient]);

    const leaks: string[] = [];
    for (const [who, client] of callers) {
      for (const operation of operations) {
        const path = fillPath(operation.path, theirIds());
        const response = await client.request(operation.method, path, operation.method === 'GET' || operation.method === 'DELETE' ? undefined : {});
        if (response.status !== 403 && response.status !== 404) {
          leaks.push(`${who}: ${operation.method} ${path} -> ${String(response.status)} ${JSON.stringify(response.body).slice(0, 200)}`);
        }
        const text = JSON.stringify(response.body);
        for (const secret of [theirs.organization.name, theirs.project.name, theirs.members.member.email, 'theirs test image']) {
          if (text.includes(secret)) leaks.push(`${who}: ${operation.method} ${path} leaked "${secret}"`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });

  it('still works for our own org (the same calls are not simply broken)', async () => {
    const response = await ours.members.owner.client.get(`/orgs/${ours.organization.id}/projects`);
    expect(response.status).toBe(200);
  });
});
