import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collabFields, limits } from '@atelier/contracts';
import { ledgerLimits } from '@atelier/ledger';
import { startTestApp, type TestApp } from '../app.js';
import { addMember, buildWorld, expectStatus, signedUp, type OrganizationWorld } from '../world.js';
import type { ApiResponse } from '../client.js';
import { connect, createWorkspace, ticketFor, waitFor } from '../collab/collab-client.js';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 };

function expectRefused(response: ApiResponse, status: number, code: string, field: string): void {
  expect({ status: response.status, body: response.body }).toMatchObject({ status, body: { code, field } });
}

describe('values a careless client sends are refused with a 4xx naming the field, never a 500', () => {
  let server: TestApp;
  let world: OrganizationWorld;
  let other: OrganizationWorld;

  beforeAll(async () => {
    server = await startTestApp();
    world = await buildWorld(server, 'bad-values');
    other = await buildWorld(server, 'bad-values-other');
  });
  afterAll(async () => {
    await server.close();
  });

  it('the API takes credits up to the ledger limit, one number', () => {
    expect(BigInt(limits.maxCredits)).toBe(ledgerLimits.maxPoolBalanceCredits);
  });

  it('refuses budgets beyond the ledger limit with 400 limitCredits, and takes the limit itself', async () => {
    const { owner, member } = world.members;
    const orgId = world.organization.id;
    const tooMany = limits.maxCredits + 1;
    expectRefused(await owner.client.put(`/orgs/${orgId}/members/${member.userId}/budget`, { limitCredits: Number.MAX_SAFE_INTEGER, period: 'month' }), 400, 'invalid_request', 'limitCredits');
    expectRefused(await owner.client.patch(`/orgs/${orgId}/projects/${world.project.id}`, { budget: { limitCredits: tooMany, period: 'month' } }), 400, 'invalid_request', 'budget.limitCredits');
    expectRefused(await owner.client.patch(`/orgs/${orgId}`, { defaultMemberBudget: { limitCredits: tooMany, period: 'month' } }), 400, 'invalid_request', 'defaultMemberBudget.limitCredits');

    expectStatus(await owner.client.put(`/orgs/${orgId}/members/${member.userId}/budget`, { limitCredits: limits.maxCredits, period: 'month' }), 200);
    expectStatus(await owner.client.patch(`/orgs/${orgId}/projects/${world.project.id}`, { budget: { limitCredits: limits.maxCredits, period: 'month' } }), 200);
    expectStatus(await owner.client.patch(`/orgs/${orgId}`, { defaultMemberBudget: { limitCredits: limits.maxCredits, period: 'month' } }), 200);
    // The default budget at the limit is one every new member can be given.
    const newcomer = await addMember(server, owner.client, orgId, 'member', 'bad-values-newcomer');
    const me = await newcomer.client.get<{ budget: { limitCredits: number | null } }>(`/orgs/${orgId}/me`);
    expectStatus(me, 200);
  });

  it('refuses a NUL or an unpaired surrogate in any text with 400 naming the field', async () => {
    const { owner, member } = world.members;
    const orgId = world.organization.id;
    for (const bad of ['nul\u0000here', 'lone \ud800 high', 'lone \udc00 low']) {
      expectRefused(await owner.client.post('/orgs', { name: bad }), 400, 'invalid_request', 'name');
      expectRefused(await owner.client.patch(`/orgs/${orgId}`, { name: bad }), 400, 'invalid_request', 'name');
      expectRefused(await owner.client.post(`/orgs/${orgId}/projects`, { name: bad }), 400, 'invalid_request', 'name');
      expectRefused(await member.client.post(`/orgs/${orgId}/api-keys`, { name: bad }), 400, 'invalid_request', 'name');
      expectRefused(await member.client.post(`/orgs/${orgId}/jobs`, { request: schnell, prompt: bad }), 400, 'invalid_request', 'prompt');
      expectRefused(await member.client.post(`/orgs/${orgId}/jobs`, { request: schnell, prompt: 'fine', negativePrompt: bad }), 400, 'invalid_request', 'negativePrompt');
      expectRefused(await member.client.post(`/orgs/${orgId}/preflight`, { request: { ...schnell, model: bad } }), 400, 'invalid_request', 'request.model');
      expectRefused(await member.client.post(`/orgs/${orgId}/workspaces`, { name: bad }), 400, 'invalid_request', 'name');
      const stranger = await signedUp(server, 'bad-values-text');
      expectRefused(await stranger.client.post('/auth/sign-up', { email: `x${String(Date.now())}@example.com`, name: bad, password: 'correct horse battery' }), 400, 'invalid_request', 'name');
    }
    // A surrogate pair (an emoji) is text like any other.
    expectStatus(await owner.client.post(`/orgs/${orgId}/projects`, { name: 'Launch 🚀' }), 201);
  });

  it('refuses a NUL typed into a workspace document when a job is submitted from it', async () => {
    const { member } = world.members;
    const orgId = world.organization.id;
    const workspace = await createWorkspace(member.client, orgId, world.project.id, 'NUL board');
    const peer = connect(server.url, workspace.documentName, async () => (await ticketFor(member.client, orgId, workspace.id)).ticket);
    try {
      await peer.synced();
      peer.doc.getText(collabFields.prompt).insert(0, 'a door\u0000');
      await waitFor(() => !peer.provider.hasUnsyncedChanges, 10_000, 'the edit to reach the server');
      const response = await member.client.post(`/orgs/${orgId}/jobs`, { request: schnell, prompt: 'fallback', workspaceId: workspace.id });
      expectRefused(response, 400, 'invalid_request', 'prompt');
    } finally {
      peer.destroy();
    }
  });

  it('takes JSON bodies only: a form or text body is a 415', async () => {
    const { owner } = world.members;
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      expectRefused(await owner.client.request('POST', '/orgs', 'name=Form%20Inc', { 'content-type': contentType }), 415, 'unsupported_media_type', 'body');
    }
    expectStatus(await owner.client.request('POST', '/orgs', JSON.stringify({ name: 'Json Inc' }), { 'content-type': 'application/json; charset=utf-8' }), 201);
  });

  it('names request.operation for an unknown operation', async () => {
    const response = await world.members.member.client.post(`/orgs/${world.organization.id}/jobs`, { request: { ...schnell, operation: 'banana' }, prompt: 'a banana' });
    expectRefused(response, 400, 'invalid_request', 'request.operation');
  });

  it("answers 404 for a parentAssetId of another org's image, and takes its own", async () => {
    const client = world.members.member.client;
    const orgId = world.organization.id;
    expectRefused(await client.post(`/orgs/${orgId}/jobs`, { request: schnell, prompt: 'a remix', parentAssetId: other.assetId }), 404, 'not_found', 'parentAssetId');
    expectRefused(await client.post(`/orgs/${orgId}/jobs`, { request: schnell, prompt: 'a remix', parentAssetId: crypto.randomUUID() }), 404, 'not_found', 'parentAssetId');
    expectStatus(await client.post(`/orgs/${orgId}/jobs`, { request: schnell, prompt: 'a remix', parentAssetId: world.assetId }), 201);
  });
});
