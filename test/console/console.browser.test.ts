/**
 * The console in a real browser: Debian's Chromium, driven by playwright-core,
 * against the whole local stack in-process (the real viewer function, origin
 * handler and workflows). Each test goes on from the state the one before left.
 */
import { freshnessAddressOf } from '../../core/index.ts';
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateLocalSigningKeys } from '../../infra/local/dev-keys.ts';
import { seedSignedTenants } from '../../infra/local/seed.ts';
import { setFault, startTestStack, upload, type RunningStack } from '../support/local-stack.ts';
import { launchChromium, withChromium, HAS_CHROMIUM, type Chromium } from './chromium.ts';
import { photo } from './photo.ts';

export const SCREENSHOT = 'test-artifacts/console.png';
const UPLOADED = 'demo/console/photo.jpg';
const REDRIVEN = 'demo/console/redriven.jpg';

/** Each step waits on the pipeline, which on a loaded 2-core machine takes seconds. */
const WAIT = { timeout: 20_000 };

describe.skipIf(!HAS_CHROMIUM)(withChromium('the console in Chromium'), { timeout: 60_000 }, () => {
  let running: RunningStack;
  let browser: Chromium;
  let page: Page;
  const refused: string[] = [];

  beforeAll(async () => {
    running = await startTestStack({ pipeline: { flushEveryMs: 0, retryIntervalMs: 0 } });
    await seedSignedTenants(running.stack, generateLocalSigningKeys());
    await running.stack.pipeline.settled();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('response', (res) => void (res.status() === 403 && refused.push(res.url())));
    await page.goto(running.url);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  const card = (key: string) => page.locator(`[data-original="${key}"]`);
  const executionRows = (workflow: string, key: string) => page.locator('#executions tr', { has: page.locator('td', { hasText: workflow }) }).filter({ hasText: key });

  async function openOriginal(key: string) {
    await card(key).click();
    await page.locator('#detail-key', { hasText: key }).waitFor();
  }

  it('shows each tenant\'s originals with their pre-rendered variants', async () => {
    await card('demo/samples/landscape.jpg').waitFor();
    expect(await card('demo/samples/landscape.jpg').textContent()).toContain('12 variants');
    expect(await page.locator('[data-tenant="demo"] h3').textContent()).toContain('3 originals');
  });

  it('shows a signed tenant\'s originals with how to sign their URLs, never asking the edge for unsigned ones', async () => {
    const signed = card('signed-demo/samples/landscape.jpg');
    await signed.waitFor();
    expect(await page.locator('[data-tenant="signed-demo"] h3').textContent()).toContain('URLs signed (hmac)');
    expect(await signed.getByTestId('signed-placeholder').textContent()).toBe("signed tenant (hmac): npm run imgedge -- sign '/signed-demo/samples/landscape.jpg?w=256' --check");
    await openOriginal('signed-demo/samples/landscape.jpg');
    await vi.waitFor(async () => expect(await page.locator('#variants [data-variant^="signed-demo/"] [data-testid="signed-placeholder"]').count()).toBe(12), WAIT);
    expect(await page.locator('#auto-served').textContent()).toContain('this tenant\'s URLs need a signature');
    expect(refused).toEqual([]);
  });

  it('uploads an original from the page and shows its upload and render executions succeed', async () => {
    await page.locator('#upload-path').fill('console/photo.jpg');
    await page.locator('#upload-file').setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: await photo(1200, 800) });
    await page.getByRole('button', { name: 'Upload' }).click();
    const result = page.getByTestId('upload-result');
    await result.waitFor(WAIT);
    expect(await result.textContent()).toContain(`${UPLOADED}: accepted`);

    for (const workflow of ['upload', 'render']) {
      await executionRows(workflow, UPLOADED).locator('.status-SUCCEEDED').waitFor(WAIT);
    }
    await card(UPLOADED).filter({ hasText: '12 variants' }).locator('img').waitFor();
  });

  it('opens its variants side by side, and Chromium gets AVIF for fmt=auto from its own Accept header', async () => {
    const auto = page.waitForResponse((res) => res.url().endsWith(`/${UPLOADED}?w=640`));
    await openOriginal(UPLOADED);
    const response = await auto;
    expect((await response.request().allHeaders()).accept).toMatch(/image\/avif/);
    expect(response.headers()['content-type']).toBe('image/avif');
    expect(await page.getByTestId('auto-format').textContent()).toBe('image/avif');

    const variants = page.locator(`#variants [data-variant^="${UPLOADED}/"]`);
    await vi.waitFor(async () => expect(await variants.count()).toBe(12), WAIT);
    expect(new Set(await page.locator('#variants [data-testid="render-path"]').allTextContents())).toEqual(new Set(['pre-rendered']));
    expect(await variants.filter({ hasText: '/demo/console/photo.jpg?fmt=webp&q=75&w=640' }).count()).toBe(1);
    // The markup a page embeds it with, from the URL builder over the tenant's ladder.
    const snippet = await page.getByTestId('snippet').textContent();
    expect(snippet).toMatch(/^<picture>\n {2}<source type="image\/avif" srcset="http:\/\/127\.0\.0\.1:\d+\/demo\/console\/photo\.jpg\?fmt=avif&amp;w=64 64w, /);
    expect(snippet).toContain('/demo/console/photo.jpg?fmt=jpeg&amp;w=3840 3840w" sizes="(max-width: 640px) 100vw, 640px" alt="demo/console/photo.jpg"');
  });

  it('maps any requested w/h/fmt/q to the key the viewer function gives it, and shows the miss it renders', async () => {
    const form = page.locator('#normalize-form');
    await form.locator('[name=w]').fill('700');
    await form.locator('[name=fmt]').selectOption('webp');
    await form.locator('[name=extra]').fill('utm_source=newsletter');
    const preview = page.waitForResponse((res) => res.url().includes(`/${UPLOADED}?w=700&fmt=webp`));
    await form.getByRole('button', { name: 'Normalize' }).click();

    expect(await page.getByTestId('cache-key').textContent()).toBe(`/${UPLOADED}?fmt=webp&q=75&w=750`);
    expect(await page.getByTestId('normalized').textContent()).toContain('not taken from the request: utm_source');
    expect((await preview).headers()['content-type']).toBe('image/webp');

    await openOriginal(UPLOADED);
    const missed = page.locator(`[data-variant="${UPLOADED}/w750_q75.webp"]`);
    await missed.waitFor();
    expect(await missed.getByTestId('render-path').textContent()).toBe('rendered on a miss');
    expect(await missed.textContent()).toMatch(/fetch \d+ ms from us-east-1, render \d+ ms/);

    await form.locator('[name=w]').fill('abc');
    await form.getByRole('button', { name: 'Normalize' }).click();
    await page.getByTestId('normalized').filter({ hasText: 'the viewer function answers 400: w must be a positive integer' }).waitFor();
  });

  it('shows a failed execution with its failed step and error, and redrives it from the page', async () => {
    running.stack.pipeline.faults.loseResponses('RecordOriginal');
    expect((await upload(running, REDRIVEN, await photo(800, 600, 10), 'image/jpeg')).status).toBe(201);
    const failed = executionRows('upload', REDRIVEN).filter({ hasText: 'FAILED' });
    await failed.waitFor(WAIT);
    expect(await failed.textContent()).toContain('RecordOriginal');
    expect(await failed.textContent()).toContain('Sandbox.Timedout: RecordOriginal: Task timed out after its work was done (injected fault)');
    expect(await failed.textContent()).toContain('fix the cause, then redrive');
    await failed.getByRole('button', { name: 'Steps' }).click();
    const stepsShown = page.getByTestId('execution-steps');
    await stepsShown.filter({ hasText: REDRIVEN }).waitFor();
    const text = await stepsShown.textContent();
    expect(text).toMatch(/ValidateOriginal succeeded in \d+ ms/);
    expect(text).toMatch(/RecordOriginal failed in \d+ ms after \d+ retries/);
    expect(text).toContain('Sandbox.Timedout: RecordOriginal: Task timed out after its work was done (injected fault)');
    running.stack.pipeline.faults.clear();

    await failed.getByRole('button', { name: 'Redrive' }).click();
    const result = page.getByTestId('redrive-result');
    await result.waitFor(WAIT);
    expect(await result.textContent()).toContain('SUCCEEDED');
    await executionRows('upload', REDRIVEN).filter({ hasText: 'redriven 1×' }).locator('.status-SUCCEEDED').waitFor();
    await stepsShown.filter({ hasText: /RecordOriginal succeeded in \d+ ms/ }).locator('.status-SUCCEEDED').waitFor(WAIT);
    await executionRows('render', REDRIVEN).locator('.status-SUCCEEDED').waitFor(WAIT);
  });

  it('takes an image down from the page: deny entry, deletions per region, queued invalidation, then 451 at the edge', async () => {
    await card(REDRIVEN).waitFor();
    await openOriginal(REDRIVEN);
    await page.locator('#takedown-reason').fill('dmca 2026-0042');
    await page.getByRole('button', { name: 'Take down' }).click();

    const report = page.getByTestId('takedown-report');
    await report.waitFor(WAIT);
    const text = await report.textContent();
    expect(text).toContain('SUCCEEDED');
    const { slotKey, id } = freshnessAddressOf(REDRIVEN);
    expect(text).toContain(`deny-list entry ${slotKey} ${id}=! reason “dmca 2026-0042”`);
    expect(text).toContain('us-east-1 deleted · eu-west-1 deleted · ap-northeast-1 deleted');
    expect(text).toMatch(/variants deleted: 12/);
    expect(text).toMatch(/invalidation queued: 12 paths/);
    expect(await page.getByTestId('edge-status').textContent()).toBe('451');
    expect((await running.request(`/${REDRIVEN}?w=256`)).status).toBe(451);
    await page.locator('#taken-down', { hasText: `${REDRIVEN} — dmca 2026-0042` }).waitFor();
    expect(await card(REDRIVEN).count()).toBe(0);
  });

  it('shows a fault injected into a region among the live counters until it is lifted', async () => {
    const faults = page.locator('[data-tile="faults"] b');
    await setFault(running, 'eu-west-1', 'unavailable');
    await faults.filter({ hasText: 'eu-west-1 unavailable' }).waitFor(WAIT);
    await setFault(running, 'eu-west-1', 'none');
    await faults.filter({ hasText: /^none$/ }).waitFor(WAIT);
  });

  it('shows why an upload was rejected, and saves a screenshot of the console', async () => {
    await page.locator('#upload-path').fill('console/notes.jpg');
    await page.locator('#upload-file').setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('meeting notes, not a photo') });
    await page.getByRole('button', { name: 'Upload' }).click();
    const rejected = page.getByTestId('upload-result').filter({ hasText: 'demo/console/notes.jpg: OriginalRejected' });
    await rejected.waitFor(WAIT);
    expect(await rejected.textContent()).toContain('fix the file and upload it again');
    await executionRows('upload', 'demo/console/notes.jpg').filter({ hasText: 'FAILED' }).waitFor();

    await openOriginal(UPLOADED);
    await page.locator(`[data-variant="${UPLOADED}/w750_q75.webp"]`).waitFor();
    const form = page.locator('#normalize-form');
    await form.locator('[name=w]').fill('700');
    await form.getByRole('button', { name: 'Normalize' }).click();
    await page.getByTestId('cache-key').waitFor();
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});
