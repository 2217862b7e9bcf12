import { LitElement, html, nothing, svg, type PropertyValues, type TemplateResult } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import { INSPECTOR_EVENT_NAMES, parseInspectorEvent, readTarget } from './event-schemas.js';
import { formatBallot, formatMs, formatSlot, shortId } from './format.js';
import { InspectorModel, type InspectorView, type LogEntry, type NodeView } from './inspector-model.js';
import { along, starLayout, type Point } from './layout.js';
import { LEGEND, byProtocolOrder, messageCategory } from './message-category.js';
import { MessageQueue, type Flight } from './message-queue.js';
import { sparklinePoints } from './sparkline.js';
import { styles } from './styles.js';

/** The graph's viewBox. */
const GRAPH = { width: 400, height: 230, margin: 34 } as const;
const SPARK = { width: 48, height: 16 } as const;
/** How often the watched element's `peers` (round trips, connections) are read, ms. */
const PEER_POLL_MS = 1000;

/** What the inspector says when it has nothing to watch, or cannot. */
interface Notice {
  readonly text: string;
  readonly error: boolean;
}

/**
 * `<paxos-inspector>`: the consensus of a `<paxos-video>` room, drawn live from that element's own DOM events.
 *
 * It shows every node of the room with its role, the highest ballot seen in its messages and the last slot it
 * is known to have decided; the protocol messages this tab sends and receives, flying between the nodes
 * slowed down enough to follow (heartbeats and acks are coalesced, and the animation never falls behind);
 * the decided log with each slot's commands and proposers; the quorum, lost and restored; this tab's drift
 * and every peer's round trip as sparklines. Everything it keeps is bounded, and it draws at most once per
 * animation frame, so a busy room of eight stays cheap.
 *
 * Point it at an element with `for="video-id"` (looked up in the same document or shadow root), or set
 * `.target`; `<paxos-video inspector>` renders one for itself. Load it with
 * `<script type="module" src=".../paxos-inspector.js">` or `import 'paxos-video/inspector'`.
 *
 * @tag paxos-inspector
 * @summary Live view of a `<paxos-video>` room's Multi-Paxos: nodes, messages, decided log, quorum, drift.
 *
 * @attr {string} for - Id of the `<paxos-video>` to watch, in the same document or shadow root.
 *
 * @fires {CustomEvent<{paused: boolean}>} paxos-inspector-pause - The user pressed the pause button (not fired
 * when `paused` is set from script).
 *
 * @csspart header - The top row: title, quorum badge and pause button.
 * @csspart title - The title, with this tab's node id and role.
 * @csspart quorum - The quorum badge (`data-state`: `ok`, `lost` or `unknown`).
 * @csspart pause - The pause button (`aria-pressed` while the view is frozen).
 * @csspart paused-note - The note shown while the view is paused.
 * @csspart problem - A message when there is nothing to watch, or the watched element reported an error.
 * @csspart graph - The SVG graph of the nodes and the messages in flight.
 * @csspart node-dot - One node in the graph (`data-id`, `data-role`).
 * @csspart flight - One message in flight (`data-type`, `data-from`, `data-to`).
 * @csspart legend - The legend of message colors.
 * @csspart nodes - The table of nodes.
 * @csspart node - One row of that table (`data-id`, `data-role`, `data-decided`, `data-promised`).
 * @csspart sparkline - A node's drift (this tab) or round-trip (peers) sparkline.
 * @csspart counters - Messages seen, by type.
 * @csspart log - The decided log (`role="log"`).
 * @csspart entry - One line of the log (`data-kind`: `slot` or `quorum`; `data-slot`, `data-value`).
 *
 * @cssprop [--paxos-inspector-font=system-ui, sans-serif] - Font.
 * @cssprop [--paxos-inspector-mono-font=ui-monospace, monospace] - Font of node ids and the log.
 * @cssprop [--paxos-inspector-font-size=12px] - Base font size.
 * @cssprop [--paxos-inspector-color=#1f2937] - Text color.
 * @cssprop [--paxos-inspector-muted-color=#4b5563] - Secondary text color.
 * @cssprop [--paxos-inspector-background=#ffffff] - Background.
 * @cssprop [--paxos-inspector-border-color=#d1d5db] - Borders, links between nodes, the drift zero line.
 * @cssprop [--paxos-inspector-radius=6px] - Corner radius.
 * @cssprop [--paxos-inspector-accent=#1d4ed8] - Focus ring and the pressed pause button.
 * @cssprop [--paxos-inspector-button-background=#f3f4f6] - Background of the pause button.
 * @cssprop [--paxos-inspector-leader-color=#b45309] - The leader.
 * @cssprop [--paxos-inspector-acceptor-color=#1d4ed8] - Acceptors.
 * @cssprop [--paxos-inspector-learner-color=#4b5563] - Learners.
 * @cssprop [--paxos-inspector-phase1-color=#7c3aed] - pre-prepare, pre-promise, prepare and promise messages.
 * @cssprop [--paxos-inspector-phase2-color=#2563eb] - accept and accepted messages.
 * @cssprop [--paxos-inspector-decide-color=#15803d] - decide messages.
 * @cssprop [--paxos-inspector-nack-color=#dc2626] - nack messages.
 * @cssprop [--paxos-inspector-chatter-color=#9ca3af] - heartbeat and ack messages.
 * @cssprop [--paxos-inspector-other-color=#c2410c] - Other messages (forward, catchup, entries, ...).
 * @cssprop [--paxos-inspector-ok-color=#15803d] - Quorum badge and log line when the quorum is there.
 * @cssprop [--paxos-inspector-lost-color=#b91c1c] - Quorum lost, unreachable peers, problems.
 * @cssprop [--paxos-inspector-sparkline-color=#2563eb] - Sparklines.
 * @cssprop [--paxos-inspector-graph-height=260px] - Most height of the graph.
 * @cssprop [--paxos-inspector-log-height=11em] - Height of the log before it scrolls.
 */
