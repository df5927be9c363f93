import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { WorkspaceView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { buildWorld, expectStatus, type OrganizationWorld } from '../../server/test/world.js';
import { accessibilityProblems, artifactsDirectory, e2eUnavailable, launchChromium, screenshot, settled, signIn, type AccessibilityProblem } from './browser.js';

const unavailable = e2eUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_E2E === '1') throw new Error(`End-to-end tests are required (REQUIRE_E2E=1) but cannot run: ${unavailable}`);
  console.warn(`Skipping the browser tests: ${unavailable}.`);
}

/** A phone, a tablet in portrait, a laptop. */
const viewports = [
  { name: 'phone', width: 375, height: 812 },
  { name: 'tablet', width: 768, height: 1024 },
  { name: 'desktop', width: 1440, height: 900 },
] as const;

interface PageCheck {
  /** Elements wider than the screen or reaching past its right edge, when the page scrolls sideways. */
  overflow: string[];
  accessibility: AccessibilityProblem[];
}

/** What sticks out sideways (described by tag, class and text, to find it in the code) and axe's findings. */
async function checkPage(page: Page): Promise<PageCheck> {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 1)
      // Inside a container that scrolls sideways on its own (a wide table): the page does not.
      .filter((element) => { for (let node = element.parentElement; node !== null; node = node.parentElement) if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(node).overflowX) && node !== document.body && node !== document.documentElement) return false; return true; })
      .filter((element) => !(element.parentElement !== null && element.parentElement.getBoundingClientRect().right > width + 1))
      .slice(0, 8)
      .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')} "${(element.textContent).trim().slice(0, 40)}" right=${String(Math.round(element.getBoundingClientRect().right))}`)
      .concat([`scrollWidth ${String(document.documentElement.scrollWidth)} > ${String(width)}`]);
  });
  return { overflow, accessibility: await accessibilityProblems(page) };
}

describe.skipIf(unavailable !== undefined)('every page from a 375 px phone to a 1440 px screen, in Chromium', () => {
  let server: TestApp | undefined;
  let browser: Browser | undefined;
  let world: OrganizationWorld;
  let workspace: WorkspaceView;
  let artifacts: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startTestApp();
    browser = await launchChromium();
    artifacts = await artifactsDirectory();
    world = await buildWorld(server, 'responsive');
    const created = await world.members.owner.client.post<WorkspaceView>(`/orgs/${world.organization.id}/workspaces`, { name: 'Hero image', projectId: world.project.id });
    expectStatus(created, 201);
    workspace = created.body;
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
  });

  async function newPage(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser!.newContext({ baseURL: server!.url, viewport, hasTouch: viewport.width < 1024, isMobile: viewport.width < 768 });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  }

  for (const viewport of viewports) {
    test(`${viewport.name} (${String(viewport.width)} px): no page scrolls sideways, none has a serious accessibility problem`, async () => {
      const org = `/orgs/${world.organization.id}`;
      const page = await newPage(viewport);
      const results: Record<string, PageCheck> = {};
      async function visit(name: string, url: string | undefined, ready: (page: Page) => Promise<unknown>): Promise<void> {
        if (url !== undefined) await page.goto(url);
        await ready(page);
        await settled(page); // late layout: fonts, images
        results[name] = await checkPage(page);
        await screenshot(page, artifacts, `responsive-${String(viewport.width)}-${name}`);
      }

      await visit('sign-in', '/sign-in', (p) => p.getByRole('button', { name: 'Sign in' }).waitFor());
      await visit('invitation', `/invitations/${world.invitationToken}`, (p) => p.getByRole('button', { name: /join/i }).first().waitFor());
      // A client's review through a link: the name form, then the board and one image with its comments.
      await visit('review-join', world.reviewLink.path, (p) => p.getByTestId('guest-join').waitFor());
      await page.getByTestId('guest-name').fill('A client');
      await page.getByTestId('guest-join').click();
      await visit('review', undefined, (p) => p.getByTestId('review-item').first().waitFor());
      await page.getByRole('button', { name: 'Open image 1' }).click();
      await visit('review-image', undefined, (p) => p.getByTestId('thread').first().waitFor());
      await signIn(page, world.members.owner.email);
      await visit('organizations', '/orgs', (p) => p.getByRole('button', { name: 'Create organization' }).waitFor());
      await visit('workspaces', `${org}/workspaces`, (p) => p.getByRole('link', { name: 'Hero image' }).waitFor());
      if (viewport.width < 640) {
        // A phone's header is one row and the balances (not 200 px of wrapped rows); the sections sit behind Menu.
        const header = await page.locator('header').first().boundingBox();
        expect(header?.height ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(100);
        expect(await page.getByTestId('pool-available').isVisible()).toBe(true);
        expect(await page.getByRole('link', { name: 'Billing' }).isVisible()).toBe(false);
        await page.getByTestId('menu-button').click();
        for (const section of ['Workspaces', 'Gallery', 'Boards', 'Team', 'Usage', 'Providers', 'Billing']) {
          expect(await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: section }).isVisible(), section).toBe(true);
        }
        expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
        await screenshot(page, artifacts, `responsive-${String(viewport.width)}-menu`);
        await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Boards' }).click();
        await page.waitForURL(/\/boards$/);
        expect(await page.getByRole('link', { name: 'Billing' }).isVisible()).toBe(false);
      }
      await visit('workspace', `${org}/workspaces/${workspace.id}`, async (p) => {
        await expect.poll(() => p.getByTestId('collab-status').textContent()).toBe('Live');
      });
      await visit('gallery', `${org}/gallery`, (p) => p.getByText('responsive test image').first().waitFor());
      await visit('asset', `${org}/gallery/${world.assetId}`, (p) => p.getByTestId('asset-settings').waitFor());
      await visit('boards', `${org}/boards`, (p) => p.getByTestId('board-card').first().waitFor());
      await visit('board', `${org}/boards/${world.boardId}`, (p) => p.getByTestId('board-item').first().waitFor());
      await page.getByRole('button', { name: 'Open image 1 and its comments' }).click();
      await visit('board-image', undefined, (p) => p.getByTestId('thread').first().waitFor());
      await visit('usage', `${org}/usage`, (p) => p.locator('canvas').first().waitFor());
      await visit('team', `${org}/team`, (p) => p.getByRole('heading', { name: 'Members', exact: true }).waitFor());
      await visit('billing', `${org}/billing`, (p) => p.getByRole('heading', { name: 'Buy credits' }).waitFor());
      await page.getByTestId('notifications-button').click();
      await visit('notifications', undefined, (p) => p.getByRole('region', { name: 'Notifications' }).waitFor());

      const failing = Object.fromEntries(Object.entries(results).filter(([, check]) => check.overflow.length > 0 || check.accessibility.length > 0));
      expect(failing).toEqual({});
      expect(Object.keys(results)).toHaveLength(17);
    });
  }
});
