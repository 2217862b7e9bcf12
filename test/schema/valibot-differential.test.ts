/**
 * src/schema/ against valibot, the library whose names it borrows: every factory and action the project
 * uses, built both ways from one description, run over one corpus of inputs (valid ones, wrong types,
 * edge numbers, extra and missing keys, `__proto__` keys, nesting). The two must agree on what passes and,
 * for what passes, on the output. So "valibot's names" keeps meaning valibot's behaviour.
 *
 * The differences src/schema/index.ts documents are asserted as such, below, so a change on either side
 * shows: its `object()` refuses arrays and reads own properties only (valibot takes an array with the keys,
 * and inherited keys). Messages differ by design and are not compared.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as V from 'valibot';
import * as v from '../../src/schema/index.js';

/** One schema, built in both libraries. */
interface Pair {
  readonly name: string;
  readonly ours: v.GenericSchema;
  readonly theirs: V.GenericSchema;
  /** An object schema (perhaps in a pipe): arrays are not objects to ours (see the last test). */
  readonly objectLike?: boolean;
}
/** One pipe action, built in both libraries. */
interface ActionPair {
  readonly name: string;
  readonly ours: v.Action<never>;
  readonly theirs: V.PipeAction<never, never, V.BaseIssue<unknown>>;
}

const pair = (name: string, ours: v.GenericSchema, theirs: V.GenericSchema, objectLike = false): Pair => ({ name, ours, theirs, objectLike });
const act = (name: string, ours: v.Action<never>, theirs: unknown): ActionPair => ({ name, ours, theirs: theirs as ActionPair['theirs'] });

// ---- the pieces --------------------------------------------------------------------------------------

const string = pair('string', v.string(), V.string());
const number = pair('number', v.number(), V.number());
const boolean = pair('boolean', v.boolean(), V.boolean());
const unknown = pair('unknown', v.unknown(), V.unknown());
const literal = (x: string | number | boolean) => pair(`literal(${JSON.stringify(x)})`, v.literal(x), V.literal(x));
const picklist = (xs: readonly (string | number)[]) => pair(`picklist(${xs.join('|')})`, v.picklist(xs), V.picklist(xs));
const custom = pair('custom(even)', v.custom((x) => typeof x == 'number' && x % 2 === 0), V.custom((x) => typeof x == 'number' && x % 2 === 0));
const optional = (p: Pair) => pair(`optional(${p.name})`, v.optional(p.ours), V.optional(p.theirs));
const nullable = (p: Pair) => pair(`nullable(${p.name})`, v.nullable(p.ours), V.nullable(p.theirs));
const nullish = (p: Pair) => pair(`nullish(${p.name})`, v.nullish(p.ours), V.nullish(p.theirs));
const entriesOf = (e: Record<string, Pair>, side: 'ours' | 'theirs') => Object.fromEntries(Object.entries(e).map(([k, p]) => [k, p[side]]));
const keysOf = (e: Record<string, Pair>) => Object.entries(e).map(([k, p]) => `${k}: ${p.name}`).join(', ');
const object = (e: Record<string, Pair>) => pair(`object({${keysOf(e)}})`, v.object(entriesOf(e, 'ours') as never), V.object(entriesOf(e, 'theirs') as never), true);
const strictObject = (e: Record<string, Pair>) =>
  pair(`strictObject({${keysOf(e)}})`, v.strictObject(entriesOf(e, 'ours') as never), V.strictObject(entriesOf(e, 'theirs') as never), true);
const array = (p: Pair) => pair(`array(${p.name})`, v.array(p.ours), V.array(p.theirs));
const union = (ps: Pair[]) => pair(`union(${ps.map((p) => p.name).join(', ')})`, v.union(ps.map((p) => p.ours)), V.union(ps.map((p) => p.theirs)));
const variant = (key: string, ps: Pair[]) =>
  pair(`variant(${key}, ...)`, v.variant(key, ps.map((p) => p.ours) as never), V.variant(key, ps.map((p) => p.theirs) as never), true);
