/**
 * Message types grouped by the protocol step they belong to: the inspector colors flights, the legend and
 * the counters by these groups, so one glance tells phase 1 from phase 2.
 */

/** A group of message types. */
export type MessageCategory = 'phase1' | 'phase2' | 'decide' | 'nack' | 'chatter' | 'other';

const CATEGORY: Readonly<Record<string, MessageCategory>> = {
  'pre-prepare': 'phase1',
  'pre-promise': 'phase1',
  prepare: 'phase1',
  promise: 'phase1',
  accept: 'phase2',
  accepted: 'phase2',
  decide: 'decide',
  nack: 'nack',
  heartbeat: 'chatter',
  ack: 'chatter',
};

/** The group of a message type (anything else, such as forward or catchup, is `other`). */
export function messageCategory(type: string): MessageCategory {
  return Object.hasOwn(CATEGORY, type) ? CATEGORY[type]! : 'other';
}

/** The legend: each group and the types it stands for. */
export const LEGEND: ReadonlyArray<{ readonly category: MessageCategory; readonly label: string }> = [
  { category: 'phase1', label: '(pre-)prepare / promise' },
  { category: 'phase2', label: 'accept / accepted' },
  { category: 'decide', label: 'decide' },
  { category: 'nack', label: 'nack' },
  { category: 'chatter', label: 'heartbeat / ack' },
  { category: 'other', label: 'other' },
];

/** The order counters are listed in: the protocol's own order, then the rest alphabetically. */
const ORDER = ['pre-prepare', 'pre-promise', 'prepare', 'promise', 'nack', 'accept', 'accepted', 'decide', 'heartbeat', 'ack', 'forward'];

/** Sorts message types for display. */
export function byProtocolOrder(a: string, b: string): number {
  const ia = ORDER.indexOf(a);
  const ib = ORDER.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? ORDER.length : ia) - (ib < 0 ? ORDER.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}
