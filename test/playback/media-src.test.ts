import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SRC_LENGTH, isMediaSrc, mediaSrcProblem } from '../../src/playback/media-src.js';

describe('media sources', () => {
  it('accepts http(s), blob: and relative URLs', () => {
    for (const src of [
      'https://cdn.example/film.webm',
      'HTTP://localhost:8080/a.webm?x=1#t',
      'blob:https://site.example/1c8d4b5e-1f7a-4c1e-9a43-7a2b8f0e6a11',
      'film.webm',
      './videos/film.webm',
      '../film.webm',
      '/media/film%20one.webm',
      '//cdn.example/film.webm',
      'videos/a:b.webm',
    ]) {
      assert.equal(mediaSrcProblem(src), null, src);
      assert.equal(isMediaSrc(src), true, src);
    }
  });

  it('refuses other schemes, control characters, blanks and overlong strings, saying why', () => {
    const cases: Array<[string, RegExp]> = [
      ['javascript:alert(1)', /scheme "javascript:"/],
      ['JavaScript:alert(1)', /scheme "javascript:"/],
      ['data:video/webm;base64,AAAA', /scheme "data:"/],
      ['file:///etc/passwd', /scheme "file:"/],
      ['http:film.webm', /without a host/],
      ['https://', /without a host/],
      ['blob:', /without an origin/],
      ['', /empty/],
      [' film.webm', /whitespace/],
      ['film.webm\n', /control characters/],
      ['a\u0000b', /control characters/],
      ['\\\\evil.example/x', /backslash/],
      ['x'.repeat(MAX_SRC_LENGTH + 1), /longer than 2048/],
    ];
    for (const [src, why] of cases) {
      const problem = mediaSrcProblem(src);
      assert.ok(problem !== null && why.test(problem), `${JSON.stringify(src.slice(0, 40))}: ${problem}`);
      assert.equal(isMediaSrc(src), false);
    }
    assert.equal(isMediaSrc('x'.repeat(MAX_SRC_LENGTH)), true, 'the limit itself is allowed');
  });
});
