/**
 * The element's shadow DOM: a slot for the page's `<video>`, a status bar, and three optional nodes (a video
 * made from `src`, the unmute button after a blocked autoplay, the inspector). It is fixed, so it is built
 * once and patched in place: no template engine in the bundle for five text and attribute bindings.
 */
import type { PaxosRole, PaxosStatus } from '../events.js';
import { styles } from './styles.js';

/** What the view shows: the element's reactive state, read as it renders. */
export interface ViewState {
  readonly status_: PaxosStatus;
  readonly peerCount_: number;
  readonly role_: PaxosRole;
  /** Last measured drift, ms (shown while synced). */
  readonly drift_: number;
  /** Shown instead of the figures while the status is `error`. */
  readonly errorMessage_: string;
  /** What the room is doing in people's words ("Paused by Ana"), shown instead of "In sync". */
  readonly note_: string;
  /** The element makes its own video, from `src`. */
  readonly createVideo_: boolean;
  readonly src: string | undefined;
  /** Show the unmute button. */
  readonly autoplayBlocked_: boolean;
  /** Show the inspector (when it is loaded). */
  readonly inspector: boolean;
}

const STATUS_LABELS: Record<PaxosStatus, string> = {
  connecting: 'Connecting…',
  joined: 'Joined, catching up…',
  synced: 'In sync',
  'no-quorum': 'No quorum: waiting for a majority',
  offline: 'Offline',
  error: 'Error',
};

/** The stylesheet every element's shadow root adopts, made by the first one. */
let sheet: CSSStyleSheet | undefined;

export class ElementView {
  readonly #root: ShadowRoot;
  readonly #host: HTMLElement;
  readonly #onUnmute: () => void;
  readonly #bar: HTMLElement;
  readonly #label = document.createTextNode('');
  readonly #detail = el('span', { class: 'detail' });
  #video: HTMLVideoElement | undefined;
  #unmute: HTMLElement | undefined;
  #inspector: HTMLElement | undefined;

  /**
   * Builds the fixed part and the styles into `root`; `onSlotChange` hears of a new slotted video, `onUnmute`
   * of a press. The styles are one constructed stylesheet, adopted by every element's shadow root (no
   * `style-src` of a page's Content-Security-Policy applies to it): Chromium 73, Firefox 101, Safari 16.4 and later.
   */
  constructor(root: ShadowRoot, host: HTMLElement, onSlotChange: () => void, onUnmute: () => void) {
    this.#root = root;
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(styles);
    root.adoptedStyleSheets = [sheet];
    this.#host = host;
    this.#onUnmute = onUnmute;
    const slot = el('slot');
    slot.addEventListener('slotchange', onSlotChange);
    this.#bar = el('div', { part: 'status', role: 'status', 'aria-live': 'polite' }, [
      el('span', { part: 'status-dot', 'aria-hidden': 'true' }),
      el('span', {}, [this.#label]),
      this.#detail,
    ]);
    root.append(slot, this.#bar);
  }

  /** The video made from `src`, while there is one. */
  get video(): HTMLVideoElement | undefined {
    return this.#video;
  }

  /** Patches the view to show `s`. */
  render(s: ViewState): void {
    const root = this.#root;
    const bar = this.#bar;
    const status = s.status_;
    bar.dataset['status'] = status;
    this.#label.data = (status === 'synced' && s.note_) || STATUS_LABELS[status];
    // Without WebRTC every peer is reached through the signaling server's relay (net/mesh.ts): say so.
    const peers = `${s.peerCount_} peer${s.peerCount_ === 1 ? '' : 's'}${typeof RTCPeerConnection == 'function' ? '' : ' via the server (no WebRTC)'}`;
    const drift = status === 'synced' ? ` · drift ${Math.round(s.drift_)} ms` : '';
    this.#detail.textContent = status === 'error' ? s.errorMessage_ : `${peers} · ${s.role_}${drift}`;

    const src = s.createVideo_ ? s.src : undefined;
    const video = (this.#video = toggle(this.#video, !!src, () => el('video', { part: 'video', playsinline: '', controls: '' }), (v) => root.insertBefore(v, bar)));
    if (video && src && video.getAttribute('src') !== src) video.src = src;
    this.#unmute = toggle(this.#unmute, s.autoplayBlocked_, () => {
      const button = el('button', { part: 'unmute', type: 'button' }, ['Unmute (playing muted to stay in sync)']);
      button.addEventListener('click', this.#onUnmute);
      return button;
    }, (b) => root.insertBefore(b, bar));
    this.#inspector = toggle(this.#inspector, s.inspector && !!customElements.get('paxos-inspector'), () => {
      const inspector = el('paxos-inspector', { part: 'inspector' });
      (inspector as HTMLElement & { target: unknown }).target = this.#host;
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
