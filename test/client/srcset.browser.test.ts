/**
 * The URL builder's promise, in real Chromium against the local stack: a page with its
 * `<img srcset sizes>` at two viewport widths and two device scale factors fetches exactly the
 * candidate pickCandidate names, once, and gets an image of the width the candidate describes.
 */
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidates, imgHtml, pickCandidate } from '../../client/index.ts';
import { launchBrowser, withChromium, HAS_CHROMIUM } from '../console/chromium.ts';
import { photo } from '../console/photo.ts';
import { EDGE_ONLY, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';

const KEY = 'demo/srcset/photo.jpg';
const WIDTH = 1600;

describe.skipIf(!HAS_CHROMIUM)(withChromium('srcset and sizes from the URL builder, in Chromium'), () => {
  let running: RunningStack;
  let browser: Browser;
  beforeAll(async () => {
    running = await startTestStack(EDGE_ONLY);
    expect((await upload(running, KEY, await photo(WIDTH, 1200), 'image/jpeg')).status).toBe(201);
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  it.each([
    [400, 1],
    [400, 2],
    [1200, 1],
    [1200, 2],
  ])('a %i px wide viewport at %i× fetches the candidate promised', async (viewport, dpr) => {
    const source = { origin: running.url, key: KEY };
    const options = { maxWidth: WIDTH, sizes: '100vw' };
    const promised = pickCandidate(candidates(source, options), viewport, dpr);
    const context = await browser.newContext({ viewport: { width: viewport, height: 900 }, deviceScaleFactor: dpr });
    try {
      const page = await context.newPage();
      const fetched: string[] = [];
      page.on('request', (request) => {
        if (request.resourceType() === 'image') fetched.push(request.url());
      });
      await page.setContent(`<!doctype html><body style="margin:0">${imgHtml(source, { alt: 'photo', width: WIDTH, height: 1200 }, options)}</body>`);
      await page.waitForFunction(() => {
        const img = document.querySelector('img');
        return img !== null && img.complete && img.naturalWidth > 0;
      });
      expect(await page.$eval('img', (img) => img.currentSrc)).toBe(promised.url);
      expect(fetched).toEqual([promised.url]);
      // The candidate's descriptor is the width the edge serves it at (the capped one: the original's).
      const served = await sharp(Buffer.from(await (await fetch(promised.url)).arrayBuffer())).metadata();
      expect(served.width).toBe(promised.width);
    } finally {
      await context.close();
    }
  });
});
