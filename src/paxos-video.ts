import { ReactiveElement, type PropertyValues } from '@lit/reactive-element';
import { PaxosEvents, PaxosVideoError, paxosEvent, type PaxosEventName, type PaxosRole, type PaxosStatus } from './events.js';
import { attributeProblems, defaultRoom, defaultSignaling, type ConnectionConfig } from './element/config.js';
import { styles } from './element/styles.js';
import { claimIdentity, safeSessionStorage, type ClaimedIdentity } from './room/identity.js';
import { Room, type PeerInfo } from './room/room.js';
import { VideoDriver, type UserIntent } from './media/video-driver.js';
import { driftPreset, driftPresetProblem, registerDriftPreset, type DriftPreset } from './element/drift-presets.js';
import {
  type VideoCommand,
  type VideoState,
  initialVideoState,
  makeLoad,
  makePause,
  makePlay,
  makeRate,
  makeSeek,
  parseCommand,
} from './playback/video-state.js';

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
  /** Malformed or invalid messages dropped (peers and server). */
  readonly rejected: number;
}

/** Least time a play is scheduled into the future, so every tab can learn of it and start together. */
const MIN_LEAD_MS = 120;
const MAX_LEAD_MS = 1000;
/** `paxos-sync` is throttled to this period. */
const SYNC_EVENT_MS = 500;

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
export class PaxosVideo extends ReactiveElement {
  static override styles = styles;

  static override properties = {
    signaling: { type: String },
    room: { type: String },
    secret: { type: String },
    iceServers: { type: String, attribute: 'ice-servers' },
    maxAcceptors: { type: Number, attribute: 'max-acceptors' },
    src: { type: String },
    inspector: { type: Boolean, reflect: true },
    token: { type: String },
    driftController: { type: String, attribute: 'drift-controller' },
    _status: { state: true },
    _role: { state: true },
    _peerCount: { state: true },
    _drift: { state: true },
    _autoplayBlocked: { state: true },
    _errorMessage: { state: true },
    _createVideo: { state: true },
  };

  // ---- attributes --------------------------------------------------------------------------------------

  /**
   * URL of the signaling server; its path is where the server lives (`https://site.example/watch/` connects
   * to `/watch/socket.io/`). Default: the origin this script was loaded from.
   */
  declare signaling: string | undefined;
  /** Room name (1-64 of `[A-Za-z0-9_.-]`). Default: derived from the page's address. */
  declare room: string | undefined;
  /** Room secret: signaling payloads are end-to-end encrypted with it; peers without it cannot connect. */
  declare secret: string | undefined;
  /** JSON array of RTCIceServer (STUN/TURN), e.g. `[{"urls":"stun:stun.example.org"}]`. */
  declare iceServers: string | undefined;
  /** Most acceptors in the room; the other tabs are learners. Default 5. */
  declare maxAcceptors: number;
  /** Video source, used when no `<video>` is slotted (the element creates one). */
  declare src: string | undefined;
  /** Shows the consensus inspector (`<paxos-inspector>`) under the video, when it is loaded. */
  declare inspector: boolean;
  /** Join token, when the signaling server requires one: its shared `--token`, or a signed room token. */
  declare token: string | undefined;
  /**
   * Drift controller: `ours` (default), or a registered preset: `jellyfin` / `syncplay` once
   * `paxos-video-baselines.js` (`paxos-video/baselines`) is loaded, which reproduce those projects' published
   * defaults for side-by-side benchmarks. An unknown name is a `bad-attribute` error.
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

  // ---- internal state ------------------------------------------------------------------------------------

  /** @internal */
  declare private _status: PaxosStatus;
  /** @internal */
  declare private _role: PaxosRole;
  /** @internal */
  declare private _peerCount: number;
  /** @internal */
  declare private _drift: number;
  /** @internal */
  declare private _autoplayBlocked: boolean;
  /** @internal */
  declare private _errorMessage: string;
  /** @internal */
  declare private _createVideo: boolean;

