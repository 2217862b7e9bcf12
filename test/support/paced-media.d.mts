/** Types of paced-media.mjs (plain JavaScript so the web-test-runner config imports it as is). */
export interface KeyStats {
  requests: number;
  bytes: number;
  segments: number;
}
export interface PacedMediaServer {
  readonly url: string;
  setPace(key: string, bps: number | null): void;
  stats(key: string): KeyStats;
  close(): Promise<void>;
}
export declare function startPacedMediaServer(options: { root: string; port?: number }): Promise<PacedMediaServer>;
