/**
 * `<paxos-video>`, read top to bottom: its docs, attributes and properties, methods, lifecycle, handlers,
 * render. It wires the layers and stays thin: the room (room/) runs the consensus, the driver (media/)
 * moves the video, and its own parts are in element/: attribute checks (config.ts), commands
 * (commands.ts), the fixed shadow DOM (view.ts), styles and drift-controller presets.
 */
import { paxosEvent, type PaxosVideoError, type PaxosEventDetailMap, type PaxosEventName, type PaxosRole, type PaxosStatus } from './events.js';
import { attributeProblems, connectionConfig, waitProblems } from './element/config.js';
import { defineReactive } from './element/reactive.js';
import { claimIdentity, safeSessionStorage, type ClaimedIdentity } from './room/identity.js';
import { Room, type PeerInfo, type RoomOptions } from './room/room.js';
import { defaultNow } from './net/signaling-client.js';
import { VideoDriver, type UserIntent } from './media/video-driver.js';
import { driftPreset, driftPresetProblem, registerDriftPreset, type DriftPreset } from './element/drift-presets.js';
import { type VideoState, type Waiter, dueDrops, initialVideoState, isHeld } from './playback/video-state.js';
import { nameProblem, nodeLabel } from './playback/display-name.js';
import type { RoomError, RoomEvents } from './room/room-events.js';
import {
  type CommandOf,
  asElement,
  intentCommand,
  joinedRoom,
  loadCommand,
  pauseCommand,
  playCommand,
  propose,
  rateCommand,
  readyCommand,
  seekCommand,
  waitCommand,
} from './element/commands.js';
import { ElementView } from './element/view.js';

/** `paxos-sync` is throttled to this period. */
const SYNC_EVENT_MS = 500;
/** A change of the property is a new room membership (a connection setting). */
const REJOIN = 1;
/** A change of the property is checked at once: who this tab is, how the room waits for it. */
const RECHECK = 2;
/** The attributes whose text is a number; `inspector` is a boolean (present or not), the others are text. */
const NUMBER_ATTRIBUTES = ['max-acceptors', 'wait-timeout'];
/**
 * The element's reactive properties (element/reactive.ts), defined on its prototype after the class: those of
 * the attributes and the internal state the view shows. A change asks for one update, which renders and acts
 * on the flags of what changed (#updated).
 */
const REACTIVE_PROPERTIES = {
  signaling: REJOIN,
  room: REJOIN,
  secret: REJOIN,
  iceServers: REJOIN,
  maxAcceptors: REJOIN,
  token: REJOIN,
  driftController: REJOIN,
  name: RECHECK,
  wait: RECHECK,
  waitTimeout: RECHECK,
  src: 0,
  inspector: 0,
  status_: 0,
  role_: 0,
  peerCount_: 0,
  drift_: 0,
  autoplayBlocked_: 0,
  errorMessage_: 0,
  createVideo_: 0,
  note_: 0,
};

// Where there is no HTMLElement (Node: server-side rendering), the element extends a stand-in, so that
// importing the module never throws.
const { HTMLElement = class {} as typeof globalThis.HTMLElement } = globalThis;

