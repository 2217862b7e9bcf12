/**
 * `npm run bench:formation -- [pages] [rounds]`: rooms whose pages all open at the same instant, each page
 * its own Chromium process, the way a shared link opened by several people at once would. Every pair of
 * pages starts negotiating at once on both sides; the count that matters is the rooms where some pair did
 * not get a direct data channel within 12 s (it would talk through the server's relay). For such a room it
 * prints each page's view and the state changes of the connections that never connected.
 *
 * Run it inside the network namespace: `scripts/netns.sh npm run bench:formation`. Defaults: 4 pages, 8 rounds.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { BenchPage } from './lib/bench-page.js';
import { BenchRoom } from './lib/bench-room.js';
import { startBenchServer, checkAssets } from './lib/bench-server.js';
import { requireChrome } from '../scripts/find-chrome.mjs';

const DIRECT_TIMEOUT_MS = 12_000;

function intArg(i: number, fallback: number, min: number, max: number): number {
  const raw = process.argv[i];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`bench:formation: argument ${i - 1} must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const pagesWanted = intArg(2, 4, 2, 8);
const rounds = intArg(3, 8, 1, 100);
checkAssets();
const server = await startBenchServer(32);
const pages: BenchPage[] = [];
const results: { round: number; direct: boolean; ms: number; directDirections: number }[] = [];
try {
  for (let i = 0; i < pagesWanted; i++) pages.push(await BenchPage.launch(i, 0, requireChrome()));
  for (let r = 0; r < rounds; r++) {
    const room = new BenchRoom(server.origin, `formation-${r}-${Date.now().toString(36)}`, 'ours', pages);
    const t0 = performance.now();
    await Promise.all(pages.map((p) => p.open(room.url)));
    const want = pagesWanted * (pagesWanted - 1);
    let directDirections = 0;
    while (performance.now() - t0 < DIRECT_TIMEOUT_MS) {
      const s = await room.snapshots();
      directDirections = s.reduce((a, x) => a + x.peers.filter((p) => p.connected && !p.relayed).length, 0);
      if (directDirections === want) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const ms = Math.round(performance.now() - t0);
    const direct = directDirections === want;
    results.push({ round: r, direct, ms, directDirections });
    console.log(`round ${r}: ${direct ? 'every pair direct' : 'NOT ALL DIRECT'} after ${ms} ms from opening the pages (${directDirections}/${want} directions)`);
    if (!direct) console.log(await room.describe(), await room.connectionLogs(pages));
  }
} finally {
  for (const p of pages) await p.close().catch(() => undefined);
  await server.close();
}
const stuck = results.filter((x) => !x.direct).length;
console.log(`rooms with a pair left without a direct channel: ${stuck}/${rounds}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/formation.json', JSON.stringify({ pages: pagesWanted, rounds, stuck, results }, null, 2));
process.exit(stuck === 0 ? 0 : 1);
