import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultCatalog, operationLabel, operationsOffered, type Operation } from '@atelier/pricing';
import type { JobView, MemberView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { ApiClient } from '../../server/test/client.js';
import { expectStatus, invite } from '../../server/test/world.js';
import { accessibilityProblems, artifactsDirectory, browserTestsSkipReason, launchChromium, screenshot } from './browser.js';

const unavailable = browserTestsSkipReason();

const password = 'a long enough password';

/** The label the Operation select shows for an operation. */
function optionLabel(operation: Operation): string {
  return operationLabel(operation).replace(/^./, (letter) => letter.toUpperCase());
}

describe.skipIf(unavailable !== undefined)('every operation from one workspace, in Chromium', () => {
  let server: TestApp | undefined;
  let browser: Browser | undefined;
  let artifacts: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // A newcomer's org starts with the Free tier's trial credits: no operator needed to begin.
    server = await startTestApp({ TRIAL_CREDITS: '300' });
    browser = await launchChromium();
    artifacts = await artifactsDirectory();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') console.error(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => {
      console.error(`page error: ${error.message}\n${error.stack ?? ''}`);
    });
    page.setDefaultTimeout(15_000);
    return page;
  }

  async function cost(page: Page): Promise<number> {
    await expect.poll(() => page.getByTestId('cost').getAttribute('data-credits')).not.toBeNull();
    return Number(await page.getByTestId('cost').getAttribute('data-credits'));
  }

  async function generateAndWait(page: Page, api: ApiClient, organizationId: string): Promise<JobView> {
    await expect
      .poll(() => page.getByTestId('generate').isEnabled(), { timeout: 20_000 })
      .toBe(true)
      .catch(async (error: unknown) => {
        await screenshot(page, artifacts, 'operations-blocked');
        throw new Error(`Generate stays disabled: ${(await page.getByTestId('generate-reason').textContent()) ?? ''}`, { cause: error });
      });
    const before = await page.getByTestId('job').count();
    await page.getByTestId('generate').click();
    await expect.poll(() => page.getByTestId('job').count()).toBe(before + 1);
    const jobId = (await page.getByTestId('job').first().getAttribute('data-job-id')) ?? '';
    await expect.poll(() => page.locator(`[data-job-id="${jobId}"]`).getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    const job = await api.get<JobView>(`/orgs/${organizationId}/jobs/${jobId}`);
    return job.body;
  }

  test('a fresh workspace is priced at once; every operation can be chosen, priced and generated; no leftover blocks it', async () => {
    const app = server!;
    const stamp = String(Date.now());
    const email = `maya-${stamp}@example.com`;
    const page = await newPage();
    await page.goto('/sign-up');
    await page.getByLabel('Your name').fill('Maya Lind');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/orgs');
    await page.getByLabel('New organization').fill('Lind & Co');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}\/workspaces$/);
    const organizationId = /orgs\/([0-9a-f-]{36})/.exec(page.url())?.[1] ?? '';
    const api = new ApiClient(app.url);
    expectStatus(await api.signIn(email, password), 200);
    // The trial credits are there without an operator.
    await expect.poll(() => page.getByTestId('pool-available').getAttribute('data-value')).toBe('300');

    await page.getByLabel('New project').fill('Catalogue');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByLabel('New workspace name in Catalogue').fill('Every operation');
    await page.getByRole('button', { name: 'New workspace' }).click();
    await page.waitForURL(/\/workspaces\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByTestId('collab-status').textContent()).toBe('Live');

    // A brand-new workspace: the size shown is priced at once, and only the prompt is asked for.
    const firstCost = await cost(page);
    expect(firstCost).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('generate-reason').textContent()).toContain('Write a prompt first.');
    await page.getByTestId('prompt').click();
    await page.keyboard.type('a ceramic vase on a linen table, soft window light', { delay: 2 });
    // Move the steps slider once: a step count then stays in the shared settings.
    await page.getByLabel(/^Steps/).fill('30');
    const first = await generateAndWait(page, api, organizationId);
    expect(first).toMatchObject({ operation: 'text-to-image', steps: 30 });
    await app.grantCredits(organizationId, 5_000);

    const problems: Record<string, unknown> = {};
    for (const operation of operationsOffered(defaultCatalog).filter((candidate) => candidate !== 'text-to-image')) {
      await page.getByLabel('Operation').selectOption({ label: optionLabel(operation) });
      if ((await page.getByRole('button', { name: 'Choose from gallery' }).count()) > 0) {
        await page.getByRole('button', { name: 'Choose from gallery' }).click();
        await page.getByRole('button', { name: /^Use a ceramic vase/ }).first().click();
      }
      if (operation === 'inpaint') {
        const canvas = page.getByTestId('mask-canvas');
        await expect.poll(() => canvas.isVisible()).toBe(true);
        const box = await canvas.boundingBox();
        if (box === null) throw new Error('no mask canvas');
        await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 8 });
        await page.mouse.up();
      }
      if (operation === 'outpaint') await page.getByRole('spinbutton', { name: 'left' }).fill('128');
      if (operation === 'search-and-replace' || operation === 'search-and-recolor') {
        // What to search for is asked once; recolor then keeps what replace was given (a shared setting).
        if ((await page.getByLabel('Search for').inputValue()) === '') {
          await expect.poll(() => page.getByTestId('generate-reason').textContent()).toContain('Say what to search for');
          await page.getByLabel('Search for').fill('the vase');
        }
      }
      // Never "Cannot price these settings" for a leftover step count or size.
      const price = await cost(page).catch(async (error: unknown) => {
        await screenshot(page, artifacts, `operations-unpriced-${operation}`);
        const shown = await page.locator('.cost-line').textContent();
        throw new Error(`${operation} is not priced: ${shown ?? ''}`, { cause: error });
      });
      expect(price, operation).toBeGreaterThan(0);
      const job = await generateAndWait(page, api, organizationId);
      expect(job.operation, operation).toBe(operation);
      expect(job.capturedCredits, operation).toBe(price);
      if (operation === 'inpaint') problems.inpaint = await accessibilityProblems(page);
    }
    await screenshot(page, artifacts, 'operations-every-one');
    expect(problems).toEqual({ inpaint: [] });

    // From the gallery: Remix opens a NEW workspace; this one keeps its prompt and settings.
    const workspaceUrl = new URL(page.url()).pathname;
    await page.goto(`/orgs/${organizationId}/gallery/${first.assetIds[0] ?? ''}`);
    await page.getByRole('button', { name: 'Remix' }).click();
    await page.waitForURL((url) => url.pathname !== workspaceUrl && /\/workspaces\/[0-9a-f-]{36}$/.test(url.pathname));
    await expect.poll(() => page.getByTestId('collab-status').textContent()).toBe('Live');
    await expect.poll(() => page.locator('h1').textContent()).toContain('Remix: a ceramic vase');
    await expect.poll(() => page.getByTestId('cost').getAttribute('data-credits')).not.toBeNull();
    // Into the existing workspace it asks first, and whoever applied it can undo it.
    await page.goto(`/orgs/${organizationId}/gallery/${first.assetIds[0] ?? ''}`);
    await page.getByLabel('Workspace', { exact: true }).selectOption({ label: 'Every operation' });
    await page.getByRole('button', { name: 'Use these settings' }).click();
    await page.waitForURL(`**${workspaceUrl}`);
    await expect.poll(() => page.getByTestId('handoff-confirm').isVisible()).toBe(true);
    await expect.poll(() => page.getByLabel('Operation').inputValue()).toBe('upscale-creative');
    await page.getByRole('button', { name: 'Replace them' }).click();
    await expect.poll(() => page.getByLabel('Operation').inputValue()).toBe('text-to-image');
    await page.getByTestId('handoff-undo').getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => page.getByLabel('Operation').inputValue()).toBe('upscale-creative');
  });

  test('a member’s workspace learns a manager’s change of allowed models live, and a free-tier model costs 0 and says so', async () => {
    const app = server!;
    const stamp = String(Date.now());
    const owner = new ApiClient(app.url);
    await owner.signUp(`owner-${stamp}@example.com`, 'Owner');
    const organization = await owner.post<{ id: string }>('/orgs', { name: 'Live rules' });
    const organizationId = organization.body.id;
    const project = await owner.post<{ id: string }>(`/orgs/${organizationId}/projects`, { name: 'Rules' });
    const workspace = await owner.post<{ id: string }>(`/orgs/${organizationId}/workspaces`, { name: 'Rules', projectId: project.body.id });
    const memberEmail = `member-${stamp}@example.com`;
    const { token } = await invite(app, owner, organizationId, memberEmail, 'member');
    const page = await newPage();
    await page.goto(`/invitations/${token}`);
    await page.getByLabel('Your name').fill('Noor Haddad');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await page.waitForURL(`**/orgs/${organizationId}/workspaces`);
    await page.goto(`/orgs/${organizationId}/workspaces/${workspace.body.id}`);
    await expect.poll(() => page.getByTestId('collab-status').textContent()).toBe('Live');
    await page.getByTestId('prompt').click();
    await page.keyboard.type('a paper boat', { delay: 2 });

    const members = await owner.get<MemberView[]>(`/orgs/${organizationId}/members`);
    const memberId = members.body.find((member) => member.email === memberEmail)?.userId ?? '';
    await page.getByLabel('Model or quality').selectOption('model:huggingface-flux-dev');
    await expect.poll(() => page.getByTestId('free-tier').textContent()).toBe('Free tier');
    expect(await cost(page)).toBe(0);
    const free = await generateAndWait(page, owner, organizationId);
    expect(free).toMatchObject({ priceCredits: 0, freeUnits: 1 });
    await expect.poll(() => page.getByTestId('job-free').first().textContent()).toContain('free tier');

    // The manager narrows the member's models: the open workspace says so without a reload.
    expectStatus(
      await owner.put(`/orgs/${organizationId}/members/${memberId}/budget`, { limitCredits: null, period: 'month', allowedModels: ['flux-schnell'] }),
      200,
    );
    await expect.poll(() => page.getByTestId('generate-reason').textContent()).toContain('Your budget does not include');
    expect(await page.getByTestId('generate').isDisabled()).toBe(true);
    await screenshot(page, artifacts, 'operations-allowed-models-live');
  });
});
