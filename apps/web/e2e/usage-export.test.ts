import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OrganizationView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { ApiClient } from '../../server/test/client.js';
import { parseCsv } from '../../server/test/usage/csv.js';
import { expectStatus, submitAndWait } from '../../server/test/world.js';
import { artifactsDirectory, browserTestsSkipReason, launchChromium, screenshot } from './browser.js';

const skipReason = browserTestsSkipReason();
const password = 'a long enough password';

describe.skipIf(skipReason !== undefined)('the usage page exports a CSV for people (Chromium)', () => {
  let server: TestApp | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = await startTestApp();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('an owner downloads the usage CSV: dates in the pool time zone, names, signed credits and the balance after', async () => {
    const email = `usage-csv-${String(Date.now())}@example.com`;
    const owner = new ApiClient(server!.url);
    await owner.signUp(email, 'Rosa Owner', password);
    const created = await owner.post<OrganizationView>('/orgs', { name: 'Ledger Lane', timeZone: 'America/New_York' });
    expectStatus(created, 201);
    const organizationId = created.body.id;
    await server!.grantCredits(organizationId, 500);
    const request = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } as const;
    expect((await submitAndWait(owner, organizationId, { request, prompt: 'a ledger on a desk', seed: 3 })).status).toBe('succeeded');

    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/orgs/);
    await page.goto(`/orgs/${organizationId}/usage`);
    const button = page.getByRole('link', { name: 'Download usage CSV' });
    await button.waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'Raw ledger CSV' }).isVisible()).toBe(true);
    await screenshot(page, await artifactsDirectory(), '21-usage-csv-buttons');

    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    expect(download.suggestedFilename()).toMatch(/^atelier-usage-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows = parseCsv(await readFile(await download.path(), 'utf8'));
    expect(rows[0]).toEqual(['Date (America/New_York)', 'Member', 'Project', 'Entry', 'Model', 'Operation', 'Credits', 'Balance after', 'Job', 'Images', 'Note']);
    expect(rows.slice(1).map((row) => [row[1], row[3], row[4], row[6], row[7]])).toEqual([
      ['', 'Credits granted', '', '500', '500'],
      ['Rosa Owner', 'Image generation', 'Flux.1 [schnell]', '-10', '490'],
    ]);
    await context.close();
  });
});
