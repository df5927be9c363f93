import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OrganizationView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { ApiClient } from '../../server/test/client.js';
import { expectStatus, submitAndWait } from '../../server/test/world.js';
import { accessibilityProblems, artifactsDirectory, e2eUnavailable, eventually, launchChromium, screenshot } from './browser.js';

const unavailable = e2eUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_E2E === '1') throw new Error(`End-to-end tests are required (REQUIRE_E2E=1) but cannot run: ${unavailable}`);
  console.warn(`Skipping the browser tests: ${unavailable}.`);
}

const password = 'a long enough password';

describe.skipIf(unavailable !== undefined)('alerts in the browser', () => {
  let server: TestApp | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let receiver: Server | undefined;
  const hooks: string[] = [];

  beforeAll(async () => {
    // The test's webhook receiver listens on 127.0.0.1, which the server refuses by default.
    server = await startTestApp({ ALERT_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
    browser = await launchChromium();
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        hooks.push(body);
        response.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver?.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    receiver?.close();
  });

  test('an owner sets the low-balance line and a webhook on the Team page, then sees the alert arrive live in the bell', async () => {
    const app = server!;
    const email = `owner-${String(Date.now())}@example.com`;
    const owner = new ApiClient(app.url);
    await owner.signUp(email, 'Olga Owner', password);
    const created = await owner.post<OrganizationView>('/orgs', { name: 'Lighthouse Films' });
    expectStatus(created, 201);
    const organizationId = created.body.id;
    await app.grantCredits(organizationId, 100);

    context = await browser!.newContext({ baseURL: app.url, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL(/\/orgs/);

    await page.goto(`/orgs/${organizationId}/team`);
    const alertSection = page.getByRole('region', { name: 'Alerts' });
    await alertSection.getByLabel('Low-balance line (credits)').fill('95');
    const hookUrl = `http://127.0.0.1:${String((receiver!.address() as AddressInfo).port)}/atelier`;
    await alertSection.getByLabel('Webhook URL').fill(hookUrl);
    await alertSection.getByRole('button', { name: 'Save alert settings' }).click();
    await expect.poll(() => page.getByTestId('webhook-secret').textContent()).toMatch(/^whsec_/);
    const settings = await owner.get<{ lowBalanceCredits: number; webhookUrl: string }>(`/orgs/${organizationId}/alert-settings`);
    expect(settings.body).toMatchObject({ lowBalanceCredits: 95, webhookUrl: hookUrl });

    // Nothing unread yet; then a 10-credit job takes the pool to 90, under the line.
    expect(await page.getByTestId('notifications-unread').count()).toBe(0);
    const job = await submitAndWait(owner, organizationId, {
      request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 },
      prompt: 'the last light on the water',
      seed: 4,
    });
    expect(job.status).toBe('succeeded');
    await eventually(async () => (await page.getByTestId('notifications-unread').textContent())?.replace(/\s+/g, ' '), '1 unread', 15_000, 'the unread count');

    await page.getByTestId('notifications-button').click();
    const panel = page.getByRole('region', { name: 'Notifications' });
    await expect.poll(() => panel.getByText('The credit pool is running low').count()).toBe(1);
    await page.evaluate(() => {
      window.scrollTo(0, 0);
    });
    await screenshot(page, await artifactsDirectory(), '08-notifications');
    // The open menu and the alert settings: no serious or critical WCAG 2.1 A/AA problem.
    expect(await accessibilityProblems(page)).toEqual([]);
    await panel.getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(() => page.getByTestId('notifications-unread').count()).toBe(0);

    // The webhook got it, and the Team page lists the delivery.
    await expect.poll(() => hooks.length, { timeout: 15_000 }).toBe(1);
    expect(JSON.parse(hooks[0] ?? '{}')).toMatchObject({ type: 'alert.pool_low', organizationId });
    await page.keyboard.press('Escape');
    await alertSection.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => alertSection.getByText('delivered').count()).toBeGreaterThan(0);
  });
});
