// Drives the relay's console page in headless Chromium (Debian's package, through playwright-core).
// --url http://host:port  --chromium /path/to/chromium
// Commands, found by accessible label or role where a person would use them:
//   open {path} | fill {label, value} | select {label, value} | click {button}
//   waitFor {selector, text?, state?} -> {text} | screenshot {path}
// Events: "ready" once the browser runs; "page_error" for uncaught errors and console errors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { emit, options, serve } from './lines.mjs';

const { url, chromium: executablePath } = options();
const WAIT_MS = 10_000;

const profile = await mkdtemp(path.join(tmpdir(), 'relay-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 800 },
  timeout: 30_000,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = context.pages()[0] ?? await context.newPage();
page.setDefaultTimeout(WAIT_MS);
page.on('pageerror', error => emit('page_error', { message: String(error?.message ?? error), url: null }));
page.on('console', message => {
  if (message.type() === 'error') emit('page_error', { message: message.text(), url: message.location()?.url ?? null });
});
emit('ready', { version: context.browser()?.version() ?? null });

await serve(
  {
    open: async ({ path: target }) => {
      const response = await page.goto(new URL(target, url).href);
      return { status: response?.status() ?? null };
    },
    fill: ({ label, value }) => page.getByLabel(label, { exact: true }).fill(value),
    select: ({ label, value }) => page.getByLabel(label, { exact: true }).selectOption(value).then(() => null),
    click: ({ button }) => page.getByRole('button', { name: button, exact: true }).click(),
    waitFor: async ({ selector, text, state }) => {
      let target = page.locator(selector);
      if (text) target = target.filter({ hasText: text });
      target = target.first();
      await target.waitFor({ state: state ?? 'visible', timeout: WAIT_MS });
      if (state === 'detached' || state === 'hidden') return { text: null };
      return { text: await target.evaluate(node => node.innerText || node.textContent) };
    },
    screenshot: ({ path: file }) => page.screenshot({ path: file }).then(() => ({ path: file })),
  },
  async () => {
    await context.close().catch(() => {});
    await rm(profile, { recursive: true, force: true });
  },
  90,
);