  constructor() {
    super();
    // Reactive properties are declared above and initialized here, so that no compiler's class-field
    // semantics can shadow Lit's accessors.
    this.maxAcceptors = 5;
    this.inspector = false;
    this.driftController = 'ours';
    this._status = 'connecting';
    this._role = 'learner';
    this._peerCount = 0;
    this._drift = 0;
    this._autoplayBlocked = false;
    this._errorMessage = '';
    this._createVideo = false;
  }

  #room: Room | undefined;
  #identity: ClaimedIdentity | undefined;
  #driver: VideoDriver | undefined;
  #generation = 0;
  #lastSyncEvent = Number.NEGATIVE_INFINITY;

  // ---- read-only properties ------------------------------------------------------------------------------

  /** This tab's node id in the room (empty until joined). */
  get nodeId(): string {
    return this.#room?.id ?? '';
  }
  /** The room's decided video state, with the slot it results from. */
  get state(): VideoState {
    return this.#room?.state ?? initialVideoState();
  }
  /**
   * This node's role in the room: `leader`, `acceptor` or `learner`. (It shadows the ARIA `role` reflection;
   * writing it still sets the `role` attribute.)
   */
  override get role(): PaxosRole {
    return this._role;
  }
  override set role(value: string | null) {
    if (value === null) this.removeAttribute('role');
    else this.setAttribute('role', value);
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
    return this._status;
  }
  /** Drift, clock offset and its error bound, decisions, rejected messages. */
  get stats(): PaxosVideoStats {
    const room = this.#room;
    const counters = room?.counters ?? { decisions: 0, rejected: 0 };
    return {
      drift: this.#driver?.drift ?? 0,
      clockOffset: room?.clock.offset ?? 0,
      clockError: room?.clock.errorBound ?? Number.POSITIVE_INFINITY,
      decisions: counters.decisions,
      rejected: counters.rejected,
    };
  }
  /** The `<video>` being kept in sync (slotted, or created from `src`). */
  get video(): HTMLVideoElement | null {
    return this.querySelector(':scope > video') ?? this.renderRoot?.querySelector?.('video') ?? null;
  }

  // ---- methods -------------------------------------------------------------------------------------------

  /** Plays, for the whole room, from where the room is. Resolves with the decided state. */
  play(): Promise<VideoState> {
    return this.#propose((room) => makePlay(room.state, room.sharedNow(), this.#lead()));
  }
  /** Pauses the whole room. Resolves with the decided state. */
  pause(): Promise<VideoState> {
    this.#driver?.holdLocally();
    return this.#propose((room) => makePause(room.state, room.sharedNow()));
  }
  /** Seeks the whole room to `seconds`. Rejects with `bad-argument` on a negative or non-finite position. */
  seek(seconds: number): Promise<VideoState> {
    return this.#propose((room) => makeSeek(room.state, seconds, room.sharedNow(), this.#lead()));
  }
  /** Sets the playback rate of the whole room (0.25 to 4). */
  setRate(rate: number): Promise<VideoState> {
    return this.#propose((room) => makeRate(room.state, rate, room.sharedNow(), this.#lead()));
  }
  /** Switches the whole room to another source (http(s), relative or blob URL). */
  load(src: string): Promise<VideoState> {
    return this.#propose(() => makeLoad(src));
  }
  /**
   * A linearizable read of the room's state: resolves once a majority of the acceptors has confirmed the
   * leader, with the state as of the latest decided slot (never a stale one).
   */
  async readState(): Promise<VideoState> {
    return this.#joined().read();
  }
  /**
   * UNSAFE operator action: restarts the room's configuration from the reachable nodes when a majority of the
   * acceptors is permanently lost. It can decide differently from the lost majority if that majority is in
   * fact alive: use it only when those tabs are known to be gone for good.
   */
  async forceReconfigure(): Promise<void> {
    this.#joined().forceReconfigure();
  }
  /**
   * Test hook: cuts (or restores) the data channel to `peer` in both directions, as a network partition
   * would. Not for production use.
   * @internal
   */
  blockPeerForTesting(peer: string, blocked: boolean): void {
    this.#room?.mesh?.setLinkBlocked(peer, blocked);
  }

