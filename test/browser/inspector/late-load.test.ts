/**
 * A `<paxos-video inspector>` that rendered before `<paxos-inspector>` was loaded shows its inspector as soon
 * as the inspector's module registers the element (no page code needed).
 */
import { expect } from '@open-wc/testing';
import '../../../src/index.js';
import { waitFor } from '../net/helpers.js';

describe('<paxos-video inspector> before the inspector is loaded', () => {
  it('shows the inspector once its module registers the element', async () => {
    expect(customElements.get('paxos-inspector'), 'this file must not load the inspector up front').to.equal(undefined);
    const el = document.createElement('paxos-video');
    el.setAttribute('signaling', 'not a url'); // connects nowhere: only the rendering matters here
    el.setAttribute('inspector', '');
    document.body.append(el);
    try {
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('paxos-inspector')).to.equal(null);
      await import('../../../src/inspector/index.js');
      const inner = await waitFor(() => el.shadowRoot!.querySelector('paxos-inspector'), 'the inspector rendered');
      await waitFor(() => inner.watched === el, 'watching its element');
    } finally {
      el.remove();
    }
  });
});
