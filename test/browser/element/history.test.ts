/**
 * Two histories under one room name (issue 14, item 4), in real browsers: real elements, real WebRTC, real
 * signaling servers. A tab that cannot see the room that exists founds a second history under its name;
 * when the two meet, the meeting rule (src/room/history.ts) keeps one, the other's tabs leave theirs and
 * catch up in it, and the room ends as one history with one state that every tab agrees on.
 *
 * The races are forced through the test runner's servers (web-test-runner.config.mjs), never by sleeping:
 * the restarted server holds the old tabs' joins back until the new tab has founded; the two servers that
 * share rooms through a real Redis answer the two first joins with no peers, as when both raced.
 */
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import type { PaxosHistoryDetail } from '../../../src/events.js';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { addElement, cleanup, uniqueRoom, waitFor, waitForElements, waitForRoom } from './helpers.js';

/** Every `paxos-history` event of each element, in order. */
const histories = new Map<PaxosVideo, PaxosHistoryDetail[]>();
function track(el: PaxosVideo): PaxosVideo {
  const log: PaxosHistoryDetail[] = [];
  histories.set(el, log);
  el.addEventListener('paxos-history', (e) => log.push(e.detail));
  return el;
}
/** The history an element is in, from its events (`met` leaves it where it is). */
const historyOf = (el: PaxosVideo): string | undefined => histories.get(el)!.filter((h) => h.reason !== 'met').at(-1)?.history;

/** One history, synced, one leader, one decided state, a full mesh: the room is one again. */
function oneRoom(els: PaxosVideo[]): boolean {
  const [first] = els;
  const h = historyOf(first!);
  return (
    h !== undefined &&
    els.every((e) => historyOf(e) === h && e.status === 'synced' && e.leader === first!.leader && e.leader !== null) &&
    els.every((e) => JSON.stringify(e.state) === JSON.stringify(first!.state)) &&
    els.every((e) => e.peers.filter((p) => p.connected).length >= els.length - 1)
  );
}

describe('<paxos-video> two histories under one room name', () => {
  afterEach(() => cleanup());
  after(async () => {
    await executeServerCommand('outage-release-joins');
    await executeServerCommand('outage-server-start');
  });

  it('server restarted under a playing room, a new tab first: one room, one state', async () => {
    const url = window.__PAXOS_SIGNALING_OUTAGE_URL__!;
    const room = uniqueRoom('history-restart');
    const old: PaxosVideo[] = [];
    for (let i = 0; i < 3; i++) {
      old.push(track(addElement({ room, attrs: { signaling: url } })));
      if (i === 0) await waitFor(() => old[0]!.status === 'synced', 'the founder synced');
    }
    await waitForRoom(old);
    await old[1]!.seek(12);
    await old[2]!.play();
    await waitFor(() => old.every((e) => e.state.position === 12 || !e.state.paused), 'the room plays');
    const oldHistory = historyOf(old[0]!)!;
    expect(old.every((e) => historyOf(e) === oldHistory), 'the old tabs in one history').to.equal(true);

    // The server restarts; it holds the old tabs back, so a new tab reaches it first and founds.
    expect(await executeServerCommand('outage-server-stop')).to.equal(true);
    await old[0]!.pause();
    await waitFor(() => old.every((e) => e.state.paused), 'a decision over the mesh while the server is down');
    expect(await executeServerCommand('outage-server-start', { holdJoins: old.map((e) => e.nodeId) })).to.equal(true);
    const late = track(addElement({ room, attrs: { signaling: url } }));
    await waitFor(() => histories.get(late)!.length > 0, 'the new tab founded a history', 20_000);
    const founded = histories.get(late)![0]!;
    expect(founded.reason).to.equal('founded');
    expect(founded.history).to.not.equal(oldHistory);

    // The old tabs re-join: the two histories meet, and the playing room's wins.
    expect(await executeServerCommand('outage-release-joins')).to.equal(true);
    const all = [...old, late];
    await waitForElements(all, () => oneRoom(all), 'one history, one state, every tab agrees', 45_000);
    expect(historyOf(late)).to.equal(oldHistory);
    expect(histories.get(late)!.find((h) => h.reason === 'absorbed')).to.deep.equal({ history: oldHistory, reason: 'absorbed', other: founded.history });
    expect(late.state.paused).to.equal(true);
    // (Whether an old tab saw a message of the new history before its tab left it is a race: no `met` check.)
    for (const e of old) expect(histories.get(e)!.some((h) => h.reason === 'absorbed'), 'an old tab never leaves').to.equal(false);

    // One room: the absorbed tab decides with the others.
    await late.seek(30);
    await waitForElements(all, () => all.every((e) => e.state.position === 30), 'a decision of the whole room');
  });

  it('two simultaneous first joins through two server processes and Redis end as one history', async () => {
    const room = uniqueRoom('history-redis');
    const urls = (await executeServerCommand('redis-pair-start', { blindRooms: [room] })) as unknown as string[];
    expect(urls).to.have.length(2);
    const [a, b] = urls.map((url) => track(addElement({ room, attrs: { signaling: url } })));
    const both = [a!, b!];
    await waitFor(() => both.every((e) => histories.get(e)!.length > 0), 'both tabs founded', 20_000);
    const founded = both.map((e) => histories.get(e)![0]!);
    expect(founded.map((f) => f.reason)).to.deep.equal(['founded', 'founded']);
    expect(founded[0]!.history).to.not.equal(founded[1]!.history);

    await waitForElements(both, () => oneRoom(both), 'one history', 45_000);
    const winner = historyOf(a!)!;
    const loser = both.find((e) => histories.get(e)![0]!.history !== winner)!;
    expect(histories.get(loser)!.find((h) => h.reason === 'absorbed')?.other).to.equal(histories.get(loser)![0]!.history);
    await loser.seek(21);
    await waitForElements(both, () => both.every((e) => e.state.position === 21), 'the two decide together');
  });
});
