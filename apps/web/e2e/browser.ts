import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const webBuild = fileURLToPath(new URL('../build/index.html', import.meta.url));

/**
 * Why the browser tests cannot run here, or undefined when they can. With REQUIRE_E2E=1 (CI) a
 * reason is a failure, not a skip.
 */
export function e2eUnavailable(): string | undefined {
  if (!existsSync(chromiumPath)) return `no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (!existsSync(webBuild)) return 'the web app is not built (npm run build)';
  return undefined;
}

/**
 * Chromium, watching every page of every context for Content Security Policy violations (the
 * server sends a strict CSP): closing the browser fails the test run if any page broke the policy.
 */
/**
 * Why this file's browser tests skip, or undefined when they run. With REQUIRE_E2E=1 (CI) a reason
 * is a failure, not a skip.
 */
export function browserTestsSkipReason(): string | undefined {
  const unavailable = e2eUnavailable();
  if (unavailable === undefined) return undefined;
  if (process.env.REQUIRE_E2E === '1') throw new Error(`End-to-end tests are required (REQUIRE_E2E=1) but cannot run: ${unavailable}`);
  console.warn(`Skipping the browser tests: ${unavailable}.`);
  return unavailable;
}

export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  const violations: string[] = [];
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(`${message.location().url}: ${message.text()}`);
    });
    return context;
  };
  const close = browser.close.bind(browser);
  browser.close = async (options) => {
    await close(options);
    if (violations.length > 0) throw new Error(`Content Security Policy violations:\n${violations.join('\n')}`);
  };
  return browser;
}

/** Signs the page in through the sign-in form (the test worlds' password) and waits for the org pages. */
export async function signIn(page: Page, email: string, password = 'correct horse battery'): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/orgs/);
}

/** Where screenshots go: E2E_ARTIFACTS_DIR, or a folder in the system's temp directory. */
export async function artifactsDirectory(): Promise<string> {
  const directory = process.env.E2E_ARTIFACTS_DIR ?? path.join(tmpdir(), 'atelier-e2e');
  await mkdir(directory, { recursive: true });
  return directory;
}

export async function screenshot(page: Page, directory: string, name: string): Promise<void> {
  await page.screenshot({ path: path.join(directory, `${name}.png`), animations: 'disabled', fullPage: true });
}

/**
 * Waits until the page has laid out what it has: its fonts and images loaded (or failed) and two
 * frames drawn after that (layout and paint of what they changed). Instead of a fixed pause.
 */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await document.fonts.ready;
    await Promise.all(
      [...document.images]
        .filter((image) => !image.complete)
        .map((image) => new Promise((resolve) => {
          image.addEventListener('load', resolve, { once: true });
          image.addEventListener('error', resolve, { once: true });
        })),
    );
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
}

/** The number a LiveNumber shows (its data-value), e.g. the pool's available credits. */
export async function liveValue(page: Page, testId: string): Promise<number> {
  const value = await page.getByTestId(testId).getAttribute('data-value');
  if (value === null) throw new Error(`${testId} has no value`);
  return Number(value);
}

/** Polls until `read` returns `expected` (or throws with the last value). */
export async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 15_000, what = 'value'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (last === expected) return;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: expected ${String(expected)}, last saw ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The text of a CodeMirror editor without the others' caret labels drawn inside it. */
export function editorText(page: Page, testId: string): Promise<string> {
  return page.getByTestId(testId).evaluate((element) => {
    const copy = element.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('.cm-ySelectionCaret, .cm-widgetBuffer').forEach((node) => {
      node.remove();
    });
    return [...copy.querySelectorAll('.cm-line')].map((line) => line.textContent).join('\n');
  });
}

export interface AccessibilityProblem {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let axeScript: Promise<string> | undefined;

/**
 * Runs axe-core (WCAG 2 A and AA rules) on the page as it is now and returns the serious and
 * critical problems: missing labels, unreachable controls, too little contrast, bad ARIA.
 */
export async function accessibilityProblems(page: Page): Promise<AccessibilityProblem[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (a script tag would be refused).
  // Loaded once per page (a client-side navigation keeps it), read from disk once per worker.
  if (!(await page.evaluate(() => 'axe' in window))) {
    axeScript ??= readFile(axeSource, 'utf8');
    await page.evaluate(`${await axeScript}\n;void 0`);
  }
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({ rule: violation.id, impact: violation.impact ?? '', help: violation.help, targets: violation.nodes.map((node) => node.target.join(' ')) }));
  });
}
