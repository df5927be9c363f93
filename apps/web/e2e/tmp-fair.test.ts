import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SubmittedJobView, WorkspaceView, ProjectView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { addMember, fundedOrganization } from '../../server/test/world.js';
import { artifactsDirectory, launchChromium, screenshot } from './browser.js';

let server: TestApp;
let browser: Browser;
let artifacts: string;
beforeAll(async () => {
  server = await startTestApp({ LOCAL_PROVIDER_LATENCY_MS: '800' });
  browser = await launchChromium();
  artifacts = await artifactsDirectory();
  console.info('artifacts', artifacts);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await server.close();
});

async function open(email: string, width: number, url: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/orgs/);
  await page.goto(url);
  return page;
}

test('walk: one member scripts 30 jobs; the other org and a teammate generate', { timeout: 180_000 }, async () => {
  const a = await fundedOrganization(server, 'a-owner', 'Busy Studio', 10_000);
  const b = await fundedOrganization(server, 'b-owner', 'Quiet Studio', 10_000);
  const script = await addMember(server, a.owner.client, a.organization.id, 'member', 'script');
  const wsA = await makeWorkspace(a.owner.client, a.organization.id);
  const wsB = await makeWorkspace(b.owner.client, b.organization.id);
  const pageA = await open(a.owner.email, 1440, `/orgs/${a.organization.id}/workspaces/${wsA}`);
  const pageB = await open(b.owner.email, 375, `/orgs/${b.organization.id}/workspaces/${wsB}`);
  for (const page of [pageA, pageB]) await page.getByTestId('prompt').click();
  await pageA.keyboard.type('a lighthouse in fog');
  await pageB.keyboard.type('a red kite over hills');
  const t0 = Date.now();
  for (let i = 0; i < 30; i += 1) {
    const r = await script.client.post<SubmittedJobView>(`/orgs/${a.organization.id}/jobs`, { request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 }, prompt: `script ${String(i)}` });
    expect(r.status).toBe(201);
  }
  const starts: Record<string, number> = {};
  for (const [name, page] of [['A owner', pageA], ['B owner', pageB]] as const) {
    await expect.poll(() => page.getByTestId('generate').isEnabled(), { timeout: 20_000 }).toBe(true);
    await page.getByTestId('generate').click();
  }
  await pageA.waitForTimeout(400);
  await screenshot(pageA, artifacts, 'fair-a-1440-queued');
  await screenshot(pageB, artifacts, 'fair-b-375-queued');
  const rowText = async (page: Page) => (await page.getByTestId('job').first().innerText()).replace(/\s+/g, ' ');
  console.log('A row:', await rowText(pageA));
  console.log('B row:', await rowText(pageB));
  for (const [name, page] of [['A owner', pageA], ['B owner', pageB]] as const) {
    const id = (await page.getByTestId('job').first().getAttribute('data-job-id')) ?? '';
    await expect.poll(() => page.locator(`[data-job-id="${id}"]`).getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    starts[name] = Date.now() - t0;
  }
  console.log('done after ms', starts);
  await screenshot(pageA, artifacts, 'fair-a-1440-done');
  await screenshot(pageB, artifacts, 'fair-b-375-done');
});

async function makeWorkspace(client: import('../../server/test/client.js').ApiClient, orgId: string): Promise<string> {
  const project = await client.post<ProjectView>(`/orgs/${orgId}/projects`, { name: 'Launch' });
  const ws = await client.post<WorkspaceView>(`/orgs/${orgId}/workspaces`, { name: 'Hero', projectId: project.body.id });
  return ws.body.id;
}
