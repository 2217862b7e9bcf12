import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlaybackInputError } from '../../src/playback/playback-error.js';
import {
  type VideoCommand,
  type VideoState,
  NO_SLOT,
  apply,
  atSlot,
  initialVideoState,
  isRunningAt,
  makeLoad,
  makePause,
  makePlay,
  makeRate,
  makeSeek,
  parseCommand,
  parseState,
  positionAt,
  videoStateMachine,
} from '../../src/playback/video-state.js';

const NOW = 1_700_000_000_000; // a shared-clock time, ms
const LEAD = 150;

function playing(position: number, anchor: number, rate = 1): VideoState {
  return { ...initialVideoState(), paused: false, position, anchor, rate };
}

/** Asserts that `fn` throws a PlaybackInputError of `code` whose issues match `pattern`. */
function assertInputError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof PlaybackInputError, `not a PlaybackInputError: ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.issues.join('\n'), pattern);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('video state: parsing commands', () => {
  it('accepts every command type and returns a clean copy', () => {
    const commands: VideoCommand[] = [
      { type: 'play', position: 0, anchor: NOW },
      { type: 'pause', position: 12.5 },
      { type: 'seek', position: 3600, anchor: NOW },
      { type: 'rate', rate: 0.25, position: 1, anchor: NOW },
      { type: 'rate', rate: 4, position: 1, anchor: NOW },
      { type: 'load', src: 'https://cdn.example/b.webm' },
    ];
    for (const command of commands) assert.deepEqual(parseCommand(JSON.parse(JSON.stringify(command))), command);
    assert.deepEqual(parseCommand({ type: 'pause', position: 1, extra: 'dropped', __proto__x: 1 }), { type: 'pause', position: 1 });
  });

  it('rejects malformed commands with the offending field named', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /expected object, got null/],
      ['play', /expected object, got string/],
      [[], /expected object, got array/],
      [{ type: 'stop' }, /type: expected "play" \| "pause" \| "seek" \| "rate" \| "load" \| "wait" \| "ready", got "stop"/],
      [{ type: 'play', position: 1 }, /anchor: is missing/],
      [{ type: 'play', position: Number.NaN, anchor: NOW }, /position: must be a number/],
      [{ type: 'seek', position: Number.POSITIVE_INFINITY, anchor: NOW }, /position: must be finite/],
      [{ type: 'seek', position: -0.5, anchor: NOW }, /position: must be >= 0/],
      [{ type: 'seek', position: '10', anchor: NOW }, /position: must be a number/],
      [{ type: 'play', position: 1, anchor: -1 }, /anchor: must be >= 0/],
      [{ type: 'rate', rate: 0.2, position: 1, anchor: NOW }, /rate: must be >= 0.25/],
      [{ type: 'rate', rate: 4.01, position: 1, anchor: NOW }, /rate: must be <= 4/],
      [{ type: 'load', src: 'javascript:alert(1)' }, /src: has the scheme "javascript:"/],
      [{ type: 'load', src: '' }, /src: is empty/],
      [{ type: 'load', src: 'a'.repeat(3000) }, /src: is longer than 2048 characters/],
      [{ type: 'load', src: 42 }, /src: must be a string/],
    ];
    for (const [raw, pattern] of cases) assertInputError(() => parseCommand(raw), 'invalid-command', pattern);
  });

  it('reports every problem of a command, not only the first', () => {
    assertInputError(() => parseCommand({ type: 'rate', rate: 9, position: -1, anchor: NOW }), 'invalid-command', /rate:[\s\S]*position:/);
  });
});

describe('video state: parsing snapshots', () => {
  it('round-trips states through JSON', () => {
    const states: VideoState[] = [
      initialVideoState(),
      { src: 'film.webm', paused: false, position: 42.25, anchor: NOW, rate: 1.5, slot: 17, wait: [] },
      {
        src: 'film.webm',
        paused: false,
        position: 42.25,
        anchor: NOW,
        rate: 1,
        slot: 18,
        by: 'Ana',
        wait: [
          { id: 'node-bbbbbbbb', name: 'Ben', reason: 'buffering', since: NOW + 10, timeout: 8000 },
          { id: 'node-cccccccc', name: '', reason: 'seeking', since: NOW + 20, timeout: 5000, dropped: 'timeout' },
        ],
      },
    ];
    for (const state of states) assert.deepEqual(parseState(JSON.parse(JSON.stringify(state))), state);
  });

  it('rejects malformed states with the offending field named', () => {
    const good = initialVideoState();
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /object/i],
      [{ ...good, paused: 'yes' }, /paused: must be a boolean/],
      [{ ...good, slot: 1.5 }, /slot: must be an integer/],
      [{ ...good, slot: -2 }, /slot: must be >= -1/],
      [{ ...good, rate: 0 }, /rate: must be >= 0.25/],
      [{ ...good, src: 'data:video/webm,xx' }, /src: has the scheme "data:"/],
      [{ ...good, position: undefined }, /position: must be a number/],
      [{ src: '', paused: true, anchor: 0, rate: 1, slot: 0, wait: [] }, /position: is missing/],
    ];
    for (const [raw, pattern] of cases) assertInputError(() => parseState(raw), 'invalid-state', pattern);
  });
});

describe('video state: apply', () => {
  it('starts paused at 0 with the page’s own video and no slot', () => {
    assert.deepEqual(initialVideoState(), { src: '', paused: true, position: 0, anchor: 0, rate: 1, slot: NO_SLOT, wait: [] });
    assert.deepEqual(videoStateMachine.initial(), initialVideoState());
  });

  it('play from paused starts the command’s timeline', () => {
    const state = { ...initialVideoState(), position: 30 };
    assert.deepEqual(apply(state, { type: 'play', position: 30, anchor: NOW + LEAD }), {
      ...state,
      paused: false,
      position: 30,
      anchor: NOW + LEAD,
    });
  });

  it('play while playing changes nothing (a second click cannot make the room jump)', () => {
    const state = playing(30, NOW);
    assert.equal(apply(state, { type: 'play', position: 99, anchor: NOW + 5000 }), state);
  });

  it('pause while playing freezes at the position computed at the pause’s time', () => {
    const state = playing(30, NOW, 2);
    const pause = makePause(state, NOW + 1500);
    assert.equal(pause.position, 33);
    const paused = apply(state, pause);
    assert.equal(paused.paused, true);
    assert.equal(positionAt(paused, NOW + 1500), 33);
    assert.equal(positionAt(paused, NOW + 60_000), 33, 'a paused position holds');
  });

  it('pause while paused changes nothing (a stale pause cannot move a held position)', () => {
    const state = { ...initialVideoState(), position: 12 };
    assert.equal(apply(state, { type: 'pause', position: 3 }), state);
  });

  it('seek moves the position and keeps paused or playing', () => {
    const paused = { ...initialVideoState(), position: 12 };
    assert.deepEqual(apply(paused, { type: 'seek', position: 50, anchor: NOW }), { ...paused, position: 50, anchor: NOW });
    const running = playing(12, NOW);
    const after = apply(running, { type: 'seek', position: 50, anchor: NOW + LEAD });
    assert.equal(after.paused, false);
    assert.equal(positionAt(after, NOW + LEAD + 1000), 51);
  });

  it('rate keeps the position continuous where the new rate begins', () => {
    const state = playing(10, NOW, 1);
    const command = makeRate(state, 2, NOW + 4000, LEAD);
    const after = apply(state, command);
    const switchAt = NOW + 4000 + LEAD;
    assert.equal(positionAt(after, switchAt), positionAt(state, switchAt));
    assert.equal(positionAt(after, switchAt + 1000), positionAt(state, switchAt) + 2);
    assert.equal(after.rate, 2);
  });

  it('rate while paused keeps the held position', () => {
    const state = { ...initialVideoState(), position: 7 };
    const after = apply(state, makeRate(state, 0.5, NOW, LEAD));
    assert.equal(after.paused, true);
    assert.equal(after.rate, 0.5);
    assert.equal(positionAt(after, NOW + 99_000), 7);
  });

  it('load switches the source and resets to paused at 0, keeping the rate', () => {
    const state = { ...playing(80, NOW, 1.5), src: 'a.webm' };
    assert.deepEqual(apply(state, makeLoad('https://cdn.example/b.webm')), {
      ...state,
      src: 'https://cdn.example/b.webm',
      paused: true,
      position: 0,
      anchor: 0,
    });
    const again = apply(apply(state, makeLoad('a.webm')), { type: 'play', position: 0, anchor: NOW });
    assert.equal(apply(again, makeLoad('a.webm')).position, 0, 'loading the same source again still resets');
  });

  it('never mutates its input', () => {
    const state = Object.freeze(playing(5, NOW));
    const commands: VideoCommand[] = [
      { type: 'pause', position: 6 },
      { type: 'seek', position: 1, anchor: NOW },
      { type: 'rate', rate: 2, position: 5, anchor: NOW },
      { type: 'load', src: 'x.webm' },
    ];
    for (const command of commands) assert.doesNotThrow(() => apply(state, Object.freeze(command)));
    assert.deepEqual(state, playing(5, NOW));
  });

  it('gives identical states on every node from the same log, also after a JSON round trip', () => {
    const log: VideoCommand[] = [
      makeLoad('film.webm'),
      { type: 'play', position: 0, anchor: NOW },
      { type: 'rate', rate: 1.25, position: 3.3, anchor: NOW + 3300 },
      { type: 'pause', position: 8.1 },
      { type: 'seek', position: 100, anchor: NOW + 9000 },
      { type: 'play', position: 100, anchor: NOW + 9500 },
    ];
    const a = log.reduce(videoStateMachine.apply, videoStateMachine.initial());
    const b = log
      .map((c) => videoStateMachine.parseCommand(JSON.parse(JSON.stringify(c))))
      .reduce(videoStateMachine.apply, videoStateMachine.parseState(JSON.parse(JSON.stringify(initialVideoState()))));
    assert.deepEqual(a, b);
    assert.deepEqual(a, { src: 'film.webm', paused: false, position: 100, anchor: NOW + 9500, rate: 1.25, slot: NO_SLOT, wait: [] });
  });

  it('labels a state with its slot, and refuses a bad slot', () => {
    const state = initialVideoState();
    assert.equal(atSlot(state, 4).slot, 4);
    assert.equal(atSlot(state, NO_SLOT), state);
    assert.throws(() => atSlot(state, 1.5), RangeError);
    assert.throws(() => atSlot(state, -2), RangeError);
  });
});

describe('video state: positionAt', () => {
  it('holds while paused and before a scheduled start, then runs at the rate', () => {
    const paused = { ...initialVideoState(), position: 4 };
    assert.equal(positionAt(paused, NOW), 4);
    const scheduled = playing(4, NOW + LEAD, 1.5);
    assert.equal(positionAt(scheduled, NOW), 4);
    assert.equal(isRunningAt(scheduled, NOW), false);
    assert.equal(positionAt(scheduled, NOW + LEAD), 4);
    assert.equal(isRunningAt(scheduled, NOW + LEAD), true);
    assert.equal(positionAt(scheduled, NOW + LEAD + 2000), 7);
  });
});

describe('video state: command builders', () => {
  it('makePlay schedules the start a lead into the future from where the video is', () => {
    const state = { ...initialVideoState(), position: 21 };
    assert.deepEqual(makePlay(state, NOW, LEAD), { type: 'play', position: 21, anchor: NOW + LEAD });
    const after = apply(state, makePlay(state, NOW, LEAD));
    assert.equal(positionAt(after, NOW + LEAD - 1), 21, 'every tab holds the first frame until the anchor');
  });

  it('makePause before a scheduled start freezes at the start position', () => {
    const state = playing(21, NOW + LEAD);
    assert.equal(makePause(state, NOW).position, 21);
  });

  it('makePause with a lead freezes where the video will be then', () => {
    assert.equal(makePause(playing(10, NOW), NOW + 1000, 500).position, 11.5);
  });

  it('makeSeek while playing lands on the timeline a lead ahead, but never pulls a scheduled start in', () => {
    assert.deepEqual(makeSeek(playing(1, NOW), 40, NOW + 5000, LEAD), { type: 'seek', position: 40, anchor: NOW + 5000 + LEAD });
    const scheduled = playing(1, NOW + 2000);
    assert.equal(makeSeek(scheduled, 40, NOW, LEAD).anchor, NOW + 2000);
    assert.equal(makeRate(scheduled, 2, NOW, LEAD).anchor, NOW + 2000);
    assert.equal(makeRate(scheduled, 2, NOW, LEAD).position, 1);
  });

  it('refuses bad arguments with a clear error', () => {
    const state = playing(1, NOW);
    assertInputError(() => makeSeek(state, -3, NOW, LEAD), 'invalid-command', /position: must be >= 0/);
    assertInputError(() => makeSeek(state, Number.NaN, NOW, LEAD), 'invalid-command', /position/);
    assertInputError(() => makeRate(state, 10, NOW, LEAD), 'invalid-command', /rate: must be <= 4/);
    assertInputError(() => makeLoad('javascript:void 0'), 'invalid-command', /scheme/);
    assertInputError(() => makePlay(state, Number.NaN, LEAD), 'invalid-command', /sharedNow/);
    assertInputError(() => makePlay(state, NOW, -1), 'invalid-command', /leadMs/);
  });
});