const pipe = (p: Pair, ...actions: ActionPair[]) =>
  pair(
    `pipe(${p.name}, ${actions.map((a) => a.name).join(', ')})`,
    v.pipe(p.ours, ...(actions.map((a) => a.ours) as never[])),
    V.pipe(p.theirs, ...(actions.map((a) => a.theirs) as never[])),
    p.objectLike,
  );

const minLength = (n: number) => act(`minLength(${n})`, v.minLength(n) as never, V.minLength(n));
const maxLength = (n: number) => act(`maxLength(${n})`, v.maxLength(n) as never, V.maxLength(n));
const length = (n: number) => act(`length(${n})`, v.length(n) as never, V.length(n));
const minValue = (n: number) => act(`minValue(${n})`, v.minValue(n) as never, V.minValue(n));
const maxValue = (n: number) => act(`maxValue(${n})`, v.maxValue(n) as never, V.maxValue(n));
const finite = act('finite', v.finite() as never, V.finite());
const integer = act('integer', v.integer() as never, V.integer());
const safeInteger = act('safeInteger', v.safeInteger() as never, V.safeInteger());
const regex = (r: RegExp) => act(`regex(${r})`, v.regex(r) as never, V.regex(r));
const check = act('check(not "x")', v.check((x: unknown) => x !== 'x') as never, V.check((x: unknown) => x !== 'x'));
// The one API that differs: ours takes a function returning the problem (or null), valibot's adds issues.
const rawCheck = act(
  'rawCheck(no "bad" key)',
  v.rawCheck((x: Record<string, unknown>) => ('bad' in x ? 'has bad' : null)) as never,
  V.rawCheck(({ dataset, addIssue }) => {
    if (dataset.typed && 'bad' in (dataset.value as object)) addIssue({ message: 'has bad' });
  }),
);

// ---- the shapes the project builds from them (signal bodies, signaling events, messages, commands) -----

const nodeId = pipe(string, regex(/^[A-Za-z0-9_-]{8,64}$/));
const slot = pipe(number, safeInteger, minValue(0));
const position = pipe(number, finite, minValue(0), maxValue(1e6));
const SCHEMAS: Pair[] = [
  string,
  number,
  boolean,
  unknown,
  literal('desc'),
  literal(1),
  literal(true),
  picklist(['offer', 'answer']),
  picklist([1, 2]),
  custom,
  optional(string),
  nullable(number),
  nullish(pipe(number, integer, minValue(0), maxValue(64))),
  pipe(string, minLength(1), maxLength(8)),
  pipe(string, length(3)),
  pipe(array(number), minLength(1), maxLength(3)),
  pipe(number, integer),
  position,
  slot,
  pipe(string, check),
  nodeId,
  array(nodeId),
  union([literal(''), pipe(string, regex(/^https?:/))]),
  union([string, number]),
  object({ room: nodeId, nodeId, token: optional(pipe(string, maxLength(256))) }),
  strictObject({ v: literal(1), p: unknown }),
  strictObject({ s: nodeId, r: optional(nodeId), k: literal('relay'), m: pipe(string, maxLength(64)) }),
  object({ round: pipe(number, integer, minValue(1)), node: nodeId }),
  pipe(object({ a: optional(number) }), rawCheck),
  variant('type', [
    object({ type: literal('play'), position, anchor: number }),
    object({ type: literal('pause'), position }),
    strictObject({ type: literal('seek'), position, anchor: nullish(number) }),
  ]),
  object({ peers: array(object({ id: nodeId, connected: boolean, rtt: nullable(number) })) }),
];

// ---- the corpus ------------------------------------------------------------------------------------------

