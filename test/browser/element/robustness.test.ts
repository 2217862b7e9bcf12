/**
 * Bad input never reaches the page as an exception: malformed data-channel frames are dropped and counted,
 * clock skew of several seconds between tabs does not break sync.
 */
import { expect } from '@open-wc/testing';
import { cleanup, hooks, makeRoom, spreadMs, waitFor } from './helpers.js';

describe('<paxos-video> robustness', () => {
  afterEach(cleanup);

  it('drops and counts malformed data-channel messages without an exception', async () => {
    const els = await makeRoom(3, { hooks: true });
    // Garbage goes straight down a data channel, so take a pair joined by a direct one (not the relay).
    const [a, b] = await waitFor(() => {
      for (const x of els) {
        const direct = x.peers.find((p) => p.connected && !p.relayed);
        const y = direct && els.find((e) => e.nodeId === direct.id);
        if (y) return [x, y] as const;
      }
      return undefined;
    }, 'a pair of elements with a direct data channel');
    const errors: unknown[] = [];
    const onError = (e: ErrorEvent | PromiseRejectionEvent) => errors.push('reason' in e ? e.reason : e.error);
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onError);
    const before = b.stats.rejected;
    // Through a's test hook, send garbage straight down the data channel to b.
    const garbage = [
      'not json',
      '{"type":"accept"}',
      '{"type":"prepare","ballot":{"round":-1,"node":"x"},"slot":0}',
      JSON.stringify({ m: { type: 'decide', ballot: { round: 1e300, node: 'a' }, slot: 'x' } }),
      '{"__proto__":{"polluted":true}}',
      JSON.stringify({ type: 'promise', huge: 'x'.repeat(70_000) }),
    ];
    for (const frame of garbage) expect(hooks(a).sendRaw(b.nodeId, frame)).to.equal(true);
    await waitFor(() => b.stats.rejected >= before + garbage.length - 1, 'the malformed frames counted');
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    // And the room still decides.
    await a.seek(4);
    await waitFor(() => b.state.position === 4, 'a decision after the garbage');
    window.removeEventListener('error', onError);
    window.removeEventListener('unhandledrejection', onError);
    expect(errors).to.deep.equal([]);
  });

  it('keeps tabs in step despite several seconds of clock skew between them', async () => {
    // Skews of +3 s, -6 s and +9 s on the three elements' local clocks.
    const els = await makeRoom(3, { skewMs: 3000 });
    await waitFor(() => els.every((e) => e.stats.clockError < 50), 'every clock synced to the server');
    const offsets = els.map((e) => e.stats.clockOffset);
    expect(Math.max(...offsets) - Math.min(...offsets)).to.be.above(10_000);
    await els[1]!.play();
    await waitFor(() => els.every((e) => !e.video!.paused && e.video!.currentTime > 1), 'every video playing');
    await waitFor(() => spreadMs(els) < 100, 'every video within 100 ms despite the skew');
  });
});
