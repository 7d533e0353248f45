/** Debian's Chromium driven by playwright-core, launched the way this machine allows (the environment notes). */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
/** The describe name, saying why it skipped where Chromium is missing (CI installs it). */
export const withChromium = (name: string) => (HAS_CHROMIUM ? name : `${name} (skipped: ${CHROMIUM} is missing; install Debian's chromium, as .ci/run does)`);

/** Without the background-networking flags Chromium keeps dialling Google's hosts, which this machine's closed network refuses. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Headless, in a fresh --user-data-dir (playwright passes it for a persistent context), removed on close. */
export async function launchChromium(): Promise<Chromium> {
  const profile = await mkdtemp(join(tmpdir(), 'imgedge-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 } });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Headless, for tests that need contexts of their own (a viewport and device scale factor each): close it when done. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}
