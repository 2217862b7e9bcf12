/**
 * How the inspector writes ids, ballots and slot values: short enough for a small panel, with the full
 * values kept for titles and data attributes.
 */
import type { BallotDetail } from '../events.js';

/** Characters of a node id shown in the panel (ids are random, so a prefix tells them apart). */
export const SHORT_ID_LENGTH = 6;

/** The first characters of a node id. */
export function shortId(id: string): string {
  return id.length <= SHORT_ID_LENGTH ? id : id.slice(0, SHORT_ID_LENGTH);
}

/** Compares two ballots lexicographically by (round, node), as the protocol does. */
export function compareBallots(a: BallotDetail, b: BallotDetail): number {
  if (a.round !== b.round) return a.round < b.round ? -1 : 1;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

/** The higher of two ballots (either may be missing). */
export function maxBallot(a: BallotDetail | null, b: BallotDetail | null | undefined): BallotDetail | null {
  if (!b) return a;
  if (!a) return b;
  return compareBallots(a, b) >= 0 ? a : b;
}

/** `round.node`, e.g. `3.k2x9qa`; an em dash when there is none. */
export function formatBallot(ballot: BallotDetail | null): string {
  return ballot ? `${ballot.round}.${shortId(ballot.node)}` : '—';
}

/** A slot number, or an em dash before any. */
export function formatSlot(slot: number | null): string {
  return slot === null || slot < 0 ? '—' : String(slot);
}

/** A duration in ms with a precision that suits its size: `0.4 ms`, `12 ms`. */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const abs = Math.abs(ms);
  return `${abs < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}