const ID = 'node-abc-123';
const PRIMITIVES: unknown[] = [
  '', 'x', 'abc', 'desc', 'relay', 'offer', 'answer', 'play', 'http://a', 'javascript:x', 'y'.repeat(9), ID, 'bad id!',
  0, -0, 1, 2, 3, 7, 64, 65, 1.5, -1, 1e6, 1e6 + 1, 2 ** 53, -(2 ** 53), Number.NaN, Infinity, -Infinity,
  true, false, null, undefined,
];
const OBJECTS: unknown[] = [
  {}, [], [1, 2], [1, 2, 3, 4], [ID], [ID, 'no'], [], {}, { a: 1 }, { a: 'x' }, { a: 1, bad: 1 }, { bad: undefined },
  { room: ID, nodeId: ID }, { room: ID, nodeId: ID, token: 't' }, { room: ID, nodeId: ID, token: 't'.repeat(300) }, { room: ID },
  { room: ID, nodeId: ID, extra: true }, { v: 1, p: { any: 'thing' } }, { v: 1, p: null, extra: 1 }, { v: 2, p: 1 }, { v: 1 },
  { s: ID, k: 'relay', m: 'hi' }, { s: ID, r: ID, k: 'relay', m: 'hi' }, { s: ID, k: 'relay', m: 'x'.repeat(65) }, { s: 'no', k: 'relay', m: '' },
  { s: ID, k: 'relay', m: 'hi', r: undefined }, { round: 1, node: ID }, { round: 0, node: ID }, { round: 1.5, node: ID },
  { type: 'play', position: 3, anchor: 5 }, { type: 'play', position: -3, anchor: 5 }, { type: 'pause', position: 2 }, { type: 'pause' },
  { type: 'seek', position: 1 }, { type: 'seek', position: 1, anchor: null }, { type: 'seek', position: 1, extra: 1 }, { type: 'stop' }, { position: 1 },
  { peers: [] }, { peers: [{ id: ID, connected: true, rtt: null }] }, { peers: [{ id: ID, connected: 'yes', rtt: 2 }] }, { peers: {} },
  JSON.parse(`{"room": "${ID}", "nodeId": "${ID}", "__proto__": {"polluted": true}}`),
  JSON.parse(`{"v": 1, "p": 1, "__proto__": 1}`),
  JSON.parse(`{"type": "pause", "position": 1, "__proto__": {"type": "play"}}`),
];
const INPUTS = [...PRIMITIVES, ...OBJECTS];

/** What a run gives: whether it passed, and the output when it did. */
const run = (schema: unknown, input: unknown, ours: boolean): { success: boolean; output?: unknown } => {
  const r = ours ? v.safeParse(schema as v.GenericSchema, input) : V.safeParse(schema as V.GenericSchema, input);
  return r.success ? { success: true, output: r.output } : { success: false };
};

describe('src/schema against valibot', () => {
  for (const schema of SCHEMAS) {
    test(schema.name, () => {
      let passed = 0;
      for (const input of INPUTS) {
        const ours = run(schema.ours, input, true);
        const theirs = run(schema.theirs, input, false);
        const label = `${schema.name} on ${JSON.stringify(input) ?? String(input)}`;
        if (schema.objectLike && Array.isArray(input)) {
          assert.equal(ours.success, false, `${label}: an array is not an object to ours`);
          continue;
        }
        assert.equal(ours.success, theirs.success, `${label}: ours ${ours.success ? 'passes' : 'fails'}, valibot's ${theirs.success ? 'passes' : 'fails'}`);
        if (ours.success) {
          passed += 1;
          assert.deepStrictEqual(ours.output, theirs.output, `${label}: outputs differ`);
        }
      }
      // Each schema meets inputs it takes and (but `unknown`) inputs it refuses: the comparison is not one-sided.
      assert.ok(passed > 0 && (passed < INPUTS.length || schema === unknown), `${schema.name}: ${passed} of ${INPUTS.length} inputs passed`);
    });
  }

  test('the documented differences: arrays and inherited keys are not objects to ours', () => {
    const shape = object({ a: string });
    const arrayWithKey = Object.assign(['x'], { a: 'x' });
    const inherited = Object.create({ a: 'x' }) as object;
    for (const input of [arrayWithKey, inherited]) {
      assert.equal(run(shape.ours, input, true).success, false);
      assert.equal(run(shape.theirs, input, false).success, true);
    }
  });
});
