/**
 * The project's own schema validator: the shape checks of peer messages, signaling payloads, persisted
 * consensus state, video commands, DOM event details and server options.
 *
 * The API follows valibot's names for the few pieces used here (`v.object`, `v.pipe`, `v.safeParse`, ...),
 * so a schema reads like a valibot one. It exists for the widget's bundle budget (32 KB gzip for
 * dist/paxos-video.js; valibot's generic issue pipeline, message lookup and standard-schema properties cost
 * about 1.3 KB more): a schema is a plain object `{expects_, run_}` around one closure, and messages are built inline
 * ("expected string, got number", or the message the call site passes). It has exactly what the project
 * uses (rollup drops what the widget does not); add a piece only when a schema needs it. Every factory is
 * marked `#__NO_SIDE_EFFECTS__`, so a schema the widget never reads (a server-only one in a shared module) is
 * dropped from the bundle.
 *
 * Differences from valibot a caller may notice: a pipe stops at its first failing action (callers report
 * the first issue anyway); `rawCheck` takes a function that returns the problem's message (or null);
 * issues carry `kind`, `message` and a `path` of plain keys; `object()` refuses arrays and reads own
 * properties only. test/schema/valibot-differential.test.ts runs every piece the project uses against
 * valibot (a devDependency, for that test alone) and holds the two to the same verdicts and outputs.
 *
 * What it guarantees, since it checks hostile input (peers, signaling clients, any script on the page):
 * - `safeParse` never throws: a getter or proxy that throws while the input is read is an issue.
 * - `object()` outputs a fresh plain object of its known keys only (unknown keys, `__proto__` included, are
 *   dropped); `strictObject()` refuses unknown keys. Only own properties count.
 * - Nothing is called on input values; arrays must pass `Array.isArray`; `number()` refuses NaN.
 * - Every problem of an object or array is reported (each field, each item), with the path to it; a pipe
 *   stops at its first failing action for that value.
 */

/** One step of a path: an object key or an array index. */
export type PathKey = string | number;

/** One problem found in the input. */
export interface BaseIssue {
  /** `schema` when the value has the wrong type or shape, `validation` when a pipe action refused it. */
  readonly kind: 'schema' | 'validation';
  /** What is wrong, e.g. `expected string, got number`, or the message the schema was given. */
  readonly message: string;
  /** Where: keys and indexes from the root (empty at the root). See {@link getDotPath}. */
  readonly path: readonly PathKey[];
}

/**
 * A schema: `run_` validates `input` found at `path`, pushes one issue per problem onto `issues` and returns
 * the output (meaningless when it pushed any). `expects_` words what it expects, for messages.
 * (The trailing `_` lets the widget build shorten these names, which appear in every schema of the bundle:
 * rollup.config.mjs has esbuild mangle the properties so marked.)
 */
export interface GenericSchema<T = unknown> {
  readonly expects_: string;
  readonly run_: (input: unknown, path: PathKey[], issues: BaseIssue[]) => T;
}

/** A schema whose key may be absent from an object. */
export interface OptionalSchema<T> extends GenericSchema<T> {
  readonly optional_: true;
}

/** The output type of a schema. */
export type InferOutput<S extends GenericSchema> = S extends GenericSchema<infer T> ? T : never;

/** A pipe step after the schema: returns false when it refused the value (it pushed an issue then). */
export type Action<T> = (input: T, path: PathKey[], issues: BaseIssue[]) => boolean;

type Entries = Record<string, GenericSchema>;
type Prettify<T> = { [K in keyof T]: T[K] } & {};
type OptionalKeys<E extends Entries> = { [K in keyof E]: E[K] extends { readonly optional_: true } ? K : never }[keyof E];
type ObjectOutput<E extends Entries> = Prettify<
  { -readonly [K in Exclude<keyof E, OptionalKeys<E>>]: InferOutput<E[K]> } & { -readonly [K in OptionalKeys<E>]?: InferOutput<E[K]> }
>;

/** An object schema: its entries stay reachable for {@link variant}. */
export interface ObjectSchema<E extends Entries> extends GenericSchema<ObjectOutput<E>> {
  readonly entries: E;
}

// ---- messages -------------------------------------------------------------------------------------------

/** The type of a value, as messages name it. */
const typeOf = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'array' : x !== x ? 'NaN' : typeof x);

