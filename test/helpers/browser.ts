// Real Chromium (Debian's, through playwright-core) for the browser tests: where it is, the flags
// for a machine with no display, GPU or internet, where screenshots go, and logged-in pages.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { REPO_ROOT, type TestDaemon } from './daemon.js';
import { loginUrl } from './web-client.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Flags for a machine with no display, GPU or internet (see docs/web.md).
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** The reason to skip browser tests, or false when Chromium is there. */
export const noChromium = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH) to run the browser tests`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Where screenshots go: WEB_SCREENSHOTS (relative to the repository), else a temporary directory the caller removes. */
export function screenshotDir(): string {
  const wanted = process.env.WEB_SCREENSHOTS;
  if (wanted === undefined || wanted === '') return mkdtempSync(join(tmpdir(), 'p2pchat-web-shots-'));
  const dir = join(REPO_ROOT, wanted);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A new browser profile logged in to a daemon's web app with the link `p2pchat web` prints, once
 * its event stream is live. Script errors and console errors of the page are added to `errors`.
 */
export async function openApp(
  browser: Browser,
  daemon: TestDaemon,
  errors: string[],
  viewport = { width: 1100, height: 700 },
): Promise<Page> {
  const context = await browser.newContext({ viewport, colorScheme: 'light' });
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(`${daemon.name}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`${daemon.name} console: ${msg.text()}`);
  });
  await page.goto(await loginUrl(daemon));
  await page.getByRole('status').filter({ hasText: 'live' }).waitFor();
  return page;
}

/** Script errors other than refused requests (401 and 403 are what some tests provoke). */
export const scriptErrors = (errors: string[]) => errors.filter((e) => !/status of 40[13]|Failed to load resource/.test(e));
