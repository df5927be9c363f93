import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { ApiClient } from '../../server/test/client.js';
import { expectStatus, invite, submitAndWait } from '../../server/test/world.js';
import { accessibilityProblems, artifactsDirectory, browserTestsSkipReason, editorText, eventually, launchChromium, liveValue, screenshot } from './browser.js';

const unavailable = browserTestsSkipReason();

const password = 'a long enough password';

describe.skipIf(unavailable !== undefined)('two people in one workspace, in Chromium', () => {
  let server: TestApp | undefined;
  let browser: Browser | undefined;
  let artifacts: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // A little latency so the queue shows a job running, as it would with a real provider.
    server = await startTestApp({ LOCAL_PROVIDER_LATENCY_MS: '700' });
    browser = await launchChromium();
    artifacts = await artifactsDirectory();
    console.info(`e2e screenshots: ${artifacts}`);
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
    page.setDefaultTimeout(15_000);
    return page;
  }

  test('A types, B sees; B paints, A sees; A generates and both watch the pool drop by the cost; a member over budget cannot generate', async () => {
    const app = server!;
    const stamp = String(Date.now());
    const aliceEmail = `alice-${stamp}@example.com`;
    const bobEmail = `bob-${stamp}@example.com`;

    // Alice signs up and starts an organization.
    const alice = await newPage();
    await alice.goto('/');
    await alice.waitForURL('**/sign-in');
    await screenshot(alice, artifacts, '01-sign-in');
    const problems: Record<string, unknown> = { signIn: await accessibilityProblems(alice) };
    await alice.getByRole('link', { name: 'Create an account' }).click();
    await alice.getByLabel('Your name').fill('Alice Moreau');
    await alice.getByLabel('Email').fill(aliceEmail);
    await alice.getByLabel('Password').fill(password);
    await alice.getByRole('button', { name: 'Create account' }).click();
    await alice.waitForURL('**/orgs');
    await alice.getByLabel('New organization').fill('Northwind Studio');
    await alice.getByRole('button', { name: 'Create organization' }).click();
    await alice.waitForURL(/\/orgs\/[0-9a-f-]{36}\/workspaces$/);
    const organizationId = /orgs\/([0-9a-f-]{36})/.exec(alice.url())?.[1] ?? '';

    // The operator grants credits; a first image is made for the mask to go on.
    const aliceApi = new ApiClient(app.url);
    expectStatus(await aliceApi.signIn(aliceEmail, password), 200);
    await app.grantCredits(organizationId, 2_000);
    const seedImage = await submitAndWait(aliceApi, organizationId, {
      request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 },
      prompt: 'a quiet harbour at dawn',
      seed: 11,
    });
    expect(seedImage.status).toBe('succeeded');

    // Bob accepts an invitation in his own browser, creating his account there.
    const { token } = await invite(app, aliceApi, organizationId, bobEmail, 'member');
    const bob = await newPage();
    await bob.goto(`/invitations/${token}`);
    await expect.poll(() => bob.getByText('Alice Moreau invited').isVisible().catch(() => false)).toBe(true);
    await bob.getByLabel('Your name').fill('Bob Okafor');
    await bob.getByLabel('Password').fill(password);
    await screenshot(bob, artifacts, '02-invitation');
    problems.invitation = await accessibilityProblems(bob);
    await bob.getByRole('button', { name: 'Create account and join' }).click();
    await bob.waitForURL(`**/orgs/${organizationId}/workspaces`);

    // Alice creates a project and a workspace; Bob opens the same workspace.
    await alice.reload();
    await alice.getByLabel('New project').fill('Spring campaign');
    await alice.getByRole('button', { name: 'Create project' }).click();
    await alice.getByLabel('New workspace name in Spring campaign').fill('Hero image');
    await alice.getByRole('button', { name: 'New workspace' }).click();
    await alice.waitForURL(/\/workspaces\/[0-9a-f-]{36}$/);
    const workspaceUrl = new URL(alice.url()).pathname;
    await bob.goto(workspaceUrl);
    for (const page of [alice, bob]) await expect.poll(() => page.getByTestId('collab-status').textContent()).toBe('Live');

    // A types a prompt; B sees it, with A's name at A's cursor.
    const prompt = 'a lighthouse on a cliff at dusk, warm light, film grain';
    await alice.getByTestId('prompt').click();
    await alice.keyboard.type(prompt, { delay: 5 });
    await expect.poll(() => editorText(bob, 'prompt')).toBe(prompt);
    await expect.poll(() => bob.locator('.cm-ySelectionInfo', { hasText: 'Alice Moreau' }).count()).toBe(1);

    // Inpaint over the first image: B paints a stroke, A sees it (and B's brush while it moves).
    await alice.getByLabel('Operation').selectOption('inpaint');
    await alice.getByRole('button', { name: 'Choose from gallery' }).click();
    await alice.getByRole('button', { name: /^Use a quiet harbour at dawn/ }).click();
    const bobCanvas = bob.getByTestId('mask-canvas');
    await expect.poll(() => bobCanvas.isVisible()).toBe(true);
    await expect.poll(() => alice.getByTestId('mask-canvas').isVisible()).toBe(true);
    await bob.waitForTimeout(300);
    const box = await bobCanvas.boundingBox();
    if (box === null) throw new Error('no mask canvas on B');
    await bob.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await bob.mouse.down();
    for (let step = 1; step <= 12; step += 1) await bob.mouse.move(box.x + box.width * (0.3 + step * 0.03), box.y + box.height * (0.4 + step * 0.01));
    await expect.poll(() => alice.locator('.remote-brush', { hasText: 'Bob Okafor' }).count()).toBe(1);
    expect(await alice.getByTestId('mask-canvas').getAttribute('data-strokes')).toBe('0');
    await bob.mouse.up();
    await expect.poll(() => alice.getByTestId('mask-canvas').getAttribute('data-strokes')).toBe('1');
    await expect.poll(async () => Number(/covers (\d+)%/.exec((await alice.locator('.coverage').textContent()) ?? '')?.[1] ?? 0)).toBeGreaterThan(0);
    await screenshot(alice, artifacts, '03-workspace-mask');
    problems.workspace = await accessibilityProblems(alice);

    // Back to text-to-image; A presses Ctrl+Enter. Both see the pool drop by exactly the shown cost.
    await alice.getByLabel('Operation').selectOption('text-to-image');
    await expect.poll(() => alice.getByTestId('generate').isEnabled()).toBe(true);
    const cost = Number(await alice.getByTestId('cost').getAttribute('data-credits'));
    expect(cost).toBeGreaterThan(0);
    const poolBefore = await liveValue(alice, 'pool-available');
    expect(await liveValue(bob, 'pool-available')).toBe(poolBefore);
    await alice.getByTestId('prompt').click();
    await alice.keyboard.press('Control+Enter');
    await expect.poll(() => alice.locator('[data-testid="job"]').first().getAttribute('data-status')).toMatch(/queued|running|succeeded/);
    await screenshot(alice, artifacts, '04-generating');
    await expect.poll(() => alice.locator('[data-testid="job"]').first().getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    for (const page of [alice, bob]) await eventually(() => liveValue(page, 'pool-available'), poolBefore - cost, 15_000, 'pool available');
    const result = alice.getByTestId('job-result').first();
    await expect.poll(() => result.isVisible()).toBe(true);
    // A queue row shows the result's WebP thumbnail, not the full PNG.
    const assetId = /assets\/([0-9a-f-]{36})\/thumbnails\/256$/.exec((await result.getAttribute('src')) ?? '')?.[1];
    expect(assetId).toBeDefined();
    await screenshot(alice, artifacts, '05-workspace-result');

    // The image is in the team's gallery, for Bob too.
    await bob.goto(`/orgs/${organizationId}/gallery`);
    await expect.poll(() => bob.locator(`img[src*="${String(assetId)}"]`).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await screenshot(bob, artifacts, '06-gallery');

    // A manager lowers Bob's budget below the cost: his Generate is disabled, with the reason.
    const members = await aliceApi.get<{ userId: string; email: string }[]>(`/orgs/${organizationId}/members`);
    const bobId = members.body.find((member) => member.email === bobEmail)?.userId ?? '';
    expectStatus(await aliceApi.put(`/orgs/${organizationId}/members/${bobId}/budget`, { limitCredits: 10, period: 'month' }), 200);
    // Bob's header learns it live (he is on the gallery), with when it resets; Alice has no limit, so no reset.
    await expect.poll(() => bob.getByTestId('budget-remaining').getAttribute('data-value')).toBe('10');
    expect(await bob.getByTestId('budget-resets').textContent()).toMatch(/^resets in \d+ (days|h)/);
    expect(await alice.getByTestId('budget-resets').count()).toBe(0);
    await bob.goto(workspaceUrl);
    await expect.poll(() => bob.getByTestId('collab-status').textContent()).toBe('Live');
    await expect.poll(() => bob.getByTestId('budget-remaining').getAttribute('data-value')).toBe('10');
    expect(await bob.getByTestId('generate').isDisabled()).toBe(true);
    await expect.poll(() => bob.getByTestId('generate-reason').textContent()).toContain(`This costs ${String(cost)} credits and your budget has 10 credits left`);
    await expect.poll(() => bob.getByTestId('cheaper').isVisible()).toBe(true);
    await screenshot(bob, artifacts, '07-over-budget');
    problems.overBudget = await accessibilityProblems(bob);
    // axe-core's WCAG 2.1 A/AA rules: no serious or critical problem on these screens.
    expect(problems).toEqual({ signIn: [], invitation: [], workspace: [], overBudget: [] });

    // Usable from 1024 px wide: nothing overflows sideways.
    await bob.setViewportSize({ width: 1024, height: 800 });
    expect(await bob.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
  });
});

