/**
 * Two histories under one room name (issue 14, item 4): the history id and the meeting rule as pure
 * functions, then Rooms over the in-memory network (memory-hub.ts) whose server lists no peers (`blind`),
 * as after a server restart under a room or two first joins racing on two server processes. A message of
 * another history never reaches the consensus node; when two histories meet, the losing one's tabs leave it
 * and catch up in the winner, and the room ends as one history with one state.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { PROTOCOL_VERSION, toWire } from '../../src/consensus/index.js';
import { makeSeek } from '../../src/playback/video-state.js';
import { HISTORY_PATTERN, compareHistories, historyOf, newHistory, seal } from '../../src/room/history.js';
import type { RoomEvents } from '../../src/room/room-events.js';
import { Room } from '../../src/room/room.js';
import { waitFor } from '../support/wait.js';
import { MemoryHub, MemoryStorage } from './memory-hub.js';

describe('history ids and the meeting rule', () => {
  /** A history id founded at `t` with the random part `r` (16 characters of base64url). */
  const id = (t: number, r = 'AAAAAAAAAAAAAAAA') => `${t.toString(36).padStart(9, '0')}.${r}`;

  test('a history id holds its founding time and a random part', () => {
    const at = Date.UTC(2026, 11, 6);
    const ids = new Set([...Array(50)].map(() => newHistory(at)));
    assert.equal(ids.size, 50, 'random parts differ');
    for (const h of ids) {
      assert.match(h, HISTORY_PATTERN);
      assert.equal(parseInt(h, 36), at);
    }
    assert.match(newHistory(-5), HISTORY_PATTERN, 'a clock before 1970 still makes a valid id');
    assert.ok(newHistory(999) < newHistory(1000) && newHistory(35) < newHistory(36 ** 3), 'ids sort by founding time');
  });

  test('more decided slots win, then the older founding, then the smaller id; every side agrees', () => {
    const cases: [{ id: string; applied: number }, { id: string; applied: number }][] = [
      [{ id: id(2000), applied: 9 }, { id: id(1000), applied: 3 }], // more slots beat an older founding
      [{ id: id(1000), applied: 3 }, { id: id(2000), applied: 3 }], // equal slots: the older founding
      [{ id: id(35), applied: 3 }, { id: id(36), applied: 3 }], // older, across a digit boundary
      [{ id: id(1000, 'AAAAAAAAAAAAAAA-'), applied: 0 }, { id: id(1000, 'AAAAAAAAAAAAAAAz'), applied: 0 }], // then the smaller id
    ];
    for (const [winner, loser] of cases) {
      assert.ok(compareHistories(winner, loser) > 0, `${JSON.stringify(winner)} wins over ${JSON.stringify(loser)}`);
      assert.ok(compareHistories(loser, winner) < 0, 'and the loser sees it the same way');
    }
    assert.equal(compareHistories({ id: id(5), applied: 4 }, { id: id(5), applied: 4 }), 0);
  });

  test('the envelope: version 3, history, applied slot and send time beside the core message; malformed fields refused', () => {
    const m = { type: 'catchup', slot: 4 } as const;
    const h = id(1000);
    assert.equal(PROTOCOL_VERSION, 3);
    assert.deepEqual(seal(m, h, 7, 1234), { ...toWire(m), h, a: 7, t: 1234 });
    assert.deepEqual(historyOf(seal(m, h, 7, 1234)), { ...toWire(m), h, a: 7, t: 1234 });
    assert.equal(historyOf(JSON.parse(JSON.stringify(seal(m, undefined, -1, 0))))?.h, null, 'a tab with no history yet');
    for (const bad of [{ h: h.toUpperCase() }, { h: 7 }, { h: [h] }, { h, a: -2 }, { h, a: 1.5 }, { h, a: undefined }, { h: undefined }, { h: `${h}x` }]) {
      assert.equal(historyOf({ v: PROTOCOL_VERSION, a: 0, m, ...bad }), undefined, JSON.stringify(bad));
    }
    // Another version is left to the core, which refuses it with `protocol version`.
    assert.deepEqual(historyOf({ v: 2, m }), {});
  });
});

