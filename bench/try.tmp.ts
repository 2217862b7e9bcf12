import { Lab } from '../lab/lab.js';
import { link } from '../lab/profiles.js';
import { BenchPage } from './lib/bench-page.js';
import { BenchRoom } from './lib/bench-room.js';
import { startLabServer } from './lib/lab-server.js';
const prof = (process.argv[2] ?? 'continent') as any;
const lab = await Lab.start({ hosts: [{ name: 'server', link: link('datacenter') }, ...[0, 1, 2].map((i) => ({ name: `tab${i}`, link: link(prof) }))] });
const pages: BenchPage[] = [];
try {
  const server = await startLabServer(lab, 'server');
  console.log('server', server.origin, await server.clock(), Date.now());
  for (let i = 0; i < 3; i++) pages.push(await BenchPage.launch(i, 0, '/usr/bin/chromium', { launcher: lab.chromiumLaunch(`tab${i}`, '/usr/bin/chromium') }));
  const room = new BenchRoom(server.origin, `try-${Date.now()}`, 'ours', pages);
  const t0 = performance.now();
  await room.form(60_000, true);
  console.log('formed in', performance.now() - t0, await room.describe());
  const s = await room.snapshots();
  console.log(s.map((x) => x.peers.map((p) => p.rtt)));
  console.log(await lab.stats());
  await server.close();
} finally {
  await Promise.all(pages.map((p) => p.close()));
  await lab.stop();
}
