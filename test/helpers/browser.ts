// Real Chromium (Debian's, through playwright-core) for the browser tests: where it is, the flags
// for a machine with no display, GPU or internet, where screenshots go, and logged-in pages.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { REPO_ROOT, startConnectedPair, stopAllThen, type TestDaemon } from './daemon.js';
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

/** What a browser suite of two apps works with; the daemons, browser and directory exist once its before() ran. */
export interface TwoApps {
  alice: TestDaemon;
  bob: TestDaemon;
  /** Where the suite's screenshots go (see screenshotDir). */
  shots: string;
  /** Script and console errors of every page opened with openApp. */
  pageErrors: string[];
  /** A logged-in page of a daemon's app, in its own browser profile (see openApp). */
  openApp(daemon: TestDaemon, viewport?: { width: number; height: number }): Promise<Page>;
}

/**
 * The before() and after() of a suite that drives the apps of two connected daemons, alice and
 * bob (contacts of each other), in one Chromium: everything is stopped and removed afterwards,
 * screenshots unless WEB_SCREENSHOTS keeps them.
 */
export function twoAppsSuite(): TwoApps {
  let browser: Browser | undefined;
  const apps = {
    shots: '',
    pageErrors: [] as string[],
    openApp: (daemon: TestDaemon, viewport?: { width: number; height: number }) =>
      openApp(browser as Browser, daemon, apps.pageErrors, viewport),
  } as TwoApps;
  before(async () => {
    apps.shots = screenshotDir();
    [[apps.alice, apps.bob], browser] = await Promise.all([startConnectedPair(), launchChromium()]);
  });
  after(async () => {
    try {
      await browser?.close();
    } finally {
      await stopAllThen(() => {
        if (!process.env.WEB_SCREENSHOTS && apps.shots !== '') rmSync(apps.shots, { recursive: true, force: true });
      });
    }
  });
  return apps;
}
