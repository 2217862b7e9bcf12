// A small multi-bitrate HLS ladder, made with ffmpeg for the streaming tests and the sync benchmark: 120 s of
// ffmpeg's `testsrc` at 30 fps, H.264 at constant bit rates (filler data, so a rendition's real rate is its
// nominal one and a rate cap below it really starves it), a keyframe every second, 2 s MPEG-TS segments:
//
//   master.m3u8   v0/ 640x360 600 kbit/s   v1/ 426x240 300 kbit/s   v2/ 256x144 120 kbit/s
//
// Made once and kept under node_modules/.cache (about 17 MB, 20-30 s of ffmpeg on 2 cores); a changed recipe
// makes a new one. Plain JavaScript so the web-test-runner config can import it as is.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The renditions, top first: name, size, kbit/s. */
export const RENDITIONS = [
  { size: '640x360', kbps: 600 },
  { size: '426x240', kbps: 300 },
  { size: '256x144', kbps: 120 },
];
/** Length of the ladder, seconds. */
export const LADDER_SECONDS = 120;
/** Length of one segment, seconds. */
export const SEGMENT_SECONDS = 2;

function ffmpegArgs() {
  const [top, ...rest] = RENDITIONS;
  const split = `[0:v]split=${RENDITIONS.length}[s0]${rest.map((_, i) => `[s${i + 1}]`).join('')};${rest
    .map((r, i) => `[s${i + 1}]scale=${r.size.replace('x', ':')}[v${i + 1}]`)
    .join(';')}`;
  const rates = RENDITIONS.flatMap((r, i) => [
    `-b:v:${i}`, `${r.kbps}k`, `-minrate:v:${i}`, `${r.kbps}k`, `-maxrate:v:${i}`, `${r.kbps}k`, `-bufsize:v:${i}`, `${r.kbps / 2}k`,
  ]);
  return [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=size=${top.size}:rate=30:duration=${LADDER_SECONDS}`,
    '-filter_complex', split,
    '-map', '[s0]', ...rest.flatMap((_, i) => ['-map', `[v${i + 1}]`]),
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-pix_fmt', 'yuv420p',
    '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-x264-params', 'nal-hrd=cbr',
    ...rates,
    '-f', 'hls', '-hls_time', String(SEGMENT_SECONDS), '-hls_playlist_type', 'vod', '-hls_segment_type', 'mpegts',
    '-master_pl_name', 'master.m3u8', '-var_stream_map', RENDITIONS.map((_, i) => `v:${i}`).join(' '),
    '-hls_segment_filename', 'v%v/seg%03d.ts', 'v%v/index.m3u8',
  ];
}

/**
 * The folder holding the ladder (master.m3u8 at its top), made now if it is not cached yet (resolves with it).
 * @throws {Error} saying how to get ffmpeg when it is missing, or what ffmpeg said when it failed.
 */
export async function ensureHlsLadder() {
  const args = ffmpegArgs();
  const key = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 12);
  const cache = join(ROOT, 'node_modules/.cache/paxos-video');
  const dir = join(cache, `hls-${key}`);
  if (existsSync(join(dir, 'master.m3u8'))) return dir;
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    await promisify(execFile)(process.env.FFMPEG_PATH ?? 'ffmpeg', args, { cwd: work });
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    const e = /** @type {NodeJS.ErrnoException & { stderr?: string }} */ (error);
    if (e.code === 'ENOENT') throw new Error('the HLS tests need ffmpeg with libx264: apt-get install ffmpeg (or set FFMPEG_PATH)');
    throw new Error(`ffmpeg could not make the HLS ladder: ${e.stderr?.trim() || e.message}`);
  }
  // Another process may have made it meanwhile: keep the first.
  if (existsSync(dir)) rmSync(work, { recursive: true, force: true });
  else renameSync(work, dir);
  return dir;
}
