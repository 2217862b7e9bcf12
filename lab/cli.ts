/**
 * `npm run lab`: the lab as a tool (see docs/lab.md).
 *
 *   npm run lab -- profiles                      the named profiles and their links
 *   npm run lab -- probe [--link NAME|all] [--count N]
 *                                                reads each link back through the lab: one-way delays both
 *                                                ways against the configured ones, loss, and the lab's own
 *                                                timing error
 *   npm run lab -- up [--profile NAME] [--tabs N]
 *                                                a server host and N tab hosts on a profile's links, kept up
 *                                                until Ctrl-C: prints how to run a program in each host and
 *                                                takes commands (cut, restore, set, stats) on stdin and on a
 *                                                control socket
 *   npm run lab -- ctl SOCKET '{"op":"cut","host":"tab1","ms":5000}'
 *                                                sends one request to a running lab's control socket
 *   npm run lab -- --cleanup                     ends labs whose owner died (processes in their hosts, the
 *                                                emulator, the namespaces) and removes their state
 */
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';
import { HOW_TO_RUN_THE_LAB, Lab, cleanupLabs, labSupport, stopLabsOnSignals } from './lab.js';
import { type Link, jitterMeanMs, lossShare, path } from './links.js';
import { probe } from './probe.js';
import { LINKS, type LinkName, PROFILES, PROFILE_NAMES, type ProfileName, isProfileName, link, tabLinkName } from './profiles.js';

const USAGE = `Usage: npm run lab -- COMMAND [options]

  profiles                         the named profiles and the links they are made of
  probe [--link NAME|all] [--count N]
                                   reads a link back through the lab (default: all links, 400 probes)
  up [--profile NAME] [--tabs N]   a server host and N tab hosts (default continent, 3) until Ctrl-C;
                                   commands on stdin: cut HOST [MS], restore HOST, set HOST JSON, stats, quit
  ctl SOCKET JSON                  one request to a running lab's control socket
  --cleanup                        ends labs whose owner died and removes what they left

${HOW_TO_RUN_THE_LAB}`;

class UsageError extends Error {}

function option(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag}: needs a value`);
  return value;
}

const ms = (x: number) => `${x.toFixed(2)} ms`;

function describeStage(s: Link['up']): string {
  const parts = [`${s.delayMs ?? 0} ms`];
  if (s.jitter && s.jitter.ms > 0) parts.push(`+ ${s.jitter.dist} jitter ${s.jitter.ms} ms`);
  if (s.loss) parts.push(`${(lossShare(s) * 100).toFixed(1)} % loss${s.loss.model === 'gilbert-elliott' ? ' (bursty)' : ''}`);
  if (s.rateKbps) parts.push(`${s.rateKbps / 1000} Mbit/s, ${s.queueMs ?? 100} ms queue`);
  return parts.join(', ');
}

function profilesCommand(): void {
  console.log('links (per host, per direction):');
  for (const [name, l] of Object.entries(LINKS) as [LinkName, Link][]) {
    console.log(`  ${name.padEnd(17)} up: ${describeStage(l.up)}; down: ${describeStage(l.down)}`);
  }
  console.log('\nprofiles:');
  for (const name of PROFILE_NAMES) {
    const p = PROFILES[name];
    const tabs = [0, 1, 2].map((i) => tabLinkName(name, i));
    const rtt = path(link(tabs[0]!), link(tabs[1]!)).meanMs + path(link(tabs[1]!), link(tabs[0]!)).meanMs;
    console.log(`  ${name.padEnd(17)} ${p.description}; server on ${p.server}; tabs 0-2 on ${tabs.join(', ')} (tab 0 <-> tab 1 round trip ${rtt.toFixed(0)} ms on average)`);
  }
}

async function probeCommand(argv: string[]): Promise<void> {
  const which = option(argv, '--link') ?? 'all';
  const count = Number(option(argv, '--count') ?? 400);
  if (!Number.isInteger(count) || count < 10) throw new UsageError('--count: an integer >= 10');
  const names = which === 'all' ? (Object.keys(LINKS) as LinkName[]) : [which];
  for (const n of names) if (!Object.hasOwn(LINKS, n)) throw new UsageError(`--link: one of ${Object.keys(LINKS).join(', ')}, or all`);
  const zero: Link = { up: {}, down: {} };
  const lab = await Lab.start({ hosts: [{ name: 'ref', link: zero }, ...names.map((n) => ({ name: n, link: link(n as LinkName) }))] });
  try {
    console.log(`emulator: ${lab.realtime.ok ? `${lab.realtime.policy} ${lab.realtime.priority}` : `normal priority (${lab.realtime.reason})`}`);
    console.log('one-way delays through the lab (ms), configured -> measured; "ref" is a host with a zero link:\n');
    for (const n of names) {
      const l = link(n as LinkName);
      // Many flows, spaced: the lab keeps each flow's order, which would hold probes behind a jittered one.
      const r = await probe(lab, 'ref', n, { count, intervalMs: 5, sockets: 64 });
      for (const [label, d, p, stage] of [
        [`ref -> ${n}`, r.forward, path(zero, l), l.down],
        [`${n} -> ref`, r.back, path(l, zero), l.up],
      ] as const) {
        console.log(
          `  ${label.padEnd(24)} base ${p.baseMs} -> min ${ms(d.minMs)}; mean ${p.meanMs} -> ${ms(d.meanMs)}; jitter mean ${jitterMeanMs(stage)} -> ${ms(d.meanMs - d.minMs)}; ` +
            `p99 ${ms(d.p99Ms)}; loss ${(p.loss * 100).toFixed(1)} % -> ${(d.loss * 100).toFixed(1)} % of ${d.sent}`,
        );
      }
    }
    const stats = await lab.stats();
    const t = stats.timing.total;
    console.log(`\nthe lab's own timing error (actual minus scheduled send, ${t.count} packets): p50 ${t.p50Ms} ms, p99 ${t.p99Ms} ms, max ${t.maxMs?.toFixed(2)} ms; emulator CPU ${((stats.cpu.total.share ?? 0) * 100).toFixed(1)} % of a core`);
  } finally {
    await lab.stop();
  }
}

