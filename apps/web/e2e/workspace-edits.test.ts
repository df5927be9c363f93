import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AssetView, JobView, WorkspaceView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { addMember, buildWorld, expectStatus, type OrganizationWorld } from '../../server/test/world.js';
import { accessibilityProblems, artifactsDirectory, browserTestsSkipReason, launchChromium, liveValue, screenshot, signIn } from './browser.js';

const unavailable = browserTestsSkipReason();

const desktop = { width: 1440, height: 900 };
const phone = { width: 375, height: 812 };

/** Pixels of a canvas that something is painted on (alpha above zero). */
function paintedPixels(page: Page): Promise<number> {
  return page.getByTestId('mask-canvas').evaluate((element) => {
    const canvas = element as HTMLCanvasElement;
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    let painted = 0;
    for (let index = 3; index < data.length; index += 4) if ((data[index] ?? 0) > 0) painted += 1;
    return painted;
  });
}

describe.skipIf(unavailable !== undefined)('the workspace: edits shown large and compared, live strokes, the queue, on a phone', () => {
  let server: TestApp | undefined;
  let browser: Browser | undefined;
  let world: OrganizationWorld;
  let artifacts: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // A provider slow enough to cancel a running job; a running job notices a cancel within 1.5 s.
    server = await startTestApp({ LOCAL_PROVIDER_LATENCY_MS: '3000', JOB_HOLD_EXTEND_INTERVAL_MS: '1500' });
    browser = await launchChromium();
    artifacts = await artifactsDirectory();
    world = await buildWorld(server, 'edits');
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
  });

  async function signedInPage(email: string, viewport: { width: number; height: number }): Promise<Page> {
    const touch = viewport.width < 1024;
    const context = await browser!.newContext({ baseURL: server!.url, viewport, hasTouch: touch, isMobile: touch });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => {
      console.error(`page error: ${error.message}`);
    });
    await signIn(page, email);
    return page;
  }

  async function newWorkspace(name: string): Promise<string> {
    const created = await world.members.owner.client.post<WorkspaceView>(`/orgs/${world.organization.id}/workspaces`, { name, projectId: world.project.id });
    expectStatus(created, 201);
    return `/orgs/${world.organization.id}/workspaces/${created.body.id}`;
  }

  async function open(page: Page, url: string): Promise<void> {
    await page.goto(url);
    await expect.poll(() => page.getByTestId('collab-status').textContent()).toBe('Live');
  }

  async function chooseSource(page: Page, operationLabel: string): Promise<void> {
    await page.getByLabel('Operation').selectOption({ label: operationLabel });
    await page.getByRole('button', { name: 'Choose from gallery' }).click();
    await page.getByRole('button', { name: /^Use edits test image/ }).first().click();
  }

  /** Presses Generate and waits for the new job to finish; returns it as the API has it. */
  async function generate(page: Page): Promise<JobView> {
    await expect.poll(() => page.getByTestId('generate').isEnabled(), { timeout: 20_000 }).toBe(true);
    const before = await page.getByTestId('job').count();
    await page.getByTestId('generate').click();
    await expect.poll(() => page.getByTestId('job').count()).toBe(before + 1);
    const jobId = (await page.getByTestId('job').first().getAttribute('data-job-id')) ?? '';
    await expect.poll(() => page.locator(`[data-job-id="${jobId}"]`).getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    return (await world.members.owner.client.get<JobView>(`/orgs/${world.organization.id}/jobs/${jobId}`)).body;
  }

  async function asset(id: string): Promise<AssetView> {
    return (await world.members.owner.client.get<{ asset: AssetView }>(`/orgs/${world.organization.id}/assets/${id}`)).body.asset;
  }

  test("a teammate's stroke shows while they paint; presence fits; the inpaint's result shows large, compared with its source", async () => {
    const url = await newWorkspace('Live strokes');
    const owner = await signedInPage(world.members.owner.email, desktop);
    const member = await signedInPage(world.members.member.email, desktop);
    await open(owner, url);
    await open(member, url);

    // Two people here: two avatars side by side, neither over the other, both on screen.
    await expect.poll(() => owner.locator('[data-testid="people"] .avatar').count()).toBe(2);
    const avatars = await owner.locator('[data-testid="people"] .avatar').evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().toJSON() as DOMRect));
    const [first, second] = avatars;
    expect(first !== undefined && second !== undefined && (first.right <= second.left || second.right <= first.left)).toBe(true);
    for (const box of avatars) expect(box.right).toBeLessThanOrEqual(desktop.width);

    await chooseSource(owner, 'Inpaint');
    const canvas = member.getByTestId('mask-canvas');
    await expect.poll(() => canvas.isVisible()).toBe(true);
    await expect.poll(() => owner.getByTestId('mask-canvas').isVisible()).toBe(true);
    await member.waitForTimeout(300); // the image's layout settles
    const box = await canvas.boundingBox();
    if (box === null) throw new Error('no mask canvas');
    expect(await paintedPixels(owner)).toBe(0);

    // The member paints and has not let go: the owner already sees the stroke, not yet in the document.
    await member.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await member.mouse.down();
    for (let step = 1; step <= 10; step += 1) await member.mouse.move(box.x + box.width * (0.3 + step * 0.04), box.y + box.height * (0.4 + step * 0.02));
    await expect.poll(() => owner.getByTestId('mask-canvas').getAttribute('data-live-strokes')).toBe('1');
    await expect.poll(() => paintedPixels(owner)).toBeGreaterThan(500);
    expect(await owner.getByTestId('mask-canvas').getAttribute('data-strokes')).toBe('0');
    await screenshot(owner, artifacts, 'edits-live-stroke-1440');
    // Let go: the stroke is committed, and stays painted.
    await member.mouse.up();
    await expect.poll(() => owner.getByTestId('mask-canvas').getAttribute('data-strokes')).toBe('1');
    await expect.poll(() => owner.getByTestId('mask-canvas').getAttribute('data-live-strokes')).toBe('0');
    expect(await paintedPixels(owner)).toBeGreaterThan(500);

    // The owner generates the inpaint: its result is shown large, over its source.
    await owner.getByTestId('prompt').click();
    await owner.keyboard.type('a red kite in the sky', { delay: 2 });
    const job = await generate(owner);
    expect(job.operation).toBe('inpaint');
    const slider = owner.getByTestId('compare-slider');
    await expect.poll(() => slider.isVisible()).toBe(true);
    const frame = await slider.boundingBox();
    expect(frame?.width ?? 0).toBeGreaterThan(450);
    expect(await owner.getByTestId('result-size').textContent()).toContain('512 × 512 px · from 512 × 512 px');
    // The teammate sees it too.
    await expect.poll(() => member.getByTestId('compare-slider').isVisible()).toBe(true);

    // The compare is a slider the keyboard moves: half and half, then more of the result, then all source.
    const handle = owner.getByTestId('compare-handle');
    expect(await handle.getAttribute('aria-valuetext')).toBe('50% source, 50% result');
    await handle.focus();
    for (let press = 0; press < 10; press += 1) await owner.keyboard.press('ArrowLeft');
    expect(await handle.getAttribute('aria-valuetext')).toBe('40% source, 60% result');
    expect(await owner.getByTestId('compare-before').evaluate((element) => (element as HTMLElement).style.clipPath)).toMatch(/inset\(0(px)? 60% 0(px)? 0(px)?\)/);
    await owner.keyboard.press('End');
    expect(await handle.getAttribute('aria-valuetext')).toBe('100% source, 0% result');
    await owner.keyboard.press('Home');
    await screenshot(owner, artifacts, 'edits-compare-slider-1440');
    const problems: Record<string, unknown> = { slider: await accessibilityProblems(owner) };

    // Side by side: the source and the result, each with its size.
    await owner.getByRole('radio', { name: 'Side by side' }).click();
    await expect.poll(() => owner.getByTestId('compare-side').locator('img').count()).toBe(2);
    await screenshot(owner, artifacts, 'edits-compare-side-1440');
    problems.side = await accessibilityProblems(owner);
    expect(problems).toEqual({ slider: [], side: [] });

    // The mask is a tab away.
    await owner.getByTestId('show-canvas').click();
    await expect.poll(() => owner.getByTestId('mask-canvas').isVisible()).toBe(true);

    // Five people here: three avatars and "+2" naming the others, all within the header on a phone.
    const another = await addMember(server!, world.members.owner.client, world.organization.id, 'member', 'edits-fifth');
    for (const email of [world.members.manager.email, world.members.viewer.email, another.email]) {
      const page = await signedInPage(email, desktop);
      await page.goto(url);
      // A viewer's document is read-only.
      await expect.poll(() => page.getByTestId('collab-status').textContent()).toMatch(/^(Live|Read-only)$/);
    }
    await owner.setViewportSize(phone);
    await expect.poll(() => owner.getByTestId('people-more').textContent()).toBe('+2');
    expect(await owner.locator('[data-testid="people"] .avatar').count()).toBe(3);
    const people = await owner.locator('[data-testid="people"] > *').evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().toJSON() as DOMRect));
    for (let index = 1; index < people.length; index += 1) expect(people[index]!.left).toBeGreaterThanOrEqual(people[index - 1]!.right);
    for (const person of people) expect(person.right).toBeLessThanOrEqual(phone.width);
    expect(await owner.getByTestId('people-more').getAttribute('title')).toMatch(/^[^,]+, [^,]+$/);
    await owner.evaluate(() => {
      window.scrollTo(0, 0);
    });
    await owner.screenshot({ path: `${artifacts}/edits-presence-375.png` });
  });

  test('outpaint and upscale rows show their result sizes; the cost follows Variations as it is typed; a cancel says so at once, then the refund', async () => {
    const url = await newWorkspace('Sizes and cancel');
    const page = await signedInPage(world.members.owner.email, desktop);
    await open(page, url);

    // Outpaint: the hint says the result is the expanded canvas, and the row shows that size.
    await chooseSource(page, 'Outpaint');
    await page.getByRole('spinbutton', { name: 'left' }).fill('128');
    await expect.poll(() => page.getByTestId('size-hint').textContent()).toContain('the result is the expanded canvas, 640 × 512 px');
    expect(await page.getByTestId('size-hint').textContent()).not.toContain("keeps the source's size");
    const outpaint = await generate(page);
    const outpainted = await asset(outpaint.assetIds[0] ?? '');
    expect(`${String(outpainted.width)}×${String(outpainted.height)}`).toBe('640×512');
    await expect.poll(() => page.locator(`[data-job-id="${outpaint.id}"] [data-testid="job-size"]`).textContent()).toContain('· 640×512');
    await expect.poll(() => page.getByTestId('result-size').textContent()).toContain('640 × 512 px · from 512 × 512 px');
    await screenshot(page, artifacts, 'edits-outpaint-1440');

    // Upscale: larger than the source, and the row says how large.
    await page.getByLabel('Operation').selectOption({ label: 'Fast upscale (4×)' });
    await expect.poll(() => page.getByTestId('size-hint').textContent()).toContain('the result is larger');
    const upscale = await generate(page);
    const upscaled = await asset(upscale.assetIds[0] ?? '');
    expect(upscaled.width).toBeGreaterThan(512);
    await expect.poll(() => page.locator(`[data-job-id="${upscale.id}"] [data-testid="job-size"]`).textContent()).toContain(`· ${String(upscaled.width)}×${String(upscaled.height)}`);
    // The 2048 px result shows as a WebP preview, not its full PNG (that is for the gallery and downloads).
    const after = page.locator('[data-testid="compare-slider"] img.after');
    await expect.poll(() => after.evaluate((image) => (image as HTMLImageElement).currentSrc)).toMatch(new RegExp(`/assets/${upscale.assetIds[0] ?? ''}/thumbnails/\\d+$`));

    // Variations: the cost changes while the field still has the focus.
    await page.getByLabel('Operation').selectOption({ label: 'Text-to-image' });
    await page.getByTestId('prompt').click();
    await page.keyboard.type('a glass teapot', { delay: 2 });
    await expect.poll(() => page.getByTestId('cost').getAttribute('data-credits')).not.toBeNull();
    const single = Number(await page.getByTestId('cost').getAttribute('data-credits'));
    const variations = page.getByLabel('Variations');
    await variations.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('3');
    await expect.poll(() => page.getByTestId('cost').getAttribute('data-credits')).toBe(String(single * 3));
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('setting-variations');

    // Cancel a running job: "Cancelling…" at once, then cancelled with the hold refunded to the pool.
    const poolBefore = await liveValue(page, 'pool-available');
    await page.getByTestId('generate').click();
    const row = page.getByTestId('job').first();
    await expect.poll(() => row.getAttribute('data-status')).toBe('running');
    const cancelButton = row.getByTestId('job-cancel');
    // The cancel request takes a second to reach the server (a slow network): the button says so before any answer.
    await page.route('**/api/orgs/*/jobs/*/cancel', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.continue();
    });
    await cancelButton.click();
    expect(await cancelButton.evaluate((button) => ({ text: button.textContent.trim(), disabled: (button as HTMLButtonElement).disabled }))).toEqual({ text: 'Cancelling…', disabled: true });
    await screenshot(page, artifacts, 'edits-cancelling-1440');
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('cancelled');
    expect(await row.getByTestId('job-refund').textContent()).toBe(`${String(single * 3)} credits refunded`);
    await expect.poll(() => liveValue(page, 'pool-available')).toBe(poolBefore);
    await screenshot(page, artifacts, 'edits-cancelled-1440');

    // Cancel after the first of three images: that image is kept and charged, the other two refunded.
    await page.unroute('**/api/orgs/*/jobs/*/cancel');
    await page.getByTestId('generate').click();
    const partRow = page.getByTestId('job').first();
    await expect.poll(() => partRow.getByTestId('job-result').count(), { timeout: 15_000 }).toBe(1);
    await partRow.getByTestId('job-cancel').click();
    await screenshot(page, artifacts, 'edits-cancelling-partly-1440');
    await expect.poll(() => partRow.getAttribute('data-status'), { timeout: 15_000 }).toBe('cancelled');
    expect(await partRow.getByTestId('job-refund').textContent()).toBe(`${String(single)} credits charged · ${String(single * 2)} credits refunded`);
    expect(await partRow.getByTestId('job-result').count()).toBe(1);
    await expect.poll(() => liveValue(page, 'pool-available')).toBe(poolBefore - single);
    await screenshot(page, artifacts, 'edits-cancelled-partly-1440');
  });

  test('on a 375 px phone the workspace stacks, and a member paints a mask by touch and generates an inpaint', async () => {
    const url = await newWorkspace('On the phone');
    const page = await signedInPage(world.members.member.email, phone);
    await open(page, url);
    await chooseSource(page, 'Inpaint');
    const canvas = page.getByTestId('mask-canvas');
    await expect.poll(() => canvas.isVisible()).toBe(true);

    // Prompt, settings, cost and Generate, then the canvas, then the queue: one column, in that order.
    const top = async (locator: ReturnType<Page['locator']>): Promise<number> => (await locator.boundingBox())?.y ?? Number.NaN;
    const order = [
      await top(page.getByTestId('prompt')),
      await top(page.getByLabel('Operation')),
      await top(page.getByTestId('cost')),
      await top(page.getByTestId('generate')),
      await top(canvas),
      await top(page.getByRole('heading', { name: 'Queue' })),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone.width);

    // A finger paints across the image (touch events, as a phone sends them).
    await canvas.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    const box = await canvas.boundingBox();
    if (box === null) throw new Error('no mask canvas');
    const scrolledBefore = await page.evaluate(() => window.scrollY);
    const touch = await page.context().newCDPSession(page);
    const at = (fx: number, fy: number): { x: number; y: number } => ({ x: box.x + box.width * fx, y: box.y + box.height * fy });
    await touch.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(0.2, 0.3)] });
    for (let step = 1; step <= 12; step += 1) await touch.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(0.2 + step * 0.05, 0.3 + step * 0.03)] });
    await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await expect.poll(() => canvas.getAttribute('data-strokes')).toBe('1');
    // The finger painted; it did not scroll the page.
    expect(await page.evaluate(() => window.scrollY)).toBe(scrolledBefore);
    await expect.poll(async () => Number(/covers (\d+)%/.exec((await page.locator('.coverage').textContent()) ?? '')?.[1] ?? 0)).toBeGreaterThan(0);
    await screenshot(page, artifacts, 'edits-phone-mask-375');

    // Type only once the editor has the focus, and see the words arrive (a tap's focus can land late).
    const prompt = page.getByTestId('prompt');
    await prompt.tap();
    // On a phone-sized page a tap can land before the editor takes it: give it the focus as a second tap would.
    if (!(await prompt.evaluate((element) => element.contains(document.activeElement)))) await prompt.focus();
    await expect.poll(() => prompt.evaluate((element) => element.contains(document.activeElement))).toBe(true);
    await page.keyboard.type('a paper lantern', { delay: 2 });
    await expect.poll(() => prompt.textContent()).toContain('a paper lantern');
    await page.getByTestId('generate').scrollIntoViewIfNeeded();
    await expect.poll(() => page.getByTestId('generate').isEnabled(), { timeout: 20_000 }).toBe(true);
    const jobsBefore = await page.getByTestId('job').count();
    await page.getByTestId('generate').tap();
    await expect.poll(() => page.getByTestId('job').count()).toBe(jobsBefore + 1);
    const row = page.getByTestId('job').first();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    const job = (await world.members.owner.client.get<JobView>(`/orgs/${world.organization.id}/jobs/${(await row.getAttribute('data-job-id')) ?? ''}`)).body;
    expect(job.operation).toBe('inpaint');
    await expect.poll(() => page.getByTestId('compare-slider').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone.width);
    await page.getByTestId('compare-slider').scrollIntoViewIfNeeded();
    await screenshot(page, artifacts, 'edits-phone-result-375');
    expect(await accessibilityProblems(page)).toEqual([]);
  });
});
