import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBillingApp, type BillingWorld } from '../../server/test/billing/billing-world.js';
import { ApiClient } from '../../server/test/client.js';
import { expectStatus, invite, submitAndWait } from '../../server/test/world.js';
import type { OrganizationView } from '@atelier/contracts';
import { accessibilityProblems, artifactsDirectory, e2eUnavailable, eventually, launchChromium, liveValue, screenshot } from './browser.js';

const unavailable = e2eUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_E2E === '1') throw new Error(`End-to-end tests are required (REQUIRE_E2E=1) but cannot run: ${unavailable}`);
  console.warn(`Skipping the browser tests: ${unavailable}.`);
}

const password = 'a long enough password';
const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } as const;

describe.skipIf(unavailable !== undefined)('billing, team, usage and gallery pages in Chromium (Stripe faked)', () => {
  let world: BillingWorld | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let artifacts: string;

  beforeAll(async () => {
    world = await startBillingApp();
    browser = await launchChromium();
    artifacts = await artifactsDirectory();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await world?.close();
  });

  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/orgs/);
  }

  test('an owner buys a credit package through Stripe Checkout and watches the pool grow; the team, usage and gallery pages show the work', async () => {
    const { server, stripe } = world!;
    const stamp = String(Date.now());
    const ownerEmail = `owner-${stamp}@example.com`;
    const owner = new ApiClient(server.url);
    await owner.signUp(ownerEmail, 'Ines Owner', password);
    const created = await owner.post<OrganizationView>('/orgs', { name: 'Harbour Pictures' });
    expectStatus(created, 201);
    const organizationId = created.body.id;
    await server.grantCredits(organizationId, 500);
    // A teammate, and some work for the gallery and the usage charts.
    const { token } = await invite(server, owner, organizationId, `maya-${stamp}@example.com`, 'member');
    const maya = new ApiClient(server.url);
    await maya.signUp(`maya-${stamp}@example.com`, 'Maya Member', password);
    expectStatus(await maya.post('/invitations/accept', { token }), 200);
    for (const [client, prompt, seed] of [
      [owner, 'a red boat in fog', 1],
      [maya, 'gulls over the pier', 2],
      [maya, 'nets drying in the sun', 3],
    ] as const) {
      expect((await submitAndWait(client, organizationId, { request: schnell, prompt, seed })).status).toBe('succeeded');
    }

    context = await browser!.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // Stripe's hosted Checkout, played by the fake: the customer pays, Stripe sends its webhooks,
    // then the browser is sent back to the success URL.
    const checkoutProblems: unknown[] = [];
    await page.route('https://checkout.stripe.test/**', async (route) => {
      try {
        const session = [...stripe.sessions.values()].find((candidate) => candidate.url === route.request().url());
        if (session === undefined) throw new Error(`no Checkout session for ${route.request().url()}`);
        for (const event of stripe.completeCheckout(String(session.id))) expectStatus(await stripe.deliver(server.url, event), 200);
        // Back to the app (the test server's PUBLIC_URL is not its real port: keep the path).
        const back = new URL(String(session.success_url));
        await route.fulfill({ status: 303, headers: { location: `${server.url}${back.pathname}${back.search}` } });
      } catch (error) {
        checkoutProblems.push(error);
        await route.abort();
      }
    });
    await signIn(page, ownerEmail);

    await page.goto(`/orgs/${organizationId}/billing`);
    await page.getByRole('heading', { name: 'Buy credits' }).waitFor();
    const before = await liveValue(page, 'pool-available');
    await screenshot(page, artifacts, '10-billing');
    const problems: Record<string, unknown> = { billing: await accessibilityProblems(page) };
    await page.getByRole('button', { name: 'Buy Starter' }).click();
    await page.waitForURL(/checkout=success/);
    await page.waitForURL(/\/billing/);
    expect(checkoutProblems).toEqual([]);
    await page.getByText('Payment received by Stripe').waitFor();
    await eventually(() => liveValue(page, 'pool-available'), before + 1_000, 15_000, 'the pool after buying Starter');
    const status = await owner.get<{ payments: { status: string; credits: number }[] }>(`/orgs/${organizationId}/billing`);
    expect(status.body.payments.filter((payment) => payment.status === 'paid').map((payment) => payment.credits)).toEqual([1_000]);

    await page.goto(`/orgs/${organizationId}/team`);
    await page.getByRole('heading', { name: 'Members', exact: true }).waitFor();
    await page.getByText('Maya Member').first().waitFor();
    await screenshot(page, artifacts, '11-team');
    problems.team = await accessibilityProblems(page);

    await page.goto(`/orgs/${organizationId}/usage`);
    await page.locator('canvas').first().waitFor();
    // The chart draws on a canvas; its data table (for screen readers and "show as table") names Maya.
    await expect.poll(() => page.getByText('Maya Member').count()).toBeGreaterThan(0);
    await page.waitForTimeout(500); // the chart's entry animation
    await screenshot(page, artifacts, '12-usage');
    problems.usage = await accessibilityProblems(page);

    await page.goto(`/orgs/${organizationId}/gallery`);
    await expect.poll(() => page.locator('main img').count()).toBeGreaterThanOrEqual(3);
    await page.getByText('nets drying in the sun').first().waitFor();
    await screenshot(page, artifacts, '13-gallery');
    problems.gallery = await accessibilityProblems(page);
    // axe-core's WCAG 2.1 A/AA rules: no serious or critical problem on any of these pages.
    expect(problems).toEqual({ billing: [], team: [], usage: [], gallery: [] });
  });
});
