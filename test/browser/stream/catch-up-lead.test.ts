/**
 * How far ahead a catch-up aims is learned from the seeks it times (src/media/video-driver.ts): only from
 * seeks into data already loaded. A seek into data still loading times the network (a link back from a cut
 * took 4 s in the lab); taught, it held the next start that long for nothing. Such a seek aims further
 * ahead on a longer path: two of its round trips beyond the default. A real HLS stream through hls.js, on a
 * link of the paced media server that the test stops and restores.
 */
import { expect } from '@open-wc/testing';
import Hls from 'hls.js';
import { VideoDriver } from '../../../src/media/video-driver.js';
import { OursDriftController } from '../../../src/playback/drift-ours.js';
import { type VideoState, positionAt } from '../../../src/playback/video-state.js';
import { uniqueRoom, waitFor } from '../element/helpers.js';
import { mediaServer, pace } from './helpers.js';

/** A driver on the local clock, `rttMs` from its server. */
const newDriver = (v: HTMLVideoElement, rttMs?: number) =>
  new VideoDriver(v, {
    id_: 'node-aaaaaaaa',
    sharedNow_: () => performance.now(),
    ...(rttMs === undefined ? {} : { pathRttMs_: () => rttMs }),
    controller_: new OursDriftController(),
    onStall_: () => undefined,
    onReady_: () => undefined,
    onBehind_: () => undefined,
    onUserIntent_: () => undefined,
    onSync_: () => undefined,
    onAutoplayBlocked_: () => undefined,
    onMediaError_: (message) => {
      throw new Error(message);
    },
  });

describe('the catch-up lead (HLS through hls.js)', function () {
  this.timeout(90_000);
  let hls: Hls | undefined;
  let driver: VideoDriver | undefined;
  let video: HTMLVideoElement | undefined;
  afterEach(() => {
    driver?.destroy();
    hls?.destroy();
    video?.remove();
  });

  /** A muted video on the page playing the paced media server's stream `key` through hls.js, lowest rendition (quick to load). */
  const hlsVideo = (media: string, key: string): HTMLVideoElement => {
    const v = (video = document.createElement('video'));
    v.muted = true;
    v.playsInline = true;
    document.body.append(v);
    const h = (hls = new Hls({ enableWorker: false, maxBufferLength: 8, maxMaxBufferLength: 8 }));
    h.loadSource(`${media}/${key}/master.m3u8`);
    h.attachMedia(v);
    h.on(Hls.Events.MANIFEST_PARSED, () => (h.currentLevel = 0));
    return v;
  };

  it('a catch-up into data still loading aims two round trips of the path beyond the default lead', async function () {
    const media = await mediaServer(this);
    const v = hlsVideo(media, `rtt-${uniqueRoom('x')}`);
    const seeks: { at: number; position: number }[] = [];
    v.addEventListener('seeking', () => seeks.push({ at: performance.now(), position: v.currentTime }));
    driver = newDriver(v, 500);
    const first: VideoState = { src: '', paused: false, position: 4, anchor: performance.now() - 1_000, rate: 1, slot: 1, wait: [] };
    driver.setState(first);
    await waitFor(() => !v.paused && Math.abs(v.currentTime - positionAt(first, performance.now())) < 0.05, 'in step on the first timeline', 20_000);
    // The room jumps 20 s on, where nothing is loaded yet.
    const before = seeks.length;
    const jump: VideoState = { src: '', paused: false, position: positionAt(first, performance.now()) + 20, anchor: performance.now(), rate: 1, slot: 2, wait: [] };
    driver.setState(jump);
    await waitFor(() => seeks.length > before, 'the catch-up seek', 5_000);
    const seek = seeks[before]!;
    const leadMs = (seek.position - positionAt(jump, seek.at)) * 1000;
    // 350 ms with no round trip known (a joiner 200 ms from its server landed 300 ms late with it).
    expect(leadMs, 'how far ahead of the room the first catch-up aims, ms').to.be.within(1_300, 1_400);
  });

  it('a seek into data still loading (its link stopped for 2.5 s) does not teach the lead: the next catch-up starts at once', async function () {
    const media = await mediaServer(this);
    const key = `lead-${uniqueRoom('x')}`;
    const v = hlsVideo(media, key);
    const seekingAt: number[] = [];
    const playAt: number[] = [];
    v.addEventListener('seeking', () => seekingAt.push(performance.now()));
    v.addEventListener('play', () => playAt.push(performance.now()));
    driver = newDriver(v);
    // A room playing from 4 s for a second already: a catch-up (and its lead is then known).
    const first: VideoState = { src: '', paused: false, position: 4, anchor: performance.now() - 1_000, rate: 1, slot: 1, wait: [] };
    driver.setState(first);
    const inStep = (s: VideoState) => !v.paused && Math.abs(v.currentTime - positionAt(s, performance.now())) < 0.05;
    await waitFor(() => inStep(first) && seekingAt.length > 0, 'in step on the first timeline', 20_000);

    // The room jumps 20 s on while this tab's link is stopped, for 2.5 s: the catch-up seek waits for it.
    await pace(key, 0);
    const seeksBefore = seekingAt.length;
    const jump: VideoState = { src: '', paused: false, position: positionAt(first, performance.now()) + 20, anchor: performance.now(), rate: 1, slot: 2, wait: [] };
    driver.setState(jump);
    await waitFor(() => seekingAt.length > seeksBefore, 'the catch-up seek', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await pace(key, null);
    // It lands late; the next catch-up aims at data loaded by then.
    await waitFor(() => seekingAt.length > seeksBefore + 1, 'the second catch-up seek', 15_000);
    const second = seekingAt[seeksBefore + 1]!;
    await waitFor(() => playAt.some((t) => t > second), 'the start after it', 10_000);
    const startMs = playAt.find((t) => t > second)! - second;
    // Taught by the late seek, it would aim 4 s ahead and wait that long before starting.
    expect(startMs, 'from the second catch-up seek to the start, ms').to.be.below(1_200);
    await waitFor(() => inStep(jump), 'in step on the new timeline', 10_000);
  });
});