/**
 * `<paxos-video>`: every tab with the same `room` on the same signaling server plays the same frame at the
 * same moment. The room's video state (source, playing or paused, position, rate) is decided by Multi-Paxos
 * among the tabs over a WebRTC data-channel mesh; the signaling server only introduces them.
 *
 * Wrap the page's own `<video>` (it keeps its controls: a play, pause, seek or rate change on it becomes a
 * proposal to the room), a custom media element with the same interface (`<hls-video>`, media-chrome's media
 * elements), or a `<media-controller>` holding one; or give `src` and the element creates a `<video>`.
 *
 * When a tab cannot play where the room is (it is buffering, its seek or source is still loading), the room
 * holds every tab on one frame and resumes them together once it is ready, `wait-timeout` seconds at most.
 *
 * @tag paxos-video
 * @summary A video that plays in lock-step in every tab of a room, agreed by Paxos.
 *
 * @slot - The media to keep in sync: a `<video>`, a custom media element (`<hls-video>`), or a `<media-controller>` around one (light DOM, keeps its own controls).
 *
 * @fires {CustomEvent<PaxosStateDetail>} paxos-state - A slot was decided and applied: the room's state changed.
 * @fires {CustomEvent<PaxosMessageDetail>} paxos-message - A protocol message was sent or received.
 * @fires {CustomEvent<PaxosLeaderDetail>} paxos-leader - The room's leader changed.
 * @fires {CustomEvent<PaxosConfigDetail>} paxos-config - The acceptor/learner configuration changed.
 * @fires {CustomEvent<PaxosPeerDetail>} paxos-peer-join - A peer joined the room.
 * @fires {CustomEvent<PaxosPeerDetail>} paxos-peer-leave - A peer left the room.
 * @fires {CustomEvent<PaxosQuorumDetail>} paxos-quorum-lost - A majority of the acceptors is unreachable.
 * @fires {CustomEvent<PaxosQuorumDetail>} paxos-quorum-restored - A majority is reachable again.
 * @fires {CustomEvent<PaxosSyncDetail>} paxos-sync - Drift of the local video and what was done about it (throttled).
 * @fires {CustomEvent<PaxosStatusDetail>} paxos-status - The status changed.
 * @fires {CustomEvent<PaxosAutoplayBlockedDetail>} paxos-autoplay-blocked - Autoplay with sound was refused.
 * @fires {CustomEvent<PaxosWaitDetail>} paxos-wait - The room holds every tab on one frame while it waits for tabs that are not ready.
 * @fires {CustomEvent<PaxosResumeDetail>} paxos-resume - The room waits for nobody any more: all tabs play again at one instant.
 * @fires {CustomEvent<PaxosBehindDetail>} paxos-behind - This tab is behind the room and gave up seeking to catch up.
 * @fires {CustomEvent<PaxosErrorDetail>} paxos-error - Bad attribute, unreachable server, wrong token or secret, ...
 * @fires {CustomEvent<PaxosHistoryDetail>} paxos-history - This tab founded, joined or left a history of the room, or met another one.
 *
 * @csspart video - The video the element created from `src` (not a slotted one).
 * @csspart status - The status bar.
 * @csspart status-dot - The colored dot of the status bar.
 * @csspart unmute - The unmute button shown when autoplay with sound was refused.
 * @csspart inspector - The consensus inspector shown with the `inspector` attribute.
 *
 * @cssprop [--paxos-video-font=system-ui, sans-serif] - Font of the status bar.
 * @cssprop [--paxos-video-status-background=rgba(0, 0, 0, 0.72)] - Background of the status bar.
 * @cssprop [--paxos-video-status-color=#fff] - Text color of the status bar.
 * @cssprop [--paxos-video-ok-color=#2ecc71] - Dot color when synced.
 * @cssprop [--paxos-video-warn-color=#f1c40f] - Dot color while connecting or without quorum.
 * @cssprop [--paxos-video-error-color=#e74c3c] - Dot color on error or offline.
 * @cssprop [--paxos-video-accent=#3b82f6] - Color of the unmute button.
 */
export class PaxosVideo extends HTMLElement {
  // ---- attributes --------------------------------------------------------------------------------------

  /** The attributes: each sets the property of its name in camelCase (`ice-servers` sets `iceServers`). */
  static observedAttributes = ['signaling', 'room', 'secret', 'ice-servers', 'max-acceptors', 'src', 'inspector', 'token', 'drift-controller', 'name', 'wait', 'wait-timeout'];

  // The properties of the attributes, and the internal state below, are reactive: see REACTIVE_PROPERTIES.