export class PaxosInspector extends LitElement {
  static override styles = styles;

  static override properties = {
    for: { type: String, reflect: true },
    target: { attribute: false },
    paused: { type: Boolean, reflect: true },
    flightMs: { type: Number, attribute: 'flight-ms' },
    logSize: { type: Number, attribute: 'log-size' },
    _notice: { state: true, attribute: false },
    _optionProblem: { state: true, attribute: false },
  };

  /** Id of the `<paxos-video>` to watch, looked up in this element's document or shadow root. */
  declare for: string | undefined;
  /** The `<paxos-video>` to watch; wins over `for`. */
  declare target: HTMLElement | null;
  /** Freezes the view (the room keeps running; the view catches up when unpaused). */
  declare paused: boolean;
  /** Time a message takes to cross the graph, ms (100 to 10000). Default 700. */
  declare flightMs: number;
  /** Lines the decided log keeps (1 to 1000). Default 50. */
  declare logSize: number;

  /** @internal */
  declare private _notice: Notice | null;
  /** @internal */
  declare private _optionProblem: string;

  #model = new InspectorModel();
  #queue = makeQueue(700);
  #watched: HTMLElement | null = null;
  #poll: ReturnType<typeof setInterval> | undefined;
  #observer: MutationObserver | undefined;
  #frame = 0;
  /** What the last frame drew, shown as is while paused. */
  #drawn: { view: InspectorView; flights: Flight[] } | null = null;
  #frozen: { view: InspectorView; flights: Flight[] } | null = null;

  constructor() {
    super();
    this.target = null;
    this.paused = false;
    this.flightMs = 700;
    this.logSize = 50;
    this._notice = null;
    this._optionProblem = '';
  }

