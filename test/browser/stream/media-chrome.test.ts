/**
 * Custom media elements and media-chrome: a `<paxos-video>` wrapping media-chrome's `<media-controller>` around
 * an `<hls-video>` (hls-video-element: a custom element with the HTMLMediaElement interface that plays HLS
 * through hls.js) keeps it in sync like a `<video>`, and a user's play, pause, seek and rate made on
 * media-chrome's controls become proposals to the room.
 */
import 'hls-video-element';
import 'media-chrome';
import { expect } from '@open-wc/testing';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { addElement, cleanup, describeRoom, uniqueRoom, waitFor, waitForElements, waitForRoom } from '../element/helpers.js';
import { mediaServer } from './helpers.js';

/** A tab whose media is `<media-controller><hls-video slot="media">` with a control bar, named `name`. */
function addChromeTab(room: string, src: string, name: string): PaxosVideo {
  const el = addElement({ room, video: false, attrs: { name } });
  el.innerHTML = `
    <media-controller>
      <hls-video slot="media" src="${src}" muted playsinline crossorigin></hls-video>
      <media-control-bar>
        <media-play-button></media-play-button>
        <media-time-range></media-time-range>
        <media-playback-rate-button rates="1 1.5 2"></media-playback-rate-button>
      </media-control-bar>
    </media-controller>`;
  return el;
}

const media = (el: PaxosVideo) => el.querySelector('hls-video') as unknown as HTMLVideoElement;
const control = (el: PaxosVideo, tag: string) => el.querySelector(tag) as HTMLElement;

describe('media-chrome and a custom media element (<hls-video>)', function () {
  this.timeout(120_000);
  afterEach(cleanup);

  it('keeps <hls-video> in sync, and media-chrome controls become proposals', async function () {
    const server = await mediaServer(this);
    const room = uniqueRoom('chrome');
    const ana = addChromeTab(room, `${server}/chrome-ana-${room}/master.m3u8`, 'Ana');
    await waitFor(() => ana.status === 'synced', 'Ana founded the room');
    const ben = addChromeTab(room, `${server}/chrome-ben-${room}/master.m3u8`, 'Ben');
    const els = [ana, ben];
    await waitForRoom(els);
    expect(ana.video, 'the element drives the custom media element').to.equal(media(ana));
    await waitForElements(els, () => els.every((e) => media(e).readyState >= 2), 'both streams loaded', 30_000);

    // Play, from Ana's media-chrome play button: the room plays, Ben's <hls-video> with it.
    control(ana, 'media-play-button').click();
    await waitForElements(els, () => !ben.state.paused && ben.state.by === 'Ana', 'the room plays, by Ana', 15_000);
    await waitForElements(els, () => media(ben).currentTime > 1.5 && media(ana).currentTime > 1.5, 'both play', 15_000);
    const spread = () => Math.abs(media(ana).currentTime - media(ben).currentTime) * 1000;
    await waitForElements(els, () => spread() < 100, `in sync within 100 ms (spread ${spread().toFixed(0)} ms)`, 15_000);

    // Seek, from Ana's time range (media-chrome asks its controller with a mediaseekrequest).
    control(ana, 'media-time-range').dispatchEvent(new CustomEvent('mediaseekrequest', { detail: 20, bubbles: true, composed: true }));
    await waitForElements(els, () => Math.abs(ben.state.position - 20) < 0.5 && ben.state.anchor > 0, 'the room sought to 20 s', 15_000);
    await waitForElements(els, () => media(ben).currentTime > 20 && spread() < 100, `Ben at 20 s+, in sync (spread ${spread().toFixed(0)} ms)`, 20_000);

    // Rate, from Ben's rate button (1 -> 1.5).
    control(ben, 'media-playback-rate-button').click();
    await waitForElements(els, () => ana.state.rate === 1.5 && media(ana).playbackRate > 1.4, 'the room plays at 1.5x', 15_000);

    // Pause, from Ben's play button (it shows "pause" while its media plays).
    const button = control(ben, 'media-play-button');
    await waitFor(() => !button.hasAttribute('mediapaused'), `Ben's play button knows its media plays (paused=${media(ben).paused})`, 5_000);
    button.click();
    await waitForElements(els, () => ana.state.paused && ana.state.by === 'Ben' && media(ana).paused, `the room paused, by Ben (Ben's media paused=${media(ben).paused})\n  ${describeRoom(els)}`, 15_000);
  });
});