  /**
   * URL of the signaling server; its path is where the server lives (`https://site.example/watch/` connects
   * to `/watch/socket.io/`). Default: the origin this script was loaded from.
   * @attr
   */
  declare signaling: string | undefined;
  /**
   * Room name (1-64 of `[A-Za-z0-9_.-]`). Default: derived from the page's address.
   * @attr
   */
  declare room: string | undefined;
  /**
   * Room secret: signaling payloads are end-to-end encrypted with it; peers without it cannot connect.
   * @attr
   */
  declare secret: string | undefined;
  /**
   * JSON array of RTCIceServer (STUN/TURN), e.g. `[{"urls":"stun:stun.example.org"}]`.
   * @attr ice-servers
   */
  declare iceServers: string | undefined;
  /**
   * Most acceptors in the room; the other tabs are learners. Default 5.
   * @attr max-acceptors
   */
  declare maxAcceptors: number;
  /**
   * Video source, used when no `<video>` is slotted (the element creates one).
   * @attr
   */
  declare src: string | undefined;
  /**
   * Shows the consensus inspector (`<paxos-inspector>`) under the video, when it is loaded.
   * @attr
   * @reflect
   */
  declare inspector: boolean;
  /**
   * Join token, when the signaling server requires one: its shared `--token`, or a signed room token.
   * @attr
   */
  declare token: string | undefined;
  /**
   * Drift controller: `ours` (default), or a registered preset: `jellyfin` / `syncplay` once
   * `paxos-video-baselines.js` (`paxos-video/baselines`) is loaded, which reproduce those projects' published
   * defaults for side-by-side benchmarks. An unknown name is a `bad-attribute` error.
   * @attr drift-controller
   */
  declare driftController: string;
  /**
   * This tab's display name (1-32 characters): it travels with the tab's commands and waits, so every tab can
   * say "paused by Ana" or "waiting for Ben". Default: a short label from the node id ("Tab k3X9").
   * @attr
   */
  declare name: string | undefined;
  /**
   * How the room treats this tab when it cannot play where the room is (buffering, a seek or source still
   * loading): `hold` (default) holds every tab on one frame until it is ready (`wait-timeout` at most);
   * `none` lets the room play on, and this tab catches up on its own (for a viewer on a poor link).
   * @attr
   */
  declare wait: string;
  /**
   * The longest, in seconds, the room holds for this tab (default 8; 0 to 600, 0 is `wait="none"`). After it
   * the room goes on without the tab, which catches up on its own with one aimed seek.
   * @attr wait-timeout
   */
  declare waitTimeout: number;

  /**
   * Registers a drift-controller preset by name, for the `drift-controller` attribute (how the baselines
   * entry adds `jellyfin` and `syncplay`). Elements started before keep the controller they have.
   * @throws {TypeError} for a name that is not 1–32 of `[a-z0-9-]` starting with a letter, or no `create`.
   */
  static registerDriftController(name: string, preset: DriftPreset): void {
    registerDriftPreset(name, preset);
  }

  /**
   * The local clock, ms since the epoch. Replace it before the element connects to test clock skew; the
   * shared clock is this plus the offset estimated against the server.
   */
  localClock: () => number = defaultNow;

  /**
   * Loads a source the room switched to (`load()`), instead of setting the media element's `src`: set it when
   * the page attaches a player library to a plain `<video>`, e.g. `el.loadSource = (src) => hls.loadSource(src)`.
   */
  loadSource: ((src: string) => void) | undefined;

  // ---- internal state (reactive: a change renders; the view reads it, see element/view.ts) ---------------

  /** @internal */
  declare status_: PaxosStatus;
  /** @internal */
  declare role_: PaxosRole;
  /** @internal */
  declare peerCount_: number;
  /** @internal */
  declare drift_: number;
  /** @internal */
  declare autoplayBlocked_: boolean;
  /** @internal */
  declare errorMessage_: string;
  /** @internal */
  declare createVideo_: boolean;
  /** @internal What the room is doing, in people's words ("Waiting for Ben (buffering)"), or empty. */
  declare note_: string;

  constructor() {
    super();
    // Properties a page set before this script defined the element are the element's own, hiding the
    // accessors: they come out here and go back in over the defaults. The reactive properties are declared
    // above and initialized here, so that no compiler's class-field semantics can shadow their accessors.
    const early = { ...this };
    for (const key in early) delete this[key as keyof this];
    this.maxAcceptors = 5;
    this.inspector = false;
    this.driftController = 'ours';
    this.wait = 'hold';
    this.waitTimeout = 8;
    this.status_ = 'connecting';
    this.role_ = 'learner';
    this.peerCount_ = 0;
    this.drift_ = 0;
    this.autoplayBlocked_ = false;
    this.errorMessage_ = '';
    this.createVideo_ = false;
    this.note_ = '';
    Object.assign(this, early);
    this.#view = new ElementView(this.attachShadow({ mode: 'open' }), this, () => this.#attachVideo(), () => this.#onUnmute());
  }

