/**
 * What a video `src` may be. A source comes from any tab of the room and every other tab loads it, so it is
 * checked before it reaches a video element: an http(s) URL, a `blob:` URL, or a relative reference
 * (resolved against the page, like the `src` of a `<video>` in that page). Anything with another scheme
 * (`javascript:`, `data:`, `file:`, ...) is refused, as are control characters and overlong strings.
 */

/** Longest accepted source, in UTF-16 code units. */
export const MAX_SRC_LENGTH = 2048;

// RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ":".
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
// C0 controls, DEL and C1 controls: browsers strip or choke on them, and they hide what a URL really says.
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why a source was refused, or null when it is acceptable. The empty string is refused (no source). */
export function mediaSrcProblem(src: string): string | null {
  if (src.length === 0) return 'is empty';
  if (src.length > MAX_SRC_LENGTH) return `is longer than ${MAX_SRC_LENGTH} characters`;
  if (CONTROL.test(src)) return 'contains control characters';
  if (src !== src.trim()) return 'has leading or trailing whitespace';
  const scheme = SCHEME.exec(src)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // A relative reference. A backslash start is a protocol-relative URL to browsers (`\\evil.example`).
    return src.startsWith('\\') ? 'starts with a backslash' : null;
  }
  if (scheme === 'blob') return src.length > 'blob:'.length ? null : 'is a blob: URL without an origin';
  if (scheme !== 'http' && scheme !== 'https') return `has the scheme "${scheme}:" (only http:, https:, blob: or relative)`;
  // http(s): needs an authority, or browsers read "http:film.webm" as a relative path on the page's host.
  return /^https?:\/\/[^/?#\s]+/i.test(src) ? null : 'is an http(s) URL without a host';
}

/** True when `src` is an acceptable video source (see {@link mediaSrcProblem}). */
export function isMediaSrc(src: string): boolean {
  return mediaSrcProblem(src) === null;
}
