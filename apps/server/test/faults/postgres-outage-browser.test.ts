import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import type { OrganizationView } from '@atelier/contracts';
import { createTestDatabase, type TestDatabase } from '../../../../tools/testing/database.js';
import { chromium } from 'playwright-core';
import { ApiClient } from '../client.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import { stillRunning } from './harness.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const webBuilt = existsSync(new URL('../../../web/build/index.html', import.meta.url));
const skipReason = !existsSync(chromiumPath) ? `no Chromium at ${chromiumPath}` : webBuilt ? undefined : 'the web app is not built (npm run build)';
if (skipReason !== undefined) {
  if (process.env.REQUIRE_E2E === '1') throw new Error(`Browser tests are required (REQUIRE_E2E=1) but cannot run: ${skipReason}`);
  console.warn(`Skipping the outage browser test: ${skipReason}.`);
}

/** Screenshots beside the end-to-end tests' (E2E_ARTIFACTS_DIR, or the temp folder). */
async function screenshot(page: Page, name: string): Promise<void> {
  const directory = process.env.E2E_ARTIFACTS_DIR ?? path.join(tmpdir(), 'atelier-e2e');
  await mkdir(directory, { recursive: true });
  await page.screenshot({ path: path.join(directory, `${name}.png`), fullPage: true });
}

/** What a person looking at the app sees while the server cannot reach Postgres, and after. */
describe.skipIf(skipReason !== undefined)('Postgres outage, seen in the browser', () => {
  let database: TestDatabase | undefined;
  let proxy: TcpProxy | undefined;
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(database.url).port || 5432));
    server = runServer({ DATABASE_URL: proxy.url(database.url), PORT: String(await freePort()), TRIAL_CREDITS: '300' });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (server !== undefined && stillRunning(server.child)) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await proxy?.close();
    await database?.drop();
  }, 60_000);

  it('every page says the database is away and that nothing is lost, then clears by itself', { timeout: 120_000 }, async () => {
    if (server === undefined || proxy === undefined || browser === undefined) throw new Error('not started');
    const url = await server.ready();
    const email = `outage-browser-${String(Date.now())}@example.com`;
    const client = new ApiClient(url);
    await client.signUp(email, 'Outage Watcher');
    const organization = (await client.post<OrganizationView>('/orgs', { name: 'Outage Studio' })).body;

    const page = await (await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 800 } })).newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/orgs/);
    await page.goto(`/orgs/${organization.id}/workspaces`);
    await expect.poll(() => page.getByText('Live', { exact: true }).count()).toBeGreaterThan(0);

    await proxy.cut();
    // Someone's request meets the outage (the server also notices on its own within seconds).
    expect((await client.get(`/orgs/${organization.id}`)).status).toBe(503);
    const banner = page.getByTestId('service-down');
    await expect.poll(() => banner.count(), { timeout: 20_000 }).toBe(1);
    expect(await banner.textContent()).toMatch(/cannot reach its database.*Nothing already done is lost/s);
    await screenshot(page, 'outage-database-down-1280');

    await proxy.restore();
    await expect.poll(() => banner.count(), { timeout: 30_000 }).toBe(0);
    await screenshot(page, 'outage-database-back-1280');
    expect(stillRunning(server.child)).toBe(true);
  });
});
