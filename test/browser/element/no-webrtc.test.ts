/**
 * A tab without WebRTC (as Debian's WebKit, or a browser where a policy or an extension disables it) in a
 * room of tabs with it: the shipped widget in a frame of this page whose window has no `RTCPeerConnection`
 * (deleted before the widget loads), beside elements of this page, which have it. Real Chromium, real
 * WebRTC between the elements that have it, the real signaling server's relay for every link of the one
 * that has not, real video.
 *
 * It joins without throwing, is reached through the relay at once by every peer (well before the 10 s after
 * which a link that does not open is relayed), says so (`peers[].relayed`, its status bar), leads, decides
 * and plays in step; and, joining a room with a long log, it catches up through the relay (the catch-up is
 * longer than one relayed signal may be, so it comes in parts).
 *
 * The cross-engine test with a real WebKit is test/interop/webkit.test.ts.
 */
import { expect } from '@open-wc/testing';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { addElement, cleanup, makeRoom, signalingUrl, spreadMs, uniqueRoom, videoSrc, waitFor, waitForElements, waitForState } from './helpers.js';

/** How soon peers must reach the tab without WebRTC: well under the relay timeout of a link (10 s), ms. */
const AT_ONCE_MS = 6_000;
/** Every pair of videos within this of each other while playing in one page (as in room.test.ts). */
const TOLERANCE_MS = 100;

interface FrameWindow extends Window {
  /** Uncaught errors, unhandled rejections and `paxos-error` events in the frame. */
  __problems: string[];
}

const frames: HTMLIFrameElement[] = [];

/**
 * An element of the shipped widget (from the signaling server, which it then uses by default) in a new frame
 * whose window lost `RTCPeerConnection` before the widget loaded.
 */
async function addElementWithoutWebRtc(room: string, secret?: string): Promise<{ el: PaxosVideo; problems: () => string[] }> {
  const server = signalingUrl();
  const frame = document.createElement('iframe');
  frame.srcdoc = `<!doctype html><html><body>
    <script>
      window.__problems = [];
      addEventListener('error', (e) => __problems.push('error: ' + e.message));
      addEventListener('unhandledrejection', (e) => __problems.push('unhandled rejection: ' + e.reason));
      document.addEventListener('paxos-error', (e) => __problems.push('paxos-error ' + JSON.stringify(e.detail)));
      delete window.RTCPeerConnection;
      delete window.webkitRTCPeerConnection;
    </script>
    <script type="module" src="${server}/paxos-video.js"></script>
    <paxos-video room="${room}"${secret ? ` secret="${secret}"` : ''}><video src="${server}/test-pattern.webm" muted playsinline preload="auto" width="160"></video></paxos-video>
  </body></html>`;
  frame.width = '240';
  frame.height = '200';
  document.body.append(frame);
  frames.push(frame);
  const el = await waitFor(
    () => frame.contentWindow?.customElements?.get('paxos-video') && (frame.contentDocument?.querySelector('paxos-video') as PaxosVideo | null),
    'the frame to load the widget',
    20_000,
  );
  const win = frame.contentWindow as FrameWindow;
  expect(typeof (win as unknown as { RTCPeerConnection?: unknown }).RTCPeerConnection, 'the frame has no RTCPeerConnection').to.equal('undefined');
  return { el, problems: () => [...win.__problems] };
}

/** The status bar's text of an element (its `status` part, in its open shadow root). */
const statusText = (el: PaxosVideo): string => el.shadowRoot?.querySelector('[part="status"]')?.textContent ?? '';

/** The view `from` has of `to`: connected, and relayed or direct. */
function link(from: PaxosVideo, to: PaxosVideo): string {
  const p = from.peers.find((x) => x.id === to.nodeId);
  return !p ? 'unknown' : !p.connected ? 'down' : p.relayed ? 'relayed' : 'direct';
}

