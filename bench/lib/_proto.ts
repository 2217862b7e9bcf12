import { BenchPage } from './bench-page.js';
import { startBenchServer } from './bench-server.js';
import { inBenchNetns } from './netns.js';
const nodeNow = () => performance.timeOrigin + performance.now();
console.log('netns', inBenchNetns());
const server = await startBenchServer(32);
const pages = [await BenchPage.launch(0, 1500, '/usr/bin/chromium'), await BenchPage.launch(1, -1200, '/usr/bin/chromium')];
try {
  for (const p of pages) await p.open(`${server.origin}/sync.html?room=proto1`);
  const t0 = Date.now();
  for (;;) {
    const s = await Promise.all(pages.map((p) => p.snapshot()));
    if (s.every((x) => x.status === 'synced' && x.peers.some((q) => q.connected))) break;
    if (Date.now() - t0 > 20000) throw new Error('no sync ' + JSON.stringify(s.map((x) => [x.status, x.peers])));
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log('synced in', Date.now() - t0);
  for (const p of pages) {
    const samples = [];
    for (let i = 0; i < 10; i++) samples.push(await p.clockSample(nodeNow));
    samples.sort((a, b) => a.rtt - b.rtt);
    console.log(p.label, 'clock', samples.slice(0, 3));
  }
  const r = await pages[0]!.command('play');
  console.log('play', r);
  await new Promise((res) => setTimeout(res, 15000));
  for (const p of pages) await p.pull();
  for (const p of pages) {
    const f = p.frames.slice(-40);
    console.log(p.label, f.length, p.frames.length);
    console.log(f.slice(0, 12).map((x) => `${(x.t % 100000).toFixed(2)} m=${x.media.toFixed(4)} pf=${x.presented} pres=${(x.presentation % 100000).toFixed(2)} cb=${(x.callback % 100000).toFixed(2)}`).join('\n'));
  }
  (await import('node:fs')).writeFileSync('/tmp/benchscratch/proto.json', JSON.stringify({ anchor: r.ok ? r.state.anchor : 0, pages: pages.map((p) => ({ frames: p.frames, events: p.events })) }));
  const s = await Promise.all(pages.map((p) => p.snapshot()));
  console.log(JSON.stringify(s.map((x) => ({ st: x.stats, peers: x.peers, role: x.role }))));
  console.log(pages[0]!.events.filter((e) => e.type !== 'paxos-sync').slice(0, 30).map((e) => `${(e.t % 100000).toFixed(1)} ${e.type} ${JSON.stringify((e as any).detail ?? (e as any).currentTime).slice(0, 150)}`).join('\n'));
  console.log('cpu', await pages[0]!.processCpuSeconds(), await pages[0]!.mainThreadSeconds());
} finally {
  for (const p of pages) await p.close();
  await server.close();
}
