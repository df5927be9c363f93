import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { WorkspaceView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../../server/test/app.js';
import { buildWorld, expectStatus, type OrganizationWorld } from '../../server/test/world.js';
import { accessibilityProblems, artifactsDirectory, browserTestsSkipReason, editorText, launchChromium, screenshot, signIn } from './browser.js';

const unavailable = browserTestsSkipReason();

/** CodeMirror's chunk is the only JavaScript with its base theme's class names in it. */
const isEditorCode = (body: string): boolean => body.includes('cm-scroller');

interface Fetched {
  url: string;
  encoding: string | undefined;
  transferred: number;
  gzipped: number;
  editorCode: boolean;
}

/** The raw answer to a GET of the server (no decompression), as the network carries it. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
      });
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe.skipIf(unavailable !== undefined)("a workspace's first load, in Chromium", () => {
  let server: TestApp | undefined;
  let browser: Browser | undefined;
  let world: OrganizationWorld;
  let artifacts: string;
  let workspaceUrl: string;
  const contexts: BrowserContext[] = [];
  const prompt = 'a red kite over the dunes, late light';

  beforeAll(async () => {
    server = await startTestApp();
    browser = await launchChromium();
    artifacts = await artifactsDirectory();
    world = await buildWorld(server, 'first-load');
    const created = await world.members.owner.client.post<WorkspaceView>(`/orgs/${world.organization.id}/workspaces`, { name: 'Kites', projectId: world.project.id });
    expectStatus(created, 201);
    workspaceUrl = `/orgs/${world.organization.id}/workspaces/${created.body.id}`;
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
  });

  async function signedInPage(email: string): Promise<Page> {
    const context = await browser!.newContext({ baseURL: server!.url, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await signIn(page, email);
    return page;
  }

  /**
   * Holds CodeMirror's chunk back until `release`, or fails every fetch of it while `failing.on`
   * (the module preload and the import both ask for it).
   */
  async function holdEditorCode(page: Page): Promise<{ release: () => void; held: Promise<void>; failing: { on: boolean } }> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let markHeld!: () => void;
    const held = new Promise<void>((resolve) => (markHeld = resolve));
    const failing = { on: false };
    await page.route('**/_app/immutable/**/*.js', async (route: Route) => {
      const response = await route.fetch();
      if (!isEditorCode((await response.body()).toString('utf8'))) {
        await route.fulfill({ response });
        return;
      }
      if (failing.on) {
        await route.abort('failed');
        return;
      }
      markHeld();
      await released;
      await route.fulfill({ response });
    });
    return { release, held, failing };
  }

  test('the JavaScript fetched before the workspace shows is under 150 KB compressed and comes brotli-compressed; CodeMirror comes after', async () => {
    const page = await signedInPage(world.members.owner.email);
    const fetched: Promise<Fetched>[] = [];
    page.on('response', (response) => {
      if (!response.url().endsWith('.js')) return;
      fetched.push(
        (async () => {
          const body = await response.body();
          return {
            url: new URL(response.url()).pathname,
            encoding: (await response.allHeaders())['content-encoding'],
            transferred: (await response.request().sizes()).responseBodySize,
            gzipped: gzipSync(body, { level: 9 }).length,
            editorCode: isEditorCode(body.toString('utf8')),
          };
        })(),
      );
    });
    // The sign-in page's code is in the browser's cache by now: start the count on an empty one.
    await page.waitForLoadState('networkidle');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.clearBrowserCache');
    fetched.length = 0;

    await page.goto(workspaceUrl);
    await expect.poll(() => page.getByTestId('collab-status').textContent()).toBe('Live');
    await expect.poll(() => page.getByTestId('prompt').isVisible()).toBe(true);
    const responses = await Promise.all(fetched);
    const firstLoad = responses.filter((response) => !response.editorCode);
    const editor = responses.filter((response) => response.editorCode);
    const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
    const gzipped = firstLoad.reduce((sum, response) => sum + response.gzipped, 0);
    const transferred = firstLoad.reduce((sum, response) => sum + response.transferred, 0);
    console.info(`workspace first load: ${String(firstLoad.length)} scripts, ${kb(transferred)} over the wire (brotli), ${kb(gzipped)} gzipped; CodeMirror after it: ${kb(editor.reduce((sum, response) => sum + response.transferred, 0))}`);

    expect(editor).toHaveLength(1);
    expect(gzipped).toBeLessThan(150 * 1024);
    expect(firstLoad.map((response) => [response.url, response.encoding])).toEqual(firstLoad.map((response) => [response.url, 'br']));
    expect(transferred).toBeLessThan(gzipped);

    // Hashed files are kept by browsers; the page itself is asked for again every time.
    const script = firstLoad.reduce((largest, response) => (response.gzipped > largest.gzipped ? response : largest)).url;
    const asset = await rawGet(`${server!.url}${script}`, { 'accept-encoding': 'gzip' });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-encoding']).toBe('gzip');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.vary).toMatch(/Accept-Encoding/i);
    const plain = await rawGet(`${server!.url}${script}`, {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(asset.body.length);
    const html = await rawGet(`${server!.url}${workspaceUrl}`, { 'accept-encoding': 'br, gzip' });
    expect(html.status).toBe(200);
    expect(html.headers['cache-control']).toBe('no-cache');
    expect(html.body.toString('utf8')).toContain('<html');
    // A build file that is not there is not found (not the app's page, which would be run as a script).
    const missing = await rawGet(`${server!.url}/_app/immutable/chunks/no-such-chunk.js`, { 'accept-encoding': 'br' });
    expect(missing.status).toBe(404);
    // A path that cannot be decoded: the API answers with its own error, a page path gets the app.
    const malformedApi = await rawGet(`${server!.url}/api/orgs/%ED%A0%80`, {});
    expect(malformedApi.status).toBeGreaterThanOrEqual(400);
    expect((JSON.parse(malformedApi.body.toString('utf8')) as { code?: string }).code).toBeDefined();
    const malformedPage = await rawGet(`${server!.url}/orgs/%ED%A0%80`, {});
    expect(malformedPage.status).toBe(200);
    expect(malformedPage.body.toString('utf8')).toContain('<html');
  });

  test('until CodeMirror arrives the prompt is a plain text area on the shared text: Generate and the cost work, typing there reaches the others, and the editor takes over the caret', async () => {
    // The owner writes the prompt; the member opens the workspace with CodeMirror held back.
    const owner = await signedInPage(world.members.owner.email);
    await owner.goto(workspaceUrl);
    await expect.poll(() => owner.getByTestId('collab-status').textContent()).toBe('Live');
    await owner.getByTestId('prompt').click();
    await owner.keyboard.type(prompt, { delay: 2 });

    const member = await signedInPage(world.members.member.email);
    const editorCode = await holdEditorCode(member);
    await member.goto(workspaceUrl);
    await editorCode.held;
    await expect.poll(() => member.getByTestId('collab-status').textContent()).toBe('Live');
    const standIn = member.getByRole('textbox', { name: 'Prompt', exact: true });
    await expect.poll(() => standIn.inputValue()).toBe(prompt);
    expect(await member.getByTestId('prompt').count()).toBe(0);
    // The rest of the workspace does not wait for the editor.
    await expect.poll(() => member.getByTestId('generate').isEnabled()).toBe(true);
    expect(Number(await member.getByTestId('cost').getAttribute('data-credits'))).toBeGreaterThan(0);
    // It follows the others' typing, and what is typed in it reaches them.
    await owner.keyboard.type(', gulls');
    await expect.poll(() => standIn.inputValue()).toBe(`${prompt}, gulls`);
    await standIn.click();
    await member.keyboard.press('End');
    await member.keyboard.type(' at noon');
    await expect.poll(() => editorText(owner, 'prompt')).toBe(`${prompt}, gulls at noon`);
    // The caret, mid-text, before the editor arrives.
    await member.keyboard.press('Home');
    await screenshot(member, artifacts, 'first-load-01-editor-pending');
    expect(await accessibilityProblems(member)).toEqual([]);

    editorCode.release();
    await expect.poll(() => member.getByTestId('prompt').isVisible()).toBe(true);
    await expect.poll(() => member.getByTestId('prompt').evaluate((element) => element.contains(document.activeElement))).toBe(true);
    // The editor took the caret where it was: typing goes on at the start.
    await member.keyboard.type('Wide shot: ');
    await expect.poll(() => editorText(owner, 'prompt')).toBe(`Wide shot: ${prompt}, gulls at noon`);
    await screenshot(member, artifacts, 'first-load-02-editor-ready');
  });

  test('a failed fetch of the editor says so and can be tried again', async () => {
    const member = await signedInPage(world.members.member.email);
    const editorCode = await holdEditorCode(member);
    editorCode.failing.on = true;
    editorCode.release();
    await member.goto(workspaceUrl);
    const alert = member.getByRole('alert').filter({ hasText: 'The editor could not load' });
    await expect.poll(() => alert.first().isVisible()).toBe(true);
    await screenshot(member, artifacts, 'first-load-03-editor-failed');
    editorCode.failing.on = false;
    await alert.first().getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => member.getByTestId('prompt').isVisible()).toBe(true);
    await expect.poll(() => member.getByRole('alert').filter({ hasText: 'The editor could not load' }).count()).toBe(0);
    await expect.poll(() => editorText(member, 'prompt')).toContain(prompt);
  });
});