describe('<paxos-video> in a tab without WebRTC', () => {
  afterEach(() => {
    for (const f of frames.splice(0)) f.remove();
    cleanup();
  });

  it('founds and leads a room of tabs with WebRTC, every link relayed at once, and plays in step', async () => {
    const room = uniqueRoom('nortc');
    const { el: w, problems } = await addElementWithoutWebRtc(room);
    await waitFor(() => w.status === 'synced' && w.paxosRole === 'leader', 'the tab without WebRTC to found the room and lead it', 20_000);

    const a = addElement({ room });
    const b = addElement({ room });
    const all = [w, a, b];
    // A joiner catches up from the leader, which only the relay reaches: synced means reached.
    await waitForElements(all, () => all.every((e) => e.status === 'synced' && e.leader === w.nodeId), 'a and b synced, w leading', AT_ONCE_MS);
    await waitForElements(
      all,
      () => link(w, a) === 'relayed' && link(w, b) === 'relayed' && link(a, w) === 'relayed' && link(b, w) === 'relayed',
      'every link of w relayed, both ways',
      AT_ONCE_MS,
    );
    await waitForElements(all, () => link(a, b) === 'direct' && link(b, a) === 'direct', 'a and b on a direct data channel', 30_000);
    expect(statusText(w)).to.contain('via the server (no WebRTC)');
    expect(statusText(a)).to.not.contain('no WebRTC');

    // Its own commands and the others', decided by it and applied by all.
    const played = await a.play();
    expect(played.paused).to.equal(false);
    await waitForState(all, (s) => s.slot >= played.slot && !s.paused, 'every element decided play');
    await waitFor(() => all.every((e) => !e.video!.paused && e.video!.currentTime > 0.5), 'every video playing');
    await waitForElements(all, () => spreadMs(all) < TOLERANCE_MS, `videos within ${TOLERANCE_MS} ms`);
    const seeked = await w.seek(20);
    await waitForState(all, (s) => s.slot >= seeked.slot && s.position === 20, 'every element decided the seek');
    const rated = await b.setRate(1.5);
    await waitForState(all, (s) => s.slot >= rated.slot && s.rate === 1.5, 'every element decided the rate');
    await waitFor(() => all.every((e) => Math.abs(e.video!.playbackRate / 1.5 - 1) < 0.11), 'every video at 1.5x');
    await waitForElements(all, () => spreadMs(all) < TOLERANCE_MS, `videos within ${TOLERANCE_MS} ms at 1.5x`);
    const paused = await w.pause();
    await waitForState(all, (s) => s.slot >= paused.slot && s.paused, 'every element decided the pause');
    expect(w.paxosRole).to.equal('leader');
    expect(problems()).to.deep.equal([]);
  });

  it('joins a room with a long log and catches up through the relay, in parts', async () => {
    const secret = 'the secret of this room';
    const [a, b] = await makeRoom(2, { secret });
    // 24 sources of 1 KB each decided since the room began (it compacts its log every 64 slots): the
    // catch-up holds them all, over 24 KB sealed, more than the 16 KiB one relayed signal may carry.
    let last = a!.state;
    const pad = 'p'.repeat(1000);
    for (let i = 1; i <= 24; i++) last = await (i % 2 ? a! : b!).load(`${videoSrc()}?pad=${pad}&n=${i}`);
    const { el: w, problems } = await addElementWithoutWebRtc(a!.getAttribute('room')!, secret);
    const all = [a!, b!, w];
    await waitForElements(all, () => w.status === 'synced' && w.state.slot >= last.slot, 'the tab without WebRTC to catch up', 20_000);
    expect(w.state.src).to.equal(last.src);
    expect(link(w, a!)).to.equal('relayed');
    // A member of the room like any other: its command is decided and applied everywhere.
    const played = await w.play();
    await waitForState(all, (s) => s.slot >= played.slot && !s.paused, 'every element decided its play');
    expect(problems()).to.deep.equal([]);
  });
});