  /** The element being watched (resolved from `target` or `for`), or null. */
  get watched(): HTMLElement | null {
    return this.#watched;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.#resolve();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#detach();
    this.#stopObserving();
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('flightMs') || changed.has('logSize')) this.#applyOptions();
    // Here rather than in updated(): what it finds (or the notice) is drawn by this very update.
    if (changed.has('target') || changed.has('for') || changed.has('logSize')) this.#resolve();
    if (changed.has('paused')) {
      this.#frozen = this.paused ? (this.#drawn ?? { view: this.#model.view(), flights: [] }) : null;
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('paused') && !this.paused) this.#schedule();
    // Keep animating while messages wait or fly.
    if (!this.paused && !this.#queue.idle) this.#schedule();
  }

  // ---- the watched element -------------------------------------------------------------------------------

  /** Takes `flight-ms` and `log-size`; a bad value is named in the panel and the default used instead. */
  #applyOptions(): void {
    const problems: string[] = [];
    const option = (value: number, name: string, min: number, max: number, fallback: number, integer: boolean): number => {
      if (Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value))) return value;
      problems.push(`${name}="${this.getAttribute(name) ?? value}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}: using ${fallback}.`);
      return fallback;
    };
    const flightMs = option(this.flightMs, 'flight-ms', 100, 10_000, 700, false);
    const logSize = option(this.logSize, 'log-size', 1, 1000, 50, true);
    this._optionProblem = problems.join(' ');
    if (flightMs !== this.#queue.flightMs) this.#queue = makeQueue(flightMs);
    if (logSize !== this.#model.logSize) {
      this.#model = new InspectorModel({ logSize });
      this.#detach(); // re-attached (and re-seeded) by #resolve
    }
  }

  /** Finds what to watch and attaches to it, or says why it cannot. */
  #resolve(): void {
    if (!this.isConnected) return;
    const wanted = this.target ?? (this.for ? this.#findById(this.for) : null);
    if (wanted === this.#watched && wanted !== null) return;
    this.#detach();
    if (!wanted) {
      if (this.for) {
        this.#observeRoot();
        this._notice = { text: `Waiting for an element with id "${this.for}".`, error: false };
      } else {
        this._notice = { text: 'Nothing to inspect: set for="id of a paxos-video" or the target property.', error: false };
      }
      return;
    }
    this.#stopObserving();
    const snapshot = readTarget(wanted);
    if (!snapshot) {
      const tag = wanted.localName;
      if (tag.includes('-') && !customElements.get(tag)) {
        // Not upgraded yet (its script loads after this one): try again once it is.
        this._notice = { text: `Waiting for <${tag}> to be defined.`, error: false };
        void customElements.whenDefined(tag).then(() => this.#resolve());
      } else {
        this._notice = { text: `<${tag}${wanted.id ? ` id="${wanted.id}"` : ''}> is not a <paxos-video>: nothing to inspect.`, error: true };
      }
      return;
    }
    this.#watched = wanted;
    this.#model = new InspectorModel({ logSize: this.#model.logSize });
    this.#queue.clear();
    this.#model.seed(snapshot);
    for (const name of INSPECTOR_EVENT_NAMES) wanted.addEventListener(name, this.#onEvent);
    this.#poll = setInterval(this.#pollTarget, PEER_POLL_MS);
    this._notice = null;
    this.#schedule();
  }

  #detach(): void {
    const el = this.#watched;
    if (!el) return;
    for (const name of INSPECTOR_EVENT_NAMES) el.removeEventListener(name, this.#onEvent);
    clearInterval(this.#poll);
    this.#poll = undefined;
    this.#watched = null;
  }

  #findById(id: string): HTMLElement | null {
    const root = this.getRootNode() as Document | ShadowRoot;
    return typeof root.getElementById === 'function' ? root.getElementById(id) : null;
  }

  /** Waits for the element named by `for` to appear in this element's root. */
  #observeRoot(): void {
    if (this.#observer) return;
    const root = this.getRootNode();
    this.#observer = new MutationObserver(() => {
      if (this.for && this.#findById(this.for)) this.#resolve();
    });
    this.#observer.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['id'] });
  }

  #stopObserving(): void {
    this.#observer?.disconnect();
    this.#observer = undefined;
  }

  readonly #onEvent = (e: Event): void => {
    // Only the watched element's own events: a page's other elements may bubble look-alikes through it.
    if (e.target !== this.#watched) return;
    const event = parseInspectorEvent(e.type, (e as CustomEvent).detail);
    if (!event) {
      this.#model.reject();
      return;
    }
    this.#model.fold(event);
    if (event.name === 'paxos-message') {
      const { type, from, to, slot } = event.detail;
      this.#queue.push(slot === undefined ? { type, from, to } : { type, from, to, slot }, performance.now());
    }
    this.#schedule();
  };

  readonly #pollTarget = (): void => {
    const snapshot = this.#watched ? readTarget(this.#watched) : null;
    if (!snapshot) return;
    this.#model.setSelf(snapshot.nodeId);
    this.#model.updatePeers(snapshot.peers);
    this.#schedule();
  };

  /** At most one render per animation frame, none while paused. */
  #schedule(): void {
    if (this.paused || this.#frame || !this.isConnected) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.requestUpdate();
    });
  }

  // ---- render --------------------------------------------------------------------------------------------

  protected override render(): TemplateResult {
    const live = this.#frozen === null;
    const frame = this.#frozen ?? { view: this.#model.view(), flights: this.#queue.advance(performance.now()) };
    if (live) this.#drawn = frame;
    const { view, flights } = frame;
    const self = view.nodes.find((n) => n.self);
    const notice = this._notice;
    return html`
      <div part="header">
        <p part="title">
          Paxos ·
          ${self
            ? html`<span title=${self.id}>${self.shortId}</span> <span class="role-tag role-${self.role}">${self.role}</span>`
            : html`<span class="muted">not joined yet</span>`}
        </p>
        ${this.#renderQuorum(view)}
        <button part="pause" type="button" aria-pressed=${this.paused ? 'true' : 'false'} @click=${this.#togglePause}>Pause</button>
      </div>
      ${this.paused ? html`<p class="muted" part="paused-note">View paused: the room keeps running.</p>` : nothing}
      ${notice ? html`<p part="problem" class=${notice.error ? '' : 'muted'}>${notice.text}</p>` : nothing}
      ${this._optionProblem ? html`<p part="problem">${this._optionProblem}</p>` : nothing}
      ${view.error ? html`<p part="problem">Error ${view.error.code}: ${view.error.message}</p>` : nothing}
      ${this.#renderGraph(view, flights)}
      <ul part="legend" aria-label="Message colors">
        ${LEGEND.map((l) => html`<li class="msg-${l.category}"><span>${l.label}</span></li>`)}
      </ul>
      ${this.#renderNodes(view)}
      <p part="counters" class="muted">${this.#counters(view)}</p>
      <div class="log-title" id="log-title">Decided log</div>
      <div part="log" role="log" aria-labelledby="log-title" tabindex="0">
        ${guard([view.log], () => this.#renderLog(view.log))}
      </div>
    `;
  }

  readonly #togglePause = (): void => {
    this.paused = !this.paused;
    this.dispatchEvent(new CustomEvent('paxos-inspector-pause', { detail: { paused: this.paused }, bubbles: true, composed: true }));
  };

  #renderQuorum(view: InspectorView): TemplateResult {
    const q = view.quorum;
    const figures = q.reachable !== null && q.needed !== null ? ` (${q.reachable} reachable, ${q.needed} needed)` : '';
    const text = q.state === 'ok' ? `Quorum ok${figures}` : q.state === 'lost' ? `Quorum lost${figures}` : 'Quorum unknown';
    return html`<span part="quorum" role="status" data-state=${q.state}>${text}</span>`;
  }

  #renderGraph(view: InspectorView, flights: readonly Flight[]): TemplateResult {
    const positions = starLayout(
      view.nodes.map((n) => n.id),
      view.self || null,
      GRAPH,
    );
    const center = view.self ? positions.get(view.self) : undefined;
    const leader = view.nodes.find((n) => n.role === 'leader');
    const label =
      `Room of ${view.nodes.length} node${view.nodes.length === 1 ? '' : 's'}; ` +
      `leader ${leader ? leader.shortId : 'unknown'}; ` +
      view.nodes.map((n) => `${n.shortId}${n.self ? ' (this tab)' : ''} ${n.role}, slot ${formatSlot(n.decided)}`).join('; ');
    return html`<svg part="graph" viewBox="0 0 ${GRAPH.width} ${GRAPH.height}" role="img" aria-label=${label}>
      ${center
        ? view.nodes
            .filter((n) => !n.self)
            .map((n) => {
              const p = positions.get(n.id)!;
              return svg`<line class="link ${n.connected === false ? 'down' : ''}" x1=${center.x} y1=${center.y} x2=${p.x} y2=${p.y}></line>`;
            })
        : nothing}
      ${repeat(flights, (f) => f.id, (f) => this.#renderFlight(f, positions))}
      <!-- Nodes over flights: a message comes out of its sender and disappears into its receiver. -->
      ${repeat(view.nodes, (n) => n.id, (n) => this.#renderNodeDot(n, positions.get(n.id)!))}
    </svg>`;
  }

  #renderNodeDot(n: NodeView, p: Point): TemplateResult {
    const r = n.self ? 17 : 14;
    return svg`<g part="node-dot" class="node ${n.self ? 'self' : ''} ${n.left ? 'left' : ''}" data-id=${n.id} data-role=${n.role}
      transform="translate(${p.x} ${p.y})">
      <circle r=${r} class="role-${n.role}"></circle>
      <text class="slot" text-anchor="middle" dy="0.35em">${n.decided === null || n.decided < 0 ? '–' : n.decided}</text>
      <text class="name" text-anchor="middle" y=${r + 11}>${n.shortId}${n.self ? ' (you)' : ''}</text>
    </g>`;
  }

  #renderFlight(f: Flight, positions: ReadonlyMap<string, Point>): TemplateResult | typeof nothing {
    const a = positions.get(f.from);
    const b = positions.get(f.to);
    if (!a || !b) return nothing;
    const p = along(a, b, f.progress);
    // Chatter is labelled by its count only (the legend names it); a protocol message by its type and slot.
    const text = f.chatter ? (f.count > 1 ? `×${f.count}` : '') : `${f.type}${f.slot !== undefined ? ` ${f.slot}` : ''}${f.count > 1 ? ` ×${f.count}` : ''}`;
    // The label sits beside the line, on the left of the direction of travel, so messages crossing one link
    // in both directions keep apart; and only away from the nodes, where it would cover their names.
    const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const nx = -(b.y - a.y) / length;
    const ny = (b.x - a.x) / length;
    const labelled = text !== '' && f.progress > 0.12 && f.progress < 0.88;
    return svg`<g part="flight" class="flight msg-${messageCategory(f.type)} ${f.chatter ? 'chatter' : ''}" data-type=${f.type}
      data-from=${f.from} data-to=${f.to} transform="translate(${Math.round(p.x * 10) / 10} ${Math.round(p.y * 10) / 10})">
      <circle r=${f.chatter ? 2.5 : 4.5}></circle>
      ${labelled
        ? svg`<text x=${Math.round(nx * 9)} y=${Math.round(ny * 9 + 3)} text-anchor=${nx >= 0 ? 'start' : 'end'}>${text}</text>`
        : nothing}
    </g>`;
  }

  #renderNodes(view: InspectorView): TemplateResult {
    return html`<table part="nodes">
      <caption class="muted" style="text-align:left">Nodes of the room</caption>
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">Role</th>
          <th scope="col" title="Highest ballot seen in its messages">Ballot</th>
          <th scope="col" title="Last slot it is known to have decided">Slot</th>
          <th scope="col">Link</th>
          <th scope="col">Drift / RTT</th>
        </tr>
      </thead>
      <tbody>
        ${repeat(
          view.nodes,
          (n) => n.id,
          (n) => html`<tr
            part="node"
            data-id=${n.id}
            data-role=${n.role}
            data-decided=${n.decided ?? ''}
            data-promised=${n.promised ? `${n.promised.round}.${n.promised.node}` : ''}
            ?data-self=${n.self}
            ?data-left=${n.left}
          >
            <th scope="row" title=${n.id}>${n.shortId}</th>
            <td class="role-tag role-${n.role}">${n.role}</td>
            <td>${formatBallot(n.promised)}</td>
            <td>${formatSlot(n.decided)}</td>
            <td>${this.#linkText(n)}</td>
            <td>${this.#renderSparkline(n, view)}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  #linkText(n: NodeView): string {
    if (n.self) return 'this tab';
    if (n.left) return 'left';
    if (n.connected === false) return 'unreachable';
    if (n.connected === null) return '…';
    return `${n.relayed ? 'relayed' : 'direct'}${n.rtt !== null ? ` ${formatMs(n.rtt)}` : ''}`;
  }

  #renderSparkline(n: NodeView, view: InspectorView): TemplateResult {
    const drift = n.historyKind === 'drift';
    const latest = drift ? view.drift : n.rtt;
    const points = sparklinePoints(n.history, { ...SPARK, symmetric: drift, minSpan: drift ? 5 : 1 });
    const what = drift ? 'drift' : 'round trip';
    const label = `${what} over the last ${n.history.length} samples, latest ${formatMs(latest)}`;
    return html`<svg part="sparkline" width=${SPARK.width} height=${SPARK.height} viewBox="0 0 ${SPARK.width} ${SPARK.height}" role="img" aria-label=${label}>
        ${drift ? svg`<line class="zero" x1="0" x2=${SPARK.width} y1=${SPARK.height / 2} y2=${SPARK.height / 2}></line>` : nothing}
        ${points ? svg`<polyline points=${points}></polyline>` : nothing}
      </svg>${formatMs(latest)}`;
  }

  #counters(view: InspectorView): string {
    const types = Object.keys(view.messages).sort(byProtocolOrder);
    if (types.length === 0) return 'No message yet.';
    return types.map((t) => `${t} ${view.messages[t]}`).join(' · ') + (view.rejected > 0 ? ` · ${view.rejected} malformed events dropped` : '');
  }

  #renderLog(log: readonly LogEntry[]): TemplateResult {
    return html`<ol>
      ${log.length === 0 ? html`<li class="muted">Nothing decided yet.</li>` : nothing}
      ${repeat(
        log,
        (e) => (e.kind === 'slot' ? `s${e.slot}` : `q${e.seq}`),
        (e) =>
          e.kind === 'slot'
            ? html`<li part="entry" data-kind="slot" data-slot=${e.slot} data-value=${e.value}>
                <span class="slot-number">#${e.slot}</span> ${describeSlot(e)}
              </li>`
            : html`<li part="entry" data-kind="quorum" data-lost=${e.lost ? 'true' : 'false'}>
                ${e.lost
                  ? `Quorum lost: ${e.reachable} of ${e.needed} needed acceptors reachable`
                  : `Quorum restored: ${e.reachable} reachable, ${e.needed} needed`}
              </li>`,
      )}
    </ol>`;
  }
}

/** A queue whose bursts start a quarter of a flight apart: several overlap, each one still readable. */
function makeQueue(flightMs: number): MessageQueue {
  return new MessageQueue({ flightMs, gapMs: flightMs / 4 });
}

function describeSlot(e: Extract<LogEntry, { kind: 'slot' }>): string {
  switch (e.value) {
    case 'commands':
      return e.commands.map((c) => `${c.type} by ${c.by ?? shortId(c.proposer)}`).join(', ');
    case 'config':
      return `configuration: acceptors ${(e.acceptors ?? []).map(shortId).join(', ')}`;
    case 'snapshot':
      return 'state installed (snapshot)';
    case 'noop':
      return 'no-op';
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'paxos-inspector': PaxosInspector;
  }
}
