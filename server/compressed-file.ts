/**
 * A file sent compressed when the client accepts it: the widget bundle is about a third of its size in
 * gzip and less in Brotli, and on a long path every round trip of TCP's slow start that the smaller body
 * saves is time before the element can join (issue 12: join to synced). The compressed bodies are made once
 * per version of the file (its size and modification time) and kept in memory; each encoding has its own
 * ETag, so a cache revalidates the body it holds.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Request, Response } from 'express';

/** The encodings offered, best first. */
const ENCODINGS = ['br', 'gzip'] as const;
type Encoding = (typeof ENCODINGS)[number];

interface Version {
  key: string;
  bodies: Map<Encoding, { body: Buffer; etag: string }>;
}

const compress = (encoding: Encoding, data: Buffer): Buffer =>
  encoding === 'br'
    ? brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } })
    : gzipSync(data, { level: 9 });

/**
 * Returns a sender of `file` for clients that accept Brotli or gzip, which answers false (and sends
 * nothing) for one that accepts neither, so the caller sends the plain file. `headers` go on every answer.
 */
export function compressedFile(file: string, headers: Record<string, string>, maxAgeSeconds: number): (req: Request, res: Response) => boolean {
  let version: Version | undefined;
  return (req, res) => {
    // Ours first (the negotiator would take the client's order, which puts gzip before br).
    const encoding = ENCODINGS.find((e) => req.acceptsEncodings(e) === e);
    if (!encoding) return false;
    const stat = statSync(file);
    const key = `${stat.size}-${stat.mtimeMs}`;
    if (version?.key !== key) version = { key, bodies: new Map() };
    let entry = version.bodies.get(encoding);
    if (!entry) {
      const body = compress(encoding, readFileSync(file));
      entry = { body, etag: `"${encoding}-${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
      version.bodies.set(encoding, entry);
    }
    res.set({
      ...headers,
      'Content-Type': 'text/javascript; charset=utf-8',
      'Content-Encoding': encoding,
      Vary: 'Accept-Encoding',
      ETag: entry.etag,
      'Cache-Control': `public, max-age=${maxAgeSeconds}`,
      'Last-Modified': stat.mtime.toUTCString(),
    });
    // A revalidation of the body the client holds (express's freshness check reads If-None-Match).
    if (req.fresh) res.status(304).end();
    else res.send(entry.body);
    return true;
  };
}
