/**
 * The drop-in use, exactly as a third-party page would embed the widget: this page comes from the test
 * runner's origin, the script and the signaling from the server's origin, and the element is given no
 * `signaling` attribute (it defaults to where the script came from).
 */
import { expect } from '@open-wc/testing';
import { signalingUrl, uniqueRoom, waitFor } from '../net/helpers.js';

describe('<paxos-video> embedded cross-origin', () => {
  it('loads from the server origin and forms a room with the default signaling', async () => {
    const server = signalingUrl();
    expect(new URL(server).origin).to.not.equal(location.origin);
    await import(/* @vite-ignore */ `${server}/paxos-video.js`);
    const Ctor = customElements.get('paxos-video');
    expect(Ctor, 'the bundle registered the element').to.exist;

    const room = uniqueRoom('xo');
    const host = document.createElement('div');
    host.innerHTML = `
      <paxos-video room="${room}"><video src="${server}/test-pattern.webm" muted playsinline></video></paxos-video>
      <paxos-video room="${room}"><video src="${server}/test-pattern.webm" muted playsinline></video></paxos-video>`;
    document.body.append(host);
    type El = HTMLElement & { status: string; play(): Promise<unknown>; state: { paused: boolean }; leader: string | null };
    const els = [...host.querySelectorAll('paxos-video')] as El[];
    await waitFor(() => els.every((e) => e.status === 'synced') && els[0]!.leader !== null && els[0]!.leader === els[1]!.leader, 'both synced with one leader', 20_000);
    await els[1]!.play();
    await waitFor(() => els.every((e) => !e.state.paused), 'play decided on both');
    host.remove();
  });
});
