/**
 * Debian's Chromium driven by playwright-core (no bundled browser download): headless, loopback
 * only, one browser per test file with a fresh context per person. The POST a page makes to the AWS
 * sign-in endpoint is intercepted (nothing leaves the machine) and handed to the test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './repoRoot';

export const CHROMIUM_BINARY = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(repoRoot(), 'test-artifacts', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_BINARY,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Saves a full-page PNG under test-artifacts/screenshots/ (gitignored) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface InterceptedPost {
  url: string;
  fields: URLSearchParams;
}

/**
 * Catches form posts to `url` (the AWS sign-in endpoint) in this context: the browser believes it
 * reached AWS, the test gets the exact form fields it sent.
 */
export async function interceptPosts(context: BrowserContext, url: string): Promise<{ next: () => Promise<InterceptedPost> }> {
  const queue: InterceptedPost[] = [];
  const waiters: Array<(post: InterceptedPost) => void> = [];
  await context.route(url, async (route) => {
    const request = route.request();
    const post = { url: request.url(), fields: new URLSearchParams(request.postData() ?? '') };
    const waiter = waiters.shift();
    if (waiter) waiter(post);
    else queue.push(post);
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>AWS (intercepted)</title><h1>Intercepted by the test</h1>' });
  });
  return {
    next: () => {
      const ready = queue.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise<InterceptedPost>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no POST to ${url} within 15 s`)), 15_000);
        waiters.push((post) => {
          clearTimeout(timer);
          resolve(post);
        });
      });
    },
  };
}
