/**
 * Checks for plain JSON from an untrusted side: one iterative walk shared by the signaling protocol
 * (`signal.data`, checked by the server and the browser) and the mesh codec (every peer message), and one
 * UTF-8 length that needs no encoder.
 */

/** What makes a value unacceptable as JSON here. */
export type JsonProblemKind = 'binary' | 'forbidden-key' | 'too-deep' | 'not-json';

/** A reason a value is not plain JSON, see {@link inspectJson}. */
export interface JsonProblem {
  kind: JsonProblemKind;
  message: string;
}

/**
 * Checks that `value` is plain JSON: no binary (Buffer, ArrayBuffer, typed arrays), no class instances, no
 * `__proto__`/`constructor`/`prototype` keys (a later `Object.assign` or spread of such an object could
 * pollute prototypes), finite numbers, at most `maxDepth` levels of objects/arrays. Returns the first
 * problem, or `null`.
 */
export function inspectJson(value: unknown, maxDepth: number): JsonProblem | null {
  // Iterative walk so hostile nesting cannot overflow the stack.
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item === 'string' || typeof item === 'boolean') continue;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) return { kind: 'not-json', message: 'numbers must be finite' };
      continue;
    }
    if (typeof item !== 'object') return { kind: 'not-json', message: `${typeof item} is not JSON` };
    if (item instanceof ArrayBuffer || ArrayBuffer.isView(item) || item instanceof Blob) {
      return { kind: 'binary', message: 'binary data is not accepted' };
    }
    if (depth >= maxDepth) return { kind: 'too-deep', message: `nested deeper than ${maxDepth}` };
    if (Array.isArray(item)) {
      for (const x of item) stack.push([x, depth + 1]);
      continue;
    }
    const proto = Object.getPrototypeOf(item);
    if (proto !== Object.prototype && proto !== null) return { kind: 'not-json', message: 'not a plain object' };
    for (const key of Object.keys(item)) {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
        return { kind: 'forbidden-key', message: `forbidden key "${key}"` };
      }
      stack.push([(item as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return null;
}

/** UTF-8 length of a string, counted without encoding it. Never less than `s.length`. */
export function utf8Length(s: string): number {
  // A byte per UTF-16 unit, and per code point (the string iterator yields a surrogate pair as one string, a
  // lone surrogate alone; a string compares by its first unit) one more above U+007F, two above U+07FF: 1 to
  // 3 bytes in the BMP, 3 for a lone surrogate (encoded as U+FFFD), 4 for a pair (two units, the first above
  // U+07FF). Shorter in the widget than a loop over char codes with the surrogate ranges spelled out.
  let n = s.length;
  for (const c of s) if (c > '\x7f') n += c > '\u07ff' ? 2 : 1;
  return n;
}
