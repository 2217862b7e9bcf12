/**
 * The Room on its own, in Node: real consensus nodes, real timers, and an in-memory network (memory-hub.ts)
 * in place of the signaling server and WebRTC. It founds and joins rooms, reports every decided slot with
 * the state the node's log computed, settles proposals and reads, says what went wrong in its own words, and
 * recovers a reloaded node from storage. The same Room over the real network is what the browser tests run.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { MeshError } from '../../src/net/mesh.js';
import { SignalingError } from '../../src/net/signaling-error.js';
import { type VideoState, makePause, makePlay, makeSeek } from '../../src/playback/video-state.js';
import { type RoomEvents, RoomError } from '../../src/room/room-events.js';
import { seal } from '../../src/room/history.js';
import { Room } from '../../src/room/room.js';
import { waitFor } from '../support/wait.js';
import { MemoryHub, MemoryStorage } from './memory-hub.js';

type Logged = { [K in keyof RoomEvents]: { name: K; detail: RoomEvents[K] } }[keyof RoomEvents];

/** A room under test, with every event it reported, in order. */
interface TestRoom {
  room: Room;
  events: Logged[];
  /** The `state` events' details. */
  states(): RoomEvents['state'][];
}

const rooms: Room[] = [];
afterEach(() => {
  for (const r of rooms.splice(0)) r.close();
});

let ids = 0;
const newId = (label: string): string => `${label}-${(++ids).toString().padStart(8, '0')}`;

function makeRoom(hub: MemoryHub, id = newId('node'), storage: Storage = new MemoryStorage()): TestRoom {
  const events: Logged[] = [];
  const room = new Room({
    signalingUrl: 'http://memory.invalid',
    room: 'test-room',
    id,
    maxAcceptors: 5,
    localNow: () => Date.now(),
    storage,
    transport: hub.transport(),
    tickMs: 10,
    proposalTimeoutMs: 1500,
    onEvent: (name, detail) => events.push({ name, detail } as Logged),
  });
  rooms.push(room);
  return { room, events, states: () => events.filter((e) => e.name === 'state').map((e) => e.detail as RoomEvents['state']) };
}

/** Starts rooms one after another (the first founds it) and waits until all agree on one leader. */
async function formRoom(hub: MemoryHub, n: number): Promise<TestRoom[]> {
  const all: TestRoom[] = [];
  for (let i = 0; i < n; i++) {
    const r = makeRoom(hub);
    await r.room.start();
    if (i === 0) await waitFor(() => r.room.status === 'synced', 'the founder synced');
    all.push(r);
  }
  await waitFor(
    () => {
      const leader = all[0]!.room.leader;
      return leader !== null && all.every((r) => r.room.leader === leader && r.room.status === 'synced') && all.filter((r) => r.room.role !== 'learner').length === Math.min(n, 5);
    },
    `${n} rooms with one leader, every one synced`,
    10_000,
  );
  return all;
}

/** A room of three with one acceptor (not the leader) cut off from the other two. */
async function cutOffAnAcceptor(): Promise<{ hub: MemoryHub; minority: TestRoom; others: TestRoom[] }> {
  const hub = new MemoryHub();
  const all = await formRoom(hub, 3);
  const minority = all.find((r) => r.room.role === 'acceptor')!;
  const others = all.filter((r) => r !== minority);
  for (const o of others) hub.partition(minority.room.id, o.room.id, true);
  return { hub, minority, others };
}

const rejection = (p: Promise<unknown>): Promise<RoomError> =>
  p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => {
      assert.ok(e instanceof RoomError, `a RoomError, got ${String(e)}`);
      return e;
    },
  );

