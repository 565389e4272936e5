/**
 * The web app in a real browser: Debian's Chromium driven by playwright-core
 * (never a downloaded browser build), one context per person, against the
 * local stack's entry point. Screenshots go to SCREENSHOTS_DIR (default
 * <stack dir>/screenshots; `SCREENSHOTS_DIR=docs/screenshots` refreshes the README's).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { stackDir } from '../../tools/stack/env-instance.ts';
import { BASE_URL } from '../integration/client.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotsDir = path.resolve(process.env.SCREENSHOTS_DIR ?? path.join(stackDir, 'screenshots'));

export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run tools/browser-setup.sh (apt-get install chromium)`);
  // --no-sandbox: the tests run as root here, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** A fresh context (its own sessionStorage: one person) at a phone's width or a desktop's. */
export async function personAt(browser: Browser, width = 1280): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, baseURL: BASE_URL, locale: 'ko-KR' });
  const page = await context.newPage();
  await page.goto('/');
  return { context, page };
}

/** Logs in through the form, as a person types it. */
export async function logIn(page: Page, username: string, password = 'demo-pass'): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's WCAG 2 A/AA rules on the page as it is. Injected with evaluate,
 * which the page's Content-Security-Policy does not govern (a script tag would be refused).
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotsDir, { recursive: true });
  const file = path.join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
