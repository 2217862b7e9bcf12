/**
 * WebKit driven over classic WebDriver (W3C WebDriver, HTTP + JSON), with a client of its own: the handful
 * of commands the cross-engine test needs (new session, navigate, execute async script, delete session),
 * spoken with `fetch` to the driver on loopback.
 *
 * - WebKitGTK: `WebKitWebDriver` starts `MiniBrowser --automation` (the flag is required: without it the
 *   browser refuses to be automated) in a window on the X display of an Xvfb started here.
 * - WPE WebKit: `WPEWebKitDriver` starts `cog --automation --platform=headless`, no display.
 *
 * A WebKit WebDriver server holds one session, so every page is its own driver process with its own browser
 * process and window: its own sessionStorage (so its own node id) and a visible, unthrottled page, as each
 * tab of the Chromium and Firefox tests has a window of its own.
 *
 * As root (CI runs the tests as root in a network namespace), WebKit's bubblewrap sandbox cannot set up its
 * own namespaces inside the test's: the sandbox is turned off for these test browsers only, like Chromium's
 * `--no-sandbox` (WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS, which WebKit reads for exactly this).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { FoundWebKit } from '../../scripts/find-webkit.mjs';
import { within } from '../support/wait.js';

/** What the test's pages offer (the same shape as Playwright's and puppeteer's `evaluate`). */
export interface WebKitPage {
  /** Runs `fn(arg)` in the page and resolves with its (JSON) result; `fn` must not close over anything. */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Ends the session: the browser process exits. */
  close(): Promise<void>;
}

/** A WebDriver error response. */
class WebDriverError extends Error {}

/** A free TCP port on loopback (the driver takes a port number, not 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Output of a child process kept for error messages (the last 8 kB). */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

/** Stops a child we started: SIGTERM, then SIGKILL if it lingers. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await within(exited, 'a WebKit process to exit', 5_000).catch(() => child.kill('SIGKILL'));
}

/** One WebDriver session on its own driver process. */
class Session implements WebKitPage {
  constructor(
    readonly base: string,
    readonly id: string,
    readonly driver: ChildProcess,
  ) {}

  async command(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    return call(`${this.base}/session/${this.id}${path}`, method, body);
  }

  async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    // Execute Async Script: the last argument is the callback. A page's exception comes back as {thrown}
    // rather than as WebDriver's `javascript error`, whose message WebKit reduces to the stack ("@").
    // `__name`: the helper tsx's transform calls to name functions declared inside `fn`.
    const script =
      'const done = arguments[arguments.length - 1]; const __name = (f) => f;' +
      `Promise.resolve().then(() => (${fn.toString()})(arguments[0])).then(` +
      '(value) => done({ returned: value === undefined ? null : value }),' +
      '(error) => done({ thrown: String(error) + (error && error.stack ? "\\n" + error.stack : "") }));';
    const result = (await this.command('POST', '/execute/async', { script, args: [arg] })) as { returned?: R; thrown?: string };
    if (result.thrown !== undefined) throw new Error(`in the WebKit page: ${result.thrown}`);
    return result.returned as R;
  }

  async close(): Promise<void> {
    await this.command('DELETE', '').catch(() => undefined);
    await stop(this.driver);
  }
}

/** One WebDriver request; resolves with its `value`, rejects with the driver's error. */
async function call(url: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: { value?: unknown };
  try {
    json = JSON.parse(text) as { value?: unknown };
  } catch {
    throw new WebDriverError(`${method} ${url}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  const value = json.value as { error?: string; message?: string } | null | undefined;
  if (!response.ok || (value && typeof value === 'object' && typeof value.error === 'string')) {
    throw new WebDriverError(`${method} ${url}: ${value?.error ?? response.status}: ${value?.message ?? text.slice(0, 200)}`);
  }
  return json.value;
}

/** WebKit, ready to open pages. */
export class WebKitBrowser {
  readonly #pages = new Set<Session>();

  private constructor(
    readonly found: FoundWebKit,
    /** The X display of the GTK port's Xvfb (`:N`), if any. */
    readonly display: string | undefined,
    readonly xvfb: ChildProcess | undefined,
    /** e.g. `MiniBrowser 2.50.6`, once a page was opened. */
    public version: string,
  ) {}

  /** Starts what the port needs before any page (Xvfb for GTK). */
  static async launch(found: FoundWebKit, timeoutMs = 30_000): Promise<WebKitBrowser> {
    if (found.port === 'wpe' || !found.xvfb) return new WebKitBrowser(found, undefined, undefined, '');
    // -displayfd: Xvfb picks a free display number and writes it once it accepts connections.
    const xvfb = spawn(found.xvfb, ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    const output = tail(xvfb);
    try {
      const display = await within(
        new Promise<string>((resolve, reject) => {
          let text = '';
          (xvfb.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
            text += chunk.toString();
            if (text.includes('\n')) resolve(`:${text.trim()}`);
          });
          xvfb.once('error', reject);
          xvfb.once('exit', (code, signal) => reject(new Error(`Xvfb exited (${code ?? signal}):\n${output()}`)));
        }),
        'Xvfb to start',
        timeoutMs,
      );
      return new WebKitBrowser(found, display, xvfb, '');
    } catch (error) {
      await stop(xvfb);
      throw error;
    }
  }

  /** Opens `url` in a new browser process (a session of its own) and waits for its load. */
  async open(url: string, timeoutMs = 60_000): Promise<WebKitPage> {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS: '1' };
    if (this.display) env['DISPLAY'] = this.display;
    const driver = spawn(this.found.driver, [`--port=${port}`, '--host=local'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const output = tail(driver);
    const base = `http://127.0.0.1:${port}`;
    const capabilities =
      this.found.port === 'gtk'
        ? { 'webkitgtk:browserOptions': { binary: this.found.browser, args: ['--automation'] } }
        : { 'wpe:browserOptions': { binary: this.found.browser, args: ['--automation', '--platform=headless'] } };
    try {
      const ready = (async () => {
        for (;;) {
          const exited = driver.exitCode !== null || driver.signalCode !== null;
          if (exited) throw new Error(`${this.found.driver} exited:\n${output()}`);
          const status = (await call(`${base}/status`, 'GET').catch(() => undefined)) as { ready?: boolean } | undefined;
          if (status?.ready) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      await within(ready, `${this.found.driver} to listen`, timeoutMs);
      const created = (await within(
        call(`${base}/session`, 'POST', { capabilities: { alwaysMatch: capabilities } }),
        `a WebKit session (${this.found.browser})`,
        timeoutMs,
      )) as { sessionId: string; capabilities: { browserName?: string; browserVersion?: string } };
      const session = new Session(base, created.sessionId, driver);
      this.#pages.add(session);
      this.version = `${created.capabilities.browserName ?? 'WebKit'} ${created.capabilities.browserVersion ?? '?'}`;
      await session.command('POST', '/timeouts', { script: 120_000, pageLoad: timeoutMs });
      await session.command('POST', '/url', { url });
      const close = session.close.bind(session);
      session.close = async () => {
        this.#pages.delete(session);
        await close();
      };
      return session;
    } catch (error) {
      await stop(driver);
      if (error instanceof Error) error.message += `\n${output()}`;
      throw error;
    }
  }

  /** Closes every page, then Xvfb. */
  async close(): Promise<void> {
    for (const page of [...this.#pages]) await page.close();
    if (this.xvfb) await stop(this.xvfb);
  }
}
