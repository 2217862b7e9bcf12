// The sync benchmark's in-page probe, injected with `page.addInitScript` before any script of the page runs.
//
// 1. Clock skew: it shifts `Date.now` and `performance.now` by this page's skew, so the element (whose clock
//    is `performance.timeOrigin + performance.now()`) really has to estimate its offset to the shared clock.
// 2. The true clock: the original `performance.now` is kept, and timestamps the browser hands over
//    (requestVideoFrameCallback's `expectedDisplayTime`, event times) are on that original timeline, so
//    `performance.timeOrigin + t` puts every page on one true, unskewed epoch timeline.
// 3. Recording: every presented video frame (display time, mediaTime), every media event and every
//    `paxos-*` event, time-stamped on the true clock; the benchmark pulls them with `__bench.take()`.
// 4. Driving: `__bench.command(kind, arg)` calls the element's method and reports when it was called and
//    when it settled, on the true clock.
//
// Plain JavaScript on purpose: the benchmark passes it to the browser as text.
(() => {
  if (window.__bench) return;
  const config = window.__PAXOS_BENCH_CONFIG__ || {};
  const skewMs = Number.isFinite(config.skewMs) ? config.skewMs : 0;
  // paxos-message fires for every protocol message (heartbeats included): recorded only when asked for.
  const recordMessages = config.recordMessages === true;

  const realPerformanceNow = performance.now.bind(performance);
  const realDateNow = Date.now.bind(Date);
  const origin = performance.timeOrigin;
  /** True epoch time, ms: unskewed. */
  const trueNow = () => origin + realPerformanceNow();
  /** A DOMHighResTimeStamp the browser produced (unaffected by the shift) as true epoch time. */
  const toTrue = (stamp) => origin + stamp;

  performance.now = () => realPerformanceNow() + skewMs;
  Date.now = () => realDateNow() + skewMs;

  /**
   * [display time (true ms), mediaTime (s), presentedFrames, presentation time (true ms), callback time
   * (true ms), video.currentTime at the callback (s)]. mediaTime is the shown frame's timestamp (quantized
   * to the frame period); currentTime is the media clock itself, read at the callback time.
   */
  let frames = [];
  /** {t, kind: 'media' | 'paxos', type, ...} */
  let events = [];
  let element = null;
  let video = null;

  // Every RTCPeerConnection's state changes, for diagnosing a mesh that does not form; and the connections
  // themselves, to read which candidate pair each connected one uses.
  const connections = [];
  const peerConnections = [];
  const NativePeerConnection = window.RTCPeerConnection;
  if (NativePeerConnection) {
    window.RTCPeerConnection = class extends NativePeerConnection {
      constructor(...args) {
        super(...args);
        const record = { created: trueNow(), changes: [] };
        connections.push(record);
        peerConnections.push(this);
        const index = connections.length - 1;
        // Also in the event stream (as probe:pc<N>:<change>), so a cut's timeline shows what each connection did.
        const note = (what) => {
          record.changes.push([Math.round(trueNow() - record.created), what]);
          events.push({ t: trueNow(), kind: 'paxos', type: `probe:pc${index}:${what}`, detail: null });
        };
        this.addEventListener('connectionstatechange', () => note(`connection:${this.connectionState}`));
        this.addEventListener('iceconnectionstatechange', () => note(`ice:${this.iceConnectionState}`));
        this.addEventListener('signalingstatechange', () => note(`signaling:${this.signalingState}`));
        this.addEventListener('icegatheringstatechange', () => note(`gathering:${this.iceGatheringState}`));
        this.addEventListener('icecandidate', (e) => note(e.candidate ? `candidate:${e.candidate.type}/${e.candidate.protocol}` : 'candidates-done'));
      }
    };
  }

  // The page's WebSockets (the signaling connection): when each was made and opened, as `probe:ws-*` events,
  // so a join's time can be split into page load, connection and room.
  const NativeWebSocket = window.WebSocket;
  if (NativeWebSocket) {
    window.WebSocket = class extends NativeWebSocket {
      constructor(...args) {
        super(...args);
        events.push({ t: trueNow(), kind: 'paxos', type: 'probe:ws-create', detail: null });
        this.addEventListener('open', () => events.push({ t: trueNow(), kind: 'paxos', type: 'probe:ws-open', detail: null }));
        let n = 0;
        this.addEventListener('message', (e) => n++ < 30 && events.push({ t: trueNow(), kind: 'paxos', type: `probe:ws-in${n}:${String(e.data).slice(0, 40)}`, detail: null }));
        const send = this.send.bind(this);
        let m = 0;
        this.send = (d) => { if (m++ < 30) events.push({ t: trueNow(), kind: 'paxos', type: `probe:ws-out${m}:${String(d).slice(0, 40)}`, detail: null }); send(d); };
      }
    };
  }

  // Long tasks of the page's main thread (Chromium): a join's timeline shows when the page could not run.
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) events.push({ t: toTrue(e.startTime), kind: 'paxos', type: `probe:longtask-${Math.round(e.duration)}ms`, detail: null });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // not supported here
  }

  const MEDIA_EVENTS = ['play', 'playing', 'pause', 'seeking', 'seeked', 'waiting', 'stalled', 'ratechange', 'ended', 'error'];
  const PAXOS_EVENTS = [
    ...(recordMessages ? ['paxos-message'] : []),
    'paxos-state',
    'paxos-leader',
    'paxos-config',
    'paxos-peer-join',
    'paxos-peer-leave',
    'paxos-quorum-lost',
    'paxos-quorum-restored',
    'paxos-sync',
    'paxos-status',
    'paxos-autoplay-blocked',
    'paxos-wait',
    'paxos-resume',
    'paxos-behind',
    'paxos-error',
  ];

  /** A JSON-safe copy of an event detail (states and command lists are plain data already). */
  const plain = (value) => {
    try {
      return JSON.parse(JSON.stringify(value ?? null));
    } catch {
      return null;
    }
  };

  const onFrame = (now, meta) => {
    frames.push([toTrue(meta.expectedDisplayTime), meta.mediaTime, meta.presentedFrames, toTrue(meta.presentationTime), trueNow(), video.currentTime]);
    video.requestVideoFrameCallback(onFrame);
  };

  const stateOf = (el) => {
    const s = el.state;
    return { src: s.src, paused: s.paused, position: s.position, anchor: s.anchor, rate: s.rate, slot: s.slot };
  };

  window.__bench = {
    skewMs,
    trueNow,
    /** Starts recording `el` (a <paxos-video>) and its `v` (<video>). */
    attach(el, v) {
      element = el;
      video = v;
      for (const type of MEDIA_EVENTS) {
        v.addEventListener(type, () => {
          events.push({ t: trueNow(), kind: 'media', type, currentTime: v.currentTime, paused: v.paused, rate: v.playbackRate });
        });
      }
      for (const type of PAXOS_EVENTS) {
        el.addEventListener(type, (e) => {
          events.push({ t: trueNow(), kind: 'paxos', type, detail: plain(e.detail) });
        });
      }
      v.requestVideoFrameCallback(onFrame);
    },
    /** Everything recorded since the last call (and forgets it). */
    take() {
      const out = { frames, events, now: trueNow() };
      frames = [];
      events = [];
      return out;
    },
    /** What the element and its video say now. */
    snapshot() {
      const el = element;
      // Not attached yet, or not upgraded yet (the widget bundle has not defined the element).
      if (!el || el.state === undefined) return { attached: false, now: trueNow() };
      return {
        attached: true,
        now: trueNow(),
        status: el.status,
        role: el.paxosRole ?? el.role, // a build from before paxosRole (--widget) says role
        leader: el.leader,
        nodeId: el.nodeId,
        peers: plain(el.peers),
        stats: plain(el.stats),
        state: stateOf(el),
        video: { paused: video.paused, currentTime: video.currentTime, readyState: video.readyState, rate: video.playbackRate },
      };
    },
    /** State changes of every RTCPeerConnection the page made (ms since each was created). */
    connections() {
      return plain(connections);
    },
    /**
     * The selected ICE candidate pair of every connected RTCPeerConnection (getStats): each end's candidate
     * type (host, srflx, prflx, relay), address and port, and the relay's own protocol for a relay candidate.
     */
    async selectedPairs() {
      const out = [];
      for (const pc of peerConnections) {
        if (pc.connectionState !== 'connected') continue;
        const stats = await pc.getStats();
        const byId = new Map();
        stats.forEach((s) => byId.set(s.id, s));
        for (const s of byId.values()) {
          if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
          const pair = byId.get(s.selectedCandidatePairId);
          const end = (id) => {
            const c = byId.get(id) || {};
            return { type: String(c.candidateType), address: String(c.address ?? c.ip), port: Number(c.port), relayProtocol: c.relayProtocol ?? null };
          };
          if (pair) out.push({ local: end(pair.localCandidateId), remote: end(pair.remoteCandidateId), rtt: pair.currentRoundTripTime ?? null });
        }
      }
      return out;
    },
    /** Calls `el[kind](arg)` and reports when it was called and when it settled, on the true clock. */
    async command(kind, arg) {
      const el = element;
      if (!el) return { ok: false, code: 'not-attached', message: 'no element attached', calledAt: trueNow(), settledAt: trueNow() };
      const role = el.paxosRole ?? el.role;
      const nodeId = el.nodeId;
      const calledAt = trueNow();
      try {
        const state = await (kind === 'seek' ? el.seek(arg) : kind === 'play' ? el.play() : el.pause());
        return { ok: true, calledAt, settledAt: trueNow(), role, nodeId, state: plain(state) };
      } catch (error) {
        return { ok: false, calledAt, settledAt: trueNow(), role, nodeId, code: error && error.code, message: String(error && error.message) };
      }
    },
  };
})();
