// Finds a Chrome or Chromium for the browser tests and benchmarks. Tests never download a browser.
import { existsSync } from 'node:fs';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

export const HOW_TO_GET_CHROME =
  'No Chrome or Chromium found. Install one (Debian/Ubuntu: `sudo apt-get install chromium`) ' +
  'or point CHROME_PATH at its executable, e.g. `CHROME_PATH=/usr/bin/chromium npm test`.';

/** The path of a Chrome/Chromium executable, or undefined. CHROME_PATH wins when it exists. */
export function findChrome() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** Like findChrome, but exits the process with instructions when there is none. */
export function requireChrome() {
  const path = findChrome();
  if (!path) {
    if (process.env.CHROME_PATH) console.error(`CHROME_PATH=${process.env.CHROME_PATH} does not exist.`);
    console.error(HOW_TO_GET_CHROME);
    process.exit(1);
  }
  return path;
}
