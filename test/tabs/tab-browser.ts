/**
 * A real headless Chromium whose tabs a test can really hide and show again: each tab is its own browser
 * window, and hiding one minimizes its window (CDP `Browser.setWindowBounds`), so that page alone gets
 * `document.visibilityState === 'hidden'`, a `visibilitychange` event and Chrome's throttling of hidden
 * tabs' timers (once a second), while the other windows stay visible and run at full speed. Nothing in the
 * page is faked.
 *
 * Two things would keep every page "visible" and are avoided here:
 * - Playwright's own launch enables focus emulation (`Emulation.setFocusEmulationEnabled`) on every page it
 *   drives, and a page with focus emulation stays visible even when minimized. So this module starts
 *   Chromium itself and attaches Playwright with `connectOverCDP(..., { noDefaults: true })`, which leaves
 *   the default context's pages alone.
 * - `--disable-background-timer-throttling`, `--disable-renderer-backgrounding` and
 *   `--disable-backgrounding-occluded-windows` (Playwright's and the sync benchmark's defaults) keep a
 *   minimized page's timers at full speed: none of them is passed.
 *
 * Tabs of one window would hide each other (only the front tab of a window is visible), hence one window
 * per tab. They share the default browser context, as tabs of one browser do: each has its own
 * sessionStorage, so its own node id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { waitFor, within } from '../support/wait.js';

/** Chromium flags of these tests (see DESIGN.md "Testing without toys"), without any anti-throttling flag. */
export const TAB_BROWSER_FLAGS: readonly string[] = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-sync',
  '--disable-quic',
  '--mute-audio',
]);

/** One tab: a page in its own window. */
export class Tab {
  constructor(
    /** A label for messages, e.g. `T0`. */
    readonly label: string,
    readonly page: Page,
    readonly targetId: string,
    readonly windowId: number,
    readonly browser: TabBrowser,
  ) {}

  /**
   * Minimizes (or restores) this tab's window, then waits until the page itself reports the new
   * `document.visibilityState`.
   */
  async setHidden(hidden: boolean, timeoutMs = 20_000): Promise<void> {
    await this.browser.cdp.send('Browser.setWindowBounds', { windowId: this.windowId, bounds: { windowState: hidden ? 'minimized' : 'normal' } });
    const want = hidden ? 'hidden' : 'visible';
    // Polled from Node: a hidden page's own timers run only once a second.
    await waitFor(
      async () => (await this.page.evaluate(() => document.visibilityState)) === want,
      `${this.label}: the page to say visibilityState "${want}" once its window is ${hidden ? 'minimized' : 'restored'}`,
      { timeoutMs, intervalMs: 50 },
    );
  }
}

/** A Chromium process with Playwright attached over CDP. */
export class TabBrowser {
  #count = 0;

  private constructor(
    readonly browser: Browser,
    /** The browser-level CDP session (windows, targets). */
    readonly cdp: CDPSession,
    readonly context: BrowserContext,
    readonly process: ChildProcess,
    readonly version: string,
    readonly userDataDir: string,
  ) {}

  /** Starts Chromium at `executablePath` with {@link TAB_BROWSER_FLAGS} and attaches to it. */
  static async launch(executablePath: string, timeoutMs = 60_000): Promise<TabBrowser> {
    const userDataDir = mkdtempSync(join(tmpdir(), 'paxos-tabs-'));
    const child = spawn(executablePath, [...TAB_BROWSER_FLAGS, `--user-data-dir=${userDataDir}`, '--remote-debugging-port=0', 'about:blank'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    try {
      // Chromium prints where DevTools listens once it is ready.
      const endpoint = await within(
        new Promise<string>((resolve, reject) => {
          child.stderr!.on('data', (chunk: Buffer) => {
            stderr = (stderr + chunk.toString()).slice(-8000);
            const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
            if (m) resolve(m[1]!);
          });
          child.once('error', reject);
          child.once('exit', (code, signal) => reject(new Error(`Chromium exited (${code ?? signal}) before it listened:\n${stderr}`)));
        }),
        `Chromium (${executablePath}) to start`,
        timeoutMs,
      );
      child.stderr!.removeAllListeners('data');
      child.stderr!.resume();
      const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, isLocal: true, timeout: timeoutMs });
      const cdp = await browser.newBrowserCDPSession();
      const context = browser.contexts()[0];
      if (!context) throw new Error('Chromium has no default browser context');
      return new TabBrowser(browser, cdp, context, child, browser.version(), userDataDir);
    } catch (error) {
      child.kill('SIGKILL');
      rmSync(userDataDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Opens `url` in a new window and waits for its load event. */
  async open(url: string, timeoutMs = 60_000): Promise<Tab> {
    const label = `T${this.#count++}`;
    const known = new Set(this.context.pages());
    const { targetId } = (await this.cdp.send('Target.createTarget', { url: 'about:blank', newWindow: true })) as { targetId: string };
    const page = await within(this.#pageOf(targetId, known), `${label}'s page to attach`, timeoutMs);
    const { windowId } = (await this.cdp.send('Browser.getWindowForTarget', { targetId })) as { windowId: number };
    page.on('pageerror', (error) => console.error(`[${label}] page error: ${error.message}`));
    await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    return new Tab(label, page, targetId, windowId, this);
  }

  /** The Playwright page of target `targetId`, among pages not in `known`, once Playwright has attached it. */
  async #pageOf(targetId: string, known: Set<Page>): Promise<Page> {
    let wake = (): void => {};
    const onPage = (): void => wake();
    this.context.on('page', onPage);
    try {
      for (;;) {
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        for (const page of this.context.pages()) {
          if (known.has(page)) continue;
          const session = await this.context.newCDPSession(page);
          const { targetInfo } = (await session.send('Target.getTargetInfo')) as { targetInfo: { targetId: string } };
          await session.detach();
          if (targetInfo.targetId === targetId) return page;
          known.add(page);
        }
        await woken;
      }
    } finally {
      this.context.off('page', onPage);
    }
  }

  /** Closes the browser and removes its profile. */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.process.exitCode !== null || this.process.signalCode !== null) resolve();
      else this.process.once('exit', () => resolve());
    });
    await this.cdp.send('Browser.close').catch(() => undefined);
    await this.browser.close().catch(() => undefined);
    await within(exited, 'Chromium to exit', 10_000).catch(() => {
      this.process.kill('SIGKILL');
    });
    rmSync(this.userDataDir, { recursive: true, force: true });
  }
}
