/**
 * The room's waiting rules in the replicated state: a tab that is not ready holds a playing room on one frame,
 * the room resumes from that frame at one instant when nobody holds it any more, a stale or duplicate report
 * changes nothing, a dropped tab is never waited for again until the next timeline, and every state round-trips
 * through a snapshot and is validated at the boundary.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_NAME_LENGTH, nameProblem, nodeLabel } from '../../src/playback/display-name.js';
import {
  type VideoCommand,
  type VideoState,
  MAX_WAITERS,
  apply,
  dueDrops,
  initialVideoState,
  isHeld,
  isRunningAt,
  makeReady,
  makeWait,
  parseCommand,
  parseState,
  positionAt,
  videoStateMachine,
} from '../../src/playback/video-state.js';

const NOW = 1_700_000_000_000;
const ANA = 'node-ana-aaaaaaa';
const BEN = 'node-ben-bbbbbbb';
const CAT = 'node-cat-ccccccc';

function playing(position: number, anchor: number): VideoState {
  return { ...initialVideoState(), paused: false, position, anchor };
}

/** `state` after `ids` each reported, in turn, that they cannot play (Ben at 10.5 s, the others where the room holds). */
function waitingFor(state: VideoState, ...ids: string[]): VideoState {
  return ids.reduce((s, id, i) => apply(s, { ...makeWait(s, id, 'buffering', 10.5 + i, NOW + 100 * i, 8000), by: id.slice(5, 8) }), state);
}

describe('waiting: a tab that is not ready holds the room', () => {
  it('a wait in a playing room holds every tab at the position that tab stopped at', () => {
    const state = playing(0, NOW - 10_000); // at 10 s now
    const held = apply(state, { ...makeWait(state, BEN, 'buffering', 9.98, NOW, 8000), by: 'Ben' });
    assert.equal(isHeld(held), true);
    assert.equal(held.paused, false, 'the room still means to play');
    assert.deepEqual(held.wait, [{ id: BEN, name: 'Ben', reason: 'buffering', since: NOW, timeout: 8000 }]);
    // The timeline stands still at Ben's frame, whatever the time.
    assert.equal(positionAt(held, NOW + 60_000), 9.98);
    assert.equal(isRunningAt(held, NOW + 60_000), false);
  });

  it('a second tab joins the hold without moving the held frame; a repeated report changes nothing', () => {
    const held = waitingFor(playing(0, NOW - 10_000), BEN, CAT);
    assert.equal(held.position, 10.5, 'the first wait set the frame');
    assert.deepEqual(held.wait.map((w) => w.id), [BEN, CAT]);
    assert.equal(apply(held, makeWait(held, BEN, 'seeking', 3, NOW + 500, 1000)), held);
  });

  it('a paused room waits for nobody, and a report made on another timeline is stale', () => {
    const paused = { ...initialVideoState(), position: 4 };
    assert.equal(apply(paused, makeWait(paused, BEN, 'loading', 4, NOW, 8000)), paused);
    const before = playing(0, NOW - 10_000);
    const stale = makeWait(before, BEN, 'buffering', 10, NOW, 8000);
    const sought = apply(before, { type: 'seek', position: 30, anchor: NOW + 150 });
    assert.equal(apply(sought, stale), sought, 'a wait for the timeline before a seek must not pull the room back');
  });

  it('the last ready resumes from the held frame at its anchor; an earlier one does not', () => {
    const held = waitingFor(playing(0, NOW - 10_000), BEN, CAT);
    const benReady = apply(held, makeReady(held.wait[0]!, NOW + 2000, 150));
    assert.equal(isHeld(benReady), true, 'Cat still holds the room');
    assert.equal(benReady.anchor, held.anchor);
    const resumed = apply(benReady, makeReady(benReady.wait[0]!, NOW + 3000, 150));
    assert.equal(isHeld(resumed), false);
    assert.deepEqual(resumed.wait, []);
    assert.equal(resumed.anchor, NOW + 3150);
    assert.equal(positionAt(resumed, NOW + 3150), 10.5, 'every tab starts again on the held frame');
    assert.equal(positionAt(resumed, NOW + 4150), 11.5);
  });

  it('a ready for another wait of the same tab (an older `since`) changes nothing', () => {
    const held = waitingFor(playing(0, NOW - 10_000), BEN);
    assert.equal(apply(held, makeReady({ ...held.wait[0]!, since: NOW - 1 }, NOW, 150)), held);
    assert.equal(apply(held, makeReady({ ...held.wait[0]!, id: CAT }, NOW, 150)), held);
  });

  it('a dropped tab stops holding the room, stays listed, and is not waited for again', () => {
    const held = waitingFor(playing(0, NOW - 10_000), BEN);
    const goneOn = apply(held, makeReady(held.wait[0]!, NOW + 8000, 150, 'timeout'));
    assert.equal(isHeld(goneOn), false);
    assert.equal(goneOn.anchor, NOW + 8150);
    assert.deepEqual(goneOn.wait, [{ ...held.wait[0]!, dropped: 'timeout' }]);
    assert.equal(apply(goneOn, makeWait(goneOn, BEN, 'buffering', 12, NOW + 9000, 8000)), goneOn, 'never waited for again');
    // Its own ready later takes it off the list without moving the timeline.
    const back = apply(goneOn, makeReady(goneOn.wait[0]!, NOW + 20_000, 150));
    assert.deepEqual(back.wait, []);
    assert.equal(back.anchor, goneOn.anchor);
  });

  it('play, pause, seek and load clear the list; a play while held goes on without waiting; rate keeps the hold', () => {
    const held = waitingFor(playing(0, NOW - 10_000), BEN);
    const go = apply(held, { type: 'play', position: positionAt(held, NOW + 500), anchor: NOW + 650 });
    assert.deepEqual(go.wait, []);
    assert.equal(go.anchor, NOW + 650);
    assert.equal(go.position, 10.5);
    const paused = apply(held, { type: 'pause', position: 10.5 });
    assert.equal(paused.paused, true);
    assert.deepEqual(paused.wait, []);
    assert.deepEqual(apply(held, { type: 'seek', position: 40, anchor: NOW + 700 }).wait, []);
    assert.deepEqual(apply(held, { type: 'load', src: 'other.m3u8' }).wait, []);
    const slower = apply(held, { type: 'rate', rate: 0.5, position: 10.5, anchor: NOW + 900 });
    assert.equal(isHeld(slower), true);
    assert.equal(positionAt(slower, NOW + 5000), 10.5);
  });

  it('lists at most MAX_WAITERS tabs', () => {
    let state = playing(0, NOW - 10_000);
    for (let i = 0; i < MAX_WAITERS + 5; i++) state = apply(state, makeWait(state, `node-${String(i).padStart(8, '0')}`, 'buffering', 10, NOW, 8000));
    assert.equal(state.wait.length, MAX_WAITERS);
  });

  it('every node computes the same states from the same log, through JSON', () => {
    const start = playing(0, NOW - 10_000);
    const log: VideoCommand[] = [
      { ...makeWait(start, BEN, 'buffering', 10, NOW, 8000), by: 'Ben' },
      { type: 'rate', rate: 2, position: 10, anchor: NOW + 50, by: 'Ana' },
    ];
    const held = log.reduce(apply, start);
    log.push(makeReady(held.wait[0]!, NOW + 1000, 150));
    const a = log.reduce(videoStateMachine.apply, start);
    const b = log.map((c) => parseCommand(JSON.parse(JSON.stringify(c)))).reduce(videoStateMachine.apply, parseState(JSON.parse(JSON.stringify(start))));
    assert.deepEqual(a, b);
    assert.deepEqual(parseState(JSON.parse(JSON.stringify(held))), held);
  });
});