  /**
   * Test hook: sends `data` as is down the data channel to `peer`, bypassing the codec, to prove that
   * malformed input is dropped and counted. Not for production use.
   * @internal
   */
  sendRawForTesting(peer: string, data: string): boolean {
    return this.#room?.mesh?.sendRawForTesting(peer, data) ?? false;
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------

  override connectedCallback(): void {
    super.connectedCallback();
    // The inspector is a separate bundle that may load after this element rendered: show it when it does.
    if (!customElements.get('paxos-inspector')) {
      void customElements.whenDefined('paxos-inspector').then(() => this.requestUpdate());
    }
    // The first start waits for the first update, so attributes set right after the element is created
    // are in; a re-connected element (moved in the page) starts again at once.
    if (this.hasUpdated) void this.#start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stop();
  }

  protected override updated(changed: PropertyValues): void {
    // Any change of a connection setting means a new room membership.
    const connection = ['signaling', 'room', 'secret', 'iceServers', 'maxAcceptors', 'token', 'driftController'];
    if (this.isConnected && (this.#generation === 0 || connection.some((k) => changed.has(k)))) {
      this.#stop();
      void this.#start();
    }
    if (changed.has('_createVideo') && this._createVideo) this.#attachVideo();
  }

  async #start(): Promise<void> {
    const generation = ++this.#generation;
    const config = this.#config();
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
    const room = new Room({
      signalingUrl: config.signaling,
      room: config.room,
      identity,
      ...(config.token ? { token: config.token } : {}),
      ...(config.secret ? { secret: config.secret } : {}),
      ...(config.iceServers ? { iceServers: config.iceServers } : {}),
      maxAcceptors: config.maxAcceptors,
      localNow: this.localClock,
      // A preset may bring its own clock filter (the Jellyfin baseline brings Jellyfin's).
      clockOptions: driftPreset(this.driftController)?.clockOptions,
      storage: safeSessionStorage(),
      onClockReady: () => this.#driver?.resync(),
    });
    this.#room = room;
    this.#forwardRoomEvents(room);
    this.#attachVideo();
    try {
      await room.start();
    } catch (error) {
      if (generation !== this.#generation) return;
      const e = error as PaxosVideoError;
      this.#fail(e.code ?? 'protocol', e.message);
    }
  }

  #stop(): void {
    this.#generation++;
    this.#driver?.destroy();
    this.#driver = undefined;
    this.#room?.close();
    this.#room = undefined;
    this.#identity?.release();
    this.#identity = undefined;
  }

  #config(): ConnectionConfig & { raw: Record<string, string | undefined> } {
    const raw = {
      signaling: this.signaling,
      room: this.room,
      'ice-servers': this.iceServers,
      'max-acceptors': this.getAttribute('max-acceptors') ?? undefined,
      src: this.src,
    };
    let iceServers: RTCIceServer[] | undefined;
    try {
      iceServers = this.iceServers ? (JSON.parse(this.iceServers) as RTCIceServer[]) : undefined;
    } catch {
      iceServers = undefined;
    }
    return {
      raw,
      signaling: this.signaling || defaultSignaling(),
      room: this.room || defaultRoom(),
      iceServers,
      maxAcceptors: this.maxAcceptors,
      ...(this.token ? { token: this.token } : {}),
      ...(this.secret ? { secret: this.secret } : {}),
    };
  }