  #room: Room | undefined;
  #identity: ClaimedIdentity | undefined;
  #driver: VideoDriver | undefined;
  readonly #view: ElementView;
  /** Counts starts and stops: a start that finds it changed was overtaken and gives up. */
  #generation = 0;
  /** Started and not stopped since (joining, joined, or failed). */
  #running = false;
  #lastSyncEvent = -Infinity;
  /** The tabs the room waited for at the last decided state (none while it does not hold). */
  #held: readonly Waiter[] = [];
  /** Waits this tab (as leader) proposed to end, by waiter and since: proposed once each. */
  readonly #ending = new Set<string>();
  /** The flags of the changes since the last update (REJOIN, RECHECK). */
  #effects = 0;
  /** The update asked for, until it ran. */
  #updating: Promise<boolean> | undefined;

  // ---- read-only properties ------------------------------------------------------------------------------

  /** This tab's node id in the room (empty until joined). */
  get nodeId(): string {
    return this.#room?.id ?? '';
  }
  /** The room's decided video state, with the slot it results from. */
  get state(): VideoState {
    return this.#room?.state ?? initialVideoState();
  }
  /** This node's role in the room's consensus: `leader`, `acceptor` or `learner`. */
  get paxosRole(): PaxosRole {
    return this.role_;
  }
  /** The leader's node id, or null while none is known. */
  get leader(): string | null {
    return this.#room?.leader ?? null;
  }
  /** The other nodes of the room: id, role, connected, relayed, rtt (ms). */
  get peers(): PeerInfo[] {
    return this.#room?.peers ?? [];
  }
  /** `connecting` | `joined` | `synced` | `no-quorum` | `offline` | `error`. */
  get status(): PaxosStatus {
    return this.status_;
  }
  /** Drift, clock offset and its error bound, decisions, rejected messages. */
  get stats(): PaxosVideoStats {
    const room = this.#room;
    return {
      drift: this.#driver?.drift ?? 0,
      clockOffset: room?.clock.offset ?? 0,
      clockError: room?.clock.errorBound ?? Infinity,
      // The room's counters, `{ decisions, rejected }`, over the zeros of an element without one.
      decisions: 0,
      rejected: 0,
      ...room?.counters,
    };
  }
  /**
   * The media element being kept in sync: the first `<video>`, `<audio>` or custom media element (a tag
   * ending in `-video` or `-audio`, such as `<hls-video>`) inside the element, or the `<video>` made from `src`.
   */
  get video(): HTMLVideoElement | null {
    return ([...this.querySelectorAll('*')].find((e) => /(^|-)(video|audio)$/.test(e.localName)) as HTMLVideoElement) ?? this.#view.video ?? null;
  }
  /**
   * Resolves once the element has shown and acted on the properties set before (at the next microtask): with
   * true, or false when that update changed properties again.
   */
  get updateComplete(): Promise<boolean> {
    return this.#updating ?? Promise.resolve(true);
  }

  // ---- methods -------------------------------------------------------------------------------------------

