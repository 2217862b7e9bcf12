// Finds a WebKit engine for the cross-engine test (test/interop/webkit.test.ts): a WebDriver server and the
// browser it drives. Tests never download a browser.
//
// - WebKitGTK (Debian: `webkit2gtk-driver`, which brings the MiniBrowser of libwebkit2gtk-4.1): a window
//   on an X display, so the test starts its own Xvfb (Debian: `xvfb`).
// - WPE WebKit (Debian: `wpewebkit-driver` and `cog`): `cog --platform=headless` needs no display.
//
// WEBKIT_WEBDRIVER (a WebKitWebDriver or WPEWebKitDriver executable) and WEBKIT_BROWSER (the MiniBrowser or
// cog it drives) choose them explicitly.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';

const GTK_DRIVERS = ['/usr/bin/WebKitWebDriver'];
const GTK_BROWSERS = [
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/x86_64-linux-gnu/webkitgtk-6.0/MiniBrowser',
  '/usr/lib/aarch64-linux-gnu/webkitgtk-6.0/MiniBrowser',
  '/usr/libexec/webkit2gtk-4.1/MiniBrowser',
  '/usr/libexec/webkitgtk-6.0/MiniBrowser',
];
const WPE_DRIVERS = ['/usr/bin/WPEWebKitDriver'];
const WPE_BROWSERS = ['/usr/bin/cog'];
const XVFB = ['/usr/bin/Xvfb'];

export const HOW_TO_GET_WEBKIT =
  'No WebKit found. Install WebKitGTK\'s WebDriver and a virtual display (Debian: `sudo apt-get install webkit2gtk-driver xvfb`), ' +
  'or WPE WebKit\'s (`sudo apt-get install wpewebkit-driver cog`), or point WEBKIT_WEBDRIVER and WEBKIT_BROWSER at a ' +
  'WebKitWebDriver/WPEWebKitDriver and the MiniBrowser/cog it drives.';

const first = (paths) => paths.find((p) => existsSync(p));

/**
 * The WebKit to drive, or undefined: `{port: 'gtk' | 'wpe', driver, browser, xvfb?}` (`xvfb` for GTK only).
 * WEBKIT_WEBDRIVER / WEBKIT_BROWSER win when they exist.
 */
export function findWebKit() {
  const envDriver = process.env.WEBKIT_WEBDRIVER;
  const envBrowser = process.env.WEBKIT_BROWSER;
  if (envDriver || envBrowser) {
    if (!envDriver || !envBrowser || !existsSync(envDriver) || !existsSync(envBrowser)) return undefined;
    const port = /^WPE/i.test(basename(envDriver)) ? 'wpe' : 'gtk';
    if (port === 'wpe') return { port, driver: envDriver, browser: envBrowser };
    const xvfb = first(XVFB);
    return xvfb ? { port, driver: envDriver, browser: envBrowser, xvfb } : undefined;
  }
  const gtkDriver = first(GTK_DRIVERS);
  const gtkBrowser = first(GTK_BROWSERS);
  const xvfb = first(XVFB);
  if (gtkDriver && gtkBrowser && xvfb) return { port: 'gtk', driver: gtkDriver, browser: gtkBrowser, xvfb };
  const wpeDriver = first(WPE_DRIVERS);
  const wpeBrowser = first(WPE_BROWSERS);
  if (wpeDriver && wpeBrowser) return { port: 'wpe', driver: wpeDriver, browser: wpeBrowser };
  return undefined;
}
