import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';

/** Debian's chromium; `npx playwright install` cannot download browsers here. */
const executablePath = process.env.BROWSER_PATH ?? '/usr/bin/chromium';
const required = process.env.BROWSER_TESTS === 'required';
const missing = existsSync(executablePath)
  ? null
  : `${executablePath} is missing (apt-get install chromium, or set BROWSER_PATH)`;
if (missing && required) throw new Error(`BROWSER_TESTS=required, but ${missing}`);
if (missing) console.warn(`\n*** Browser tests SKIPPED: ${missing} ***\n`);

/** Why the browser tests are skipped (loudly; with BROWSER_TESTS=required they fail instead). */
export const browserMissing = missing !== null;

/**
 * Where the tests' screenshots of the main pages go: `docs/` (shown in the README) with
 * UPDATE_SCREENSHOTS=1, else a scratch directory, so a test run leaves the checkout unchanged.
 */
export const DOCS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? join(import.meta.dirname, '..', '..', 'docs')
    : mkdtempSync(join(tmpdir(), 'ucloud-screenshots-'));

/**
 * Headless Chromium with a fresh profile, for the tests of the file. Each page records what
 * Lighthouse-style checks look at: console errors and every request's URL.
 */
export function useBrowser() {
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'ucloud-chromium-'));
    mkdirSync(DOCS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      viewport: { width: 1280, height: 860 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });
  return {
    /** A new tab (its own sessionStorage: signed out) that records its console errors and requests. */
    async page(): Promise<WatchedPage> {
      if (!context) throw new Error('the browser is used before useBrowser started it');
      const page = await context.newPage();
      const watched: WatchedPage = Object.assign(page, { consoleErrors: [], requested: [] });
      page.on('console', (m) => {
        if (m.type() === 'error') watched.consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => watched.consoleErrors.push(String(e)));
      page.on('request', (r) => watched.requested.push(r.url()));
      page.on('websocket', (ws) => watched.requested.push(ws.url()));
      return watched;
    },
  };
}

export interface WatchedPage extends Page {
  consoleErrors: string[];
  requested: string[];
}

/** No console errors, and no request anywhere but `origins` (the orchestrator, by default). */
export function expectCleanPage(page: WatchedPage, ...origins: string[]) {
  expect(page.consoleErrors).toEqual([]);
  const allowed = origins.map((o) => new URL(o).host);
  const elsewhere = page.requested.filter((url) => !allowed.includes(new URL(url).host));
  expect(elsewhere).toEqual([]);
}

export async function signIn(page: Page, url: string, token: string, path = '/jobs') {
  await page.goto(url + path);
  await page.getByLabel('Bearer token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === path);
}
