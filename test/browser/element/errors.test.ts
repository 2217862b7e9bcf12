/**
 * Bad configuration gives a documented `paxos-error` code, a visible status, and no exception in the page:
 * unparseable `ice-servers`, `max-acceptors` of 0, a bad room name, an unreachable server, a wrong token,
 * a wrong secret, a drift controller that is not registered.
 */
import { expect } from '@open-wc/testing';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { addElement, cleanup, makeRoom, nextEvent, uniqueRoom, waitFor } from './helpers.js';

declare global {
  interface Window {
    /** A second signaling server of the test run, which requires the join token below. */
    __PAXOS_SIGNALING_TOKEN_URL__?: string;
    __PAXOS_SIGNALING_TOKEN__?: string;
  }
}

/** Creates an element and resolves with its first paxos-error. */
async function firstError(make: () => PaxosVideo, timeoutMs = 15_000): Promise<{ el: PaxosVideo; code: string; message: string }> {
  const errors: { code: string; message: string }[] = [];
  const listener = (e: Event) => errors.push((e as CustomEvent<{ code: string; message: string }>).detail);
  document.addEventListener('paxos-error', listener);
  try {
    const el = make();
    await waitFor(() => errors.length > 0, 'a paxos-error', timeoutMs);
    return { el, ...errors[0]! };
  } finally {
    document.removeEventListener('paxos-error', listener);
  }
}

/** The text of the element's status bar. */
const statusText = (el: PaxosVideo) => el.shadowRoot!.querySelector('[part="status"]')!.textContent!.replace(/\s+/g, ' ');

describe('<paxos-video> errors', () => {
  let pageErrors: unknown[];
  const onPageError = (e: ErrorEvent) => pageErrors.push(e.error);
  beforeEach(() => {
    pageErrors = [];
    window.addEventListener('error', onPageError);
  });
  afterEach(() => {
    window.removeEventListener('error', onPageError);
    cleanup();
    expect(pageErrors).to.deep.equal([]);
  });

  it('rejects unparseable ice-servers', async () => {
    const { el, code, message } = await firstError(() => addElement({ room: uniqueRoom(), attrs: { 'ice-servers': '[{urls: nope' } }));
    expect(code).to.equal('bad-attribute');
    expect(message).to.contain('ice-servers');
    await waitFor(() => el.status === 'error', 'status error');
    await waitFor(() => statusText(el).includes('ice-servers'), 'the status bar to show the problem');
  });

  it('rejects ice-servers entries without stun/turn urls', async () => {
    const { code, message } = await firstError(() => addElement({ room: uniqueRoom(), attrs: { 'ice-servers': '[{"urls":"http://x"}]' } }));
    expect(code).to.equal('bad-attribute');
    expect(message).to.match(/stun|turn/);
  });

  it('rejects max-acceptors of 0', async () => {
    const { el, code, message } = await firstError(() => addElement({ room: uniqueRoom(), attrs: { 'max-acceptors': '0' } }));
    expect(code).to.equal('bad-attribute');
    expect(message).to.contain('max-acceptors');
    expect(el.status).to.equal('error');
  });

  it('rejects a bad room name', async () => {
    const { code, message } = await firstError(() => addElement({ room: 'no spaces allowed!' }));
    expect(code).to.equal('bad-attribute');
    expect(message).to.contain('room');
  });

  it('reports an unreachable signaling server', async () => {
    const { el, code } = await firstError(
      () => addElement({ room: uniqueRoom(), attrs: { signaling: 'http://127.0.0.1:9' } }),
      30_000,
    );
    expect(code).to.equal('signaling-unreachable');
    await waitFor(() => el.status === 'error', 'status error');
  });

  it('reports a missing or wrong token', async () => {
    const url = window.__PAXOS_SIGNALING_TOKEN_URL__!;
    expect(url, 'the test runner starts a server with a token').to.be.a('string');
    const { el, code } = await firstError(() => addElement({ room: uniqueRoom(), token: 'wrong', attrs: { signaling: url } }));
    expect(code).to.equal('unauthorized');
    await waitFor(() => el.status === 'error', 'status error');
    // The right token joins.
    const ok = addElement({ room: uniqueRoom(), token: window.__PAXOS_SIGNALING_TOKEN__!, attrs: { signaling: url } });
    await waitFor(() => ok.status === 'synced', 'the element with the right token synced');
  });

  it('reports a wrong secret and keeps that peer out of the room', async () => {
    const [a] = await makeRoom(1, { secret: 'correct horse battery staple' });
    const room = a!.getAttribute('room')!;
    const error = nextEvent<{ code: string }>(document, 'paxos-error', (d) => d.code === 'wrong-secret', 20_000);
    const intruder = addElement({ room, secret: 'wrong' });
    expect((await error).code).to.equal('wrong-secret');
    expect(intruder.peers.some((p) => p.connected)).to.equal(false);
    // The room counts a tab that has just joined as reachable (through the relay) until its first signal,
    // which shows the other secret.
    await waitFor(() => !a!.peers.some((p) => p.connected), 'the room to shut the intruder out', 10_000);
    // The room itself is unharmed.
    await a!.seek(6);
    expect(a!.state.position).to.equal(6);
  });

  it('lets peers with the same secret in', async () => {
    const els = await makeRoom(2, { secret: 's3cret' });
    await els[0]!.seek(8);
    await waitFor(() => els[1]!.state.position === 8, 'the second peer learns');
  });

  it('rejects an unknown drift controller; the baselines entry registers jellyfin and syncplay', async () => {
    const { el, code, message } = await firstError(() => addElement({ room: uniqueRoom(), attrs: { 'drift-controller': 'syncplay' } }));
    expect(code).to.equal('bad-attribute');
    expect(message).to.contain('drift-controller="syncplay" must be one of ours');
    expect(message).to.contain('paxos-video-baselines.js');
    await waitFor(() => el.status === 'error', 'status error');
    const other = await firstError(() => addElement({ room: uniqueRoom(), attrs: { 'drift-controller': 'vlc' } }));
    expect(other.message).to.contain('drift-controller="vlc" must be one of ours');

    // Loaded after the widget, the baselines register at once: the same attribute now works.
    await import('../../../src/drift-baselines.js');
    el.setAttribute('drift-controller', 'jellyfin');
    await waitFor(() => el.status === 'synced', 'the element with the jellyfin controller synced');
    const syncplay = addElement({ room: uniqueRoom(), attrs: { 'drift-controller': 'syncplay' } });
    await waitFor(() => syncplay.status === 'synced', 'the element with the syncplay controller synced');
  });
});
