import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OrganizationView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { ApiClient } from '../../server/test/client.js';
import { expectStatus } from '../../server/test/world.js';
import { accessibilityProblems, artifactsDirectory, e2eUnavailable, launchChromium, screenshot } from './browser.js';

const unavailable = e2eUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_E2E === '1') throw new Error(`End-to-end tests are required (REQUIRE_E2E=1) but cannot run: ${unavailable}`);
  console.warn(`Skipping the browser tests: ${unavailable}.`);
}

const password = 'a long enough password';

describe.skipIf(unavailable !== undefined)('invitation links and an empty pool, in Chromium (no SMTP, no Stripe)', () => {
  let server: TestApp | undefined;
  let browser: Browser | undefined;
  let artifacts: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // A new organization starts with an empty pool (TRIAL_CREDITS=0), and billing is not configured.
    server = await startTestApp();
    browser = await launchChromium();
    artifacts = await artifactsDirectory();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
  });

  async function newPage(width: number, clipboard = false): Promise<Page> {
    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width, height: 900 } });
    if (clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server!.url });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  }

  test('an owner copies a pending invitation link; the invitee opens it in another browser and joins; the empty pool sends the owner to Billing and the member to an owner', async () => {
    const stamp = String(Date.now());
    const ownerEmail = `owner-${stamp}@example.com`;
    const inviteeEmail = `newcomer-${stamp}@example.com`;
    const owner = new ApiClient(server!.url);
    await owner.signUp(ownerEmail, 'Olga Owner', password);
    const created = await owner.post<OrganizationView>('/orgs', { name: 'Lantern Studio' });
    expectStatus(created, 201);
    const organizationId = created.body.id;

    // The owner invites from the Team page and copies the link (no email goes out without SMTP).
    const page = await newPage(375, true);
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(ownerEmail);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/orgs\//);
    await page.goto(`/orgs/${organizationId}/team`);
    await page.getByLabel('Email').fill(inviteeEmail);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByTestId('invitation-row').filter({ hasText: inviteeEmail }).waitFor();
    const row = page.getByTestId('invitation-row').filter({ hasText: inviteeEmail });
    await row.getByRole('button', { name: `Copy link of the invitation of ${inviteeEmail}` }).click();
    await row.getByTestId('link-copied').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(/^https?:\/\/[^/]+\/invitations\/[A-Za-z0-9_-]{20,}$/);
    await screenshot(page, artifacts, 'team-invitation-copied-375');
    expect(await accessibilityProblems(page)).toEqual([]);

    // The empty pool: the owner is offered Billing, which (without Stripe) shows the operator's command.
    const ownerNotice = page.getByTestId('pool-empty');
    await expect.poll(() => ownerNotice.textContent()).toContain('The team pool is empty');
    await ownerNotice.getByRole('link', { name: 'Buy credits' }).click();
    await page.waitForURL(`**/orgs/${organizationId}/billing`);
    await expect.poll(() => page.getByTestId('grant-command').textContent()).toContain(`npm run credits -- grant --org ${organizationId} --amount`);
    expect(await page.getByTestId('pool-empty').count()).toBe(0);
    await screenshot(page, artifacts, 'billing-grant-command-375');

    // The invitee opens the copied link in another browser (the link names this server's public URL).
    const invitee = await newPage(1440);
    await invitee.goto(new URL(copied).pathname);
    await invitee.getByText(`Create your account for ${inviteeEmail}`).waitFor();
    await invitee.getByLabel('Your name').fill('Nico Newcomer');
    await invitee.getByLabel('Password').fill(password);
    await invitee.getByRole('button', { name: 'Create account and join' }).click();
    await invitee.waitForURL(`**/orgs/${organizationId}/workspaces`);
    const memberNotice = invitee.getByTestId('pool-empty');
    await expect.poll(() => memberNotice.textContent()).toContain('Ask an owner of Lantern Studio to add credits');
    expect(await memberNotice.getByRole('link', { name: 'Buy credits' }).count()).toBe(0);
    await screenshot(invitee, artifacts, 'pool-empty-member-1440');

    // The owner's Team page now lists the newcomer as a member, and the invitation is no longer pending.
    await page.goto(`/orgs/${organizationId}/team`);
    await page.getByRole('table', { name: 'Members' }).getByText('Nico Newcomer', { exact: true }).waitFor();
    expect(await page.getByTestId('invitation-row').count()).toBe(0);
  });
});
