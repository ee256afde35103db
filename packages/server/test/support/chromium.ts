import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * The real Chromium for browser tests (DESIGN §7), driven by playwright-core. `LIFT_TEST_CHROMIUM` set means
 * "Chromium must be there": its value is the executable (`1` for the default `/usr/bin/chromium`), and a
 * missing one fails the file. Unset, the default path is tried; without it the suite is skipped after
 * printing why (`describe.skipIf(!chromiumPath())`).
 */

const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export function chromiumPath(): string | undefined {
  const configured = process.env.LIFT_TEST_CHROMIUM;
  const path = configured && configured !== '1' ? configured : DEFAULT_CHROMIUM;
  if (existsSync(path)) return path;
  if (configured) throw new Error(`LIFT_TEST_CHROMIUM is set but there is no Chromium at ${path}.`);
  console.warn(
    `[lift tests] skipping browser tests: LIFT_TEST_CHROMIUM is unset and ${path} does not exist.`,
  );
  return undefined;
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
