/**
 * The element's own property plumbing (element/reactive.ts and the element's lifecycle, no framework under
 * it): attributes become typed properties, `inspector` reflects, changes made in one task are one update
 * (`updateComplete` resolves after it), properties a page set before the script defined the element are
 * kept, and the shadow root adopts the one shared stylesheet.
 *
 * This file loads the element's module only in its first test, after making an element, as a page whose
 * script comes after its markup does.
 */
import { expect } from '@open-wc/testing';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import type { Room, RoomOptions } from '../../../src/room/room.js';
import { signalingUrl, uniqueRoom, waitFor } from '../net/helpers.js';

/** The rooms `el` made (its `createRoom` seam), by the options it passed. */
function recordRooms(el: PaxosVideo): RoomOptions[] {
  const made: RoomOptions[] = [];
  const create = el.createRoom;
  el.createRoom = function (options: RoomOptions): Room {
    made.push(options);
    return create.call(this, options);
  };
  return made;
}

describe('<paxos-video> properties', () => {
  const els: HTMLElement[] = [];
  afterEach(() => {
    for (const el of els.splice(0)) el.remove();
  });

  it('keeps the properties a page set before the element was defined, over the defaults', async () => {
    expect(customElements.get('paxos-video'), 'this file loads the element itself').to.equal(undefined);
    const room = uniqueRoom('early');
    // Typed as the element, but a plain HTMLElement until the module defines it: these are its own properties.
    const el = document.createElement('paxos-video');
    el.signaling = signalingUrl();
    el.room = room;
    el.maxAcceptors = 3;
    const made: RoomOptions[] = [];
    el.createRoom = function (this: PaxosVideo, options: RoomOptions): Room {
      made.push(options);
      return (customElements.get('paxos-video') as typeof PaxosVideo).prototype.createRoom.call(this, options);
    };
    document.body.append(el);
    els.push(el);
    expect(Object.hasOwn(el, 'room')).to.equal(true);

    const { PaxosVideo: defined } = await import('../../../src/index.js');
    expect(el).to.be.instanceOf(defined);
    expect(Object.hasOwn(el, 'room') || Object.hasOwn(el, 'maxAcceptors'), 'the accessors are no longer hidden').to.equal(false);
    expect([el.room, el.maxAcceptors, el.driftController, el.wait, el.waitTimeout]).to.deep.equal([room, 3, 'ours', 'hold', 8]);
    await waitFor(() => made.length === 1, 'the element to make its room');
    expect([made[0]!.room, made[0]!.maxAcceptors]).to.deep.equal([room, 3]);
    await waitFor(() => el.status === 'synced', 'the element to join with them', 20_000);
  });

  it('converts attributes to typed properties, and reflects inspector', async () => {
    const el = document.createElement('paxos-video');
    el.setAttribute('signaling', 'not a url'); // connects nowhere: only the properties matter here
    el.setAttribute('max-acceptors', '3');
    el.setAttribute('wait-timeout', '2.5');
    el.setAttribute('ice-servers', '[]');
    el.setAttribute('drift-controller', 'ours');
    el.setAttribute('inspector', '');
    document.body.append(el);
    els.push(el);
    expect([el.signaling, el.maxAcceptors, el.waitTimeout, el.iceServers, el.driftController, el.inspector]).to.deep.equal(['not a url', 3, 2.5, '[]', 'ours', true]);
    el.removeAttribute('inspector');
    el.removeAttribute('max-acceptors');
    expect([el.inspector, el.maxAcceptors]).to.deep.equal([false, null]);
    // The first update fails the start (the signaling URL), which changes the status: a second update.
    expect(await el.updateComplete).to.equal(false);
    expect(el.status).to.equal('error');
    expect(await el.updateComplete).to.equal(true);

    el.inspector = true;
    expect(el.hasAttribute('inspector'), 'reflected by the update, not at once').to.equal(false);
    expect(await el.updateComplete).to.equal(true);
    expect(el.hasAttribute('inspector')).to.equal(true);
    el.inspector = false;
    await el.updateComplete;
    expect(el.hasAttribute('inspector')).to.equal(false);
  });

  it('makes one new room for the connection settings changed in one task', async () => {
    const el = document.createElement('paxos-video');
    el.signaling = signalingUrl();
    el.room = uniqueRoom('first');
    const made = recordRooms(el);
    document.body.append(el);
    els.push(el);
    await waitFor(() => el.status === 'synced', 'the element to join', 20_000);
    expect(made.map((o) => o.room)).to.deep.equal([el.room]);

    const second = uniqueRoom('second');
    el.room = second;
    el.maxAcceptors = 2;
    el.name = 'Ana'; // a checked setting: no new room
    await el.updateComplete;
    await waitFor(() => made.length === 2 && el.status === 'synced', 'the element to join the second room', 20_000);
    expect([made[1]!.room, made[1]!.maxAcceptors]).to.deep.equal([second, 2]);

    el.name = 'Ben';
    el.inspector = true;
    await el.updateComplete;
    expect(made.length, 'no new room for settings that are not connection settings').to.equal(2);
  });

  it('checks a changed name at once, without leaving its room', async () => {
    const el = document.createElement('paxos-video');
    el.signaling = signalingUrl();
    el.room = uniqueRoom('name');
    const made = recordRooms(el);
    document.body.append(el);
    els.push(el);
    await waitFor(() => el.status === 'synced', 'the element to join', 20_000);
    const errors: string[] = [];
    el.addEventListener('paxos-error', (e) => errors.push(e.detail.message));
    el.setAttribute('name', ' padded ');
    await el.updateComplete;
    expect(errors.length).to.equal(1);
    expect(errors[0]).to.contain('name=');
    expect(made.length).to.equal(1);
  });

  it('adopts one stylesheet, shared by every element', async () => {
    const a = document.createElement('paxos-video');
    const b = document.createElement('paxos-video');
    for (const el of [a, b]) el.setAttribute('signaling', 'not a url');
    document.body.append(a, b);
    els.push(a, b);
    await Promise.all([a.updateComplete, b.updateComplete]);
    expect(a.shadowRoot!.adoptedStyleSheets.length).to.equal(1);
    expect(a.shadowRoot!.adoptedStyleSheets[0]).to.equal(b.shadowRoot!.adoptedStyleSheets[0]);
    const bar = a.shadowRoot!.querySelector<HTMLElement>('[part="status"]')!;
    expect(getComputedStyle(bar).display).to.equal('flex');
    expect(getComputedStyle(a).display).to.equal('block');
  });
});
