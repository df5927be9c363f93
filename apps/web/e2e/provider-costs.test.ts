import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OrganizationView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { ApiClient } from '../../server/test/client.js';
import { expectStatus, submitAndWait } from '../../server/test/world.js';
import { FakeBflServer } from '../../server/test/providers/fakes/fake-bfl-server.js';
import { FakeOpenAiServer } from '../../server/test/providers/fakes/fake-openai-server.js';
import { accessibilityProblems, artifactsDirectory, e2eUnavailable, launchChromium, screenshot } from './browser.js';

const unavailable = e2eUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_E2E === '1') throw new Error(`End-to-end tests are required (REQUIRE_E2E=1) but cannot run: ${unavailable}`);
  console.warn(`Skipping the browser tests: ${unavailable}.`);
}

const password = 'a long enough password';

describe.skipIf(unavailable !== undefined)('the usage page shows owners credits charged against provider cost, in Chromium', () => {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let server: TestApp | undefined;
  let bfl: FakeBflServer | undefined;
  let openai: FakeOpenAiServer | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    bfl = await FakeBflServer.start({ apiKey: 'bfl-key' });
    openai = await FakeOpenAiServer.start('sk-key');
    server = await startTestApp({ BFL_API_KEY: 'bfl-key', BFL_API_URL: bfl.baseUrl, OPENAI_API_KEY: 'sk-key', OPENAI_API_URL: openai.baseUrl });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await bfl?.close();
    await openai?.close();
  });

  test('a table per model: credits charged, provider cost in dollars, who made the images', async () => {
    const app = server!;
    const email = `costs-${String(Date.now())}@example.com`;
    const api = new ApiClient(app.url);
    await api.signUp(email, 'Olga Owner', password);
    const created = await api.post<OrganizationView>('/orgs', { name: 'Cost studio' });
    expectStatus(created, 201);
    const organizationId = created.body.id;
    await app.grantCredits(organizationId, 2_000);
    expectStatus(await api.request('PUT', `/orgs/${organizationId}/pricing/catalog`, { catalog: 'extended' }), 200);
    const flux = await submitAndWait(api, organizationId, { request: { operation: 'text-to-image', model: 'flux-dev', width: 512, height: 512, steps: 20, variations: 2 }, prompt: 'a bay' });
    const gpt = await submitAndWait(api, organizationId, { request: { operation: 'text-to-image', model: 'gpt-image-1', width: 1024, height: 1024 }, prompt: 'a shop sign' });
    expect([flux.status, gpt.status]).toEqual(['succeeded', 'succeeded']);

    context = await browser!.newContext({ baseURL: app.url, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/orgs/);
    await page.goto(`/orgs/${organizationId}/usage`);

    const table = page.getByRole('table', { name: 'Credits charged against provider cost, by model' });
    await expect.poll(() => table.getByTestId('provider-cost-row').count()).toBe(2);
    const rows = await table.getByTestId('provider-cost-row').allInnerTexts();
    expect(rows.join('\n')).toMatch(/Flux\.1 \[dev\]\s+2\s+\d+\s+\$0\.0500/);
    expect(rows.join('\n')).toMatch(/GPT Image 1\s+1\s+42\s+\$0\.0423/);
    expect(await table.innerText()).toContain('Black Forest Labs');
    expect(await table.innerText()).toContain('OpenAI');
    expect(await page.getByTestId('provider-cost-usd').innerText()).toBe('$0.0923');
    expect(await page.getByTestId('provider-cost-credits').innerText()).toBe(String((flux.capturedCredits ?? 0) + 42));
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, await artifactsDirectory(), 'usage-provider-costs');
  });

  test('an org on the extended catalog picks GPT Image 1 in the workspace at its price, and OpenAI makes the image', async () => {
    const app = server!;
    const email = `gpt-${String(Date.now())}@example.com`;
    const api = new ApiClient(app.url);
    await api.signUp(email, 'Gita Owner', password);
    const created = await api.post<OrganizationView>('/orgs', { name: 'Sign studio' });
    expectStatus(created, 201);
    const organizationId = created.body.id;
    await app.grantCredits(organizationId, 1_000);
    expectStatus(await api.request('PUT', `/orgs/${organizationId}/pricing/catalog`, { catalog: 'extended' }), 200);
    const project = await api.post<{ id: string }>(`/orgs/${organizationId}/projects`, { name: 'Shop' });
    const workspace = await api.post<{ id: string }>(`/orgs/${organizationId}/workspaces`, { name: 'Signage', projectId: project.body.id });
    expectStatus(workspace, 201);
    const gptContext = await browser!.newContext({ baseURL: app.url, viewport: { width: 1280, height: 900 } });
    try {
      const page = await gptContext.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto('/sign-in');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/orgs/);
      await page.goto(`/orgs/${organizationId}/workspaces/${workspace.body.id}`);
      const option = page.locator('#setting-model option[value="model:gpt-image-1"]');
      await expect.poll(() => option.textContent()).toMatch(/GPT Image 1/);
      await expect.poll(() => option.isDisabled()).toBe(false);
      // flux-dev runs on BFL here; Imagen 4 has no provider on this server.
      await expect.poll(() => page.locator('#setting-model option[value="model:imagen-4"]').textContent()).toMatch(/not available on this server/);
      await page.locator('#setting-model').selectOption('model:gpt-image-1');
      await page.locator('#setting-size').selectOption('1536x1024');
      await expect.poll(() => page.getByTestId('cost').textContent()).toMatch(/63 credits/);
      await expect.poll(() => page.getByTestId('provider-note').count()).toBe(0);
      await page.getByTestId('prompt').click();
      await page.keyboard.type('a hand-painted shop sign that says OPEN');
      await page.getByRole('button', { name: /^Generate/ }).click();
      const calls = openai!.calls().length;
      await expect.poll(() => openai!.calls().length, { timeout: 20_000 }).toBeGreaterThan(calls);
      await expect.poll(async () => (await api.get<{ assets: { provider: string; modelId: string }[] }>(`/orgs/${organizationId}/assets`)).body.assets.map((asset) => `${asset.modelId}@${asset.provider}`), { timeout: 20_000 }).toEqual(['gpt-image-1@openai']);
      await screenshot(page, await artifactsDirectory(), 'workspace-gpt-image-1');
    } finally {
      await gptContext.close();
    }
  });
});
