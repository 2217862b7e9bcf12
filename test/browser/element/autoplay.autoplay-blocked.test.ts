/**
 * Runs in a browser launched without the autoplay flag (web-test-runner.config.mjs): a decided play on a
 * video with sound is refused by the browser; the element keeps the tab in sync muted, shows an unmute
 * prompt and fires paxos-autoplay-blocked. The rest of the room is unaffected.
 */
import { expect } from '@open-wc/testing';
import { addElement, cleanup, makeRoom, nextEvent, waitFor } from './helpers.js';

describe('<paxos-video> autoplay blocked', () => {
  after(cleanup);

  it('mutes, prompts and fires paxos-autoplay-blocked', async () => {
    const [a] = await makeRoom(1);
    const b = addElement({ room: a!.getAttribute('room')! });
    await waitFor(() => b.status === 'synced', 'b synced');
    b.video!.muted = false; // a video with sound: the browser will refuse to start it without a gesture
    const blocked = nextEvent<{ mutedFallback: boolean }>(b, 'paxos-autoplay-blocked');
    await a!.play();
    const detail = await blocked;
    expect(detail.mutedFallback).to.equal(true);
    expect(b.video!.muted).to.equal(true);
    await waitFor(() => !b.video!.paused, 'b plays muted');
    const prompt = await waitFor(() => b.shadowRoot!.querySelector<HTMLButtonElement>('[part="unmute"]'), 'an unmute prompt');
    expect(prompt!.textContent).to.match(/unmute/i);
    expect(a!.state.paused).to.equal(false);
  });
});