/** A value as messages show it: short primitives as they are (long strings clipped), the rest by type. */
const show = (x: unknown): string =>
  typeof x == 'string'
    ? JSON.stringify(x.length > 40 ? x.slice(0, 40) + '…' : x)
    : typeof x == 'number' || typeof x == 'boolean'
      ? String(x)
      : typeOf(x);

function add(issues: BaseIssue[], path: PathKey[], message: string, kind: BaseIssue['kind'] = 'schema'): undefined {
  issues.push({ kind, message, path: path.slice() });
  return undefined;
}

// ---- schemas --------------------------------------------------------------------------------------------

/** A schema that passes the input through when `ok(input)`. */
const is = /*#__NO_SIDE_EFFECTS__*/ <T>(expects: string, ok: (x: unknown) => boolean, message?: string, got: (x: unknown) => string = typeOf): GenericSchema<T> => ({
  expects_: expects,
  run_: (x, path, issues) => (ok(x) || add(issues, path, message ?? `expected ${expects}, got ${got(x)}`), x as T),
});

/** A string. */
export const string = /*#__NO_SIDE_EFFECTS__*/ (message?: string): GenericSchema<string> => is('string', (x) => typeof x == 'string', message);
/** A number other than NaN (Infinity passes: see {@link finite}). */
export const number = /*#__NO_SIDE_EFFECTS__*/ (message?: string): GenericSchema<number> => is('number', (x) => typeof x == 'number' && x === x, message);
/** `true` or `false`. */
export const boolean = /*#__NO_SIDE_EFFECTS__*/ (message?: string): GenericSchema<boolean> => is('boolean', (x) => typeof x == 'boolean', message);
/** Anything, passed through as it is (the caller checks it further). */
export const unknown = /*#__NO_SIDE_EFFECTS__*/ (): GenericSchema<unknown> => is('unknown', () => true);
/** Exactly `value`. */
export const literal = /*#__NO_SIDE_EFFECTS__*/ <const T extends string | number | boolean>(value: T, message?: string): GenericSchema<T> =>
  is(show(value), (x) => x === value, message, show);
/** One of `options`. */
export const picklist = /*#__NO_SIDE_EFFECTS__*/ <const T extends readonly (string | number)[]>(options: T, message?: string): GenericSchema<T[number]> =>
  is(options.map(show).join(' | '), (x) => options.includes(x as T[number]), message, show);
/** Whatever `ok` accepts, typed as `T`. */
export const custom = /*#__NO_SIDE_EFFECTS__*/ <T>(ok: (x: unknown) => boolean, message?: string): GenericSchema<T> => is('a valid value', ok, message);

/** `schema`, or `undefined`; as an object entry, the key may be absent. */
export const optional = /*#__NO_SIDE_EFFECTS__*/ <T>(schema: GenericSchema<T>): OptionalSchema<T | undefined> => ({
  expects_: schema.expects_,
  optional_: true,
  run_: (x, path, issues) => (x === undefined ? x : schema.run_(x, path, issues)),
});
/** `schema`, or `null`. */
export const nullable = /*#__NO_SIDE_EFFECTS__*/ <T>(schema: GenericSchema<T>): GenericSchema<T | null> => ({
  expects_: schema.expects_,
  run_: (x, path, issues) => (x === null ? x : schema.run_(x, path, issues)),
});
/** `schema`, `null` or `undefined`; as an object entry, the key may be absent. */
export const nullish = /*#__NO_SIDE_EFFECTS__*/ <T>(schema: GenericSchema<T>): OptionalSchema<T | null | undefined> => ({
  expects_: schema.expects_,
  optional_: true,
  run_: (x, path, issues) => (x == null ? x : schema.run_(x, path, issues)),
});

/** Whether `x` is an object as JSON has them: not null, not an array (what `object()` takes). */
export const isObject = (x: unknown): x is Record<string, unknown> => typeof x == 'object' && x !== null && !Array.isArray(x);
const notObject = (x: unknown, path: PathKey[], issues: BaseIssue[], message?: string): never =>
  add(issues, path, message ?? `expected object, got ${typeOf(x)}`) as never;

const objectOf = /*#__NO_SIDE_EFFECTS__*/ <E extends Entries>(entries: E, strict: boolean, message?: string): ObjectSchema<E> => ({
  expects_: 'object',
  entries,
  run_: (x, path, issues) => {
    if (!isObject(x)) return notObject(x, path, issues, message);
    // A fresh object of the known keys: whatever else the input holds (a `__proto__` key too) stays behind.
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(entries)) {
      const schema = entries[key]!;
      path.push(key);
      if (Object.hasOwn(x, key)) out[key] = schema.run_(x[key], path, issues);
      else if (!(schema as Partial<OptionalSchema<unknown>>).optional_) add(issues, path, 'is missing');
      path.pop();
    }
    if (strict) {
      for (const key of Object.keys(x)) {
        if (!Object.hasOwn(entries, key)) add(issues, [...path, key], 'unknown key');
      }
    }
    return out as ObjectOutput<E>;
  },
});

