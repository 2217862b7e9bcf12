/**
 * Bad or late input: `for` naming a missing element (the inspector waits for it), an element that is not a
 * `<paxos-video>` (a clear message, nothing attached), and nothing to watch at all.
 */
import { expect } from '@open-wc/testing';
import '../../../src/index.js';
import type { PaxosInspector } from '../../../src/inspector/paxos-inspector.js';
import { removeInspectors, textOf, track, waitFor } from './helpers.js';

function inspectorFor(id: string | null): PaxosInspector {
  const inspector = track(document.createElement('paxos-inspector'));
  if (id !== null) inspector.setAttribute('for', id);
  document.body.append(inspector);
  return inspector;
}

describe('<paxos-inspector> input', () => {
  afterEach(removeInspectors);

  it('says what is missing when nothing is set', async () => {
    const inspector = inspectorFor(null);
    await inspector.updateComplete;
    expect(textOf(inspector, 'problem')).to.match(/^Nothing to inspect/);
    expect(inspector.watched).to.equal(null);
  });

  it('refuses an element that is not a <paxos-video>, with a clear message', async () => {
    const div = track(document.createElement('div'));
    div.id = 'not-a-video';
    document.body.append(div);
    const inspector = inspectorFor('not-a-video');
    await inspector.updateComplete;
    expect(textOf(inspector, 'problem')).to.equal('<div id="not-a-video"> is not a <paxos-video>: nothing to inspect.');
    expect(inspector.watched).to.equal(null);
  });

  it('waits for an element added after it, then attaches', async () => {
    const inspector = inspectorFor('late-video');
    await inspector.updateComplete;
    expect(textOf(inspector, 'problem')).to.equal('Waiting for an element with id "late-video".');
    // A <paxos-video> with a bad signaling URL fails its own checks (and connects nowhere), but it is a
    // valid thing to watch.
    const video = track(document.createElement('paxos-video'));
    video.id = 'late-video';
    video.setAttribute('signaling', 'not a url');
    document.body.append(video);
    await waitFor(() => inspector.watched === video, 'attached to the late element');
    // A new bad value makes the element check again, and report it: the inspector shows that.
    video.setAttribute('signaling', 'still not a url');
    await waitFor(() => textOf(inspector, 'problem').includes('Error bad-attribute: signaling="still not a url"'), 'the element’s error shown');
  });

  it('names a bad flight-ms or log-size and uses the default', async () => {
    const inspector = inspectorFor(null);
    inspector.setAttribute('flight-ms', 'slow');
    inspector.setAttribute('log-size', '0');
    await waitFor(() => textOf(inspector, 'problem').includes('flight-ms'), 'the problem shown');
    expect(textOf(inspector, 'problem')).to.include('flight-ms="slow" must be a number from 100 to 10000: using 700.');
    expect(textOf(inspector, 'problem')).to.include('log-size="0" must be an integer from 1 to 1000: using 50.');
    inspector.setAttribute('flight-ms', '900');
    inspector.setAttribute('log-size', '20');
    await waitFor(() => !textOf(inspector, 'problem').includes('must be'), 'the problem gone once the values are good');
  });

  it('switches to a new target when `target` is set', async () => {
    const a = track(document.createElement('paxos-video'));
    const b = track(document.createElement('paxos-video'));
    for (const el of [a, b]) el.setAttribute('signaling', 'not a url'); // connects nowhere
    a.id = 'switch-a';
    document.body.append(a, b);
    const inspector = inspectorFor('switch-a');
    await waitFor(() => inspector.watched === a, 'watching a');
    inspector.target = b;
    await waitFor(() => inspector.watched === b, 'watching b');
    a.dispatchEvent(new CustomEvent('paxos-error', { detail: { code: 'protocol', message: 'from a' } }));
    b.dispatchEvent(new CustomEvent('paxos-error', { detail: { code: 'protocol', message: 'from b' } }));
    await waitFor(() => textOf(inspector, 'problem').includes('from b'), 'b’s event shown');
    expect(textOf(inspector, 'problem')).to.not.include('from a');
  });
});
