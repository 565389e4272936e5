/**
 * The web app as people use it, in Chromium against the running local stack:
 * a customer, a store owner and a rider at once, each seeing the others' steps
 * appear without a reload; cancelling; the payment fault switch; login refused
 * and sessions that end; keyboard, screen-reader and contrast checks (axe-core)
 * and a phone's width.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Locator, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { demoStores } from '@baedal/platform/contracts/demo';
import { call, eventually, login } from '../integration/client.ts';
import { accessibilityViolations, launch, logIn, personAt, screenshot } from './browser.ts';

const gangnam = demoStores[0];
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  process.stdout.write(`browser: serious accessibility violations per view ${JSON.stringify(axeCounts)}\n`);
});

const waitMs = 30_000;
/** Waits until the locator's text matches (the page updates itself; nothing reloads it). */
async function untilText(locator: Locator, pattern: RegExp, timeout = waitMs): Promise<void> {
  await locator.filter({ hasText: pattern }).first().waitFor({ state: 'visible', timeout });
}

/** The customer places one Fried chicken at Gangnam Fried Chicken (owner1's store); returns the order id's first 8 hex. */
async function placeOrder(page: Page): Promise<string> {
  await page
    .locator('#stores')
    .getByRole('button', { name: /Gangnam Fried Chicken/ })
    .click();
  await page.getByRole('button', { name: 'One Fried chicken more' }).click();
  await page.getByRole('button', { name: 'Place order' }).click();
  const flash = page.locator('#flash');
  await untilText(flash, /Order [0-9a-f]{8} paid/);
  return /Order ([0-9a-f]{8}) paid/.exec(await flash.innerText())![1]!;
}

async function announced(page: Page, short: string, status: string): Promise<void> {
  await untilText(page.locator('#order-announcer'), new RegExp(`Order ${short}: ${status}\\.`));
}