  /** Plays, for the whole room, from where the room is. Resolves with the decided state. */
  play(): Promise<VideoState> {
    return this.#propose(playCommand);
  }
  /** Pauses the whole room. Resolves with the decided state. */
  pause(): Promise<VideoState> {
    this.#driver?.holdLocally();
    return this.#propose(pauseCommand);
  }
  /** Seeks the whole room to `seconds`. Rejects with `bad-argument` on a negative or non-finite position. */
  seek(seconds: number): Promise<VideoState> {
    return this.#propose(seekCommand(seconds));
  }
  /** Sets the playback rate of the whole room (0.25 to 4). */
  setRate(rate: number): Promise<VideoState> {
    return this.#propose(rateCommand(rate));
  }
  /** Switches the whole room to another source (http(s), relative or blob URL). */
  load(src: string): Promise<VideoState> {
    return this.#propose(loadCommand(src));
  }
  /**
   * A linearizable read of the room's state: resolves once a majority of the acceptors has confirmed the
   * leader, with the state as of the latest decided slot (never a stale one).
   */
  async readState(): Promise<VideoState> {
    return asElement(joinedRoom(this.#room).read());
  }
  /**
   * UNSAFE operator action: restarts the room's configuration from the reachable nodes when a majority of the
   * acceptors is permanently lost. It can decide differently from the lost majority if that majority is in
   * fact alive: use it only when those tabs are known to be gone for good.
   */
  async forceReconfigure(): Promise<void> {
    return asElement(joinedRoom(this.#room).forceReconfigure());
  }

  /**
   * Makes the room the element joins: the seam where tests give it a room over a transport of their own
   * (test/support/element-hooks.ts). Not for pages.
   * @internal
   */
  createRoom(options: RoomOptions): Room {
    return new Room(options);
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------

  attributeChangedCallback(name: string, _previous: string | null, value: string | null): void {
    const property = name.replace(/-(.)/g, (_, letter: string) => letter.toUpperCase());
    (this as unknown as Record<string, unknown>)[property] = name === 'inspector' ? value !== null : value !== null && NUMBER_ATTRIBUTES.includes(name) ? Number(value) : value;
  }

  connectedCallback(): void {
    // The inspector is a separate bundle that may load after this element rendered: show it when it does.
    if (!customElements.get('paxos-inspector')) {
      void customElements.whenDefined('paxos-inspector').then(() => this.requestUpdate_(0));
    }
    // An update starts the element (#updated): the first one comes after the attributes set right after the
    // element was created; an element put back in the page after it left its room starts again.
    this.requestUpdate_(0);
  }

  disconnectedCallback(): void {
    // Moving the element in the page (a framework reordering children, a portal) disconnects and connects
    // it again in one task: it leaves the room only if it is still out of the page after that task, so the
    // room sees no leave, re-join and reconfiguration for a move.
    setTimeout(() => this.isConnected || this.#stop());
  }

  /**
   * Asks for an update at the next microtask: one for all the changes made until then, whose `effects` flags
   * it gathers. The reactive properties call it (element/reactive.ts).
   * @internal
   */
  requestUpdate_(effects: number): void {
    this.#effects |= effects;
    this.#updating ??= Promise.resolve().then(() => {
      const changed = this.#effects;
      this.#effects = 0;
      this.#updating = undefined;
      this.#updated(changed);
      return !this.#updating;
    });
  }

  /** Shows the changes, then acts on them: `changed` holds the flags of what changed. */
  #updated(changed: number): void {
    this.#render();
    // Who this tab is and how the room waits for it change nothing of its membership: only check them.
    if (this.#running && changed & RECHECK) {
      const problems = waitProblems(this);
      if (problems.length > 0) this.#emit('paxos-error', { code: 'bad-attribute', message: problems.join('; ') });
    }
    // A connected element that is not running starts; any change of a connection setting means a new room
    // membership.
    if (this.isConnected && (!this.#running || changed & REJOIN)) {
      this.#stop();
      void this.#start();
    }
    // #attachVideo() does nothing once it has a driver.
    if (this.createVideo_) this.#attachVideo();
  }

  async #start(): Promise<void> {
    const generation = ++this.#generation;
    this.#running = true;
    const config = connectionConfig(this);
    const problems = [...attributeProblems(config), ...waitProblems(this)];
    const driftProblem = driftPresetProblem(this.driftController);
    if (driftProblem) problems.push(driftProblem);
    if (problems.length > 0) {
      this.#fail('bad-attribute', problems.join('; '));
      return;
    }
    this.#setStatus('connecting');
    const identity = await claimIdentity(config.room);
    if (generation !== this.#generation || !this.isConnected) {
      identity.release_();
      return;
    }
    this.#identity = identity;
    const room = this.createRoom({
      signalingUrl: config.signaling,
      room: config.room,
      id: identity.id,
      ...(config.token ? { token: config.token } : {}),
      ...(config.secret ? { secret: config.secret } : {}),
      ...(config.iceServers ? { iceServers: config.iceServers } : {}),
      maxAcceptors: config.maxAcceptors,
      localNow: this.localClock,
      // A preset may bring its own clock filter (the Jellyfin baseline brings Jellyfin's).
      clockOptions: driftPreset(this.driftController)?.clockOptions,
      storage: safeSessionStorage(),
      onEvent: (name, detail) => this.#room === room && this.#onRoomEvent(name, detail),
      onClockReady_: () => this.#driver?.resync(),
      onTick_: () => this.#endWaits(room),
    });
    this.#room = room;
    this.#attachVideo();
    try {
      await room.start();
    } catch (error) {
      if (generation !== this.#generation) return;
      const e = error as RoomError;
      this.#fail(e.code ?? 'protocol', e.message);
    }
  }

  #stop(): void {
    this.#generation++;
    this.#running = false;
    this.#driver?.destroy();
    this.#driver = undefined;
    this.#room?.close();
    this.#room = undefined;
    this.#identity?.release_();
    this.#identity = undefined;
  }

  /** Finds the video to drive (slotted, else one created from `src`) and starts following the room. */
  #attachVideo(): void {
    const room = this.#room;
    if (!room || this.#driver) return;
    const video = this.video;
    if (!video) {
      if (this.src) this.createVideo_ = true; // rendered, then #updated() calls back here
      return;
    }
    // A custom media element works once it is defined (upgraded): until then it has none of the interface.
    const tag = video.localName;
    if (!customElements.get(tag) && tag.includes('-')) {
      void customElements.whenDefined(tag).then(() => this.#attachVideo());
      return;
    }
    this.#driver = new VideoDriver(video, {
      id_: room.id,
      sharedNow_: () => room.sharedNow(),
      clockReady_: () => room.clockReady,
      pathRttMs_: () => room.clock.pathRtt_,
      controller_: (driftPreset(this.driftController) ?? driftPreset('ours')!).create(),
      onUserIntent_: (intent) => this.#onUserIntent(intent),
      onSync_: (report) => {
        this.drift_ = report.driftMs;
        const now = performance.now();
        if (report.action !== 'none' || now - this.#lastSyncEvent >= SYNC_EVENT_MS) {
          this.#lastSyncEvent = now;
          this.#emit('paxos-sync', { drift: report.driftMs, action: report.action, rate: report.rate });
        }
      },
      onAutoplayBlocked_: (mutedFallback) => {
        this.autoplayBlocked_ = true;
        this.#emit('paxos-autoplay-blocked', { mutedFallback });
      },
      onMediaError_: (message) => this.#emit('paxos-error', { code: 'media-error', message }),
      onStall_: (reason, position) => {
        if (this.wait !== 'none' && this.waitTimeout > 0) this.#quietly(waitCommand(reason, position, Math.min(this.waitTimeout, 600) * 1000));
      },
      onReady_: (waiter) => this.#quietly(readyCommand(waiter)),
      onBehind_: (drift) => this.#emit('paxos-behind', { drift }),
      loadSource_: (src) => (this.loadSource ? this.loadSource(src) : (video.src = src)),
    });
    if (room.known) this.#driver.setState(room.state);
  }

  // ---- handlers ------------------------------------------------------------------------------------------

  /** A room event: the element follows it, then fires it as the DOM event `paxos-<name>`. */
  #onRoomEvent<K extends keyof RoomEvents>(name: K, detail: RoomEvents[K]): void {
    const room = this.#room!;
    const d = detail as Partial<RoomEvents['state'] & RoomEvents['status'] & RoomEvents['error']>;
    switch (name) {
      case 'state':
        this.#onState(d.state!);
        break;
      case 'status':
        this.status_ = d.status!;
        break;
      case 'config':
      case 'peer-join':
      case 'peer-leave':
        this.peerCount_ = room.peers.length;
        break;
      case 'error':
        this.errorMessage_ = d.message!;
        break;
    }
    // The role can change with any of these (leader, configuration, status): read it back every time.
    this.role_ = room.role;
    this.#emit(`paxos-${name}`, detail as RoomEvents[keyof RoomEvents] as never);
  }

  /** A decided state: the video follows it, and the page hears when the room starts or stops waiting. */
  #onState(state: VideoState): void {
    const before = this.#driver ? this.#held : [];
    const waiting = isHeld(state) ? state.wait.filter((w) => !w.dropped) : [];
    this.#held = waiting;
    this.#driver?.setState(state);
    this.note_ = waiting.length
      ? `Waiting for ${waiting.map((w) => `${w.name || nodeLabel(w.id)} (${w.reason})`).join(', ')}`
      : state.paused && state.by
        ? `Paused by ${state.by}`
        : '';
    if (waiting.length && waiting.map((w) => w.id).join() !== before.map((w) => w.id).join()) {
      this.#emit('paxos-wait', { waiting, position: state.position });
    } else if (before.length && !waiting.length && !state.paused) {
      this.#emit('paxos-resume', { position: state.position, anchor: state.anchor, dropped: state.wait.filter((w) => w.dropped) });
    }
  }

