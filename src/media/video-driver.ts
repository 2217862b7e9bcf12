/**
 * Makes one `<video>` (or a custom media element with its interface, such as `<hls-video>`) follow the room's
 * decided state, says when it cannot, and turns what the user does to it into intents.
 *
 * Following: on every decided state the driver sets the source, the pause state, the position and the rate;
 * a play scheduled into the future (`anchor` ahead of the shared clock) waits, seeked to its first frame,
 * and starts on time. A video that has to start far from where the room is (a tab joining mid-play) does
 * the same on a timeline of its own making: it seeks to where the room will be once the seek is done, waits
 * for that frame, and starts when the room gets there (see `#startCatchUp`). While playing, at every
 * presented frame (`requestVideoFrameCallback`) the media clock is compared with where the timeline says
 * the video should be at that instant, and the drift controller answers with nothing, a playbackRate nudge
 * or a seek.
 *
 * Readiness: when a start is scheduled at a position this video has not buffered, or the video runs out of
 * data while playing, the driver reports a stall (`onStall`) so the room can hold for it; while the room
 * waits for it, it reports when it can play again (`onReady`). A video that is behind the room catches up on
 * its own with one seek aimed ahead by the seek time it learned for this source; when that seek lands too
 * late, or the video stalls again, it seeks no more and reports that it is behind (`onBehind`) instead of
 * seeking again and again.
 *
 * Data that stops coming: a video waiting for data (seeking, or run dry) that gets none for a while fetches
 * its source afresh (`load()`, then follows the room again), since its connection may be stuck (see
 * DATA_TIMEOUT_MS).
 *
 * Telling the user apart from ourselves: every change the driver makes is recorded as an expectation
 * (a pause, a play, a seek, a rate) before it is made; a media event that matches an expectation is ours,
 * and any other `play`, `pause`, `seeking` or `ratechange` that disagrees with the decided state is the
 * user's (native controls, keyboard, another script) and becomes an intent for the room to decide.
 *
 * Browser-only (DOM and timers); the arithmetic lives in the pure playback layer.
 */
import type { DriftController, DriftDecision } from '../playback/drift-sample.js';
import { type VideoState, type WaitReason, type Waiter, isHeld, isRunningAt, positionAt } from '../playback/video-state.js';

/** Something the user did to the video, to be proposed to the room. */
export type UserIntent =
  | { readonly type: 'play' }
  | { readonly type: 'pause'; readonly position: number }
  | { readonly type: 'seek'; readonly position: number }
  | { readonly type: 'rate'; readonly rate: number };

/** What a measurement found, for `paxos-sync`. */
export interface SyncReport {
  readonly driftMs: number;
  readonly action: DriftDecision['action'];
  readonly rate: number;
}

/** Callbacks and clocks of a {@link VideoDriver}. */
export interface VideoDriverOptions {
  /** This tab's node id: its entry in the room's waiting list is its own. */
  readonly id_: string;
  /** Shared-clock time now, ms. */
  readonly sharedNow_: () => number;
  readonly controller_: DriftController;
  readonly onUserIntent_: (intent: UserIntent) => void;
  readonly onSync_: (report: SyncReport) => void;
  /** The browser refused to play with sound; `mutedFallback`: playing muted worked. */
  readonly onAutoplayBlocked_: (mutedFallback: boolean) => void;
  readonly onMediaError_: (message: string) => void;
  /** The video cannot play where the room is (stopped at `position`): the room may wait for it. */
  readonly onStall_: (reason: WaitReason, position: number) => void;
  /** The video can play again, while the room waits for it (`waiter`). */
  readonly onReady_: (waiter: Waiter) => void;
  /** The video is behind the room and gave up seeking to catch up; `driftMs` is how far (negative: behind). */
  readonly onBehind_: (driftMs: number) => void;
  /** Loads a source the room switched to (default: sets the video's `src`). */
  readonly loadSource_?: (src: string) => void;
  /**
   * Whether the shared clock is good enough to play by (default: always). Until it is, a playing state is
   * not started; call {@link VideoDriver.resync} once it is.
   */
  readonly clockReady_?: () => boolean;
  /** The round trip to the server, ms (the clock's, 0 unknown), a stand-in for the media server's (see #startCatchUp). */
  readonly pathRttMs_?: () => number;
}

