import fs from 'node:fs';
import { testEnvironment } from '@airlock/testing';
import { chromium, type Browser } from 'playwright-core';

/** Debian's `chromium` (scripts/chromium.sh installs it); Playwright cannot download its own here. */
export const CHROMIUM_PATH = testEnvironment().chromiumPath;

/**
 * Headless Chromium as this machine needs it: no sandbox (root), and none of the background
 * traffic (component updates, sync, QUIC probes) that a closed network refuses. Playwright
 * gives every launch a fresh, empty user-data-dir. A missing browser is an error, never a skip.
 */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: the dashboard test needs it. Install it with ` +
        `bash -c 'source scripts/lib.sh; source scripts/chromium.sh; ensure_chromium' (npm test does), or set AIRLOCK_TEST_CHROMIUM_PATH.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}