/** An object with these entries; the output has only these keys (others are dropped). */
export const object = /*#__NO_SIDE_EFFECTS__*/ <E extends Entries>(entries: E, message?: string): ObjectSchema<E> => objectOf(entries, false, message);
/** An object with these entries and no other key. */
export const strictObject = /*#__NO_SIDE_EFFECTS__*/ <E extends Entries>(entries: E, message?: string): ObjectSchema<E> => objectOf(entries, true, message);

/** An array (`Array.isArray`) whose every item matches `item`; the output is a fresh array. */
export const array = /*#__NO_SIDE_EFFECTS__*/ <S extends GenericSchema>(item: S, message?: string): GenericSchema<InferOutput<S>[]> => ({
  expects_: 'array',
  run_: (x, path, issues) => {
    if (!Array.isArray(x)) return add(issues, path, message ?? `expected array, got ${typeOf(x)}`) as never;
    const out: InferOutput<S>[] = [];
    for (let i = 0; i < x.length; i++) {
      path.push(i);
      out.push(item.run_(x[i], path, issues) as InferOutput<S>);
      path.pop();
    }
    return out;
  },
});

/**
 * The first option the input matches. When none does: the issues of the one option that failed only in
 * its pipe actions (the input had its type), else one issue with `message` or the expected types.
 */
export const union = /*#__NO_SIDE_EFFECTS__*/ <const O extends readonly GenericSchema[]>(options: O, message?: string): GenericSchema<InferOutput<O[number]>> => {
  const expects = options.map((o) => o.expects_).join(' | ');
  return {
    expects_: expects,
    run_: (x, path, issues) => {
      const typed: BaseIssue[][] = [];
      for (const option of options) {
        const own: BaseIssue[] = [];
        const out = option.run_(x, path, own);
        if (!own.length) return out as InferOutput<O[number]>;
        if (!own.some((i) => i.kind == 'schema')) typed.push(own);
      }
      if (typed.length == 1) issues.push(...typed[0]!);
      else add(issues, path, message ?? `expected ${expects}, got ${show(x)}`);
      return undefined as never;
    },
  };
};

/** An option of {@link variant}: an object schema with the discriminator among its entries. */
type VariantOption<K extends string> = GenericSchema & { readonly entries: { readonly [P in K]: GenericSchema } };

/**
 * The object option whose `key` entry accepts the input's `key`: one lookup instead of trying every
 * option, and the issues are that option's. `message` replaces both "not an object" and "no such `key`".
 */
export const variant = /*#__NO_SIDE_EFFECTS__*/ <K extends string, const O extends readonly VariantOption<K>[]>(
  key: K,
  options: O,
  message?: string,
): GenericSchema<InferOutput<O[number]>> => ({
  expects_: 'object',
  run_: (x, path, issues) => {
    if (!isObject(x)) return notObject(x, path, issues, message);
    const tag = Object.hasOwn(x, key) ? x[key] : undefined;
    for (const option of options) {
      const own: BaseIssue[] = [];
      option.entries[key].run_(tag, path, own);
      if (!own.length) return option.run_(x, path, issues) as InferOutput<O[number]>;
    }
    return add(issues, [...path, key], message ?? `expected ${options.map((o) => o.entries[key].expects_).join(' | ')}, got ${show(tag)}`) as never;
  },
});

/** `schema`, then `actions` in order on its output, stopping at the first that refuses it. */
export const pipe = /*#__NO_SIDE_EFFECTS__*/ <S extends GenericSchema>(schema: S, ...actions: Action<InferOutput<S>>[]): S => ({
  ...schema,
  run_: (x: unknown, path: PathKey[], issues: BaseIssue[]) => {
    const before = issues.length;
    const out = schema.run_(x, path, issues);
    if (issues.length == before) for (const action of actions) if (!action(out as InferOutput<S>, path, issues)) break;
    return out;
  },
});

// ---- actions --------------------------------------------------------------------------------------------