/** How long an expectation waits for its media event before it is forgotten. */
const EXPECT_MS = 1500;
/** Positions closer than this are the same (less than half a frame at 60 fps). */
const SAME_POSITION_S = 0.008;
/**
 * A start further than this from the room's position is a catch-up (seek ahead, then start on time). A
 * start timer that fired late on a busy page (a joiner's, setting up its connections) would otherwise start
 * the video that far behind: the drift controller's gentle nudges took 0.5-0.9 s to close 45-55 ms, where
 * a catch-up into loaded data takes about 150 ms. Closer, nudging is as quick, and a catch-up's own timer
 * may fire late again.
 */
const CATCH_UP_S = 0.03;
/** How long after its first catch-up a timeline's start may be redone once (see #measure), ms. */
const REDO_MS = 3000;
/**
 * The first catch-up's lead before any seek was timed (a target already buffered needs only a decode: it
 * takes the least lead), the bounds of the learned one, and the most a first catch-up into data still
 * loading aims ahead, ms. A learned lead beyond a second is no decoder's: after a phone's 30 s cut, a seek
 * into data its video reported loaded took 2.7 s (the video's own connection coming back), and, learned,
 * held the next start 4 s after its frame was there.
 */
const CATCH_UP_LEAD_MS = 350;
const MIN_CATCH_UP_LEAD_MS = 120;
const MAX_LEARNED_LEAD_MS = 1000;
const MAX_CATCH_UP_LEAD_MS = 4000;
/**
 * A catch-up into data still loading whose frame came more than this before its start aims again, ms: at
 * where the room is, when that is loaded by then. A catch-up into loaded data takes about 150 ms, but on a
 * busy page one took 350 ms (a decode from the key frame before): with 300 ms, a phone's joiner that aimed
 * again landed late and seeked a third time.
 */
const REAIM_MS = 400;
/** Catch-up seeks a video may make before it says it is behind; one after a stall (see `#seeks`). */
const MAX_CATCH_UP_ATTEMPTS = 3;
/** Off the timeline by more than this while playing, a video catches up by a seek (the controller's threshold). */
const SEEK_S = 0.2;
/** A video is ready to (re)start when it has this much buffered ahead, or up to its end. */
const READY_AHEAD_S = 2;
/** A start this recent still waits for a video that has not begun it (a decision that arrived late), ms. */
const LATE_START_MS = 1000;
/** A `waiting` video with less than this buffered ahead has run dry. */
const STALL_AHEAD_S = 0.5;
/**
 * A video that gave up catching up tries once more after playing this long without a stall, ms; later
 * retries of one timeline wait LATER_RETRY_BEHIND_MS, and so do those of a video that stalled: that one may
 * not keep up at all, and seeking into data it has not loaded makes it worse (a video given 60 % of the
 * bandwidth it needs seeked six times in 25 s with a 3 s wait). Behind without a stall, its seeks were
 * merely slow (a loaded machine running three browsers: each seek 0.5-1 s); a first wait of 15 s kept such
 * a video a quarter of a second behind for 15 s.
 */
const RETRY_BEHIND_MS = 3_000;
/** The wait before a later retry, or one after a stall, ms. */
const LATER_RETRY_BEHIND_MS = 15_000;
/**
 * A video waiting for data while loading has brought none for this long, and for four round trips to the
 * server (a new connection, TLS, the request), fetches its source afresh, ms; each reload that brings none
 * doubles the wait, twice at most. A connection whose data went into a cut link can be stuck for long: TCP
 * retries less and less often while the link is down, and so does its probe of a paused download's window,
 * and Chromium waits for that connection rather than ask again (a phone back from a 30 s cut had its seek's
 * data 11 s after the link returned). A new request takes a new connection, and the data loaded before comes
 * from the browser's cache. Not sooner: the same connection mostly comes back by itself within a second or
 * two (a phone's after a 5 s cut), and a reload costs a phone a second. Chromium reports data every 350 ms
 * while it comes (`progress`), but the first of a source only after its first block (2.5 s at 100 kbit/s):
 * until data came once, the video waits. (Chromium's own `stalled` comes 3 s into a wait.)
 */
const DATA_TIMEOUT_MS = 2000;
/** When rVFC is missing (or the tab is hidden), measure this often. */
const POLL_MS = 250;

type Expectation = 'play' | 'pause' | 'seek';

/** A change the driver made and whose media event it awaits; a seek also remembers its target. */
interface Expected {
  readonly kind_: Expectation;
  readonly until_: number;
  readonly position_?: number;
}

