/**
 * Helpers of the streaming tests: rooms of real `<paxos-video>` elements whose `<video>` plays the HLS ladder
 * (test/support/hls-ladder.mjs) through hls.js, each element under its own key of the paced media server
 * (test/support/paced-media.mjs), so each tab's delivery can be slowed or stopped on its own, like a tab
 * on a poor link.
 */
import Hls from 'hls.js';
import { executeServerCommand } from '@web/test-runner-commands';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { addElement } from '../element/helpers.js';

export { Hls };

/** The paced media server's URL; skips the test (`ctx.skip()`) when the ladder cannot be made here, unless under CI. */
export async function mediaServer(ctx: MochaContext): Promise<string> {
  const r = (await executeServerCommand('paxos-media-setup')) as { url?: string; error?: string; ci?: boolean } | undefined;
  if (r?.url) return r.url;
  if (r?.ci) throw new Error(r.error);
  console.warn(`skipped: ${r?.error ?? 'no media server'}`);
  ctx.skip();
  throw new Error('unreachable');
}

/** Sets the link of `key`: bits per second, 0 stops delivery, null lifts the cap. */
export async function pace(key: string, bps: number | null): Promise<void> {
  await executeServerCommand('paxos-media-pace', { key, bps });
}

/** Requests and bytes `key` fetched. */
export async function fetched(key: string): Promise<{ requests: number; bytes: number; segments: number }> {
  return (await executeServerCommand('paxos-media-stats', { key })) as { requests: number; bytes: number; segments: number };
}

/** An element whose video plays the ladder through hls.js, under `key`; what happened to its video is recorded. */
export interface StreamTab {
  readonly el: PaxosVideo;
  readonly video: HTMLVideoElement;
  readonly hls: Hls;
  readonly key: string;
  /** Positions of every `seeking` of the video, with the time it happened (performance.now). */
  readonly seeks: { at: number; position: number }[];
  /** Every presented frame: its media time and when (performance.now). */
  readonly frames: { at: number; mediaTime: number }[];
  /** Every `paxos-wait`, `paxos-resume` and `paxos-behind` of the element, with when. */
  readonly events: { at: number; type: string; detail: any }[];
}

export interface StreamTabOptions {
  room: string;
  /** The media server's URL. */
  media: string;
  /** Key of this tab's link on the media server. */
  key: string;
  attrs?: Record<string, string>;
  /** Pin hls.js to this rendition (0 = top), or leave its bandwidth estimate to choose. */
  level?: number;
}

/** Creates one element on the ladder under `key`, and records its seeks, frames and waits. */
export function addStreamTab(options: StreamTabOptions): StreamTab {
  const el = addElement({ room: options.room, video: false, ...(options.attrs ? { attrs: options.attrs } : {}) });
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.width = 160;
  el.append(video);
  // A few seconds of buffer, as players keep on a long stream: a stopped link shows soon.
  const hls = new Hls({ capLevelToPlayerSize: false, enableWorker: false, maxBufferLength: 8, maxMaxBufferLength: 8 });
  // The room switches sources by URL; the tab loads them under its own key.
  el.loadSource = (src) => hls.loadSource(src.replace('/KEY/', `/${options.key}/`));
  hls.loadSource(`${options.media}/${options.key}/master.m3u8`);
  hls.attachMedia(video);
  // hls.js lists the renditions from the lowest; `level` counts from the top.
  if (options.level !== undefined) hls.on(Hls.Events.MANIFEST_PARSED, () => (hls.currentLevel = hls.levels.length - 1 - options.level!));
  const tab: StreamTab = { el, video, hls, key: options.key, seeks: [], frames: [], events: [] };
  video.addEventListener('seeking', () => tab.seeks.push({ at: performance.now(), position: video.currentTime }));
  const onFrame = (now: number, meta: VideoFrameCallbackMetadata) => {
    tab.frames.push({ at: now, mediaTime: meta.mediaTime });
    if (el.isConnected) video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  for (const type of ['paxos-wait', 'paxos-resume', 'paxos-behind']) {
    el.addEventListener(type, (e) => tab.events.push({ at: performance.now(), type, detail: (e as CustomEvent).detail }));
  }
  return tab;
}

/** The first frame each tab presented at or after `since` (performance.now). */
export function firstFramesAfter(tabs: StreamTab[], since: number): (number | undefined)[] {
  return tabs.map((t) => t.frames.find((f) => f.at >= since)?.mediaTime);
}

/** One line per tab: name, paused, position, readyState, buffered, seeks, waits: for failure messages. */
export function describeTabs(tabs: StreamTab[]): string {
  return tabs
    .map((t) => {
      const v = t.video;
      const b = v.buffered.length ? `${v.buffered.start(0).toFixed(1)}-${v.buffered.end(v.buffered.length - 1).toFixed(1)}` : '-';
      return `${t.el.getAttribute('name') ?? t.key}: paused=${v.paused} t=${v.currentTime.toFixed(2)} ready=${v.readyState} buffered=${b} seeks=${t.seeks.length} events=${t.events.map((e) => e.type.slice(6)).join(',')} state.wait=${JSON.stringify(t.el.state.wait.map((w) => [w.name, w.reason, w.dropped ?? '']))}`;
    })
    .join('\n  ');
}