const rule = /*#__NO_SIDE_EFFECTS__*/
  <T>(ok: (x: T) => boolean, problem: (x: T) => string, message?: string): Action<T> =>
  (x, path, issues) =>
    ok(x) || !!add(issues, path, message ?? problem(x), 'validation');

type Sized = string | readonly unknown[];

const sized = /*#__NO_SIDE_EFFECTS__*/ (bound: string, n: number, ok: (length: number) => boolean, message?: string): Action<Sized> =>
  rule(
    (x) => ok(x.length),
    (x) => {
      const text = typeof x == 'string';
      return `must ${text ? 'be' : 'have'} ${bound} ${n} ${text ? 'character' : 'item'}${n == 1 ? '' : 's'}, got ${x.length}`;
    },
    message,
  );

/** At least `n` characters (string) or items (array). */
export const minLength = /*#__NO_SIDE_EFFECTS__*/ (n: number, message?: string): Action<Sized> => sized('at least', n, (l) => l >= n, message);
/** At most `n` characters (string) or items (array). */
export const maxLength = /*#__NO_SIDE_EFFECTS__*/ (n: number, message?: string): Action<Sized> => sized('at most', n, (l) => l <= n, message);
/** Exactly `n` characters (string) or items (array). */
export const length = /*#__NO_SIDE_EFFECTS__*/ (n: number, message?: string): Action<Sized> => sized('exactly', n, (l) => l == n, message);

const numeric = /*#__NO_SIDE_EFFECTS__*/ (ok: (x: number) => boolean, what: string, message?: string): Action<number> =>
  rule(ok, (x) => `must be ${what}, got ${x}`, message);

/** At least `min`. */
export const minValue = /*#__NO_SIDE_EFFECTS__*/ (min: number, message?: string): Action<number> => numeric((x) => x >= min, `at least ${min}`, message);
/** At most `max`. */
export const maxValue = /*#__NO_SIDE_EFFECTS__*/ (max: number, message?: string): Action<number> => numeric((x) => x <= max, `at most ${max}`, message);
/** Not ±Infinity. */
export const finite = /*#__NO_SIDE_EFFECTS__*/ (message?: string): Action<number> => numeric(Number.isFinite, 'finite', message);
/** A whole number. */
export const integer = /*#__NO_SIDE_EFFECTS__*/ (message?: string): Action<number> => numeric(Number.isInteger, 'an integer', message);
/** A whole number within ±(2^53 - 1), where every integer is exact. */
export const safeInteger = /*#__NO_SIDE_EFFECTS__*/ (message?: string): Action<number> => numeric(Number.isSafeInteger, 'a safe integer', message);
/** Matches `pattern` (which must not have the `g` or `y` flag: `test` would keep state). */
export const regex = /*#__NO_SIDE_EFFECTS__*/ (pattern: RegExp, message?: string): Action<string> =>
  rule((x) => pattern.test(x), (x) => `must match ${pattern}, got ${show(x)}`, message);
/** `ok(value)` holds. */
export const check = /*#__NO_SIDE_EFFECTS__*/ <T>(ok: (x: T) => boolean, message?: string): Action<T> => rule(ok, () => 'is invalid', message);
/** `problem(value)` returns what is wrong with it (the issue's message), or null when nothing is. */
export const rawCheck = /*#__NO_SIDE_EFFECTS__*/
  <T>(problem: (x: T) => string | null | undefined): Action<T> =>
  (x, path, issues) => {
    const message = problem(x);
    return !message || !!add(issues, path, message, 'validation');
  };

// ---- parsing --------------------------------------------------------------------------------------------

/** Result of {@link safeParse}: the output, or at least one issue. */
export type SafeParseResult<T> = { success: true; output: T } | { success: false; issues: [BaseIssue, ...BaseIssue[]] };

/** Validates `input` against `schema`. Never throws. */
export function safeParse<S extends GenericSchema>(schema: S, input: unknown): SafeParseResult<InferOutput<S>> {
  const issues: BaseIssue[] = [];
  let output: unknown;
  try {
    output = schema.run_(input, [], issues);
  } catch {
    // A throwing getter or proxy trap in hostile input; nothing of the thrown value is touched.
    issues.length = 0;
    add(issues, [], 'reading it threw');
  }
  return issues.length
    ? { success: false, issues: issues as [BaseIssue, ...BaseIssue[]] }
    : { success: true, output: output as InferOutput<S> };
}

/** The issue's path as `a.b.0.c`, or null at the root. */
export const getDotPath = (issue: BaseIssue): string | null => (issue.path.length ? issue.path.join('.') : null);
