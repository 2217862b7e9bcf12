// docs/deployment.md shows the nginx and coturn configurations the deployment tests run: each file, past
// its header comment, appears verbatim in the page, so the two cannot drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url).pathname;
const page = readFileSync(`${ROOT}docs/deployment.md`, 'utf8');

/** The fenced code blocks of `language` in the page, without the list indentation. */
function blocks(language: string): string[] {
  return [...page.matchAll(new RegExp(`^( *)\`\`\`${language}\\n([\\s\\S]*?)^\\1\`\`\`$`, 'gm'))].map(([, indent, body]) =>
    body!
      .split('\n')
      .map((line) => line.slice(indent!.length))
      .join('\n'),
  );
}

/** The file past its leading comment block. */
function body(path: string): string {
  const text = readFileSync(`${ROOT}${path}`, 'utf8');
  return text.replace(/^(#[^\n]*\n)+\n/, '');
}

for (const [path, language] of [
  ['docs/deployment/nginx.conf', 'nginx'],
  ['docs/deployment/turnserver.conf', 'ini'],
] as const) {
  test(`docs/deployment.md shows ${path} as the tests run it`, () => {
    const expected = body(path);
    assert.ok(expected.length > 200, `${path} has a body`);
    assert.ok(
      blocks(language).some((b) => b === expected),
      `no \`\`\`${language} block in docs/deployment.md equals ${path} past its header comment`,
    );
  });
}
