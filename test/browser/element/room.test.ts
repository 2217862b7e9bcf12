/**
 * Three real elements in one page form a room over real WebRTC and the real signaling server, elect a
 * leader, and every command issued on any one of them, through the API or through the video itself, is
 * decided and applied on all.
 *
 * The cases share one room (forming one takes seconds) but not its history: before each, the room is
 * checked whole and brought back to the same start (the demo video, paused at 0, rate 1), so every case
 * runs alone or in any order.
 */
import { expect } from '@open-wc/testing';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { cleanup, makeRoom, nextEvent, spreadMs, videoSrc, waitFor, waitForElements, waitForRoom, waitForState } from './helpers.js';

/** Every pair of videos within this of each other while playing in one page (the benchmark measures the real figure). */
const TOLERANCE_MS = 100;

/** Brings the room back to the start every case begins from, and waits until every video is there. */
async function backToStart(els: PaxosVideo[]): Promise<void> {
  await waitForRoom(els);
  const a = els[0]!;
  if (a.state.src !== '' && a.state.src !== videoSrc()) await a.load(videoSrc());
  if (!a.state.paused) await a.pause();
  if (a.state.rate !== 1) await a.setRate(1);
  if (a.state.position !== 0) await a.seek(0);
  const slot = a.state.slot;
  await waitForElements(
    els,
    () => els.every((e) => e.state.slot === slot && e.video!.paused && e.video!.playbackRate === 1 && Math.abs(e.video!.currentTime) < 0.05),
    'every element back at the start (paused at 0, rate 1)',
  );
}

describe('<paxos-video> room', () => {
  let els: PaxosVideo[] | undefined;
  let room: PaxosVideo[];
  beforeEach(async () => {
    els ??= await makeRoom(3);
    room = els;
    await backToStart(room);
  });
  after(cleanup);

  it('elects one leader that every element knows, with the others as acceptors', () => {
    const leader = room[0]!.leader;
    expect(leader).to.be.a('string');
    const roles = room.map((e) => e.paxosRole).sort();
    expect(roles).to.deep.equal(['acceptor', 'acceptor', 'leader']);
    expect(room.find((e) => e.paxosRole === 'leader')!.nodeId).to.equal(leader);
    expect(new Set(room.map((e) => e.nodeId)).size).to.equal(3);
  });

  it('plays on every element when one calls play(), in step', async () => {
    const state = await room[1]!.play();
    expect(state.paused).to.equal(false);
    await waitForState(room, (s) => !s.paused, 'every element decided play');
    await waitFor(() => room.every((e) => !e.video!.paused && e.video!.currentTime > 0.5), 'every video playing');
    await waitFor(() => spreadMs(room) < TOLERANCE_MS, `videos within ${TOLERANCE_MS} ms`);
    expect(spreadMs(room)).to.be.below(TOLERANCE_MS);
  });

  it('pauses every element when one calls pause(), at one position', async () => {
    await room[0]!.play();
    await waitFor(() => room.every((e) => !e.video!.paused && e.video!.currentTime > 0.2), 'every video playing');
    await room[2]!.pause();
    await waitFor(() => room.every((e) => e.state.paused && e.video!.paused), 'every video paused');
    const at = room[0]!.state.position;
    await waitFor(() => room.every((e) => Math.abs(e.video!.currentTime - at) < 0.05), 'every video at the decided position');
  });

  it('seeks every element when one calls seek()', async () => {
    await room[0]!.seek(20);
    await waitFor(() => room.every((e) => e.state.position === 20 && Math.abs(e.video!.currentTime - 20) < 0.05), 'every video at 20 s');
  });

  it('changes the rate of every element with setRate()', async () => {
    await room[1]!.setRate(1.5);
    await waitFor(() => room.every((e) => e.state.rate === 1.5), 'rate decided');
    await room[1]!.play();
    await waitFor(() => room.every((e) => !e.video!.paused && Math.abs(e.video!.playbackRate - 1.5) < 0.15), 'every video at about 1.5x');
  });

  it('loads a new source on every element with load()', async () => {
    const src = `${videoSrc()}?second`;
    await room[2]!.load(src);
    await waitFor(() => room.every((e) => e.state.src === src && e.video!.currentSrc === src), 'every video on the new source');
    expect(room.every((e) => e.state.position === 0)).to.equal(true);
  });

  it('turns a pause through the video element itself into a room decision', async () => {
    await room[0]!.play();
    await waitFor(() => room.every((e) => !e.video!.paused), 'every video playing');
    const decided = nextEvent<{ state: { paused: boolean } }>(room[2]!, 'paxos-state', (d) => d.state.paused);
    room[1]!.video!.pause(); // as the native controls would
    await decided;
    await waitFor(() => room.every((e) => e.video!.paused), 'every video paused after the user paused one');
  });

  it('turns a seek and a play through the video element into room decisions', async () => {
    room[2]!.video!.currentTime = 30;
    await waitFor(() => room.every((e) => Math.abs(e.state.position - 30) < 0.01), 'seek decided from a user seek');
    // As the native play button would; the element holds the frame until the room decides, which
    // interrupts this play() promise.
    room[0]!.video!.play().catch(() => undefined);
    await waitFor(() => room.every((e) => !e.state.paused && !e.video!.paused), 'play decided from a user play');
    await waitFor(() => spreadMs(room) < TOLERANCE_MS, `videos within ${TOLERANCE_MS} ms`);
  });

  it('answers readState() with the decided state, confirmed by a majority', async () => {
    await room[0]!.pause();
    const read = await room[2]!.readState();
    expect(read.paused).to.equal(true);
    expect(read.slot).to.be.at.least(room[0]!.state.slot);
  });

  it('rejects bad arguments with a coded error and decides nothing', async () => {
    const slot = room[0]!.state.slot;
    for (const call of [() => room[0]!.seek(-1), () => room[0]!.seek(Number.NaN), () => room[0]!.setRate(0), () => room[0]!.load('javascript:alert(1)')]) {
      const error = await call().then(
        () => null,
        (e: { code: string }) => e,
      );
      expect(error?.code).to.equal('bad-argument');
    }
    expect(room[0]!.state.slot).to.equal(slot);
  });

  it('reports every protocol message as a paxos-message event', async () => {
    const seen: string[] = [];
    const on = (e: Event) => seen.push((e as CustomEvent<{ type: string; direction: string }>).detail.type);
    const leader = room.find((e) => e.paxosRole === 'leader')!;
    leader.addEventListener('paxos-message', on);
    await room[0]!.seek(5);
    leader.removeEventListener('paxos-message', on);
    expect(seen).to.include('accept');
    expect(seen).to.include('accepted');
  });

  it('passes the accessibility check in its shadow DOM', async () => {
    await expect(room[0]!).shadowDom.to.be.accessible();
  });
});
