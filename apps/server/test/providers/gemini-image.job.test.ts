import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganizationView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { expectStatus, signedUp, submitAndWait, type Member } from '../world.js';
import { FakeGeminiServer } from './fakes/fake-gemini-server.js';

describe("Gemini's image model in jobs (GEMINI_API_KEY, an org on the extended catalog)", () => {
  let fake: FakeGeminiServer;
  let server: TestApp;
  let owner: Member;
  let organization: OrganizationView;

  beforeAll(async () => {
    fake = await FakeGeminiServer.start('gemini-key');
    server = await startTestApp({ GEMINI_API_KEY: 'gemini-key', GEMINI_API_URL: fake.baseUrl });
    owner = await signedUp(server, 'gemini-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Banana Co' });
    expectStatus(created, 201);
    organization = created.body;
    await server.grantCredits(organization.id, 1_000);
    expectStatus(await owner.client.request('PUT', `/orgs/${organization.id}/pricing/catalog`, { catalog: 'extended' }), 200);
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it('an edit of an image made here continues the conversation: its prompt, the image, the new instruction; a second edit carries every turn', async () => {
    const made = await submitAndWait(owner.client, organization.id, { request: { operation: 'text-to-image', model: 'gemini-flash-image', width: 1024, height: 1024 }, prompt: 'a red bicycle' });
    expect(made).toMatchObject({ status: 'succeeded', provider: 'google', priceCredits: 39 });
    const edited = await submitAndWait(owner.client, organization.id, {
      request: { operation: 'general-edit', model: 'gemini-flash-image', width: 1024, height: 1024 },
      prompt: 'now paint it blue',
      sourceAssetId: made.assetIds[0],
    });
    expect(edited).toMatchObject({ status: 'succeeded', provider: 'google', priceCredits: 40 });
    const contents = fake.body(1).contents;
    expect(contents.map((turn) => turn.role)).toEqual(['user', 'model', 'user']);
    expect(contents[0]?.parts).toEqual([{ text: 'a red bicycle' }]);
    expect(contents[1]?.parts[0]).toHaveProperty('inlineData.mimeType', 'image/png');
    expect(contents[2]?.parts).toEqual([{ text: 'now paint it blue' }]);

    // A second edit carries the whole conversation: each turn's words and the image it made.
    const again = await submitAndWait(owner.client, organization.id, {
      request: { operation: 'general-edit', model: 'gemini-flash-image', width: 1024, height: 1024 },
      prompt: 'add a wicker basket',
      sourceAssetId: edited.assetIds[0],
    });
    expect(again).toMatchObject({ status: 'succeeded', provider: 'google' });
    const longer = fake.body(2).contents;
    expect(longer.map((turn) => turn.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(longer.filter((turn) => turn.role === 'user').map((turn) => turn.parts)).toEqual([[{ text: 'a red bicycle' }], [{ text: 'now paint it blue' }], [{ text: 'add a wicker basket' }]]);
    expect(longer.filter((turn) => turn.role === 'model').map((turn) => (turn.parts[0] as { inlineData: { data: string } }).inlineData.data.length > 0)).toEqual([true, true]);
  });
});