describe('waiting: the leader ends overdue waits', () => {
  it('drops a tab that is gone at once, and one that timed out at its deadline', () => {
    const held = waitingFor(playing(0, NOW - 10_000), BEN, CAT); // Ben since NOW, Cat since NOW + 100, 8 s each
    const live = (id: string) => id !== CAT;
    assert.deepEqual(dueDrops(held, NOW + 100, live).map(([w, why]) => [w.id, why]), [[CAT, 'gone']]);
    assert.deepEqual(dueDrops(held, NOW + 8000, () => true).map(([w, why]) => [w.id, why]), [[BEN, 'timeout']]);
    assert.deepEqual(dueDrops(held, NOW + 7999, () => true), []);
    const dropped = apply(held, makeReady(held.wait[0]!, NOW + 8000, 150, 'timeout'));
    assert.deepEqual(dueDrops(dropped, NOW + 99_000, () => false).map(([w]) => w.id), [CAT], 'a dropped wait is not dropped twice');
  });
});

describe('waiting: bad input from a peer is refused with the field named', () => {
  it('refuses malformed wait and ready commands', () => {
    const wait = { type: 'wait', id: BEN, reason: 'buffering', position: 1, anchor: NOW, since: NOW, timeout: 8000, by: 'Ben' };
    assert.deepEqual(parseCommand(wait), wait);
    const cases: [object, RegExp][] = [
      [{ ...wait, id: 'x' }, /id: must be a node id/],
      [{ ...wait, reason: 'bored' }, /reason/],
      [{ ...wait, timeout: 600_001 }, /timeout/],
      [{ ...wait, timeout: -1 }, /timeout/],
      [{ ...wait, by: '' }, /by: must be 1-32 characters/],
      [{ ...wait, by: 'x'.repeat(MAX_NAME_LENGTH + 1) }, /by: must be 1-32 characters/],
      [{ ...wait, by: 'Ben\u0000' }, /by: must not have control characters/],
      [{ type: 'ready', id: BEN, since: NOW, anchor: NOW, drop: 'bored' }, /drop/],
      [{ type: 'ready', id: BEN, anchor: NOW }, /since: is missing/],
      [{ type: 'pause', position: 1, by: 7 }, /by: must be a string/],
    ];
    for (const [raw, pattern] of cases) assert.throws(() => parseCommand(raw), pattern, JSON.stringify(raw));
  });

  it('refuses a state listing a tab twice, too many tabs, or a bad entry; fills an old state in', () => {
    const held = waitingFor(playing(0, NOW - 10_000), BEN);
    assert.throws(() => parseState({ ...held, wait: [held.wait[0], held.wait[0]] }), /lists a tab twice/);
    const many = Array.from({ length: MAX_WAITERS + 1 }, (_, i) => ({ ...held.wait[0]!, id: `node-${String(i).padStart(8, '0')}` }));
    assert.throws(() => parseState({ ...held, wait: many }), /wait: must have at most 64/);
    assert.throws(() => parseState({ ...held, wait: [{ ...held.wait[0], dropped: 'bored' }] }), /dropped/);
    // A state from a build without waiting (a peer's snapshot, or this tab's storage before an upgrade).
    const { wait: _, ...old } = initialVideoState();
    assert.deepEqual(parseState(old), initialVideoState());
  });

  it('checks display names and labels a tab without one', () => {
    assert.equal(nameProblem('Ana María'), null);
    assert.match(nameProblem('') ?? '', /1-32/);
    assert.match(nameProblem(' Ana') ?? '', /leading or trailing/);
    assert.match(nameProblem('A\u0007') ?? '', /control/);
    assert.equal(nodeLabel('k3X9abcdefgh'), 'Tab k3X9');
  });
});
