/**
 * The single-file bundles' source maps still point into the sources after the build's last step
 * (rollup.config.mjs `aliasUndefined`: every `void 0` becomes a two-letter alias, shifting what follows it on
 * its line). Every string literal of the widget survives minification as written: each must map to a source
 * line that holds it. A map left unshifted points most of them at a neighbouring token instead.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

interface SourceMap {
  sources: string[];
  mappings: string;
}

/** The decoded segments of each generated line: [column, source, line, column]. */
function decode(mappings: string): number[][][] {
  const state = [0, 0, 0];
  return mappings.split(';').map((line) => {
    let column = 0;
    return line
      .split(',')
      .filter(Boolean)
      .map((segment) => {
        const values: number[] = [];
        let value = 0;
        let shift = 0;
        for (const char of segment) {
          const digit = B64.indexOf(char);
          value += (digit & 31) << shift;
          if (digit & 32) shift += 5;
          else {
            values.push(value & 1 ? -(value >>> 1) : value >>> 1);
            value = 0;
            shift = 0;
          }
        }
        column += values[0]!;
        if (values.length < 4) return [column];
        for (let i = 0; i < 3; i++) state[i]! += values[i + 1]!;
        return [column, ...state];
      });
  });
}

const cache = new Map<string, string[]>();
/** The lines of a map's `source` (relative to the bundle's folder). */
function sourceLines(bundle: string, source: string): string[] {
  const path = join(root, bundle, '..', source);
  if (!cache.has(path)) cache.set(path, readFileSync(path, 'utf8').split('\n'));
  return cache.get(path)!;
}

for (const bundle of ['dist/paxos-video.js', 'dist/paxos-inspector.js']) {
  it(`${bundle}: every long string literal maps to a source line that holds it`, () => {
    const code = readFileSync(join(root, bundle), 'utf8');
    const map = JSON.parse(readFileSync(join(root, `${bundle}.map`), 'utf8')) as SourceMap;
    assert.ok(!/\bvoid 0\b/.test(code), 'the build aliased every `void 0`');
    const lines = decode(map.mappings);
    const codeLines = code.split('\n');
    let checked = 0;
    const wrong: string[] = [];
    codeLines.forEach((text, lineIndex) => {
      for (const m of text.matchAll(/"([a-z][a-z -]{14,})"/g)) {
        const column = m.index!;
        const segment = lines[lineIndex]?.find((s) => s[0] === column);
        const source = segment && segment.length === 4 ? sourceLines(bundle, map.sources[segment[1]!]!)[segment[2]!] : undefined;
        checked++;
        if (!source?.includes(m[1]!.slice(0, 14))) wrong.push(`${m[0]} -> ${segment ? `${map.sources[segment[1]!]}:${segment[2]! + 1}: ${source?.trim().slice(0, 80)}` : 'no mapping'}`);
      }
    });
    assert.ok(checked >= 10, `only ${checked} string literals to check`);
    assert.deepEqual(wrong, [], `${wrong.length} of ${checked} strings map elsewhere`);
  });
}
