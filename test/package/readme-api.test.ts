/**
 * The README's API tables are written by hand; custom-elements.json is generated from the sources by the
 * build. This holds the one to the other, name for name: every attribute (with its property), property,
 * method, event, CSS part and custom property (with its default) of `<paxos-video>` is in both, or the test
 * says which is missing where.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;

interface Manifest {
  modules: { declarations?: Declaration[] }[];
}
interface Declaration {
  tagName?: string;
  attributes?: { name: string; fieldName?: string }[];
  members?: { kind: string; name: string; static?: boolean; readonly?: boolean }[];
  events?: { name: string }[];
  cssParts?: { name: string }[];
  cssProperties?: { name: string; default?: string }[];
}

/** The element's declaration in custom-elements.json (the build writes it). */
function element(): Declaration {
  const file = join(root, 'custom-elements.json');
  assert.ok(existsSync(file), 'custom-elements.json is missing: run `npm run build` first (npm test does)');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  const d = manifest.modules.flatMap((m) => m.declarations ?? []).find((x) => x.tagName === 'paxos-video');
  assert.ok(d, 'custom-elements.json declares <paxos-video>');
  return d;
}

/** The rows of each table under `### heading` in the README's `## API` section, as arrays of cells. */
function tables(): Map<string, string[][][]> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const api = readme.slice(readme.indexOf('\n## API\n'), readme.indexOf('\n## ', readme.indexOf('\n## API\n') + 1));
  const out = new Map<string, string[][][]>();
  for (const section of api.split('\n### ').slice(1)) {
    const heading = section.slice(0, section.indexOf('\n'));
    const found: string[][][] = [];
    let rows: string[][] | undefined;
    for (const line of section.split('\n')) {
      if (!line.startsWith('|')) {
        rows = undefined;
        continue;
      }
      // Cells split on | outside backticks (a cell may hold `'a' \| 'b'`).
      const cells = line.replace(/\\\|/g, '\u0000').split('|').slice(1, -1).map((c) => c.replace(/\u0000/g, '|').trim());
      if (!rows) found.push((rows = []));
      else if (!/^-+$/.test(cells[0]!.replace(/\s/g, ''))) rows.push(cells);
    }
    out.set(heading, found);
  }
  return out;
}

/** The first `code` of a cell. */
const code = (cell: string): string => /`([^`]+)`/.exec(cell)?.[1] ?? cell;
/** The same, without call parentheses: `` `seek(seconds)` `` is `seek`. */
const codeOf = (cell: string): string => code(cell).replace(/\(.*$/, '');
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

test("the README's API tables name exactly what custom-elements.json declares", () => {
  const d = element();
  const t = tables();
  const [attributes] = t.get('Attributes') ?? [];
  const [properties] = t.get('Read-only properties') ?? [];
  const [methods] = t.get('Methods') ?? [];
  const [events] = t.get('Events') ?? [];
  const [parts, cssProperties] = t.get('Styling') ?? [];
  assert.ok(attributes && properties && methods && events && parts && cssProperties, 'every API table is in the README');

  assert.deepEqual(
    sorted(attributes.map((r) => `${codeOf(r[0]!)} -> ${codeOf(r[1]!)}`)),
    sorted((d.attributes ?? []).map((a) => `${a.name} -> ${a.fieldName ?? a.name}`)),
    'attributes and their properties',
  );
  const attributeFields = new Set((d.attributes ?? []).map((a) => a.fieldName ?? a.name));
  const fields = (d.members ?? []).filter((m) => m.kind === 'field' && !attributeFields.has(m.name));
  assert.deepEqual(sorted(properties.map((r) => codeOf(r[0]!))), sorted(fields.map((m) => m.name)), 'the other properties');
  const calls = (d.members ?? []).filter((m) => m.kind === 'method').map((m) => (m.static ? `PaxosVideo.${m.name}` : m.name));
  assert.deepEqual(sorted(methods.map((r) => codeOf(r[0]!))), sorted(calls), 'methods');
  assert.deepEqual(sorted(events.map((r) => codeOf(r[0]!))), sorted((d.events ?? []).map((e) => e.name)), 'events');
  assert.deepEqual(sorted(parts.map((r) => codeOf(r[0]!))), sorted((d.cssParts ?? []).map((p) => p.name)), 'CSS parts');
  assert.deepEqual(
    sorted(cssProperties.map((r) => `${codeOf(r[0]!)} = ${code(r[1]!)}`)),
    sorted((d.cssProperties ?? []).map((p) => `${p.name} = ${p.default}`)),
    'custom properties and their defaults',
  );
});
