// Types of find-webkit.mjs, for the TypeScript tests that import it.

/** A WebKit engine to drive over WebDriver. */
export interface FoundWebKit {
  /** `gtk`: WebKitWebDriver + MiniBrowser on an X display; `wpe`: WPEWebKitDriver + cog, headless. */
  port: 'gtk' | 'wpe';
  /** The WebDriver server's executable. */
  driver: string;
  /** The browser it drives (MiniBrowser or cog). */
  browser: string;
  /** Xvfb, for the GTK port. */
  xvfb?: string;
}

/** What to do when no WebKit is found. */
export declare const HOW_TO_GET_WEBKIT: string;

/** The WebKit to drive, or undefined. WEBKIT_WEBDRIVER / WEBKIT_BROWSER win when they exist. */
export declare function findWebKit(): FoundWebKit | undefined;
