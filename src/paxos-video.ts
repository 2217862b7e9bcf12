/**
 * `<paxos-video>`, read top to bottom: its docs, attributes and properties, methods, lifecycle, handlers,
 * render. It wires the layers and stays thin: the room (room/) runs the consensus, the driver (media/)
 * moves the video, and its own parts are in element/: attribute checks (config.ts), commands
 * (commands.ts), the fixed shadow DOM (view.ts), styles and drift-controller presets.
 */
import { paxosEvent, type PaxosVideoError, type PaxosEventDetailMap, type PaxosEventName, type PaxosRole, type PaxosStatus } from './events.js';
import { attributeProblems, connectionConfig } from './element/config.js';
import { defineReactive } from './element/reactive.js';
import { claimIdentity, safeSessionStorage, type ClaimedIdentity } from './room/identity.js';
import { Room, type PeerInfo, type RoomOptions } from './room/room.js';
import { VideoDriver, type UserIntent } from './media/video-driver.js';
import { driftPreset, driftPresetProblem, registerDriftPreset, type DriftPreset } from './element/drift-presets.js';
import { type VideoState, initialVideoState } from './playback/video-state.js';
import type { RoomError, RoomEvents } from './room/room-events.js';
import { asElement, intentCommand, joinedRoom, loadCommand, pauseCommand, playCommand, propose, rateCommand, seekCommand } from './element/commands.js';
import { ElementView } from './element/view.js';

/** `paxos-sync` is throttled to this period. */
const SYNC_EVENT_MS = 500;
/** A change of the property is a new room membership (a connection setting). */
const REJOIN = 1;
/** The attributes whose text is a number; `inspector` is a boolean (present or not), the others are text. */
const NUMBER_ATTRIBUTES = ['max-acceptors'];
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
  src: 0,
  inspector: 0,
  status_: 0,
  role_: 0,
  peerCount_: 0,
  drift_: 0,
  autoplayBlocked_: 0,
  errorMessage_: 0,
  createVideo_: 0,
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
 * proposal to the room), or give `src` and the element creates one.
 *
 * @tag paxos-video
 * @summary A video that plays in lock-step in every tab of a room, agreed by Paxos.
 *
 * @slot - The `<video>` to keep in sync (light DOM, keeps its own controls).
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
  static observedAttributes = ['signaling', 'room', 'secret', 'ice-servers', 'max-acceptors', 'src', 'inspector', 'token', 'drift-controller'];

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
  localClock: () => number = () => performance.timeOrigin + performance.now();

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
    this.status_ = 'connecting';
    this.role_ = 'learner';
    this.peerCount_ = 0;
    this.drift_ = 0;
    this.autoplayBlocked_ = false;
    this.errorMessage_ = '';
    this.createVideo_ = false;
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
  /** The flags of the changes since the last update (REJOIN). */
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
    const counters = room?.counters ?? { decisions: 0, rejected: 0 };
    return {
      drift: this.#driver?.drift ?? 0,
      clockOffset: room?.clock.offset ?? 0,
      clockError: room?.clock.errorBound ?? Infinity,
      decisions: counters.decisions,
      rejected: counters.rejected,
    };
  }
  /** The `<video>` being kept in sync (slotted, or created from `src`). */
  get video(): HTMLVideoElement | null {
    return this.querySelector(':scope > video') ?? this.#view.video ?? null;
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
    return propose(this.#room, playCommand);
  }
  /** Pauses the whole room. Resolves with the decided state. */
  pause(): Promise<VideoState> {
    this.#driver?.holdLocally();
    return propose(this.#room, pauseCommand);
  }
  /** Seeks the whole room to `seconds`. Rejects with `bad-argument` on a negative or non-finite position. */
  seek(seconds: number): Promise<VideoState> {
    return propose(this.#room, seekCommand(seconds));
  }
  /** Sets the playback rate of the whole room (0.25 to 4). */
  setRate(rate: number): Promise<VideoState> {
    return propose(this.#room, rateCommand(rate));
  }
  /** Switches the whole room to another source (http(s), relative or blob URL). */
  load(src: string): Promise<VideoState> {
    return propose(this.#room, loadCommand(src));
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
    const problems = attributeProblems(config);
    const driftProblem = driftPresetProblem(this.driftController);
    if (driftProblem) problems.push(driftProblem);
    if (problems.length > 0) {
      this.#fail('bad-attribute', problems.join('; '));
      return;
    }
    this.#setStatus('connecting');
    const identity = await claimIdentity(config.room);
    if (generation !== this.#generation || !this.isConnected) {
      identity.release();
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
      onClockReady: () => this.#driver?.resync(),
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
    this.#identity?.release();
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
    this.#driver = new VideoDriver(video, {
      sharedNow_: () => room.sharedNow(),
      clockReady_: () => room.clockReady,
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
        this.#driver?.setState(d.state!);
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

  #onUserIntent(intent: UserIntent): void {
    propose(this.#room, intentCommand(intent)).catch((error: PaxosVideoError) => {
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
  /** Bound on the error of `clockOffset`, ms (half the best sample's round trip, grown with age). */
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
