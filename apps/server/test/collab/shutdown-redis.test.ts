import { afterEach, describe, expect, it, vi } from 'vitest';
import { collabFields, workspaceDocumentName, type ProjectView } from '@atelier/contracts';
import { CollabServer } from '../../src/collab/collab.server.js';
import { startTestApp } from '../app.js';
import { expectStatus, fundedOrganization } from '../world.js';
import { connect, createWorkspace, redisUnavailable, redisUrl, sleep, ticketFor } from './collab-client.js';

const unavailable = await redisUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`${unavailable}, and REQUIRE_REDIS=1`);
  console.warn(`Skipping the collab shutdown test: ${unavailable}. Set REQUIRE_REDIS=1 to fail instead.`);
}

/**
 * A node that stops with documents open unloads them before it lets go of Redis: the Redis
 * extension unsubscribes each document as it unloads, and with its connection already closed that
 * failed after the node had "stopped" ("Connection is closed", from a process on its way out).
 */
describe.skipIf(unavailable !== undefined)('a collab node with Redis, stopping with a document open', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('unloads every document before closing Redis, and nothing fails after it has stopped', { timeout: 15_000 }, async () => {
    const server = await startTestApp({ REDIS_URL: redisUrl });
    const errors: string[] = [];
    const original = console.error.bind(console);
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(' '));
      original(...args);
    });
    const { owner, organization } = await fundedOrganization(server, 'collab-stop', 'Stop Studio', 10);
    const project = await owner.client.post<ProjectView>(`/orgs/${organization.id}/projects`, { name: 'Stop' });
    expectStatus(project, 201);
    const workspace = await createWorkspace(owner.client, organization.id, project.body.id);
    const peer = connect(server.url, workspaceDocumentName(workspace.id), async () => (await ticketFor(owner.client, organization.id, workspace.id)).ticket);
    try {
      await peer.synced();
      peer.doc.getText(collabFields.prompt).insert(0, 'kept at shutdown');
      await sleep(100);
      const collab = server.app.get(CollabServer);
      await server.close();
      expect(collab.hocuspocus.getDocumentsCount()).toBe(0);
      await sleep(500);
      expect(errors).toEqual([]);
    } finally {
      peer.destroy();
    }
  });
});