async function upCommand(argv: string[]): Promise<void> {
  const profile = option(argv, '--profile') ?? 'continent';
  if (!isProfileName(profile)) throw new UsageError(`--profile: one of ${PROFILE_NAMES.join(', ')}`);
  const tabs = Number(option(argv, '--tabs') ?? 3);
  if (!Number.isInteger(tabs) || tabs < 1 || tabs > 32) throw new UsageError('--tabs: an integer 1-32');
  const p = PROFILES[profile as ProfileName];
  const lab = await Lab.start({
    hosts: [{ name: 'server', link: link(p.server) }, ...Array.from({ length: tabs }, (_, i) => ({ name: `tab${i}`, link: link(tabLinkName(profile as ProfileName, i)) }))],
    controlSocket: true,
  });
  console.log(`lab ${lab.id} up, profile ${profile}: ${p.description}`);
  console.log(`emulator: ${lab.realtime.ok ? `${lab.realtime.policy} ${lab.realtime.priority}` : `normal priority (${lab.realtime.reason})`}\n`);
  for (const h of lab.hosts.values()) console.log(`  ${h.name.padEnd(8)} ${h.address.padEnd(12)} nsenter --net=${h.netnsPath} -- COMMAND`);
  console.log(`\ncontrol socket: ${lab.dir}/control.sock  (npm run lab -- ctl ${lab.dir}/control.sock '{"op":"stats"}')`);
  console.log('commands: cut HOST [MS] | restore HOST | set HOST {"up":{...},"down":{...}} | stats | quit  (Ctrl-C stops the lab)\n');
  const lines = createInterface({ input: process.stdin, prompt: 'lab> ' });
  lines.prompt();
  for await (const line of lines) {
    const [cmd, host, ...rest] = line.trim().split(/\s+/);
    try {
      if (!cmd) {
        // nothing
      } else if (cmd === 'quit' || cmd === 'exit') break;
      else if (cmd === 'cut' && host) console.log(`cut at ${await lab.cut(host, rest[0] ? { ms: Number(rest[0]) } : {})}`);
      else if (cmd === 'restore' && host) console.log(`restored at ${await lab.restore(host)}`);
      else if (cmd === 'set' && host) console.log(JSON.stringify(await lab.setLink(host, JSON.parse(rest.join(' ')) as Partial<Link>, true)));
      else if (cmd === 'stats') console.log(JSON.stringify(await lab.stats(), null, 2));
      else console.log('commands: cut HOST [MS] | restore HOST | set HOST JSON | stats | quit');
    } catch (error) {
      console.log(`error: ${(error as Error).message}`);
    }
    lines.prompt();
  }
  await lab.stop();
}

async function ctlCommand(argv: string[]): Promise<void> {
  const [socket, json] = argv;
  if (!socket || !json) throw new UsageError('ctl SOCKET JSON');
  JSON.parse(json);
  await new Promise<void>((resolve, reject) => {
    const c = createConnection(socket, () => c.write(`${json}\n`));
    c.once('error', reject);
    createInterface({ input: c }).once('line', (line) => {
      console.log(line);
      c.end();
      resolve();
    });
  });
}

async function main(): Promise<number> {
  const [command, ...argv] = process.argv.slice(2);
  try {
    if (command === undefined || command === '--help' || command === 'help') {
      console.log(USAGE);
      return 0;
    }
    if (command === '--cleanup' || command === 'cleanup') {
      const r = cleanupLabs();
      console.log(`labs removed: ${r.removed.length}${r.removed.length ? ` (${r.removed.join(', ')})` : ''}; processes ended: ${r.killed.length}; labs still in use by a live owner, left alone: ${r.inUse.length}`);
      return 0;
    }
    if (command === 'profiles') {
      profilesCommand();
      return 0;
    }
    if (command === 'ctl') {
      await ctlCommand(argv);
      return 0;
    }
    if (command !== 'probe' && command !== 'up') throw new UsageError(`unknown command ${command}`);
    const support = labSupport();
    if (!support.ok) {
      console.error(`lab: cannot run here (${support.reason}). ${HOW_TO_RUN_THE_LAB}`);
      return 1;
    }
    stopLabsOnSignals();
    if (command === 'probe') await probeCommand(argv);
    else await upCommand(argv);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`lab: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`lab: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main();