  /** Finds the video to drive (slotted, else one created from `src`) and starts following the room. */
  #attachVideo(): void {
    const room = this.#room;
    if (!room || this.#driver) return;
    const video = this.video;
    if (!video) {
      if (this.src) this._createVideo = true; // rendered, then updated() calls back here
      return;
    }
    this.#driver = new VideoDriver(video, {
      sharedNow: () => room.sharedNow(),
      clockReady: () => room.clockReady,
      controller: (driftPreset(this.driftController) ?? driftPreset('ours')!).create(),
      onUserIntent: (intent) => this.#onUserIntent(intent),
      onSync: (report) => {
        this._drift = report.driftMs;
        const now = performance.now();
        if (report.action !== 'none' || now - this.#lastSyncEvent >= SYNC_EVENT_MS) {
          this.#lastSyncEvent = now;
          this.#emit(PaxosEvents.sync, { drift: report.driftMs, action: report.action, rate: report.rate });
        }
      },
      onAutoplayBlocked: (mutedFallback) => {
        this._autoplayBlocked = true;
        this.#emit(PaxosEvents.autoplayBlocked, { mutedFallback });
      },
      onMediaError: (message) => this.#emit(PaxosEvents.error, { code: 'media-error', message }),
    });
    if (room.known) this.#driver.setState(room.state);
  }

  // ---- handlers ------------------------------------------------------------------------------------------

  #forwardRoomEvents(room: Room): void {
    const names = Object.values(PaxosEvents) as PaxosEventName[];
    for (const name of names) {
      room.on(name, (detail) => {
        if (this.#room !== room) return;
        this.#onRoomEvent(name, detail);
        this.dispatchEvent(paxosEvent(name, detail as never));
      });
    }
  }

  #onRoomEvent(name: PaxosEventName, detail: unknown): void {
    const room = this.#room!;
    switch (name) {
      case 'paxos-state':
        this.#driver?.setState((detail as { state: VideoState }).state);
        break;
      case 'paxos-status':
        this._status = (detail as { status: PaxosStatus }).status;
        break;
      case 'paxos-config':
      case 'paxos-peer-join':
      case 'paxos-peer-leave':
        this._peerCount = room.peers.length;
        break;
      case 'paxos-error':
        this._errorMessage = (detail as { message: string }).message;
        break;
      default:
        break;
    }
    // The role can change with any of these (leader, configuration, status): read it back every time.
    this._role = room.role;
  }

  #onUserIntent(intent: UserIntent): void {
    let result: Promise<VideoState>;
    switch (intent.type) {
      case 'play':
        result = this.play();
        break;
      case 'pause':
        result = this.#propose(() => parseCommand({ type: 'pause', position: intent.position }));
        break;
      case 'seek':
        result = this.seek(intent.position);
        break;
      case 'rate':
        result = this.setRate(intent.rate);
        break;
    }
    result.catch((error: PaxosVideoError) => {
      // The room did not take it: show why and put the video back where the room is.
      this.#driver?.resync();
      this.#emit(PaxosEvents.error, { code: error.code ?? 'protocol', message: error.message });
    });
  }

  #onUnmute(): void {
    this.#driver?.unmute();
    this._autoplayBlocked = false;
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  /** The room, or a `not-connected` error while there is none (or, with `withState`, before its state is known). */
  #joined(withState = false): Room {
    const room = this.#room;
    if (!room || (withState && !room.known)) throw new PaxosVideoError('not-connected', 'the element has not joined a room yet');
    return room;
  }

  async #propose(build: (room: Room) => VideoCommand): Promise<VideoState> {
    const room = this.#joined(true);
    let command: VideoCommand;
    try {
      command = build(room);
    } catch (error) {
      throw new PaxosVideoError('bad-argument', (error as Error).message);
    }
    await room.propose(command);
    return room.state;
  }

  /** How far ahead a play or seek is scheduled: enough for the slowest peer to learn of it. */
  #lead(): number {
    const rtts = this.peers.map((p) => p.rtt ?? 0);
    const worst = rtts.length > 0 ? Math.max(...rtts) : 0;
    return Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, MIN_LEAD_MS + 3 * worst));
  }

  #setStatus(status: PaxosStatus): void {
    if (status === this._status) return;
    const previous = this._status;
    this._status = status;
    this.#emit(PaxosEvents.status, { status, previous });
  }

  #fail(code: PaxosVideoError['code'], message: string): void {
    this._errorMessage = message;
    this.#emit(PaxosEvents.error, { code, message });
    this.#setStatus('error');
  }

  #emit<K extends PaxosEventName>(name: K, detail: Parameters<typeof paxosEvent<K>>[1]): void {
    this.dispatchEvent(paxosEvent(name, detail));
  }

  // ---- render --------------------------------------------------------------------------------------------

  // The shadow DOM is a fixed status bar plus three optional nodes, so it is built once and patched in
  // place: no template engine in the bundle for five text and attribute bindings.
  #view: { bar: HTMLElement; label: Text; detail: HTMLElement; video?: HTMLVideoElement; unmute?: HTMLElement; inspector?: HTMLElement } | undefined;

  protected override update(changed: PropertyValues): void {
    super.update(changed);
    const root = this.renderRoot;
    let view = this.#view;
    if (!view) {
      const slot = el('slot');
      slot.addEventListener('slotchange', () => this.#attachVideo());
      const label = document.createTextNode('');
      const detail = el('span', { class: 'detail' });
      const bar = el('div', { part: 'status', role: 'status', 'aria-live': 'polite' }, [
        el('span', { part: 'status-dot', 'aria-hidden': 'true' }),
        el('span', {}, [label]),
        detail,
      ]);
      root.append(slot, bar);
      view = this.#view = { bar, label, detail };
    }
    const status = this._status;
    view.bar.dataset['status'] = status;
    view.label.data = STATUS_LABELS[status];
    const peers = `${this._peerCount} peer${this._peerCount === 1 ? '' : 's'}`;
    const drift = status === 'synced' ? ` · drift ${Math.round(this._drift)} ms` : '';
    view.detail.textContent = status === 'error' ? this._errorMessage : `${peers} · ${this._role}${drift}`;

    const src = this._createVideo ? this.src : undefined;
    view.video = toggle(view.video, !!src, () => el('video', { part: 'video', playsinline: '', controls: '' }), (v) => root.insertBefore(v, view.bar));
    if (view.video && src && view.video.getAttribute('src') !== src) view.video.src = src;
    view.unmute = toggle(view.unmute, this._autoplayBlocked, () => {
      const button = el('button', { part: 'unmute', type: 'button' }, ['Unmute (playing muted to stay in sync)']);
      button.addEventListener('click', () => this.#onUnmute());
      return button;
    }, (b) => root.insertBefore(b, view.bar));
    view.inspector = toggle(view.inspector, this.inspector && !!customElements.get('paxos-inspector'), () => {
      const inspector = el('paxos-inspector', { part: 'inspector' });
      (inspector as HTMLElement & { target: unknown }).target = this;
      return inspector;
    }, (i) => root.append(i));
  }
}

/** Creates an element with attributes and children. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string>, children?: (Node | string)[]): HTMLElementTagNameMap[K];
function el(tag: string, attrs?: Record<string, string>, children?: (Node | string)[]): HTMLElement;
function el(tag: string, attrs: Record<string, string> = {}, children: (Node | string)[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** Adds (`make`, then `place`) or removes an optional node so that it is there exactly when `wanted`. */
function toggle<T extends HTMLElement>(node: T | undefined, wanted: boolean, make: () => T, place: (node: T) => void): T | undefined {
  if (wanted && !node) place((node = make()));
  else if (!wanted && node) node = void node.remove();
  return node;
}

const STATUS_LABELS: Record<PaxosStatus, string> = {
  connecting: 'Connecting…',
  joined: 'Joined, catching up…',
  synced: 'In sync',
  'no-quorum': 'No quorum: waiting for a majority',
  offline: 'Offline',
  error: 'Error',
};

declare global {
  interface HTMLElementTagNameMap {
    'paxos-video': PaxosVideo;
  }
}
