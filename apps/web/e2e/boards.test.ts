import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NotificationPage, WorkspaceView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { buildWorld, expectStatus, submitAndWait, type OrganizationWorld } from '../../server/test/world.js';
import { accessibilityProblems, artifactsDirectory, browserTestsSkipReason, editorText, launchChromium, screenshot } from './browser.js';

const skipReason = browserTestsSkipReason();

/** The asset ids of the board's cards, in the order the page shows them. */
function boardOrder(page: Page): Promise<string[]> {
  return page.getByTestId('board-item').evaluateAll((items) => items.map((item) => item.getAttribute('data-asset-id') ?? ''));
}

describe.skipIf(skipReason !== undefined)('boards and a client review in two browsers', () => {
  let server: TestApp | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  let world: OrganizationWorld;
  let assets: string[];
  let artifacts: string;

  beforeAll(async () => {
    server = await startTestApp();
    browser = await launchChromium();
    artifacts = await artifactsDirectory();
    world = await buildWorld(server, 'studio');
    // The owner makes the candidates, so the client's approvals are news for them.
    const job = await submitAndWait(world.members.owner.client, world.organization.id, {
      request: { operation: 'text-to-image', model: 'flux-schnell', width: 768, height: 512, steps: 4, variations: 4 },
      prompt: 'a lighthouse at dusk, spring campaign',
      seed: 21,
    });
    assets = job.assetIds;
  }, 90_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  }

  test('a member builds and shares a board; a guest comments on a point and approves two images; the member sees it live and is notified; revoking ends the guest page', async () => {
    const org = `/orgs/${world.organization.id}`;
    const member = await newPage();
    await member.goto('/sign-in');
    await member.getByLabel('Email').fill(world.members.owner.email);
    await member.getByLabel('Password').fill('correct horse battery');
    await member.getByRole('button', { name: 'Sign in' }).click();
    await member.waitForURL(/\/orgs/);

    // A new board, from the Boards page.
    await member.goto(`${org}/boards`);
    await member.getByLabel('New board').fill('Acme — spring picks');
    await member.getByTestId('create-board').click();
    await member.waitForURL(/\/boards\/[0-9a-f-]{36}$/);
    await member.getByText('This board is empty.').waitFor();
    const boardUrl = member.url();

    // Images go on it from their pages, and one from the gallery's dialog.
    for (const assetId of assets.slice(0, 3)) {
      await member.goto(`${org}/gallery/${assetId}`);
      await member.getByTestId('add-to-board').click();
      await member.getByTestId('add-to-board-Acme — spring picks').click();
      await member.getByText('On this board').waitFor();
    }
    await member.goto(`${org}/gallery`);
    await member.locator(`[data-asset-id="${String(assets[3])}"] a.image`).click();
    const dialog = member.getByRole('dialog');
    await dialog.getByTestId('add-to-board').click();
    await dialog.getByTestId('add-to-board-Acme — spring picks').click();
    await dialog.getByText('On this board').waitFor();

    // By hand: the second image moves first.
    await member.goto(boardUrl);
    await expect.poll(() => boardOrder(member)).toEqual(assets);
    await member.getByRole('button', { name: 'Move image 2 earlier' }).click();
    await expect.poll(() => boardOrder(member)).toEqual([assets[1], assets[0], assets[2], assets[3]]);
    await expect.poll(() => member.getByTestId('board-progress').textContent()).toBe('0 of 4 approved');

    // Shared with a client: comment and approve, a week.
    await member.getByTestId('share-board').click();
    await member.getByTestId('create-link').click();
    const reviewUrl = await member.getByTestId('review-url').inputValue();
    expect(reviewUrl).toMatch(/\/review\/[A-Za-z0-9_-]{43}$/);
    expect(await accessibilityProblems(member)).toEqual([]);

    // The guest: another browser context, no account.
    const guest = await newPage();
    await guest.goto(reviewUrl);
    await guest.getByTestId('guest-name').fill('Clara from Acme');
    await guest.getByTestId('guest-join').click();
    await expect.poll(() => guest.getByTestId('review-item').count()).toBe(4);
    expect(await guest.locator('body').innerText()).not.toMatch(/credit|flux|seed|lighthouse at dusk|model/i);
    expect(await accessibilityProblems(guest)).toEqual([]);
    await screenshot(guest, artifacts, 'review-guest-board');

    // A comment pinned to a point of the first image, then two approvals.
    await guest.getByRole('button', { name: 'Open image 1' }).click();
    const detail = guest.getByTestId('review-detail');
    await detail.getByTestId('pin-toggle').click();
    const layer = detail.getByTestId('pin-layer');
    const box = await layer.boundingBox();
    if (box === null) throw new Error('the image has no box');
    await guest.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.6);
    await detail.getByTestId('pin-draft').waitFor();
    await detail.getByTestId('comment-body').fill('Could the lighthouse beam be warmer here?');
    await detail.getByTestId('comment-post').click();
    await detail.getByTestId('pin-marker').waitFor();
    await detail.getByTestId('approve').click();
    await expect.poll(() => detail.getByTestId('review-status').textContent()).toBe('Approved');
    await detail.getByRole('button', { name: 'Next →' }).click();
    await detail.getByTestId('approve').click();
    await expect.poll(() => guest.getByTestId('review-progress').textContent()).toBe('2 of 4 approved');
    expect(await accessibilityProblems(guest)).toEqual([]);
    await screenshot(guest, artifacts, 'review-guest-comment');
    await guest.evaluate(() => { window.scrollTo(0, 0); });
    await guest.screenshot({ path: path.join(artifacts, 'readme-guest-review.png'), animations: 'disabled' });

    // The member's page shows both at once, without a reload.
    await expect.poll(() => member.getByTestId('board-progress').textContent()).toBe('2 of 4 approved');
    const firstCard = member.locator(`[data-testid="board-item"][data-asset-id="${String(assets[1])}"]`);
    await expect.poll(() => firstCard.getByTestId('item-comments').textContent()).toContain('1 comment');
    await expect.poll(() => firstCard.getByTestId('item-status').textContent()).toBe('Approved');
    await expect.poll(() => firstCard.textContent()).toContain('Clara from Acme (guest)');

    // And is notified: the client's comment and the approvals of their images, in the bell.
    await expect.poll(async () => Number((await member.getByTestId('notifications-unread').textContent())?.match(/\d+/)?.[0] ?? 0)).toBeGreaterThanOrEqual(3);
    await member.getByTestId('notifications-button').click();
    const bell = member.getByRole('region', { name: 'Notifications' });
    await bell.getByText('Clara from Acme (guest) commented on “Acme — spring picks”').waitFor();
    await expect.poll(() => bell.getByText('Approved: your image on “Acme — spring picks”').count()).toBe(2);
    await member.keyboard.press('Escape');
    const notes = await world.members.owner.client.get<NotificationPage>(`/orgs/${world.organization.id}/notifications`);
    expect(notes.body.notifications.filter((note) => note.kind === 'review_status')).toHaveLength(2);

    // The guest goes back to the first image and waits there: what the member does next reaches it live.
    await guest.getByRole('button', { name: '← Previous' }).click();
    await guest.getByText('Could the lighthouse beam be warmer here?').waitFor();

    // The thread, with the guest's pin, on the member's board page.
    await firstCard.getByRole('button', { name: /Open image 1/ }).click();
    const thread = member.getByRole('region', { name: 'Image and comments' });
    await thread.getByText('Could the lighthouse beam be warmer here?').waitFor();
    await thread.getByTestId('pin-marker').waitFor();
    await thread.getByRole('button', { name: 'Reply' }).click();
    const replyBox = thread.getByLabel('Reply', { exact: true });
    await replyBox.fill('Yes — warmer in the next round.');
    // @-autocomplete: typing @ and letters lists the matching teammates; the keyboard picks one.
    await replyBox.press('End');
    await replyBox.pressSequentially(' cc @studio-me');
    const people = thread.getByTestId('mention-list');
    await people.waitFor();
    expect(await people.getByRole('option').allTextContents()).toEqual(['@studio-member']);
    expect(await replyBox.getAttribute('aria-expanded')).toBe('true');
    await screenshot(member, artifacts, 'board-mention-autocomplete');
    await replyBox.press('Enter');
    expect(await replyBox.inputValue()).toBe('Yes — warmer in the next round. cc @studio-member ');
    expect(await people.count()).toBe(0);
    await replyBox.pressSequentially('please check');
    await thread.getByRole('button', { name: 'Reply', exact: true }).last().click();
    await thread.getByText('Yes — warmer in the next round. cc @studio-member please check').waitFor();
    await expect
      .poll(async () => (await world.members.member.client.get<NotificationPage>(`/orgs/${world.organization.id}/notifications`)).body.notifications.some((note) => note.kind === 'mention'))
      .toBe(true);
    expect(await accessibilityProblems(member)).toEqual([]);
    await screenshot(member, artifacts, 'board-comment-thread');
    await thread.screenshot({ path: path.join(artifacts, 'readme-comment-thread.png'), animations: 'disabled' });
    await member.getByTestId('share-board').click();
    await member.evaluate(() => { window.scrollTo(0, 0); });
    await member.screenshot({ path: path.join(artifacts, 'readme-board.png'), animations: 'disabled' });
    await screenshot(member, artifacts, 'board');
    await member.getByTestId('share-board').click();

    // The member's reply reaches the guest's open page by itself, at once (the page no longer polls).
    await guest.getByText('Yes — warmer in the next round. cc @studio-member please check').waitFor({ timeout: 3_000 });

    // The guest edits their own comment (never anyone else's: no Edit on the member's reply); the member sees it live.
    const guestComment = guest.getByTestId('comment').filter({ hasText: 'Could the lighthouse beam be warmer here?' });
    expect(await guest.getByTestId('comment').filter({ hasText: 'Yes — warmer in the next round' }).getByRole('button', { name: 'Edit' }).count()).toBe(0);
    await guestComment.getByRole('button', { name: 'Edit' }).click();
    await guest.getByLabel('Edit comment').fill('Could the lighthouse beam be warmer, and the sky a touch darker?');
    await guest.getByRole('button', { name: 'Save' }).click();
    await thread.getByText('Could the lighthouse beam be warmer, and the sky a touch darker?').waitFor({ timeout: 3_000 });
    await screenshot(guest, artifacts, 'review-guest-edited');

    // Revoked: the guest's open page stops working within seconds.
    await member.getByTestId('revoke-link').click();
    await guest.getByTestId('review-ended').waitFor({ timeout: 15_000 });
    expect(await guest.getByTestId('review-ended').textContent()).toContain('turned the link off');
    await guest.reload();
    await guest.getByTestId('review-ended').waitFor();
    await screenshot(guest, artifacts, 'review-guest-revoked');

    // Versions: an outpaint of the first image shows its original, and the two compare side by side.
    const outpaint = await submitAndWait(world.members.owner.client, world.organization.id, {
      request: { operation: 'outpaint', model: 'flux-schnell', steps: 4, outpaint: { left: 128, right: 128 } },
      prompt: 'wider, more sea',
      sourceAssetId: assets[0],
    });
    await member.goto(`${org}/gallery/${String(outpaint.assetIds[0])}`);
    const versions = member.getByTestId('versions');
    await expect.poll(() => versions.getByTestId('version').count()).toBe(2);
    for (const box of await versions.getByRole('checkbox', { name: 'Compare' }).all()) await box.check();
    await versions.getByTestId('compare').waitFor();
    expect(await accessibilityProblems(member)).toEqual([]);
    await versions.screenshot({ path: path.join(artifacts, 'versions.png'), animations: 'disabled' });

    // Prompt history: a snapshot, a change, the snapshot restored for everyone, and the restore undone.
    const created = await world.members.owner.client.post<WorkspaceView>(`/orgs/${world.organization.id}/workspaces`, { name: 'Hero', projectId: world.project.id });
    expectStatus(created, 201);
    const teammate = await newPage();
    for (const [page, email] of [[member, world.members.owner.email], [teammate, world.members.manager.email]] as const) {
      if (page === teammate) {
        await page.goto('/sign-in');
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill('correct horse battery');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(/\/orgs/);
      }
      await page.goto(`${org}/workspaces/${created.body.id}`);
      await expect.poll(() => page.getByTestId('collab-status').textContent()).toBe('Live');
    }
    await member.getByTestId('prompt').click();
    await member.keyboard.type('a lighthouse at dusk', { delay: 5 });
    await expect.poll(() => editorText(teammate, 'prompt')).toBe('a lighthouse at dusk');
    await member.getByTestId('snapshot-name').fill('Dusk');
    await member.getByTestId('snapshot-save').click();
    await member.getByTestId('snapshot').first().waitFor();
    await member.getByTestId('prompt').click();
    await member.keyboard.press('Control+a');
    await member.keyboard.type('a lighthouse at noon', { delay: 5 });
    await expect.poll(() => editorText(teammate, 'prompt')).toBe('a lighthouse at noon');
    await member.getByRole('button', { name: 'Restore Dusk' }).click();
    await expect.poll(() => editorText(teammate, 'prompt')).toBe('a lighthouse at dusk');
    await member.getByTestId('restore-undo').getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => editorText(teammate, 'prompt')).toBe('a lighthouse at noon');
    await teammate.getByTestId('prompt-history').getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => teammate.getByTestId('snapshot').first().textContent()).toContain('Dusk');
    expect(await accessibilityProblems(member)).toEqual([]);
    await member.getByTestId('prompt-history').screenshot({ path: path.join(artifacts, 'prompt-history.png'), animations: 'disabled' });
  }, 240_000);
});