export class VideoDriver {
  readonly #video: HTMLVideoElement;
  readonly #o: VideoDriverOptions;
  #state: VideoState | undefined;
  #expect: Expected[] = [];
  /** The playbackRate the driver set last: a ratechange to anything else is the user's. */
  #rateSet: number;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  /** Takes a rate change's state at its anchor (see setState). */
  #rateTimer: ReturnType<typeof setTimeout> | undefined;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #frameHandle: number | undefined;
  #destroyed = false;
  #autoplayReported = false;
  #lastDrift = 0;
  /** A #follow is queued for the end of the current task (see setState). */
  #followQueued = false;
  /**
   * How far ahead a catch-up aims: the time a seek of this source into loaded data took here, with a margin
   * (learned), ms. Undefined until such a seek ended, 0 after the first: that one is not learned from, as it
   * starts the decoder cold (700 ms on the lab's joins, where the next took 5-20 ms); learned from, it made a
   * joiner's second catch-up, to a target buffered by then, wait a second for nothing. Until a lead is
   * learned, a target already buffered gets the least lead; one still loading gets at least the default.
   */
  #catchUpLeadMs: number | undefined;
  /** The catch-up in progress: its seek's end is awaited (see `#startCatchUp`). */
  #catchUp: { readonly state_: VideoState; readonly startedAt_: number; readonly target_: number; readonly buffered_: boolean } | undefined;
  /**
   * Catch-up seeks left: a few for a start, one after a stall, refilled while the video plays in step. None
   * left, the video plays on where it is, behind, instead of seeking again and again.
   */
  #seeks = MAX_CATCH_UP_ATTEMPTS;
  /**
   * Until when (shared clock, ms) a start after this timeline's first catch-up may be redone (see #measure);
   * undefined before that catch-up ends (a catch-up till then is a first one, see #startCatchUp), 0 once redone.
   */
  #redoUntil: number | undefined;
  /** Out of seeks and behind the room (reported): the drift controller rests until a retry or a new timeline. */
  #behind = false;
  /** The wait before the next retry of this timeline (see RETRY_BEHIND_MS). */
  #retryMs = RETRY_BEHIND_MS;
  /** Shared time of the last stall (for the retry after a quiet stretch). */
  #lastStallAt = 0;
  /** Anchor of the timeline a stall was reported on (one report per timeline). */
  #stallFor: number | undefined;
  /** `since` of the wait this video reported ready for (one report per wait). */
  #readyFor: number | undefined;
  /** The source the driver loaded last. */
  #src: string | undefined;
  /** The browser paused the video while the tab was hidden; it resumes it itself when the tab is shown. */
  #pausedWhileHidden = false;
  /** When data last came, or the video was seen not loading (performance.now): see #checkData. */
  #dataAt = 0;
  /** Reloads since data last came (Infinity until data first came: no reload before, see DATA_TIMEOUT_MS). */
  #reloads = Infinity;
  readonly #listeners: [string, EventListener][];

