/** Types of hls-ladder.mjs (plain JavaScript so the web-test-runner config imports it as is). */
export declare const RENDITIONS: readonly { size: string; kbps: number }[];
export declare const LADDER_SECONDS: number;
export declare const SEGMENT_SECONDS: number;
/** The folder holding the ladder (master.m3u8 at its top), made by ffmpeg if it is not cached yet. */
export declare function ensureHlsLadder(): Promise<string>;