/** A marker that a reload would wipe: proves every change arrived live. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
}
async function stillSamePage(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { marker?: number }).marker === 42);
}

async function seriousViolations(page: Page): Promise<string[]> {
  const v = await accessibilityViolations(page);
  return v
    .filter((x) => x.impact === 'serious' || x.impact === 'critical')
    .map((x) => `${x.id}: ${x.help} ${JSON.stringify(x.nodes.map((n) => n.target))}`);
}

const axeCounts: Record<string, number> = {};

describe('the web app, three people at once', () => {
  it('when a customer orders, the owner cooks and a rider delivers, then each sees the others live, through to "Delivery received"', async () => {
    const customer = await personAt(browser, 375);
    const owner = await personAt(browser);
    const rider = await personAt(browser);
    try {
      await logIn(customer.page, 'alice');
      await logIn(owner.page, 'owner1');
      await logIn(rider.page, 'rider1');
      for (const p of [customer.page, owner.page, rider.page]) await markPage(p);

      const short = await placeOrder(customer.page);
      await announced(customer.page, short, 'paid');

      // The owner's inbox shows the order without a reload, and each step reaches the customer live.
      const row = owner.page.locator(`tr[data-order^="${short}"]`);
      await row.waitFor({ timeout: waitMs });
      await owner.page.getByRole('button', { name: `Accept order ${short}` }).click();
      await announced(customer.page, short, 'accepted');
      expect(await customer.page.getByRole('button', { name: 'Cancel order' }).isVisible()).toBe(true);
      await owner.page.getByRole('button', { name: `Start cooking order ${short}` }).click();
      await announced(customer.page, short, 'cooking');
      // Once cooking has started, cancelling is no longer offered.
      expect(await customer.page.getByRole('button', { name: 'Cancel order' }).isVisible()).toBe(false);
      await owner.page.getByRole('button', { name: `Finish cooking order ${short}` }).click();
      await announced(customer.page, short, 'cooked');
      await untilText(row, /cooked/);

      // The rider's list of nearby deliveries refreshes itself until the order is ready.
      await rider.page.getByRole('button', { name: `Pick order ${short}` }).click({ timeout: waitMs });
      await announced(customer.page, short, 'picked up');
      expect(await customer.page.getByRole('button', { name: 'Delivery received' }).isVisible()).toBe(true);
      await rider.page.getByRole('button', { name: `Delivered order ${short}` }).click();
      await announced(customer.page, short, 'delivered');
      await customer.page.getByRole('button', { name: 'Delivery received' }).click();
      await announced(customer.page, short, 'completed');
      await untilText(customer.page.locator('#notifications'), /./);

      for (const p of [customer.page, owner.page, rider.page]) expect(await stillSamePage(p)).toBe(true);
      // A phone's width: nothing wider than the screen.
      expect(await customer.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

      for (const [name, p] of [
        ['customer', customer.page],
        ['owner', owner.page],
        ['rider', rider.page],
      ] as const) {
        const serious = await seriousViolations(p);
        axeCounts[name] = serious.length;
        expect(serious).toEqual([]);
        await screenshot(p, name);
      }
    } finally {
      await Promise.all([customer.context.close(), owner.context.close(), rider.context.close()]);
    }
  });

  it('when the customer cancels before cooking, then the order ends cancelled on both screens', async () => {
    const customer = await personAt(browser);
    const owner = await personAt(browser);
    try {
      await logIn(customer.page, 'alice');
      await logIn(owner.page, 'owner1');
      const short = await placeOrder(customer.page);
      await announced(customer.page, short, 'paid');
      await customer.page.getByRole('button', { name: 'Cancel order' }).click();
      await announced(customer.page, short, 'cancelled');
      await untilText(owner.page.locator(`tr[data-order^="${short}"]`), /cancelled/);
      expect(await owner.page.getByRole('button', { name: `Accept order ${short}` }).count()).toBe(0);
    } finally {
      await Promise.all([customer.context.close(), owner.context.close()]);
    }
  });
});

describe('logging in and out', () => {
  it('when the password is wrong, then the login is refused with a message and the form stays', async () => {
    const { context, page } = await personAt(browser);
    try {
      await logIn(page, 'alice', 'not-the-password');
      await untilText(page.locator('#flash[role="alert"]'), /./);
      expect(await page.locator('#login-view').isVisible()).toBe(true);
      expect(await page.locator('#customer-view').isVisible()).toBe(false);
      axeCounts.login = (await seriousViolations(page)).length;
      expect(axeCounts.login).toBe(0);
      await screenshot(page, 'login');
    } finally {
      await context.close();
    }
  });

  it('when the server no longer accepts the token, then the app goes back to the login and says why', async () => {
    const { context, page } = await personAt(browser);
    try {
      await logIn(page, 'alice');
      await page.locator('#customer-view').waitFor();
      // Replace the token by one the server refuses (as after a key rotation), then open the app again.
      await page.evaluate(() => {
        const s = JSON.parse(sessionStorage.getItem('baedal')!);
        sessionStorage.setItem('baedal', JSON.stringify({ ...s, token: `${s.token}x` }));
      });
      await page.reload();
      await untilText(page.locator('#flash'), /session has ended/);
      expect(await page.locator('#login-view').isVisible()).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('when the token expires while the page is open, then the app goes back to the login by itself', async () => {
    const { context, page } = await personAt(browser);
    try {
      await logIn(page, 'alice');
      await page.locator('#customer-view').waitFor();
      await page.evaluate(() => {
        const s = JSON.parse(sessionStorage.getItem('baedal')!);
        sessionStorage.setItem('baedal', JSON.stringify({ ...s, expiresAt: Date.now() - 1 }));
      });
      await page.reload();
      await page.locator('#login-view').waitFor({ timeout: 10_000 });
    } finally {
      await context.close();
    }
  });
});

describe('for everyone', () => {
  it('when a keyboard user tabs through the login, then every control gets the focus, each with a visible ring', async () => {
    const { context, page } = await personAt(browser);
    try {
      const reached: { tag: string; name: string; outline: string }[] = [];
      for (let i = 0; i < 14; i++) {
        await page.keyboard.press('Tab');
        reached.push(
          await page.evaluate(() => {
            const el = document.activeElement as HTMLElement;
            const style = getComputedStyle(el);
            return {
              tag: el.tagName,
              name: el.getAttribute('aria-label') ?? el.getAttribute('name') ?? el.textContent?.trim() ?? el.tagName,
              outline: `${style.outlineStyle} ${style.outlineWidth}`,
            };
          }),
        );
      }
      const names = reached.map((r) => r.name);
      for (const control of [
        'username',
        'password',
        'Log in',
        'Log in as alice',
        'Log in as owner1',
        'Log in as rider1',
      ])
        expect(names).toContain(control);
      // Past the last control the focus leaves the page (the body has it): every other stop shows a ring.
      for (const r of reached.filter((x) => x.tag !== 'BODY')) expect(r.outline).not.toMatch(/^none|0px$/);
    } finally {
      await context.close();
    }
  });

  it('when a customer uses only the keyboard, then they can pick a store and items and pay', async () => {
    const { context, page } = await personAt(browser, 375);
    /** Presses Tab until the focused control's name matches, then Enter (as a keyboard user does). */
    // `within`: the control must sit inside this element (the customer's past orders also name the store).
    const tabToAndPress = async (name: RegExp, within = 'body') => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate((scope) => {
          const el = document.activeElement as HTMLElement;
          return el.closest(scope) ? (el.getAttribute('aria-label') ?? el.textContent ?? '').trim() : '';
        }, within);
        if (name.test(focused)) return page.keyboard.press('Enter');
      }
      throw new Error(`no control named ${name} reached with Tab`);
    };
    try {
      await tabToAndPress(/^Log in as alice$/);
      await page.locator('#customer-view').waitFor();
      await page.locator('#stores button', { hasText: 'Gangnam Fried Chicken' }).waitFor();
      await tabToAndPress(/Gangnam Fried Chicken/, '#stores');
      await page.locator('#order-form').waitFor();
      await tabToAndPress(/^One Fried chicken more$/);
      await tabToAndPress(/^Place order$/);
      await untilText(page.locator('#flash'), /Order [0-9a-f]{8} paid/);
    } finally {
      await context.close();
    }
  });

  it('when the page shows Korean, then it names fonts with Hangul glyphs and the system has one', async () => {
    const { context, page } = await personAt(browser);
    try {
      const family = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
      expect(family).toMatch(/Noto Sans CJK KR|Apple SD Gothic Neo|Malgun Gothic/);
      expect(family).toMatch(/sans-serif$/);
      // With Debian's fonts-noto-cjk the Hangul of the brand renders in a real face (no tofu boxes).
      expect(await page.evaluate(() => document.fonts.check('16px "Noto Sans CJK KR"', '배달'))).toBe(true);
      const width = await page.locator('.brand [lang="ko"]').evaluate((el) => el.getBoundingClientRect().width);
      expect(width).toBeGreaterThan(10);
    } finally {
      await context.close();
    }
  });
});