  /**
   * On the leader, every tick: ends the room's waits for tabs that left or lost their link, and those that
   * timed out (each proposed once; the decided state settles races with the tab's own `ready`).
   */
  #endWaits(room: Room): void {
    if (room.role !== 'leader' || !room.state.wait.length) return this.#ending.clear();
    const live = new Set([room.id, ...room.peers.filter((p) => p.connected).map((p) => p.id)]);
    for (const [waiter, drop] of dueDrops(room.state, room.sharedNow(), (id) => live.has(id))) {
      const key = waiter.id + waiter.since;
      if (this.#ending.has(key)) continue;
      this.#ending.add(key);
      this.#quietly(readyCommand(waiter, drop));
    }
  }

  /** Proposes `command` signed with this tab's name; resolves with the decided state. */
  #propose(command: CommandOf): Promise<VideoState> {
    const id = this.#room?.id ?? '';
    return propose(this.#room, command, this.name && !nameProblem(this.name) ? this.name : nodeLabel(id));
  }

  /** A proposal nobody awaits (a wait or ready report): when it fails, the wait's timeout covers it. */
  #quietly(command: CommandOf): void {
    this.#propose(command).catch(() => undefined);
  }

  #onUserIntent(intent: UserIntent): void {
    this.#propose(intentCommand(intent)).catch((error: PaxosVideoError) => {
      // The room did not take it: show why and put the video back where the room is.
      this.#driver?.resync();
      this.#emit('paxos-error', { code: error.code ?? 'protocol', message: error.message });
    });
  }

  #onUnmute(): void {
    this.#driver?.unmute();
    this.autoplayBlocked_ = false;
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  #setStatus(status: PaxosStatus): void {
    if (status === this.status_) return;
    const previous = this.status_;
    this.status_ = status;
    this.#emit('paxos-status', { status, previous });
  }

  #fail(code: PaxosVideoError['code'], message: string): void {
    this.errorMessage_ = message;
    this.#emit('paxos-error', { code, message });
    this.#setStatus('error');
  }

  #emit<K extends PaxosEventName>(name: K, detail: PaxosEventDetailMap[K]): void {
    this.dispatchEvent(paxosEvent(name, detail));
  }

  // ---- render --------------------------------------------------------------------------------------------

  /** Reflects `inspector` to its attribute and patches the shadow DOM to show the element's state. */
  #render(): void {
    this.toggleAttribute('inspector', this.inspector);
    this.#view.render(this);
  }
}

// After the class, not in a static block: a compiler that lowers class fields (esbuild, with this project's
// useDefineForClassFields: false) runs static blocks before the class binding they would use is set.
defineReactive(PaxosVideo.prototype, REACTIVE_PROPERTIES);

/** Counters and clock figures of one element, for dashboards and the benchmark. */
export interface PaxosVideoStats {
  /** Last measured drift of the local video against the room's timeline, ms (positive: ahead). */
  readonly drift: number;
  /** Estimated offset of the local clock to the shared clock, ms. */
  readonly clockOffset: number;
  /** Bound on the error of `clockOffset`, ms (half the width of the samples' common interval, grown with age). */
  readonly clockError: number;
  /** Slots this node applied. */
  readonly decisions: number;
  /** Malformed or invalid messages dropped (peers and server), and messages of another room history. */
  readonly rejected: number;
}

declare global {
  interface HTMLElementTagNameMap {
    'paxos-video': PaxosVideo;
  }
}
