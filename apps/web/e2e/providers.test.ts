import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OrganizationView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { ApiClient } from '../../server/test/client.js';
import { expectStatus, submitAndWait } from '../../server/test/world.js';
import { FakeWavespeedServer } from '../../server/test/providers/fakes/fake-wavespeed-server.js';
import { artifactsDirectory, e2eUnavailable, launchChromium, screenshot } from './browser.js';

const unavailable = e2eUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_E2E === '1') throw new Error(`End-to-end tests are required (REQUIRE_E2E=1) but cannot run: ${unavailable}`);
  console.warn(`Skipping the browser tests: ${unavailable}.`);
}

const password = 'a long enough password';
const DEMO = 'Demo renderer — not AI';

describe.skipIf(unavailable !== undefined)('honesty about who makes the images, in Chromium', () => {
  let browser: Browser | undefined;
  let artifacts: string;
  const contexts: BrowserContext[] = [];
  const servers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    artifacts = await artifactsDirectory();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    for (const server of servers) await server.close();
  });

  /** A signed-in owner with credits, a project and a workspace; the browser page signed in too. */
  async function ownerWithWorkspace(server: TestApp, label: string): Promise<{ page: Page; api: ApiClient; organizationId: string; workspacePath: string }> {
    const email = `${label}-${String(Date.now())}@example.com`;
    const api = new ApiClient(server.url);
    await api.signUp(email, 'Olga Owner', password);
    const created = await api.post<OrganizationView>('/orgs', { name: `${label} studio` });
    expectStatus(created, 201);
    const organizationId = created.body.id;
    await server.grantCredits(organizationId, 2_000);
    const project = await api.post<{ id: string }>(`/orgs/${organizationId}/projects`, { name: 'Launch' });
    expectStatus(project, 201);
    const workspace = await api.post<{ id: string }>(`/orgs/${organizationId}/workspaces`, { name: 'Hero', projectId: project.body.id });
    expectStatus(workspace, 201);
    const context = await browser!.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/orgs/);
    return { page, api, organizationId, workspacePath: `/orgs/${organizationId}/workspaces/${workspace.body.id}` };
  }

  test('with no provider keys: a demo banner, and "Demo renderer — not AI" on the price, the queue, the gallery card and the asset page', async () => {
    const server = await startTestApp();
    servers.push(server);
    const { page, api, organizationId, workspacePath } = await ownerWithWorkspace(server, 'demo');
    const job = await submitAndWait(api, organizationId, {
      request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 },
      prompt: 'a quiet harbour at dawn',
    });
    expect(job).toMatchObject({ status: 'succeeded', provider: 'local' });

    await page.goto(workspacePath);
    await expect.poll(() => page.getByTestId('demo-banner').textContent()).toMatch(/Demo mode\..*not a picture from an AI model/s);
    await page.locator('#setting-model').selectOption('model:flux-schnell');
    await page.locator('#setting-size').selectOption('1024x1024');
    await expect.poll(() => page.getByTestId('provider-note').textContent()).toContain(DEMO);
    const queued = page.locator(`[data-testid="job"][data-job-id="${job.id}"]`);
    await expect.poll(() => queued.getByTestId('demo-label').textContent()).toBe(DEMO);
    await screenshot(page, artifacts, 'providers-01-demo-workspace');

    await page.goto(`/orgs/${organizationId}/gallery`);
    const card = page.locator(`[data-testid="gallery-asset"][data-asset-id="${job.assetIds[0] ?? ''}"]`);
    await expect.poll(() => card.getByTestId('demo-label').textContent()).toBe(DEMO);
    await expect.poll(() => page.getByTestId('demo-banner').isVisible()).toBe(true);

    await page.goto(`/orgs/${organizationId}/gallery/${job.assetIds[0] ?? ''}`);
    await expect.poll(() => page.getByTestId('asset-settings').getByTestId('demo-label').textContent()).toBe(DEMO);
    await screenshot(page, artifacts, 'providers-02-demo-asset');
  });

  test('with one provider configured: no demo banner, and a model without a provider is shown as not available', async () => {
    const fake = await FakeWavespeedServer.start('ws-e2e-key');
    servers.push(fake);
    const server = await startTestApp({ WAVESPEED_API_KEY: 'ws-e2e-key', WAVESPEED_API_URL: fake.baseUrl });
    servers.push(server);
    const { page, workspacePath } = await ownerWithWorkspace(server, 'live');

    await page.goto(workspacePath);
    const unavailableOption = page.locator('#setting-model option[value="model:flux-dev"]');
    await expect.poll(() => unavailableOption.textContent()).toMatch(/not available on this server/);
    await expect.poll(() => unavailableOption.isDisabled()).toBe(true);
    const servedOption = page.locator('#setting-model option[value="model:qwen-image"]');
    await expect.poll(() => servedOption.textContent()).not.toMatch(/not available/);
    await expect.poll(() => servedOption.isDisabled()).toBe(false);
    await expect.poll(() => page.getByTestId('demo-banner').count()).toBe(0);

    // The price line of a served model says nothing about a demo.
    await page.locator('#setting-model').selectOption('model:qwen-image');
    await page.locator('#setting-size').selectOption('1024x1024');
    await expect.poll(() => page.getByTestId('cost').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('provider-note').count()).toBe(0);
    await expect.poll(() => page.getByTestId('model-unavailable').count()).toBe(0);
    await screenshot(page, artifacts, 'providers-03-live-workspace');

    // The operator's view: the provider's health, and what no provider runs.
    await page.getByRole('link', { name: 'Providers' }).click();
    const row = page.locator('[data-testid="provider-health"] tr[data-provider="wavespeed"]');
    await expect.poll(() => row.textContent()).toMatch(/wavespeed\s*up/);
    await expect.poll(() => page.getByTestId('unavailable-models').textContent()).toMatch(/FLUX/);
    expect(await page.getByTestId('providers-demo').count()).toBe(0);
    await screenshot(page, artifacts, 'providers-04-health');
  });
});
