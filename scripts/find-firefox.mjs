// Finds a Firefox for the cross-browser tests (test/interop/). Tests never download a browser.
import { existsSync } from 'node:fs';

const CANDIDATES = [
  '/usr/bin/firefox-esr',
  '/usr/bin/firefox',
  '/usr/lib/firefox-esr/firefox-esr',
  '/usr/lib/firefox/firefox',
  '/Applications/Firefox.app/Contents/MacOS/firefox',
];

export const HOW_TO_GET_FIREFOX =
  'No Firefox found. Install one (Debian: `sudo apt-get install firefox-esr`) ' +
  'or point FIREFOX_PATH at its executable, e.g. `FIREFOX_PATH=/usr/bin/firefox-esr npm test`. ' +
  'The tests drive it over WebDriver BiDi: a current Firefox or Firefox ESR.';

/** The path of a Firefox executable, or undefined. FIREFOX_PATH wins when it exists. */
export function findFirefox() {
  const fromEnv = process.env.FIREFOX_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** Like findFirefox, but exits the process with instructions when there is none. */
export function requireFirefox() {
  const path = findFirefox();
  if (!path) {
    if (process.env.FIREFOX_PATH) console.error(`FIREFOX_PATH=${process.env.FIREFOX_PATH} does not exist.`);
    console.error(HOW_TO_GET_FIREFOX);
    process.exit(1);
  }
  return path;
}