/** Orders go through again (the breaker lets a trial call pass after its open period), so later suites start clean. */
async function breakerClosed(): Promise<void> {
  const token = await login('alice');
  const key = randomUUID();
  await eventually(
    async () => {
      const r = await call('POST', '/api/orders', {
        token,
        headers: { 'Idempotency-Key': key },
        body: {
          storeId: gangnam.id,
          items: [{ menuItemId: gangnam.items[0].id, quantity: 1 }],
          deliveryAddress: { line: '1 Teheran-ro', lat: gangnam.location.lat, lng: gangnam.location.lng },
        },
      });
      return r.status === 201 || r.status === 200 ? true : undefined;
    },
    45_000,
    1000,
  );
}

// Last: the payment fault opens the order service's circuit breaker for a while.
describe('when payment fails', () => {
  it('when the admin makes the payment gateway fail, then the customer is told to try again in N s and nothing is paid', async () => {
    const admin = await personAt(browser);
    const customer = await personAt(browser);
    const adminToken = await login('admin');
    try {
      await logIn(admin.page, 'admin');
      await admin.page.getByLabel('Failure rate (0–1)').fill('1');
      await admin.page.getByRole('button', { name: 'Apply' }).click();
      await untilText(admin.page.locator('#flash'), /failure rate 1/);
      axeCounts.admin = (await seriousViolations(admin.page)).length;
      await screenshot(admin.page, 'admin');

      await logIn(customer.page, 'alice');
      await customer.page
        .locator('#stores')
        .getByRole('button', { name: /Gangnam Fried Chicken/ })
        .click();
      await customer.page.getByRole('button', { name: 'One Fried chicken more' }).click();
      await customer.page.getByRole('button', { name: 'Place order' }).click();
      const flash = customer.page.locator('#flash[role="alert"]');
      await untilText(flash, /Try again in \d+ s\./);
      expect(await customer.page.locator('#tracker').innerText()).not.toMatch(/paid/i);
      expect(axeCounts.admin).toBe(0);
    } finally {
      await call('PUT', '/api/admin/faults/payment', { token: adminToken, body: { delayMs: 0, failureRate: 0 } });
      await Promise.all([admin.context.close(), customer.context.close()]);
      await breakerClosed();
    }
  });
});
