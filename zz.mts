import { runSeed } from './test/sim/world.ts';
import { PaxosNode } from './src/consensus/index.ts';
const orig = PaxosNode.prototype.step;
(PaxosNode.prototype as any).step = function (from: string, m: any) {
  const s = this as any;
  if (s.id === 'node-003' && s.now >= 130 && (m.type === 'promise' || m.type === 'read')) console.log('t', s.now, 'node-003 <-', from, JSON.stringify(m).slice(0, 300));
  const r = orig.call(this, from, m);
  if (s.id === 'node-003' && s.now >= 130 && (m.type === 'promise' || m.type === 'read')) console.log('   applied', s.log.applied, 'frontier', s.frontier, 'acceptors', s.log.acceptors.join(','), 'mode', s.mode);
  return r;
};
runSeed({ seed: 10852 });
