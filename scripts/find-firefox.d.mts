// Types of find-firefox.mjs, for the TypeScript tests that import it.

/** What to do when no Firefox is found. */
export declare const HOW_TO_GET_FIREFOX: string;

/** The path of a Firefox executable, or undefined. FIREFOX_PATH wins when it exists. */
export declare function findFirefox(): string | undefined;

/** Like findFirefox, but exits the process with instructions when there is none. */
export declare function requireFirefox(): string;