describe('Room', () => {
  test('a lone node founds the room, reports its slots and decides alone', async () => {
    const hub = new MemoryHub();
    const a = makeRoom(hub);
    assert.equal(a.room.status, 'connecting');
    await a.room.start();
    await waitFor(() => a.room.status === 'synced', 'synced');
    assert.equal(a.room.known, true);
    await waitFor(() => a.room.role === 'leader', 'the founder to lead');
    assert.deepEqual(a.states()[0], { state: { ...a.room.state, slot: 0 }, slot: 0, commands: [] });

    const slot = await a.room.propose(makeSeek(a.room.state, 12, a.room.sharedNow(), 0));
    assert.equal(a.room.state.position, 12);
    assert.equal(a.room.state.slot, slot);
    const decided = a.states().find((s) => s.slot === slot)!;
    assert.equal(decided.state, a.room.state, 'the reported state is the state the room holds');
    assert.deepEqual(decided.commands.map((c) => [c.type, c.proposer]), [['seek', a.room.id]]);
    // A founder holds the room's state from the start: straight to synced.
    assert.deepEqual(a.events.filter((e) => e.name === 'status').map((e) => e.detail), [{ status: 'synced', previous: 'connecting' }]);
  });

  test('three nodes apply every decided slot in order, each with the state the log computed', async () => {
    const hub = new MemoryHub();
    const all = await formRoom(hub, 3);
    const follower = all.find((r) => r.room.role !== 'leader')!;
    const base = follower.room.state;
    let state: VideoState = base;
    for (const make of [
      (s: VideoState) => makePlay(s, follower.room.sharedNow(), 100),
      (s: VideoState) => makeSeek(s, 30, follower.room.sharedNow(), 100),
      (s: VideoState) => makePause(s, follower.room.sharedNow()),
    ]) {
      await follower.room.propose(make(state));
      state = follower.room.state;
    }
    const last = follower.room.state.slot;
    await waitFor(() => all.every((r) => r.room.state.slot === last), 'every node at the last slot');
    for (const r of all) {
      assert.deepEqual(r.room.state, follower.room.state);
      const slots = r.states().map((s) => s.slot);
      assert.deepEqual(slots, [...slots].sort((x, y) => x - y), 'slots reported in order');
      assert.equal(new Set(slots).size, slots.length, 'each slot once');
      assert.deepEqual(r.states().at(-1)!.state, r.room.state);
    }
    // Every node reports the same state for the same slot.
    for (const s of follower.states()) {
      for (const r of all) {
        const theirs = r.states().find((x) => x.slot === s.slot);
        if (theirs) assert.deepEqual(theirs.state, s.state, `slot ${s.slot}`);
      }
    }
    const read = await all[2]!.room.read();
    assert.deepEqual(read.position, follower.room.state.position);
    assert.ok(read.slot >= last);
  });

  test('refuses commands before it has joined and after it has closed; closing rejects what is pending', async () => {
    const hub = new MemoryHub();
    const a = makeRoom(hub);
    assert.equal((await rejection(a.room.propose(makePause(a.room.state, 0)))).code, 'not-connected');
    assert.equal((await rejection(a.room.read())).code, 'not-connected');
    assert.equal((await rejection(a.room.forceReconfigure())).code, 'not-connected');
    await a.room.start();
    await waitFor(() => a.room.status === 'synced', 'synced');
    // Cut off from a majority, a proposal stays pending until the room closes.
    const b = makeRoom(hub);
    const c = makeRoom(hub);
    await b.room.start();
    await c.room.start();
    await waitFor(() => a.room.peers.filter((p) => p.role === 'acceptor').length === 2, 'three acceptors', 10_000);
    hub.partition(a.room.id, b.room.id, true);
    hub.partition(a.room.id, c.room.id, true);
    const pending = a.room.propose(makeSeek(a.room.state, 3, a.room.sharedNow(), 0));
    a.room.close();
    const e = await rejection(pending);
    assert.deepEqual([e.code, e.message], ['not-connected', 'the element left the room']);
    assert.equal((await rejection(a.room.read())).code, 'not-connected');
  });

  test("sends its clock's first burst without waiting for each reply: the clock is ready about one round trip after the join", async () => {
    const hub = new MemoryHub();
    hub.timeDelayMs = 100;
    const r = makeRoom(hub);
    await r.room.start();
    await waitFor(() => r.room.clockReady, 'the clock ready', 5_000);
    // One at a time, the eight samples of the burst would have taken eight round trips, one in flight at a time.
    assert.ok(hub.maxTimeInFlight >= 4, `time requests in flight at once: at most ${hub.maxTimeInFlight}`);
  });

  test('sends the first burst at the join also when a clock sample is in flight already (the socket was up before the join was acked)', async () => {
    const hub = new MemoryHub();
    hub.timeDelayMs = 100;
    hub.joinDelayMs = 50;
    const r = makeRoom(hub);
    const started = Date.now();
    await r.room.start();
    await waitFor(() => r.room.clockReady, 'the clock ready', 5_000);
    assert.ok(hub.maxTimeInFlight >= 4, `time requests in flight at once: at most ${hub.maxTimeInFlight}`);
    // The join's 50 ms and a round trip or two, not eight round trips one after another.
    assert.ok(Date.now() - started < 500, `clock ready after ${Date.now() - started} ms`);
  });

  test('a node cut off from a majority reports it, decides nothing, and comes back when healed', async () => {
    const { hub, minority, others } = await cutOffAnAcceptor();
    await waitFor(() => minority.events.some((e) => e.name === 'quorum-lost'), 'quorum-lost');
    const lost = minority.events.find((e) => e.name === 'quorum-lost')!.detail as RoomEvents['quorum-lost'];
    assert.deepEqual(lost, { reachable: 1, needed: 2 });
    assert.equal(minority.room.status, 'no-quorum');
    const refused = await rejection(minority.room.propose(makeSeek(minority.room.state, 7, minority.room.sharedNow(), 0)));
    assert.ok(['no-quorum', 'timeout'].includes(refused.code), refused.code);

    // The majority goes on.
    await others[0]!.room.propose(makeSeek(others[0]!.room.state, 9, others[0]!.room.sharedNow(), 0));
    for (const o of others) hub.partition(minority.room.id, o.room.id, false);
    const healedAt = minority.events.length;
    await waitFor(() => minority.room.status === 'synced' && minority.room.state.position === 9, 'the minority back and caught up', 10_000);
    assert.ok(minority.events.some((e) => e.name === 'quorum-restored'));
    // It says it is synced again only once it applied the seek decided without it.
    const after = minority.events.slice(healedAt);
    const caughtUp = after.findIndex((e) => e.name === 'state' && e.detail.state.position === 9);
    const synced = after.findIndex((e) => e.name === 'status' && e.detail.status === 'synced');
    assert.ok(caughtUp >= 0 && synced > caughtUp, `synced again at event ${synced}, applied the missed seek at event ${caughtUp}: ${after.map((e) => (e.name === 'status' ? e.detail.status : e.name)).join(', ')}`);
  });

  test('back from a cut, a message its connection held through the cut does not make it say synced', async () => {
    const { hub, minority, others } = await cutOffAnAcceptor();
    const leader = others.find((r) => r.room.role === 'leader')!;
    // What the leader sent as the cut began, held on the way (as a data channel holds what it could not send).
    const held = seal({ type: 'catchup', slot: minority.room.state.slot + 1 }, hub.signalingOf(leader.room.id).history, leader.room.state.slot, Math.round(leader.room.sharedNow()));
    await waitFor(() => minority.room.status === 'no-quorum', 'the minority without quorum');
    await others[0]!.room.propose(makeSeek(others[0]!.room.state, 9, others[0]!.room.sharedNow(), 0));
    // Held longer than a fresh message can take.
    await new Promise((r) => setTimeout(r, 1300));
    // The links come back, but what the others send now is still on its way: only the held message arrives.
    hub.lose = (_from, to) => to === minority.room.id;
    const healedAt = minority.events.length;
    for (const o of others) hub.partition(minority.room.id, o.room.id, false);
    await waitFor(() => minority.events.slice(healedAt).some((e) => e.name === 'quorum-restored'), 'the minority hears a majority again');
    hub.meshOf(minority.room.id).deliver(leader.room.id, JSON.parse(JSON.stringify(held)));
    await new Promise((r) => setTimeout(r, 100));
    hub.lose = undefined;
    await waitFor(() => minority.room.status === 'synced' && minority.room.state.position === 9, 'the minority back and caught up', 10_000);
    const after = minority.events.slice(healedAt);
    const caughtUp = after.findIndex((e) => e.name === 'state' && e.detail.state.position === 9);
    const synced = after.findIndex((e) => e.name === 'status' && e.detail.status === 'synced');
    assert.ok(caughtUp >= 0 && synced > caughtUp, `synced at event ${synced}, applied the missed seek at event ${caughtUp}: ${after.map((e) => (e.name === 'status' ? e.detail.status : e.name)).join(', ')}`);
  });

  test('back from a cut on a channel that still loses what it sends, its catch-up request gets through on the relay', async () => {
    const { hub, minority, others } = await cutOffAnAcceptor();
    await waitFor(() => minority.room.status === 'no-quorum', 'the minority without quorum');
    await others[0]!.room.propose(makeSeek(others[0]!.room.state, 7, others[0]!.room.sharedNow(), 0));
    // The links come back, but what the minority sends on them is lost: its channel's retransmissions are
    // seconds apart, and nothing waits in its send buffer yet to call the channel stalled.
    hub.lose = (from) => from === minority.room.id;
    for (const o of others) hub.partition(minority.room.id, o.room.id, false);
    try {
      await waitFor(() => minority.room.state.position === 7, 'the minority to apply the seek it missed', 10_000);
    } finally {
      hub.lose = undefined;
    }
    assert.ok((hub.meshOf(minority.room.id).relayedToo.get('catchup') ?? 0) >= 1, 'its catch-up request went through the relay too');
    assert.equal([...hub.meshOf(minority.room.id).relayedToo.keys()].join(), 'catchup', 'and nothing else did');
  });

  test('a refused join rejects start in the room\'s words; a fatal server error stops it; a passing one is ignored', async () => {
    const hub = new MemoryHub();
    const id = newId('refused');
    hub.refuse.set(id, new SignalingError('unauthorized', 'bad token'));
    const refused = makeRoom(hub, id);
    const e = await rejection(refused.room.start());
    assert.deepEqual([e.code, e.message], ['unauthorized', 'the signaling server refused the token: bad token']);

    const a = makeRoom(hub);
    await a.room.start();
    await waitFor(() => a.room.status === 'synced', 'synced');
    hub.signalingOf(a.room.id).error(new SignalingError('no-such-peer', 'gone'));
    assert.deepEqual(a.events.filter((x) => x.name === 'error'), [], 'a peer that just left is no news');
    hub.signalingOf(a.room.id).error(new SignalingError('room-full', 'the room is full'));
    assert.deepEqual(a.events.filter((x) => x.name === 'error').map((x) => x.detail), [{ code: 'room-full', message: 'the room is full' }]);
    assert.equal(a.room.status, 'error');
    // `error` stays: nothing the room hears later changes it.
    const now = hub.now();
    hub.signalingOf(a.room.id).hear('joined', { peers: [], rejoin: true, sample: { t0: now, serverTime: now, t1: now } });
    assert.equal(a.room.status, 'error');
  });

  test('mesh problems are reported in the room\'s words', async () => {
    const hub = new MemoryHub();
    const a = makeRoom(hub);
    await a.room.start();
    hub.meshOf(a.room.id).error(new MeshError('wrong-secret', 'the secrets differ', 'x'));
    hub.meshOf(a.room.id).error(new MeshError('signal-failed', 'not sent', 'x'));
    assert.deepEqual(
      a.events.filter((x) => x.name === 'error').map((x) => x.detail),
      [
        { code: 'wrong-secret', message: 'the secrets differ' },
        { code: 'protocol', message: 'not sent' },
      ],
    );
  });

  test('goes offline when the server and every peer are gone, and synced again when they are back', async () => {
    const hub = new MemoryHub();
    const a = makeRoom(hub);
    await a.room.start();
    await waitFor(() => a.room.status === 'synced', 'synced');
    const signaling = hub.signalingOf(a.room.id);
    signaling.drop();
    assert.equal(a.room.status, 'offline');
    signaling.connected = true;
    signaling.joined = true;
    const now = hub.now();
    signaling.hear('joined', { peers: [], rejoin: true, sample: { t0: now, serverTime: now, t1: now } });
    assert.equal(a.room.status, 'synced');
  });

  test('a reloaded node takes its state back from storage: reported once, slot by slot, nothing applied twice', async () => {
    const hub = new MemoryHub();
    const storage = new MemoryStorage();
    const id = newId('reload');
    const first = makeRoom(hub, id, storage);
    await first.room.start();
    await waitFor(() => first.room.status === 'synced', 'synced');
    for (const position of [5, 6, 7]) await first.room.propose(makeSeek(first.room.state, position, first.room.sharedNow(), 0));
    const before = first.room.state;
    first.room.close();

    const second = makeRoom(hub, id, storage);
    await second.room.start();
    await waitFor(() => second.room.status === 'synced', 'the reloaded node synced');
    assert.deepEqual(second.room.state, before);
    const slots = second.states().map((s) => s.slot);
    assert.deepEqual(slots, [...new Set(slots)].sort((x, y) => x - y), 'each slot reported once, in order');
    assert.equal(slots.at(-1), before.slot);
    assert.deepEqual(second.states().at(-1)!.state, before);
  });
});
