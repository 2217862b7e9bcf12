/**
 * paxos-video/inspector: `<paxos-inspector>`, the live view of a `<paxos-video>` room's consensus. Importing
 * this module registers the element (once, even if loaded twice). It is a separate entry and bundle
 * (`paxos-inspector.js`) so pages that do not show it do not load it.
 *
 * @packageDocumentation
 */
import { PaxosInspector } from './paxos-inspector.js';

if (!customElements.get('paxos-inspector')) {
  customElements.define('paxos-inspector', PaxosInspector);
  // A `<paxos-video inspector>` that rendered before this module loaded shows its inspector only once it
  // renders again: ask the ones in the document to.
  if (typeof document !== 'undefined') {
    for (const el of document.querySelectorAll('paxos-video[inspector]')) (el as Partial<{ requestUpdate(): void }>).requestUpdate?.();
  }
}

export { PaxosInspector } from './paxos-inspector.js';
export { InspectorModel } from './inspector-model.js';
export type { InspectorModelOptions, InspectorView, NodeView, LogEntry, SlotEntry, QuorumEntry, QuorumView } from './inspector-model.js';
export { MessageQueue, CHATTER_TYPES } from './message-queue.js';
export type { Flight, FlightMessage, MessageQueueOptions, MessageQueueStats } from './message-queue.js';
export { parseInspectorEvent, readTarget, parsePeers, INSPECTOR_EVENT_NAMES } from './event-schemas.js';
export type { InspectorEvent, InspectorEventName, PeerSnapshot, TargetSnapshot } from './event-schemas.js';
