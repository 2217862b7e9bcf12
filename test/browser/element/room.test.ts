/**
 * Three real elements in one page form a room over real WebRTC and the real signaling server, elect a
 * leader, and every command issued on any one of them, through the API or through the video itself, is
 * decided and applied on all.
 */
import { expect } from '@open-wc/testing';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { cleanup, makeRoom, nextEvent, spreadMs, videoSrc, waitFor, waitForState } from './helpers.js';

/** Every pair of videos within this of each other while playing in one page (the benchmark measures the real figure). */
const TOLERANCE_MS = 100;

describe('<paxos-video> room', () => {
  let els: PaxosVideo[];
  before(async () => {
    els = await makeRoom(3);
  });
  after(cleanup);

  it('elects one leader that every element knows, with the others as acceptors', () => {
    const leader = els[0]!.leader;
    expect(leader).to.be.a('string');
    const roles = els.map((e) => e.paxosRole).sort();
    expect(roles).to.deep.equal(['acceptor', 'acceptor', 'leader']);
    expect(els.find((e) => e.paxosRole === 'leader')!.nodeId).to.equal(leader);
    expect(new Set(els.map((e) => e.nodeId)).size).to.equal(3);
  });

  it('plays on every element when one calls play(), in step', async () => {
    const state = await els[1]!.play();
    expect(state.paused).to.equal(false);
    await waitForState(els, (s) => !s.paused, 'every element decided play');
    await waitFor(() => els.every((e) => !e.video!.paused && e.video!.currentTime > 0.5), 'every video playing');
    await waitFor(() => spreadMs(els) < TOLERANCE_MS, `videos within ${TOLERANCE_MS} ms`);
    expect(spreadMs(els)).to.be.below(TOLERANCE_MS);
  });

  it('pauses every element when one calls pause(), at one position', async () => {
    await els[2]!.pause();
    await waitFor(() => els.every((e) => e.state.paused && e.video!.paused), 'every video paused');
    const at = els[0]!.state.position;
    await waitFor(() => els.every((e) => Math.abs(e.video!.currentTime - at) < 0.05), 'every video at the decided position');
  });

  it('seeks every element when one calls seek()', async () => {
    await els[0]!.seek(20);
    await waitFor(() => els.every((e) => e.state.position === 20 && Math.abs(e.video!.currentTime - 20) < 0.05), 'every video at 20 s');
  });

  it('changes the rate of every element with setRate()', async () => {
    await els[1]!.setRate(1.5);
    await waitFor(() => els.every((e) => e.state.rate === 1.5), 'rate decided');
    await els[1]!.play();
    await waitFor(() => els.every((e) => !e.video!.paused && Math.abs(e.video!.playbackRate - 1.5) < 0.15), 'every video at about 1.5x');
    await els[1]!.setRate(1);
    await els[1]!.pause();
  });

  it('loads a new source on every element with load()', async () => {
    const src = `${videoSrc()}?second`;
    await els[2]!.load(src);
    await waitFor(() => els.every((e) => e.state.src === src && e.video!.currentSrc === src), 'every video on the new source');
    expect(els.every((e) => e.state.position === 0)).to.equal(true);
  });

  it('turns a pause through the video element itself into a room decision', async () => {
    await els[0]!.play();
    await waitFor(() => els.every((e) => !e.video!.paused), 'every video playing');
    const decided = nextEvent<{ state: { paused: boolean } }>(els[2]!, 'paxos-state', (d) => d.state.paused);
    els[1]!.video!.pause(); // as the native controls would
    await decided;
    await waitFor(() => els.every((e) => e.video!.paused), 'every video paused after the user paused one');
  });

  it('turns a seek and a play through the video element into room decisions', async () => {
    els[2]!.video!.currentTime = 30;
    await waitFor(() => els.every((e) => Math.abs(e.state.position - 30) < 0.01), 'seek decided from a user seek');
    // As the native play button would; the element holds the frame until the room decides, which
    // interrupts this play() promise.
    els[0]!.video!.play().catch(() => undefined);
    await waitFor(() => els.every((e) => !e.state.paused && !e.video!.paused), 'play decided from a user play');
    await waitFor(() => spreadMs(els) < TOLERANCE_MS, `videos within ${TOLERANCE_MS} ms`);
  });

  it('answers readState() with the decided state, confirmed by a majority', async () => {
    await els[0]!.pause();
    const read = await els[2]!.readState();
    expect(read.paused).to.equal(true);
    expect(read.slot).to.be.at.least(els[0]!.state.slot);
  });

  it('rejects bad arguments with a coded error and decides nothing', async () => {
    const slot = els[0]!.state.slot;
    for (const call of [() => els[0]!.seek(-1), () => els[0]!.seek(Number.NaN), () => els[0]!.setRate(0), () => els[0]!.load('javascript:alert(1)')]) {
      const error = await call().then(
        () => null,
        (e: { code: string }) => e,
      );
      expect(error?.code).to.equal('bad-argument');
    }
    expect(els[0]!.state.slot).to.equal(slot);
  });

  it('reports every protocol message as a paxos-message event', async () => {
    const seen: string[] = [];
    const on = (e: Event) => seen.push((e as CustomEvent<{ type: string; direction: string }>).detail.type);
    const leader = els.find((e) => e.paxosRole === 'leader')!;
    leader.addEventListener('paxos-message', on);
    await els[0]!.seek(5);
    leader.removeEventListener('paxos-message', on);
    expect(seen).to.include('accept');
    expect(seen).to.include('accepted');
  });

  it('passes the accessibility check in its shadow DOM', async () => {
    await expect(els[0]!).shadowDom.to.be.accessible();
  });
});
