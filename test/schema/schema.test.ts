/**
 * The schema validator (src/schema/): types, strip and strict objects, hostile input, paths, every action's
 * boundary, variant and union, optional/nullable/nullish, custom messages. The inferred types are checked
 * at the bottom by the type checker (`npm run typecheck`).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from '../../src/schema/index.js';

/** The issues of a failing parse (fails the test when it succeeds). */
function issuesOf(schema: v.GenericSchema, input: unknown): v.BaseIssue[] {
  const result = v.safeParse(schema, input);
  // The input is not printed: some inputs here throw when read.
  assert.equal(result.success, false, 'expected the input to fail');
  return result.success ? [] : result.issues;
}

/** `path: message` of every issue, as the callers print them. */
function problems(schema: v.GenericSchema, input: unknown): string[] {
  return issuesOf(schema, input).map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`);
}

/** The output of a passing parse (fails the test when it fails). */
function outputOf<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (!result.success) assert.fail(`expected the input to pass: ${result.issues[0].message}`);
  return result.output;
}

const ok = (schema: v.GenericSchema, input: unknown) => v.safeParse(schema, input).success;

describe('type schemas', () => {
  test('string, number, boolean: the type and nothing else', () => {
    assert.ok(ok(v.string(), ''));
    assert.ok(!ok(v.string(), 1));
    assert.ok(!ok(v.string(), new String('boxed')));
    assert.ok(ok(v.number(), 0));
    assert.ok(ok(v.number(), -1.5));
    assert.ok(ok(v.number(), Number.POSITIVE_INFINITY), 'Infinity is a number (finite() refuses it)');
    assert.ok(!ok(v.number(), Number.NaN), 'NaN is refused');
    assert.ok(!ok(v.number(), '1'));
    assert.ok(!ok(v.number(), 1n));
    assert.ok(ok(v.boolean(), false));
    assert.ok(!ok(v.boolean(), 0));
  });

  test('default messages name what was expected and what was received', () => {
    assert.deepEqual(problems(v.string(), 42), ['(root): expected string, got number']);
    assert.deepEqual(problems(v.number(), Number.NaN), ['(root): expected number, got NaN']);
    assert.deepEqual(problems(v.number(), null), ['(root): expected number, got null']);
    assert.deepEqual(problems(v.boolean(), []), ['(root): expected boolean, got array']);
    assert.deepEqual(problems(v.object({}), undefined), ['(root): expected object, got undefined']);
    assert.deepEqual(problems(v.array(v.string()), {}), ['(root): expected array, got object']);
  });

  test('a type mismatch names only the type, not the value', () => {
    assert.deepEqual(problems(v.number(), 'secret-token'), ['(root): expected number, got string']);
  });

  test('custom messages replace the default ones', () => {
    assert.deepEqual(problems(v.string('must be text'), 1), ['(root): must be text']);
    assert.deepEqual(problems(v.number('must be a number'), Number.NaN), ['(root): must be a number']);
    assert.deepEqual(problems(v.boolean('yes or no'), 'yes'), ['(root): yes or no']);
    assert.deepEqual(problems(v.object({}, 'an options object'), 3), ['(root): an options object']);
    assert.deepEqual(problems(v.array(v.string(), 'a list'), 'x'), ['(root): a list']);
    assert.deepEqual(problems(v.literal(1, 'only one'), 2), ['(root): only one']);
    assert.deepEqual(problems(v.picklist(['a'], 'only a'), 'b'), ['(root): only a']);
  });

  test('unknown passes anything through, by reference', () => {
    const value = { any: ['thing'] };
    assert.equal(outputOf(v.unknown(), value), value);
    assert.equal(outputOf(v.unknown(), undefined), undefined);
  });

  test('literal: exactly the value', () => {
    assert.ok(ok(v.literal('desc'), 'desc'));
    assert.ok(!ok(v.literal('desc'), 'DESC'));
    assert.ok(ok(v.literal(0), 0));
    assert.ok(!ok(v.literal(0), '0'));
    assert.ok(ok(v.literal(true), true));
    assert.ok(!ok(v.literal(true), 1));
    assert.deepEqual(problems(v.literal('desc'), 'ice'), ['(root): expected "desc", got "ice"']);
    assert.deepEqual(problems(v.literal(1), 2), ['(root): expected 1, got 2']);
  });

  test('picklist: one of the options', () => {
    const schema = v.picklist(['offer', 'answer']);
    assert.equal(outputOf(schema, 'answer'), 'answer');
    assert.ok(!ok(schema, 'pranswer'));
    assert.ok(!ok(schema, ['offer']));
    assert.deepEqual(problems(schema, 'x'), ['(root): expected "offer" | "answer", got "x"']);
  });

  test('custom: whatever the predicate accepts, with its message', () => {
    const even = v.custom<number>((x) => typeof x === 'number' && x % 2 === 0, 'an even number');
    assert.equal(outputOf(even, 4), 4);
    assert.deepEqual(problems(even, 3), ['(root): an even number']);
    assert.deepEqual(problems(v.custom<number>(() => false), 3), ['(root): expected a valid value, got number']);
  });

  test('received strings are clipped in messages', () => {
    const [issue] = issuesOf(v.literal('a'), 'x'.repeat(10_000));
    assert.ok(issue!.message.length < 80, issue!.message);
    assert.match(issue!.message, /got "x{40}…"$/);
  });
});

describe('object and strictObject', () => {
  const Point = v.object({ x: v.number(), y: v.number() });

  test('outputs a fresh object of the known keys only', () => {
    const input = { x: 1, y: 2, z: 3 };
    const output = outputOf(Point, input);
    assert.deepEqual(output, { x: 1, y: 2 });
    assert.notEqual(output, input);
    assert.equal(Object.getPrototypeOf(output), Object.prototype);
  });

  test('a __proto__ key in the input never reaches the output', () => {
    const input = JSON.parse('{"x": 1, "y": 2, "__proto__": {"polluted": true}}') as unknown;
    const output = outputOf(Point, input) as Record<string, unknown>;
    assert.deepEqual(Object.keys(output), ['x', 'y']);
    assert.equal(Object.getPrototypeOf(output), Object.prototype);
    assert.equal(output['polluted'], undefined);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('strictObject refuses unknown keys, __proto__ included, naming each', () => {
    const Strict = v.strictObject({ x: v.number() });
    assert.deepEqual(outputOf(Strict, { x: 1 }), { x: 1 });
    assert.deepEqual(problems(Strict, { x: 1, from: 'spoofed' }), ['from: unknown key']);
    assert.deepEqual(problems(Strict, JSON.parse('{"x": 1, "__proto__": {}}')), ['__proto__: unknown key']);
    assert.deepEqual(problems(Strict, { x: 1, constructor: 1, toString: 1 }), ['constructor: unknown key', 'toString: unknown key']);
  });

  test('only own properties count: inherited ones are missing', () => {
    assert.deepEqual(problems(Point, Object.create({ x: 1, y: 2 })), ['x: is missing', 'y: is missing']);
    const bare = Object.assign(Object.create(null), { x: 1, y: 2 }) as unknown;
    assert.deepEqual(outputOf(Point, bare), { x: 1, y: 2 });
  });

  test('refuses arrays, null and primitives', () => {
    assert.deepEqual(problems(v.object({ length: v.number() }), [1]), ['(root): expected object, got array']);
    assert.deepEqual(problems(Point, null), ['(root): expected object, got null']);
    assert.deepEqual(problems(Point, 'x'), ['(root): expected object, got string']);
  });

  test('reports every field, a missing key as missing and an undefined value by its type', () => {
    assert.deepEqual(problems(Point, { x: 'a' }), ['x: expected number, got string', 'y: is missing']);
    assert.deepEqual(problems(Point, { x: 1, y: undefined }), ['y: expected number, got undefined']);
  });

  test('nested paths', () => {
    const Doc = v.object({ items: v.array(v.object({ tags: v.array(v.string()) })) });
    const issues = issuesOf(Doc, { items: [{ tags: ['a'] }, { tags: ['b', 7] }] });
    assert.deepEqual(issues.map((i) => i.path), [['items', 1, 'tags', 1]]);
    assert.equal(v.getDotPath(issues[0]!), 'items.1.tags.1');
    assert.equal(issues[0]!.kind, 'schema');
    assert.equal(v.getDotPath(issuesOf(v.string(), 1)[0]!), null, 'null at the root');
  });

  test('the same schema object can be reused across parses and places', () => {
    const Pair = v.object({ a: Point, b: Point });
    assert.deepEqual(problems(Pair, { a: { x: 1, y: 'no' }, b: { x: 'no', y: 1 } }), ['a.y: expected number, got string', 'b.x: expected number, got string']);
    assert.deepEqual(outputOf(Pair, { a: { x: 1, y: 2 }, b: { x: 3, y: 4 } }), { a: { x: 1, y: 2 }, b: { x: 3, y: 4 } });
  });
});

describe('optional, nullable, nullish', () => {
  const Schema = v.object({ a: v.optional(v.string()), b: v.nullable(v.string()), c: v.nullish(v.string()) });

  test('optional: the key may be absent or undefined, not null', () => {
    const output = outputOf(Schema, { b: null });
    assert.deepEqual(output, { b: null });
    assert.ok(!('a' in output), 'an absent key stays absent');
    assert.ok(!('c' in output));
    assert.ok(ok(Schema, { a: undefined, b: null }));
    assert.deepEqual(problems(Schema, { a: null, b: null }), ['a: expected string, got null']);
    assert.equal(outputOf(Schema, { a: 'x', b: null }).a, 'x');
  });

  test('nullable: null passes, the key must be there and undefined fails', () => {
    assert.deepEqual(problems(Schema, {}), ['b: is missing']);
    assert.deepEqual(problems(Schema, { b: undefined }), ['b: expected string, got undefined']);
    assert.equal(outputOf(v.nullable(v.number()), null), null);
  });

  test('nullish: absent, undefined and null all pass, as they are', () => {
    assert.equal(outputOf(Schema, { b: null, c: null }).c, null);
    assert.ok(ok(Schema, { b: null, c: undefined }));
    assert.deepEqual(problems(Schema, { b: null, c: 1 }), ['c: expected string, got number']);
  });

  test('the inner schema still runs on a present value', () => {
    assert.deepEqual(problems(v.optional(v.pipe(v.string(), v.maxLength(2))), 'abc'), ['(root): must be at most 2 characters, got 3']);
  });
});

describe('array', () => {
  test('only real arrays; the output is a fresh array', () => {
    const schema = v.array(v.number());
    const input = [1, 2];
    const output = outputOf(schema, input);
    assert.deepEqual(output, [1, 2]);
    assert.notEqual(output, input);
    assert.deepEqual(problems(schema, { length: 1, 0: 1 }), ['(root): expected array, got object']);
    assert.deepEqual(problems(schema, new Uint8Array(2)), ['(root): expected array, got object']);
    assert.deepEqual(problems(schema, 'ab'), ['(root): expected array, got string']);
  });

  test('items are validated and stripped like any value', () => {
    const output = outputOf(v.array(v.object({ id: v.string() })), [{ id: 'a', extra: 1 }]);
    assert.deepEqual(output, [{ id: 'a' }]);
  });

  test('every bad item is reported, by index', () => {
    assert.deepEqual(problems(v.array(v.number()), [1, 'x', 3, null]), ['1: expected number, got string', '3: expected number, got null']);
    assert.deepEqual(problems(v.array(v.number()), [1, , 3]), ['1: expected number, got undefined'], 'holes are undefined items');
  });
});

describe('pipe and actions', () => {
  test('actions run in order and stop at the first that fails', () => {
    const calls: string[] = [];
    const spy = (name: string, pass: boolean) =>
      v.check((_: string) => {
        calls.push(name);
        return pass;
      }, `${name} failed`);
    const schema = v.pipe(v.string(), spy('first', true), spy('second', false), spy('third', false));
    assert.deepEqual(problems(schema, 'x'), ['(root): second failed']);
    assert.deepEqual(calls, ['first', 'second']);
  });

  test('actions do not run when the schema refused the value', () => {
    let called = false;
    const schema = v.pipe(
      v.number(),
      v.check(() => (called = true)),
    );
    assert.deepEqual(problems(schema, 'x'), ['(root): expected number, got string']);
    assert.equal(called, false);
  });

  test('actions see the schema output (stripped), and the output is returned', () => {
    let seen: unknown;
    const schema = v.pipe(
      v.object({ a: v.number() }),
      v.check((o) => {
        seen = o;
        return true;
      }),
    );
    assert.deepEqual(outputOf(schema, { a: 1, b: 2 }), { a: 1 });
    assert.deepEqual(seen, { a: 1 });
  });

  test('action issues are validation issues at the value', () => {
    const [issue] = issuesOf(v.object({ n: v.pipe(v.number(), v.minValue(3)) }), { n: 2 });
    assert.equal(issue!.kind, 'validation');
    assert.deepEqual(issue!.path, ['n']);
  });

  test('a pipe keeps the schema optional, and keeps an object usable in a variant', () => {
    const schema = v.object({ a: v.pipe(v.optional(v.string()), v.check(() => true)) });
    assert.deepEqual(outputOf(schema, {}), {});
  });

  test('minLength, maxLength, length on strings: boundaries and messages', () => {
    const min = v.pipe(v.string(), v.minLength(2));
    assert.ok(!ok(min, 'a'));
    assert.ok(ok(min, 'ab'));
    assert.deepEqual(problems(min, 'a'), ['(root): must be at least 2 characters, got 1']);
    const max = v.pipe(v.string(), v.maxLength(64));
    assert.ok(ok(max, 'x'.repeat(64)));
    assert.deepEqual(problems(max, 'x'.repeat(65)), ['(root): must be at most 64 characters, got 65']);
    const exact = v.pipe(v.string(), v.length(16));
    assert.ok(ok(exact, 'x'.repeat(16)));
    assert.ok(!ok(exact, 'x'.repeat(15)));
    assert.deepEqual(problems(exact, 'x'.repeat(17)), ['(root): must be exactly 16 characters, got 17']);
    assert.deepEqual(problems(v.pipe(v.string(), v.minLength(1)), ''), ['(root): must be at least 1 character, got 0']);
  });

  test('minLength, maxLength, length on arrays: boundaries and messages', () => {
    const list = v.pipe(v.array(v.number()), v.minLength(1), v.maxLength(2));
    assert.deepEqual(problems(list, []), ['(root): must have at least 1 item, got 0']);
    assert.ok(ok(list, [1]));
    assert.ok(ok(list, [1, 2]));
    assert.deepEqual(problems(list, [1, 2, 3]), ['(root): must have at most 2 items, got 3']);
    assert.deepEqual(problems(v.pipe(v.array(v.number()), v.length(2)), [1]), ['(root): must have exactly 2 items, got 1']);
  });

  test('minValue and maxValue: inclusive bounds', () => {
    const schema = v.pipe(v.number(), v.minValue(-1), v.maxValue(4));
    assert.ok(ok(schema, -1));
    assert.ok(ok(schema, 4));
    assert.deepEqual(problems(schema, -1.5), ['(root): must be at least -1, got -1.5']);
    assert.deepEqual(problems(schema, 4.01), ['(root): must be at most 4, got 4.01']);
  });

  test('finite, integer, safeInteger', () => {
    const fin = v.pipe(v.number(), v.finite());
    assert.ok(ok(fin, Number.MAX_VALUE));
    assert.deepEqual(problems(fin, Number.NEGATIVE_INFINITY), ['(root): must be finite, got -Infinity']);
    const int = v.pipe(v.number(), v.integer());
    assert.ok(ok(int, -3));
    assert.ok(ok(int, 2 ** 60), 'integer allows unsafe integers');
    assert.deepEqual(problems(int, 1.5), ['(root): must be an integer, got 1.5']);
    assert.ok(!ok(int, Number.POSITIVE_INFINITY));
    const safe = v.pipe(v.number(), v.safeInteger());
    assert.ok(ok(safe, Number.MAX_SAFE_INTEGER));
    assert.ok(ok(safe, Number.MIN_SAFE_INTEGER));
    assert.deepEqual(problems(safe, 2 ** 53), ['(root): must be a safe integer, got 9007199254740992']);
    assert.ok(!ok(safe, 0.5));
  });

  test('regex', () => {
    const schema = v.pipe(v.string(), v.regex(/^[a-z]{2,3}$/));
    assert.ok(ok(schema, 'ab'));
    assert.ok(ok(schema, 'abc'));
    assert.ok(!ok(schema, 'a'));
    assert.ok(!ok(schema, 'abcd'));
    assert.deepEqual(problems(schema, 'A'), ['(root): must match /^[a-z]{2,3}$/, got "A"']);
    assert.deepEqual(problems(v.pipe(v.string(), v.regex(/^x$/, 'room: 1–64 of [A-Za-z0-9_.-]')), 'y'), ['(root): room: 1–64 of [A-Za-z0-9_.-]']);
  });

  test('check and rawCheck', () => {
    const distinct = v.pipe(
      v.array(v.string()),
      v.check((ids) => new Set(ids).size === ids.length, 'must be distinct'),
    );
    assert.ok(ok(distinct, ['a', 'b']));
    assert.deepEqual(problems(distinct, ['a', 'a']), ['(root): must be distinct']);
    assert.deepEqual(problems(v.pipe(v.number(), v.check((n) => n > 0)), 0), ['(root): is invalid']);
    const raw = v.pipe(
      v.string(),
      v.rawCheck((s) => (s.startsWith('javascript:') ? 'has the scheme "javascript:"' : null)),
    );
    assert.ok(ok(raw, 'https://a.example/'));
    assert.deepEqual(problems(raw, 'javascript:alert(1)'), ['(root): has the scheme "javascript:"']);
  });

  test('custom messages on every action', () => {
    const schema = (action: v.Action<number>) => v.pipe(v.number(), action);
    assert.deepEqual(problems(schema(v.minValue(0, 'must be >= 0')), -1), ['(root): must be >= 0']);
    assert.deepEqual(problems(schema(v.maxValue(0, 'must be <= 0')), 1), ['(root): must be <= 0']);
    assert.deepEqual(problems(schema(v.finite('must be finite')), Number.POSITIVE_INFINITY), ['(root): must be finite']);
    assert.deepEqual(problems(schema(v.integer('whole')), 0.5), ['(root): whole']);
    assert.deepEqual(problems(schema(v.safeInteger('safe')), 0.5), ['(root): safe']);
    assert.deepEqual(problems(v.pipe(v.string(), v.minLength(1, 'token: empty')), ''), ['(root): token: empty']);
    assert.deepEqual(problems(v.pipe(v.string(), v.maxLength(1, 'too long')), 'ab'), ['(root): too long']);
    assert.deepEqual(problems(v.pipe(v.string(), v.length(1, 'one')), 'ab'), ['(root): one']);
  });
});

describe('variant', () => {
  const Body = v.variant('k', [
    v.object({ k: v.literal('desc'), sdp: v.string() }),
    v.object({ k: v.literal('ice'), candidate: v.string() }),
  ]);

  test('dispatches on the discriminator and reports the chosen option’s issues', () => {
    assert.deepEqual(outputOf(Body, { k: 'ice', candidate: 'c', sdp: 'dropped' }), { k: 'ice', candidate: 'c' });
    assert.deepEqual(problems(Body, { k: 'ice', sdp: 's' }), ['candidate: is missing']);
    assert.deepEqual(problems(Body, { k: 'desc', sdp: 1 }), ['sdp: expected string, got number']);
  });

  test('an unknown or absent discriminator is one issue at its key', () => {
    assert.deepEqual(problems(Body, { k: 'relay' }), ['k: expected "desc" | "ice", got "relay"']);
    assert.deepEqual(problems(Body, {}), ['k: expected "desc" | "ice", got undefined']);
    assert.deepEqual(problems(Body, Object.create({ k: 'ice' })), ['k: expected "desc" | "ice", got undefined'], 'an inherited discriminator does not count');
  });

  test('refuses non-objects', () => {
    assert.deepEqual(problems(Body, null), ['(root): expected object, got null']);
    assert.deepEqual(problems(Body, [{ k: 'ice', candidate: 'c' }]), ['(root): expected object, got array']);
  });

  test('a custom message covers both a non-object and an unknown discriminator', () => {
    const schema = v.variant('type', [v.object({ type: v.literal('play') })], 'must be a command');
    assert.deepEqual(problems(schema, 'play'), ['(root): must be a command']);
    assert.deepEqual(problems(schema, { type: 'stop' }), ['type: must be a command']);
  });

  test('runs only the matching option', () => {
    let ran = 0;
    const counted = v.custom<string>(() => {
      ran += 1;
      return true;
    });
    const schema = v.variant('kind', [v.object({ kind: v.literal('a'), x: counted }), v.object({ kind: v.literal('b'), x: counted })]);
    outputOf(schema, { kind: 'b', x: 1 });
    assert.equal(ran, 1);
  });

  test('nested in an object, the path goes through', () => {
    const schema = v.object({ value: Body });
    assert.deepEqual(problems(schema, { value: { k: 'x' } }), ['value.k: expected "desc" | "ice", got "x"']);
  });
});

describe('union', () => {
  test('the first option that matches wins', () => {
    const schema = v.union([v.literal('*'), v.array(v.string())]);
    assert.equal(outputOf(schema, '*'), '*');
    assert.deepEqual(outputOf(schema, ['a']), ['a']);
  });

  test('when the input has the type of exactly one option, that option’s issues', () => {
    const src = v.union([v.literal(''), v.pipe(v.string(), v.maxLength(3, 'too long'))], 'empty or short');
    assert.deepEqual(problems(src, 'abcd'), ['(root): too long']);
    const ballot = v.union([
      v.object({ round: v.pipe(v.number(), v.minValue(1)) }),
      v.object({ round: v.literal(0) }),
    ]);
    assert.deepEqual(problems(ballot, { round: -3 }), ['round: must be at least 1, got -3']);
  });

  test('otherwise one issue: the custom message, or the expected options', () => {
    const src = v.union([v.literal(''), v.pipe(v.string(), v.maxLength(3))], 'empty or short');
    assert.deepEqual(problems(src, 5), ['(root): empty or short']);
    assert.deepEqual(problems(v.union([v.string(), v.number()]), null), ['(root): expected string | number, got null']);
    const both = v.union([v.pipe(v.number(), v.minValue(5)), v.pipe(v.number(), v.maxValue(1))]);
    assert.deepEqual(problems(both, 3), ['(root): expected number | number, got 3'], 'two typed options: no guessing');
  });
});

describe('safeParse on hostile input', () => {
  test('never throws: a throwing getter or proxy is an issue', () => {
    const getter = Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    assert.deepEqual(problems(v.object({ x: v.number() }), getter), ['(root): reading it threw']);
    const late = Object.defineProperty({ a: 'not a number' }, 'b', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    assert.deepEqual(problems(v.object({ a: v.number(), b: v.number() }), late), ['(root): reading it threw'], 'only that issue');
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    assert.deepEqual(problems(v.strictObject({}), proxy), ['(root): reading it threw']);
  });

  test('calls nothing on input values', () => {
    let called = 0;
    const sneaky = {
      toString: () => String(++called),
      valueOf: () => ++called,
      toJSON: () => ++called,
      [Symbol.toPrimitive]: () => ++called,
    };
    for (const schema of [v.number(), v.string(), v.literal('a'), v.picklist(['a']), v.array(v.string()), v.union([v.string(), v.number()])]) {
      assert.ok(!ok(schema, sneaky));
    }
    assert.ok(!ok(v.variant('k', [v.object({ k: v.literal('a') })]), { k: sneaky }));
    assert.ok(!ok(v.strictObject({ k: v.string() }), { ...sneaky, k: 'a' }));
    assert.equal(called, 0);
  });

  test('a parse leaves the input untouched', () => {
    const input = { x: 1, y: 2, z: [3] };
    const copy = structuredClone(input);
    v.safeParse(v.object({ x: v.number(), z: v.array(v.number()) }), input);
    assert.deepEqual(input, copy);
  });

  test('an issue list is never empty on failure, and issues are fresh per parse', () => {
    const schema = v.object({ a: v.number() });
    const first = issuesOf(schema, {});
    const second = issuesOf(schema, {});
    assert.equal(first.length, 1);
    assert.notEqual(first, second);
    assert.ok(v.safeParse(schema, { a: 1 }).success, 'no state left from the failures');
  });
});

// ---- inferred types: checked by `npm run typecheck` (tsc), a wrong inference fails it --------------------

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(): T | undefined => undefined;

const Inferred = v.object({
  s: v.string(),
  n: v.pipe(v.number(), v.minValue(0)),
  lit: v.literal('x'),
  pick: v.picklist(['a', 'b']),
  opt: v.optional(v.number()),
  nul: v.nullable(v.string()),
  nsh: v.nullish(v.boolean()),
  list: v.array(v.object({ id: v.string() })),
  any: v.unknown(),
  strict: v.strictObject({ k: v.literal(1) }),
  either: v.union([v.literal('*'), v.array(v.string())]),
  tagged: v.variant('t', [v.object({ t: v.literal('a'), a: v.number() }), v.object({ t: v.literal('b') })]),
  own: v.custom<Date>((x) => x instanceof Date),
});
expectType<
  Equal<
    v.InferOutput<typeof Inferred>,
    {
      s: string;
      n: number;
      lit: 'x';
      pick: 'a' | 'b';
      opt?: number | undefined;
      nul: string | null;
      nsh?: boolean | null | undefined;
      list: { id: string }[];
      any: unknown;
      strict: { k: 1 };
      either: '*' | string[];
      tagged: { t: 'a'; a: number } | { t: 'b' };
      own: Date;
    }
  >
>();