// ---- Rooms whose histories meet ------------------------------------------------------------------------

type Logged = { [K in keyof RoomEvents]: { name: K; detail: RoomEvents[K] } }[keyof RoomEvents];
interface TestRoom {
  room: Room;
  events: Logged[];
  history(): RoomEvents['history'][];
  /** The history the room is in, from its events (`met` leaves it where it is). */
  current(): string | undefined;
}

const rooms: Room[] = [];
afterEach(() => {
  for (const r of rooms.splice(0)) r.close();
});
let ids = 0;

function makeRoom(hub: MemoryHub, now: () => number = () => Date.now()): TestRoom {
  const events: Logged[] = [];
  const room = new Room({
    signalingUrl: 'http://memory.invalid',
    room: 'history-room',
    id: `hist-${(++ids).toString().padStart(8, '0')}`,
    maxAcceptors: 5,
    localNow: now,
    storage: new MemoryStorage(),
    transport: hub.transport(),
    tickMs: 10,
    proposalTimeoutMs: 1500,
    onEvent: (name, detail) => events.push({ name, detail } as Logged),
  });
  rooms.push(room);
  const history = () => events.filter((e) => e.name === 'history').map((e) => e.detail as RoomEvents['history']);
  return { room, events, history, current: () => history().filter((h) => h.reason !== 'met').at(-1)?.history };
}

/** Every room in one history, synced, under one leader, with the same state. */
const oneRoom = (all: TestRoom[]) => {
  const [first] = all;
  return all.every(
    (r) =>
      r.current() === first!.current() &&
      r.room.status === 'synced' &&
      r.room.leader !== null &&
      r.room.leader === first!.room.leader &&
      JSON.stringify(r.room.state) === JSON.stringify(first!.room.state),
  );
};
const describeRooms = (all: TestRoom[]) => () =>
  all.map((r) => `${r.room.id}: ${r.current()} ${r.room.status} leader=${r.room.leader} slot=${r.room.state.slot}`).join('; ');