  constructor(video: HTMLVideoElement, options: VideoDriverOptions) {
    this.#video = video;
    this.#o = options;
    this.#rateSet = video.playbackRate;
    this.#listeners = [
      ['play', () => this.#onPlay()],
      ['pause', () => this.#onPause()],
      ['seeking', () => this.#onSeeking()],
      ['seeked', () => this.#onSeeked()],
      ['ratechange', () => this.#onRateChange()],
      ['loadedmetadata', () => this.#follow()],
      ['waiting', () => this.#onWaiting()],
      ['error', () => this.#onError()],
      ['progress', () => ((this.#dataAt = performance.now()), (this.#reloads = 0))],
    ];
    for (const [type, fn] of this.#listeners) video.addEventListener(type, fn);
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#pollTimer = setInterval(() => this.#poll(), POLL_MS);
  }

  /** The last measured drift, ms (local minus room; positive: ahead). */
  get drift(): number {
    return this.#lastDrift;
  }

  /** Follow a newly decided state. */
  setState(state: VideoState): void {
    const previous = this.#state;
    clearTimeout(this.#rateTimer);
    const now = this.#o.sharedNow_();
    // A rate change of a playing room continues the timeline that runs now: the video plays on at the old
    // rate until the anchor, then takes the new one, with no hold, no seek and no frozen picture (a hold
    // also made a user's pause pressed during it a press on an already paused video: no event, lost).
    if (previous && !this.#video.paused && isRunningAt(previous, now) && isRunningAt(state, state.anchor) && now < state.anchor && state.src === previous.src && Math.abs(positionAt(previous, state.anchor) - state.position) < SAME_POSITION_S) {
      this.#rateTimer = setTimeout(() => this.setState(state), state.anchor - now);
      return;
    }
    this.#state = state;
    const timelineChanged = !previous || !sameTimeline(previous, state);
    if (timelineChanged) {
      this.#o.controller_.reset();
      this.#behind = false;
      this.#retryMs = RETRY_BEHIND_MS;
      this.#seeks = MAX_CATCH_UP_ATTEMPTS;
      this.#redoUntil = undefined;
    }
    // Same timeline (a membership change, say) while a start is under way: let it finish.
    else if (this.#catchUp !== undefined || this.#startTimer !== undefined) return;
    // A tab catching up applies many decided slots in one task: follow only the last of them.
    if (this.#followQueued) return;
    this.#followQueued = true;
    queueMicrotask(() => {
      this.#followQueued = false;
      this.#follow();
    });
  }

  /**
   * Stop the local video at once while the room decides a pause the user asked for elsewhere (a method
   * call): the decided state will confirm or correct it.
   */
  holdLocally(): void {
    this.#hold();
  }

  /** Apply the decided state again (after a proposal failed, or the video was disturbed). */
  resync(): void {
    this.#follow();
  }

  /** Unmute after the autoplay fallback (call from a user gesture). */
  unmute(): void {
    this.#video.muted = false;
    this.#autoplayReported = false;
  }

  destroy(): void {
    this.#destroyed = true;
    for (const [type, fn] of this.#listeners) this.#video.removeEventListener(type, fn);
    document.removeEventListener('visibilitychange', this.#onVisibility);
    clearTimeout(this.#startTimer);
    clearTimeout(this.#rateTimer);
    clearInterval(this.#pollTimer);
    if (this.#frameHandle !== undefined && 'cancelVideoFrameCallback' in this.#video) {
      this.#video.cancelVideoFrameCallback(this.#frameHandle);
    }
  }

  // ---- following the decided state ------------------------------------------------------------------

  #follow(): void {
    const state = this.#state;
    if (!state || this.#destroyed) return;
    const video = this.#video;
    if (state.src && state.src !== this.#src && !sameSource(video, state.src)) {
      this.#src = state.src;
      // A new source: how long its seeks take is learned anew.
      this.#catchUpLeadMs = undefined;
      // Setting `src` starts loading; loadedmetadata calls #follow again.
      (this.#o.loadSource_ ?? ((src) => (video.src = src)))(state.src);
    }
    if (video.readyState < 1 /* HAVE_METADATA */) return this.#checkReady();
    clearTimeout(this.#startTimer);
    this.#startTimer = undefined;
    this.#catchUp = undefined;
    this.#setRate(state.rate);
    if (!state.paused && this.#o.clockReady_?.() === false) {
      // Where the room is now depends on the clock: a start by a rough first estimate would land off by
      // as much as that estimate's error and then have to be undone.
      this.#hold();
      return;
    }
    const now = this.#o.sharedNow_();
    if (!isRunningAt(state, now)) {
      // Paused, held for a tab that is not ready, or a play scheduled into the future: hold its (first)
      // frame; a scheduled play starts on time.
      this.#hold();
      if (Math.abs(video.currentTime - state.position) > SAME_POSITION_S) this.#seek(state.position);
      if (!state.paused && !isHeld(state)) this.#startAt(state.anchor - now);
      this.#checkReady();
      return;
    }
    this.#startPlaying();
  }

  /**
   * Tells the room when this video cannot play where a start is scheduled (it has not buffered that
   * position: its seek or source is still loading), and, while the room waits for it, when it can again.
   */
  #checkReady(): void {
    const state = this.#state;
    const video = this.#video;
    if (!state || state.paused) return;
    const mine = state.wait.find((w) => w.id === this.#o.id_);
    if (mine) {
      if (!mine.dropped && mine.since !== this.#readyFor && !video.seeking && video.readyState >= 3 /* HAVE_FUTURE_DATA */ && this.#buffered(video.currentTime)) {
        this.#readyFor = mine.since;
        this.#o.onReady_(mine);
      }
    } else if (!isHeld(state) && (this.#o.sharedNow_() < state.anchor || (video.paused && this.#o.sharedNow_() < state.anchor + LATE_START_MS)) && !this.#buffered(state.position)) {
      // Not buffered where a start is scheduled, or where one began a moment ago and this video has not
      // started yet (on a busy machine the decision can reach it after the anchor): the room holds there.
      this.#stall(video.readyState < 1 /* HAVE_METADATA */ ? 'loading' : 'seeking', state.position);
    }
  }

  /** Whether the video has {@link READY_AHEAD_S} buffered from `at` (or up to its end). */
  #buffered(at: number): boolean {
    return this.#ahead(at) >= Math.min(READY_AHEAD_S, this.#video.duration - at - 0.1);
  }

  /** Seconds buffered ahead of `at` (a range starting just after it counts: players step over a small gap). */
  #ahead(at: number): number {
    const { buffered } = this.#video;
    for (let i = 0; i < buffered.length; i++) if (buffered.start(i) <= at + 0.25 && at < buffered.end(i)) return buffered.end(i) - at;
    return 0;
  }

  /** The video cannot play where the room is: say so, once per timeline, and allow one seek to catch up. */
  #stall(reason: WaitReason, position: number): void {
    const anchor = this.#state!.anchor;
    this.#lastStallAt = this.#o.sharedNow_();
    this.#seeks = Math.min(this.#seeks, 1);
    // A video that stalls may not keep up where the room is: its retries wait the longest.
    this.#retryMs = LATER_RETRY_BEHIND_MS;
    if (this.#stallFor === anchor) return;
    this.#stallFor = anchor;
    this.#o.onStall_(reason, position);
  }

  /** The video ran out of data while playing (not while seeking: that is a catch-up's own business). */
  #onWaiting(): void {
    const state = this.#state;
    const video = this.#video;
    // A `waiting` with data buffered ahead is the decoder catching its breath at a start, not a stall.
    if (state && !video.seeking && this.#ahead(video.currentTime) < STALL_AHEAD_S && isRunningAt(state, this.#o.sharedNow_()) && !state.wait.some((w) => w.id === this.#o.id_)) {
      this.#stall('buffering', video.currentTime);
    }
  }

  /**
   * Starts playing `wait` ms from now (at once if that is past), exactly then: Chromium's media clock runs
   * from the moment `play()` is called (a start 20 ms early put the clock 17-19 ms ahead of the timeline),
   * and the clock is what every tab steers by; the first frame reaches the screen a refresh or two later in
   * every tab alike.
   */
  #startAt(wait: number): void {
    clearTimeout(this.#startTimer);
    this.#startTimer = setTimeout(() => {
      this.#startTimer = undefined;
      this.#startPlaying();
    }, Math.max(0, wait));
  }

  #startPlaying(): void {
    const state = this.#state;
    if (!state || state.paused || isHeld(state) || this.#destroyed) return;
    const video = this.#video;
    const off = video.currentTime - positionAt(state, this.#o.sharedNow_());
    // Far off: a paused video (a joiner, a late catch-up) or a playing one beyond the controller's seek
    // threshold (it woke up, or stalled) catches up while it has seeks left; out of seeks, it plays on where
    // it is and says it is behind. Small errors are the drift controller's job.
    if (Math.abs(off) > (video.paused ? CATCH_UP_S : SEEK_S)) {
      if (this.#seeks > 0) return this.#startCatchUp(state);
      if (Math.abs(off) > SEEK_S && !this.#behind) {
        this.#behind = true;
        // The retry (see #measure) waits a quiet stretch from now, too.
        this.#lastStallAt = this.#o.sharedNow_();
        this.#o.onBehind_(off * 1000);
      }
    }
    if (video.paused) this.#play();
    this.#watchFrames();
  }

  /**
   * A paused video that must start far from the room's position (a tab joining mid-play): seeking to where
   * the room is now and playing at once would land a decoder latency behind, then take seconds of rate
   * nudging to close the gap. Instead: seek to where the room will be one (learned) seek time from now,
   * wait for that frame (`seeked`), and start when the room reaches it, like a scheduled play. A seek that
   * ends too late tries again with the lead it measured, while it has seeks left (see `#seeks`).
   */
  #startCatchUp(state: VideoState): void {
    this.#seeks--;
    this.#hold();
    this.#o.controller_.reset();
    const startedAt = this.#o.sharedNow_();
    // Loaded half a second past the room (as much as a video playing on needs not to run dry): a target the
    // least lead ahead is loaded. (With a second asked for, a joiner whose download was short of it waited
    // out the lead below, 470 ms on a continent's path, after a seek of 9 ms.)
    const buffered = this.#ahead(positionAt(state, startedAt)) > STALL_AHEAD_S;
    // A target still loading waits for the network as well: at least the default lead, and at the first try
    // two round trips more (the request, then TCP's first windows of the data). With the default alone, a
    // joiner 200 ms from the server landed 300 ms late, seeked again and started 1.2 s after it knew the
    // room's state. A later try aims where the data of the first is arriving: the default does.
    const cold = Math.min(MAX_CATCH_UP_LEAD_MS, CATCH_UP_LEAD_MS + 2 * (this.#redoUntil === undefined ? this.#o.pathRttMs_?.() ?? 0 : 0));
    const target = startedAt + Math.max(this.#catchUpLeadMs || MIN_CATCH_UP_LEAD_MS, buffered ? 0 : cold);
    this.#catchUp = { state_: state, startedAt_: startedAt, target_: target, buffered_: buffered };
    this.#seek(positionAt(state, target));
  }

  #onSeeked(): void {
    const c = this.#catchUp;
    if (!c || this.#destroyed) return;
    this.#catchUp = undefined;
    if (!this.#state || !sameTimeline(c.state_, this.#state)) return; // a newer decision took over
    const now = this.#o.sharedNow_();
    const took = now - c.startedAt_;
    // Only a seek into loaded data times this video's seeks. One into data still loading timed the network:
    // a link back from a 30 s cut took 4 s to deliver it, and taught, that held the next start 4 s for nothing.
    if (c.buffered_) this.#catchUpLeadMs = this.#catchUpLeadMs === undefined ? 0 : Math.min(MAX_LEARNED_LEAD_MS, Math.max(MIN_CATCH_UP_LEAD_MS, took * 1.5 + 40));
    // Data still loading may come sooner than the lead allowed for it: an intercontinental joiner had its
    // frame 150-340 ms after the seek, then waited 400-600 ms for the room to reach it. When the room's
    // position is loaded by now, aim again from there, as a catch-up into loaded data (not a try of its own).
    else if (c.target_ - now > REAIM_MS && this.#ahead(positionAt(c.state_, now)) > STALL_AHEAD_S) {
      this.#seeks++;
      return this.#startCatchUp(c.state_);
    }
    // On time: start when the room reaches the frame shown. Late: #startPlaying sees it and aims again.
    this.#startAt(c.target_ - now);
    this.#redoUntil ??= c.target_ + REDO_MS;
  }

  #play(): void {
    const video = this.#video;
    this.#expectEvent('play');
    video.play().catch((error: unknown) => {
      // AbortError: a pause or a new source interrupted play(); the next #follow settles it.
      if (this.#destroyed || (error as DOMException)?.name !== 'NotAllowedError') return;
      if (video.muted) return this.#reportAutoplay(false);
      // Autoplay with sound refused: stay in sync muted and let the page offer an unmute button.
      video.muted = true;
      this.#expectEvent('play');
      video.play().then(
        () => this.#reportAutoplay(true),
        () => this.#reportAutoplay(false),
      );
    });
  }

  #reportAutoplay(mutedFallback: boolean): void {
    if (this.#autoplayReported) return;
    this.#autoplayReported = true;
    this.#o.onAutoplayBlocked_(mutedFallback);
  }

  #pause(): void {
    this.#expectEvent('pause');
    this.#video.pause();
  }

  /** Pauses the video unless it already is. */
  #hold(): void {
    if (!this.#video.paused) this.#pause();
  }

  #seek(position: number): void {
    this.#video.currentTime = position;
    // The element may clamp or round the target: expect whatever it reports now.
    this.#expectEvent('seek', this.#video.currentTime);
  }

  #setRate(rate: number): void {
    if (this.#video.playbackRate === rate) return;
    this.#rateSet = rate;
    this.#video.playbackRate = rate;
  }

  // ---- measuring drift ------------------------------------------------------------------------------

  #watchFrames(): void {
    const video = this.#video;
    if (this.#frameHandle !== undefined || !('requestVideoFrameCallback' in video)) return;
    const onFrame = () => {
      this.#frameHandle = undefined;
      if (this.#destroyed) return;
      // Measure the media clock itself, once per presented frame. The frame's own timestamp (`mediaTime` at
      // `expectedDisplayTime`) only moves in whole frames and whole screen refreshes, too coarse for a
      // one-frame target: the controller would keep retuning the rate on quantization noise (the sync
      // benchmark saw 100-200 rate changes a minute that way, and none with the media clock).
      this.#measure();
      if (!video.paused) this.#frameHandle = video.requestVideoFrameCallback(onFrame);
    };
    this.#frameHandle = video.requestVideoFrameCallback(onFrame);
  }

  /** Fallback measurement where frame callbacks don't run (no rVFC, hidden tab); readiness. */
  #poll(): void {
    if (this.#frameHandle === undefined || document.visibilityState !== 'visible') this.#measure();
    this.#checkReady();
    this.#checkData();
  }

  /** Fetches the source afresh when the data the video waits for has stopped coming (see DATA_TIMEOUT_MS). */
  #checkData(): void {
    const video = this.#video;
    const now = performance.now();
    // Loading, with data due: not a MediaSource's (`blob:`), whose player fetches the data and retries
    // itself; not offline, where a new request would only fail.
    if (video.networkState !== 2 /* NETWORK_LOADING */ || /^blob:/.test(video.currentSrc) || !navigator.onLine) this.#dataAt = now;
    // Waiting: seeking, or run dry while the room plays (or waits for this video): not merely short of
    // HAVE_FUTURE_DATA, where WebKit's players stay while they play on. The time counts from the last data,
    // before the wait too: a download silent through a cut is as stuck as one that goes silent in the wait.
    else if ((video.seeking || (video.readyState < 3 && this.#ahead(video.currentTime) < STALL_AHEAD_S && this.#state?.paused === false)) && now - this.#dataAt >= (DATA_TIMEOUT_MS + 4 * (this.#o.pathRttMs_?.() ?? 0)) * 2 ** this.#reloads) {
      this.#dataAt = now;
      if (this.#reloads < 2) this.#reloads++;
      // A fresh start: loadedmetadata follows the room again, with a catch-up's seeks. Loading resets the
      // rate to the default, with a `ratechange` that is ours, not the user's (a WebKit tab's reload proposed
      // the room's rate back to 1).
      this.#seeks = MAX_CATCH_UP_ATTEMPTS;
      this.#behind = false;
      this.#rateSet = video.defaultPlaybackRate;
      video.load();
    }
  }

  /** Compares the media clock with the timeline now, and acts on the drift controller's decision. */
  #measure(): void {
    const state = this.#state;
    const video = this.#video;
    const at = this.#o.sharedNow_();
    if (!state || !isRunningAt(state, at) || video.paused) return;
    if (this.#behind) {
      this.#lastDrift = (video.currentTime - positionAt(state, at)) * 1000;
      this.#o.onSync_({ action: 'none', driftMs: this.#lastDrift, rate: video.playbackRate });
      // Played a quiet stretch since the last stall: it may keep up now (a lower rendition): one more try.
      if (at - this.#lastStallAt < this.#retryMs) return;
      this.#retryMs = LATER_RETRY_BEHIND_MS;
      this.#behind = false;
      this.#seeks = 1;
      this.#o.controller_.reset();
    }
    // Just started after a catch-up, and already off by more than a start may be: the clock moved under it
    // (a joiner's first estimate, made from replies handled late, put right by its next burst). Once per
    // timeline, catch up again rather than nudge: at 8 %, 78 ms took a joiner 1.7 s.
    if (at < (this.#redoUntil ?? 0) && Math.abs(video.currentTime - positionAt(state, at)) > CATCH_UP_S) {
      this.#redoUntil = 0;
      return this.#startCatchUp(state);
    }
    const decision = this.#o.controller_.update({
      at,
      expected: positionAt(state, at),
      actual: video.currentTime,
      currentRate: video.playbackRate,
      decidedRate: state.rate,
      seeking: video.seeking,
    });
    this.#lastDrift = decision.driftMs;
    // In step: the next stall may cost one catch-up again.
    if (Math.abs(decision.driftMs) < SEEK_S * 1000) this.#seeks = 1;
    if (decision.action !== 'none') this.#setRate(decision.rate);
    this.#o.onSync_({ ...decision, rate: video.playbackRate });
    // A seek is made as a catch-up: aimed ahead by the seek time learned here, started on time.
    if (decision.action === 'seek') this.#startPlaying();
  }

  // ---- media events: ours or the user's? -------------------------------------------------------------

  #expectEvent(kind: Expectation, position?: number): void {
    this.#expect.push({ kind_: kind, until_: performance.now() + EXPECT_MS, position_: position });
  }

  /**
   * Consumes a pending expectation of `kind` (for a seek: to the position the video is seeking to); true
   * when the event was caused by the driver.
   */
  #wasExpected(kind: Expectation, position?: number): boolean {
    const now = performance.now();
    this.#expect = this.#expect.filter((e) => e.until_ > now);
    const near = (e: Expected) => position === undefined || e.position_ === undefined || Math.abs(e.position_ - position) < 0.002;
    let i = this.#expect.findIndex((e) => e.kind_ === kind && near(e));
    if (kind === 'seek') {
      // Seeks made in a row each fire their own `seeking`, but every one of those events reports where the
      // last seek goes: when that matches the newest seek made, the event is the oldest one's.
      const seeks = this.#expect.filter((e) => e.kind_ === 'seek');
      const newest = seeks[seeks.length - 1];
      if (newest && near(newest)) i = this.#expect.indexOf(seeks[0]!);
    }
    if (i < 0) return false;
    this.#expect.splice(i, 1);
    return true;
  }

  #onPlay(): void {
    const resumed = this.#pausedWhileHidden;
    this.#pausedWhileHidden = false;
    if (this.#wasExpected('play')) return;
    // The browser resuming what it paused while the tab was hidden, not the user: follow the room.
    if (resumed) return this.#follow();
    const state = this.#state;
    if (state && !state.paused && !isHeld(state)) return;
    // The user pressed play: hold the first frame until the room decides, so every tab starts together. A
    // play while the room waits for a tab means: go on without it.
    this.#pause();
    this.#o.onUserIntent_({ type: 'play' });
  }

  #onPause(): void {
    if (this.#wasExpected('pause')) return;
    // Chrome pauses a hidden tab's video-only (or muted) player by itself and resumes it when the tab is
    // shown: not the user's pause. A hidden tab acts on the room's messages only; it resyncs when shown.
    if (document.visibilityState === 'hidden') {
      this.#pausedWhileHidden = true;
      return;
    }
    const state = this.#state;
    if (this.#video.ended || !state || state.paused) return;
    this.#o.onUserIntent_({ type: 'pause', position: this.#video.currentTime });
  }

  #onSeeking(): void {
    const position = this.#video.currentTime;
    if (this.#wasExpected('seek', position)) return;
    const state = this.#state;
    if (!state) return;
    if (Math.abs(position - positionAt(state, this.#o.sharedNow_())) <= SAME_POSITION_S) return;
    this.#o.onUserIntent_({ type: 'seek', position });
  }

  #onRateChange(): void {
    const rate = this.#video.playbackRate;
    if (rate === this.#rateSet) return;
    const state = this.#state;
    if (state && Math.abs(rate - state.rate) < 1e-9) return;
    this.#rateSet = rate;
    this.#o.onUserIntent_({ type: 'rate', rate });
    // The room decides: until it does, the video keeps the room's rate (it would run ahead of every tab).
    if (state) this.#setRate(state.rate);
  }

  #onError(): void {
    const error = this.#video.error;
    this.#o.onMediaError_(error ? `media error ${error.code}: ${error.message || 'cannot play the source'}` : 'media error');
  }

  readonly #onVisibility = (): void => {
    // A tab coming back to the foreground may have slept through decisions and drifted: resync at once.
    if (document.visibilityState === 'visible') {
      this.#o.controller_.reset();
      this.#follow();
    }
  };
}

/** Whether two states put the video on the same timeline (they may differ in slot and in who is waited for). */
function sameTimeline(a: VideoState, b: VideoState): boolean {
  return a.src === b.src && a.paused === b.paused && a.position === b.position && a.anchor === b.anchor && a.rate === b.rate && isHeld(a) === isHeld(b);
}

/**
 * Whether the video already plays `src` (compared as absolute URLs). The `src` attribute first: a custom
 * media element (`<hls-video>`) keeps the stream's URL there, while its `currentSrc` is a MediaSource's.
 */
function sameSource(video: HTMLVideoElement, src: string): boolean {
  const current = video.getAttribute('src') || video.currentSrc || '';
  try {
    return new URL(current, document.baseURI).href === new URL(src, document.baseURI).href;
  } catch {
    return current === src;
  }
}
