/**
 * The demo's video (also the benchmarks' and many browser tests') keeps its index at the front: a tab that
 * joins a playing room seeks while the file still downloads, and Cues at the end would make that seek wait
 * for a second request to the end of the file (README, "A single file: put its index first").
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

/** An EBML variable-length integer at `at`: its value (the length marker removed unless `raw`) and its size. */
function vint(data: Buffer, at: number, raw = false): { value: number; size: number } {
  const first = data[at]!;
  let size = 1;
  while (size <= 8 && !(first & (0x100 >> size))) size++;
  let value = raw ? first : first & (0xff >> size);
  for (let k = 1; k < size; k++) value = value * 256 + data[at + k]!;
  return { value, size };
}

/** The IDs of a WebM file's Segment children, in file order. */
function segmentChildren(data: Buffer): number[] {
  const header = vint(data, 0, true);
  const headerSize = vint(data, header.size);
  let at = header.size + headerSize.size + headerSize.value; // past the EBML header
  const segment = vint(data, at, true);
  assert.equal(segment.value, 0x18538067, 'a Segment follows the EBML header');
  at += segment.size + vint(data, at + segment.size).size;
  const ids: number[] = [];
  while (at < data.length) {
    const id = vint(data, at, true);
    const size = vint(data, at + id.size);
    ids.push(id.value);
    at += id.size + size.size + size.value;
  }
  return ids;
}

const CUES = 0x1c53bb6b;
const CLUSTER = 0x1f43b675;

describe('demo video', () => {
  it('has its Cues before its first Cluster', () => {
    const ids = segmentChildren(readFileSync(new URL('../../demo/test-pattern.webm', import.meta.url)));
    assert.ok(ids.includes(CUES), 'it has Cues');
    assert.ok(ids.indexOf(CUES) < ids.indexOf(CLUSTER), 'Cues come before the first Cluster');
  });
});