describe('Rooms of two histories', () => {
  test('a message of another history never reaches the node: refused, counted, reported once', async () => {
    const hub = new MemoryHub();
    const a = makeRoom(hub);
    await a.room.start();
    await waitFor(() => a.room.status === 'synced', 'synced');
    const b = makeRoom(hub);
    await b.room.start();
    await waitFor(() => oneRoom([a, b]), 'two tabs in one history', { timeoutMs: 10_000, describe: describeRooms([a, b]) });
    const mine = a.current()!;
    assert.deepEqual(a.history(), [{ history: mine, reason: 'founded', other: undefined }]);
    assert.deepEqual(b.history(), [{ history: mine, reason: 'joined', other: undefined }]);
    // Both tell the server their history from their next (re-)join on.
    assert.equal(hub.signalingOf(a.room.id).history, mine);
    assert.equal(hub.signalingOf(b.room.id).history, mine);

    // From b, a decide for the next slot in a's own ballot... of a history that loses to a's.
    const stranger = `${(parseInt(mine, 36) + 1).toString(36).padStart(9, '0')}.zzzzzzzzzzzzzzzz`;
    const before = { rejected: a.room.counters.rejected, slot: a.room.state.slot, messages: a.events.filter((e) => e.name === 'message').length };
    const decide = { type: 'decide', ballot: { round: 99, node: b.room.id }, slot: before.slot + 1, value: { kind: 'noop' } } as const;
    hub.meshOf(a.room.id).deliver(b.room.id, JSON.parse(JSON.stringify(seal(decide, stranger, 0, Date.now()))));
    hub.meshOf(a.room.id).deliver(b.room.id, JSON.parse(JSON.stringify(seal(decide, stranger, 0, Date.now()))));
    hub.meshOf(a.room.id).deliver(b.room.id, { ...seal(decide, 'NOT-AN-ID', 0, Date.now()) });
    assert.equal(a.room.counters.rejected, before.rejected + 3, 'each refused and counted');
    assert.equal(a.current(), mine, 'the winner stays');
    assert.deepEqual(a.history().at(-1), { history: mine, reason: 'met', other: stranger }, 'the meeting reported once');
    assert.equal(a.history().length, 2);
    const received = a.events.filter((e) => e.name === 'message').slice(before.messages);
    assert.ok(!received.some((e) => e.detail.direction === 'receive' && e.detail.type === 'decide' && e.detail.slot === before.slot + 1), 'never stepped');
    // The same decide in a's own history would have been taken (the core saw nothing of the refused ones).
    await a.room.propose(makeSeek(a.room.state, 4, a.room.sharedNow(), 0));
    assert.equal(a.room.state.position, 4);
  });

  test('server restarted under a playing room, a new tab first: it founds, meets the room, and is absorbed', async () => {
    const hub = new MemoryHub();
    const old: TestRoom[] = [];
    for (let i = 0; i < 3; i++) {
      const r = makeRoom(hub);
      await r.room.start();
      if (i === 0) await waitFor(() => r.room.status === 'synced', 'the founder synced');
      old.push(r);
    }
    await waitFor(() => oneRoom(old) && old.every((r) => r.room.role !== 'learner'), 'the old room', { timeoutMs: 10_000, describe: describeRooms(old) });
    await old[1]!.room.propose(makeSeek(old[1]!.room.state, 42, old[1]!.room.sharedNow(), 0));
    const oldHistory = old[0]!.current()!;

    // The server knows nobody (restarted), so the new tab founds. Its clock is a day behind, so its
    // founding looks older: the decided slots are what make the playing room win.
    hub.blind = true;
    const late = makeRoom(hub, () => Date.now() - 86_400_000);
    await late.room.start();
    const all = [...old, late];
    await waitFor(() => oneRoom(all) && late.room.state.position === 42, 'one room, one state', { timeoutMs: 15_000, describe: describeRooms(all) });
    const founded = late.history()[0]!;
    assert.equal(founded.reason, 'founded');
    assert.notEqual(founded.history, oldHistory);
    assert.deepEqual(late.history().find((h) => h.reason === 'absorbed'), { history: oldHistory, reason: 'absorbed', other: founded.history });
    assert.equal(late.current(), oldHistory);
    for (const r of old) {
      assert.equal(r.current(), oldHistory, 'the old tabs never left');
      assert.ok(!r.history().some((h) => h.reason === 'absorbed'));
    }
    // The grown room decides, the absorbed tab too.
    await late.room.propose(makeSeek(late.room.state, 7, late.room.sharedNow(), 0));
    await waitFor(() => all.every((r) => r.room.state.position === 7), 'a decision of the whole room', 10_000);
  });

  test('two first joins that each found: the rule picks one history and the room ends as one', async () => {
    const hub = new MemoryHub();
    hub.blind = true;
    const a = makeRoom(hub);
    const b = makeRoom(hub);
    await Promise.all([a.room.start(), b.room.start()]);
    const [ha, hb] = [a.history()[0]!, b.history()[0]!];
    assert.equal(ha.reason, 'founded');
    assert.equal(hb.reason, 'founded');
    await waitFor(() => oneRoom([a, b]), 'one history', { timeoutMs: 15_000, describe: describeRooms([a, b]) });
    const winner = a.current()!;
    assert.ok([ha.history, hb.history].includes(winner));
    const loser = winner === ha.history ? b : a;
    assert.deepEqual(loser.history().find((h) => h.reason === 'absorbed')?.other, loser.history()[0]!.history);
    // Both decide together now, and a third tab joins the one history.
    hub.blind = false;
    const c = makeRoom(hub);
    await c.room.start();
    await loser.room.propose(makeSeek(loser.room.state, 11, loser.room.sharedNow(), 0));
    await waitFor(() => oneRoom([a, b, c]) && c.room.state.position === 11, 'three tabs, one history', { timeoutMs: 15_000, describe: describeRooms([a, b, c]) });
  });
});
