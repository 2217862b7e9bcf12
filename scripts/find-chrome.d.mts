// Types of find-chrome.mjs, for the TypeScript tests that import it.

/** What to do when no Chrome or Chromium is found. */
export declare const HOW_TO_GET_CHROME: string;

/** The path of a Chrome/Chromium executable, or undefined. CHROME_PATH wins when it exists. */
export declare function findChrome(): string | undefined;

/** Like findChrome, but exits the process with instructions when there is none. */
export declare function requireChrome(): string;
