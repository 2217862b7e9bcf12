/**
 * The transcripts under test/consensus/transcripts/: one per rule of the protocol, and the schedules of
 * issues found by an independent checker, replayed message by message (see transcript.ts for the format).
 * `REWRITE_GOLDEN=1 npm run test:node -- transcripts` rewrites the expected outputs from what the code does.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runTranscript } from './transcript.js';

const dir = new URL('./transcripts/', import.meta.url);
const rewrite = process.env['REWRITE_GOLDEN'] === '1';

describe('transcripts', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  it('has transcripts to run', () => assert.ok(files.length >= 10, `only ${files.length} transcripts`));
  for (const file of files) {
    it(file.replace(/\.txt$/, ''), () => {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const { blocks, rewritten } = runTranscript(text);
      if (rewrite) {
        writeFileSync(new URL(file, dir), rewritten);
        return;
      }
      for (const b of blocks) assert.equal(b.actual, b.expected, `${file}: after \`${b.command}\``);
    });
  }
});
