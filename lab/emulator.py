#!/usr/bin/env python3
"""The lab's link emulator: real IP packets between network namespaces, each host behind its own link.

The kernel here has no sch_netem, so links are emulated in user space. Every host of the lab (the signaling
server, each browser) is a network namespace with loopback and one TUN device, `lab0`. This process owns every
TUN file descriptor: it reads each IP packet a host sends, passes it through the sender's "up" stage and the
receiver's "down" stage (a star: one-way delay A -> B = A.up + B.down), and writes it to the receiver's TUN
when its time has come. A host may be given the hosts it can reach (`reach`, by name): packets between it and
any other host are dropped both ways, as by a strict NAT or firewall that lets it talk only to, say, the
server (counted as `blocked` on its own stage). A stage has a base delay, jitter with a positive tail on top (exponential or Pareto;
uniform or normal as options), loss (independent, or bursty after Gilbert-Elliott), a rate cap with a bounded
queue (tail drop), and a cut. Packets of one flow (protocol, addresses and ports) keep their order unless the
stage allows reordering: jitter comes from queues, and a queue does not reorder.

Hosts are namespaces held by children of this process (one per host, made with fork + unshare(CLONE_NEWNET)),
which also create the TUN inside their namespace and hand its descriptor over a socket pair, so TUN names never
collide between labs, and configure the addresses. A holder dies with this process (PR_SET_PDEATHSIG) and
this process stops when its standard input closes, so a lab whose owner dies leaves no namespace, TUN device
or process behind (a namespace lives only as long as some process is in it; a non-persistent TUN as long as
its descriptor is open).

Control: JSON lines on standard input (replies and events on standard output) and, if configured, on a Unix
socket, so a running lab can be changed from another shell. Requests: set (a link, or `reach`), cut, restore, readdress, stats,
hosts, stop (see handle_request). Every delivered packet's lateness (actual write time minus its scheduled
time) is measured: the lab's own timing error, reported with every stats reply, so a figure is never blamed
on the product when the lab caused it.

Needs Linux, Python 3.9+ (standard library only), /dev/net/tun and the right to make network namespaces: real
root, or root inside a user namespace (`unshare -rn`) when /dev/net/tun is open to the user. Run it through
lab/lab.ts; `python3 lab/emulator.py --check` says whether this machine can.
"""
import ctypes
import errno
import fcntl
import gc
import heapq
import json
import math
import os
import random
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
TUN_NAME = 'lab0'

libc = ctypes.CDLL(None, use_errno=True)


class LabError(Exception):
    """A setup step failed: the message says which and why."""


def ip_binary():
    for path in (shutil.which('ip'), '/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'):
        if path and os.path.exists(path):
            return path
    raise LabError('no `ip` command (Debian: apt-get install iproute2)')


def run_ip(*args):
    done = subprocess.run([ip_binary(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise LabError(f'ip {" ".join(args)}: {done.stderr.strip()}')


def write_sysctl(path, value):
    try:
        with open(path, 'w') as f:
            f.write(value)
    except FileNotFoundError:
        pass  # a kernel without IPv6 has nothing to turn off


# ---- hosts: the namespaces --------------------------------------------------------------------------------


def holder_main(sock, address, prefix):
    """In a fresh child: make the host's namespace and TUN, send the descriptor, then serve address changes
    until the emulator goes away."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        if libc.unshare(CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise LabError(f'unshare(CLONE_NEWNET): {os.strerror(e)} (needs root, or `unshare -rn`)')
        # IPv6 off: no link-local addresses for WebRTC to gather, no neighbour discovery to forward.
        for conf in ('all', 'default', 'lo'):
            write_sysctl(f'/proc/sys/net/ipv6/conf/{conf}/disable_ipv6', '1')
        try:
            fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as e:
            raise LabError(f'/dev/net/tun: {e.strerror}')
        try:
            fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', TUN_NAME.encode(), IFF_TUN | IFF_NO_PI))
        except OSError as e:
            raise LabError(f'TUNSETIFF: {e.strerror}')
        run_ip('link', 'set', 'lo', 'up')
        run_ip('addr', 'add', f'{address}/{prefix}', 'dev', TUN_NAME)
        run_ip('link', 'set', TUN_NAME, 'up')
        # Chromium gathers no WebRTC candidate without a default route. Packets to anywhere outside the lab
        # reach the emulator, which has no host for them and drops them (counted as unroutable).
        run_ip('route', 'add', 'default', 'dev', TUN_NAME)
        netns = os.readlink('/proc/self/ns/net')
        socket.send_fds(sock, [(json.dumps({'ok': True, 'netns': netns, 'cookie': netns_cookie()}) + '\n').encode()], [fd])
        os.close(fd)
    except Exception as e:  # reported to the emulator, which fails the lab with it
        sock.sendall((json.dumps({'ok': False, 'error': str(e)}) + '\n').encode())
        os._exit(1)
    buffer = b''
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            os._exit(0)
        buffer += chunk
        while b'\n' in buffer:
            line, buffer = buffer.split(b'\n', 1)
            request = json.loads(line)
            try:
                if request.get('del'):
                    run_ip('addr', 'del', f'{request["del"]}/{prefix}', 'dev', TUN_NAME)
                if request.get('add'):
                    run_ip('addr', 'add', f'{request["add"]}/{prefix}', 'dev', TUN_NAME)
                    # Deleting the device's last address took its default route with it (the kernel flushes a
                    # device's routes then); a network change brings a new one, as DHCP does. Without it the
                    # host's Chromium kept offering the old address in its ICE candidates for good: every new
                    # connection of that tab, in this room and the next, failed to go direct.
                    run_ip('route', 'replace', 'default', 'dev', TUN_NAME)
                reply = {'ok': True}
            except LabError as e:
                reply = {'ok': False, 'error': str(e)}
            sock.sendall((json.dumps(reply) + '\n').encode())


def start_holder(address, prefix, keep_fds):
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        parent.close()
        # Hold no other host's TUN: a lab must disappear with its emulator.
        for fd in keep_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            holder_main(child, address, prefix)
        finally:
            os._exit(1)
    child.close()
    return pid, parent


def receive_holder(sock):
    data, fds, _flags, _addr = socket.recv_fds(sock, 4096, 1)
    text = data.decode().strip()
    if not text:
        raise LabError('a host process died while setting up its namespace')
    reply = json.loads(text.splitlines()[0])
    if not reply.get('ok'):
        raise LabError(reply.get('error', 'host setup failed'))
    if not fds:
        raise LabError('a host sent no TUN descriptor')
    return fds[0], reply['netns'], reply.get('cookie')


# SO_NETNS_COOKIE (Linux 5.14): a namespace's id for as long as the system runs. Its inode number (the
# `net:[...]` name) is reused by the next namespace made after it is gone, so the clean-up of a dead lab checks
# the cookie before it ends the processes it finds in a namespace of that name.
SO_NETNS_COOKIE = 71


def netns_cookie():
    """This process's network namespace cookie, or None where the kernel has none."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            return int.from_bytes(s.getsockopt(socket.SOL_SOCKET, SO_NETNS_COOKIE, 8), sys.byteorder)
    except OSError:
        return None


# ---- links: the stages ------------------------------------------------------------------------------------


class Jitter:
    """Extra delay on top of the base, s. `ms` is the mean for exponential and pareto (positive tails, as
    queues make), the half-width for uniform (base +- ms) and the standard deviation for normal."""

    def __init__(self, spec):
        spec = spec or {}
        self.dist = spec.get('dist', 'exponential')
        self.ms = float(spec.get('ms', 0))
        self.shape = float(spec.get('shape', 2.5))
        if self.dist not in ('exponential', 'pareto', 'uniform', 'normal'):
            raise LabError(f'jitter.dist must be exponential, pareto, uniform or normal, got {self.dist!r}')
        if self.ms < 0 or not math.isfinite(self.ms):
            raise LabError('jitter.ms must be a finite number >= 0')
        if self.dist == 'pareto' and self.shape <= 1:
            raise LabError('jitter.shape must be > 1 (a Pareto tail with a mean)')

    def sample(self, rng):
        m = self.ms / 1000
        if m == 0:
            return 0.0
        if self.dist == 'exponential':
            return rng.expovariate(1 / m)
        if self.dist == 'pareto':  # Lomax (Pareto II): starts at 0, mean m, heavy tail
            return m * (self.shape - 1) * ((1 - rng.random()) ** (-1 / self.shape) - 1)
        if self.dist == 'uniform':
            return rng.uniform(-m, m)
        return rng.gauss(0, m)


class Loss:
    """Independent loss (`percent`), or Gilbert-Elliott bursts: a good and a bad state, p = P(good -> bad)
    and r = P(bad -> good) per packet, losing `good` and `bad` (shares) in each."""

    def __init__(self, spec):
        spec = spec or {}
        self.model = spec.get('model', 'bernoulli')
        if self.model == 'bernoulli':
            self.p, self.r, self.good, self.bad = 0.0, 1.0, float(spec.get('percent', 0)) / 100, 0.0
        elif self.model == 'gilbert-elliott':
            self.p, self.r = float(spec['p']), float(spec['r'])
            self.good, self.bad = float(spec.get('good', 0)), float(spec.get('bad', 1))
        else:
            raise LabError(f'loss.model must be bernoulli or gilbert-elliott, got {self.model!r}')
        for v in (self.p, self.r, self.good, self.bad):
            if not (0 <= v <= 1):
                raise LabError('loss shares and probabilities must be within [0, 1] (percent within [0, 100])')
        self.in_bad = False

    def drop(self, rng):
        if self.p == 0 and self.good == 0:
            return False
        if self.in_bad:
            if rng.random() < self.r:
                self.in_bad = False
        elif rng.random() < self.p:
            self.in_bad = True
        return rng.random() < (self.bad if self.in_bad else self.good)

    def mean_percent(self):
        bad_share = self.p / (self.p + self.r) if self.p + self.r > 0 else 0
        return 100 * (bad_share * self.bad + (1 - bad_share) * self.good)


def counters():
    return {'packets': 0, 'bytes': 0, 'udpBytes': 0, 'tcpBytes': 0, 'lost': 0, 'cut': 0, 'queueFull': 0, 'blocked': 0}


class Stage:
    """One direction of one host's link: the packets it lets through, when, and what it counted."""

    def __init__(self, spec):
        self.last = {}  # flow -> latest release time, s (order keeping)
        self.busy_until = 0.0
        self.cut = False
        self.count = counters()
        self.configure(spec or {})

    def configure(self, spec):
        delay = float(spec.get('delayMs', 0))
        rate = spec.get('rateKbps')
        queue_ms = float(spec.get('queueMs', 100))
        if delay < 0 or not math.isfinite(delay):
            raise LabError('delayMs must be a finite number >= 0')
        if rate is not None and (not isinstance(rate, (int, float)) or rate <= 0):
            raise LabError('rateKbps must be a number > 0, or null for no cap')
        if queue_ms <= 0:
            raise LabError('queueMs must be > 0')
        self.spec = dict(spec)
        self.delay = delay / 1000
        self.jitter = Jitter(spec.get('jitter'))
        self.loss = Loss(spec.get('loss'))
        self.rate = None if rate is None else float(rate) * 1000 / 8  # bytes per second
        self.queue = queue_ms / 1000
        self.reorder = bool(spec.get('reorder', False))
        self.cut = bool(spec.get('cut', False))

    def admit(self, t, size, flow, rng):
        """The time the packet leaves this stage if it entered at `t`, or None when it is dropped here."""
        if self.cut:
            self.count['cut'] += 1
            return None
        if self.loss.drop(rng):
            self.count['lost'] += 1
            return None
        if self.rate is not None:
            start = max(t, self.busy_until)
            if start - t > self.queue:
                self.count['queueFull'] += 1
                return None
            self.busy_until = start + size / self.rate
            t = self.busy_until
        out = t + max(0.0, self.delay + self.jitter.sample(rng))
        if not self.reorder:
            out = max(out, self.last.get(flow, 0.0))
            self.last[flow] = out
        return out

    def forget_flows_before(self, t):
        if len(self.last) > 4096:
            self.last = {k: v for k, v in self.last.items() if v >= t}


def flow_of(packet):
    """Protocol, addresses and (for TCP/UDP) ports: the key within which order is kept."""
    proto = packet[9]
    if proto in (6, 17):
        ihl = (packet[0] & 0x0F) * 4
        return packet[12:20] + bytes((proto,)) + packet[ihl:ihl + 4]
    return packet[12:20] + bytes((proto,))


class Host:
    def __init__(self, name, address, link):
        self.name = name
        self.addresses = [address]
        self.up = Stage(link.get('up'))
        self.down = Stage(link.get('down'))
        # The names of the hosts it may exchange packets with, or None for every host (see Emulator.reach_of).
        self.reach = None
        self.fd = -1
        self.pid = 0
        self.netns = ''
        self.cookie = None
        self.sock = None
        self.pending = None  # an address change the holder is making: (new address, request id, reply)


# ---- timing: how late the lab itself was ------------------------------------------------------------------

FINE_US = 10  # bucket width below 10 ms
FINE_BUCKETS = 1000
COARSE_BUCKETS = 1000  # 1 ms each, up to 1 s


class Lateness:
    """A histogram of how late packets left against their schedule (10 us buckets up to 10 ms, 1 ms buckets
    up to 1 s), with the exact maximum."""

    def __init__(self):
        self.fine = [0] * FINE_BUCKETS
        self.coarse = [0] * (COARSE_BUCKETS + 1)
        self.count = 0
        self.max = 0.0

    def add(self, late_s):
        us = late_s * 1e6
        if us < 0:
            us = 0
        self.count += 1
        if late_s > self.max:
            self.max = late_s
        i = int(us / FINE_US)
        if i < FINE_BUCKETS:
            self.fine[i] += 1
        else:
            self.coarse[min(COARSE_BUCKETS, int(us / 1000))] += 1

    def percentile(self, p):
        if self.count == 0:
            return None
        rank = p / 100 * self.count
        seen = 0
        for i, n in enumerate(self.fine):
            seen += n
            if seen >= rank and n:
                return (i + 0.5) * FINE_US / 1000
        for i, n in enumerate(self.coarse):
            seen += n
            if seen >= rank and n:
                return i + 0.5
        return self.max * 1000

    def summary(self):
        over_1ms = sum(self.fine[100:]) + sum(self.coarse)
        return {
            'count': self.count,
            'p50Ms': self.percentile(50),
            'p99Ms': self.percentile(99),
            'maxMs': self.max * 1000 if self.count else None,
            'over1Ms': over_1ms,
            'over10Ms': sum(self.coarse[10:]),
        }


class Window:
    """A measurement window: lateness since it began, and the counters and CPU time it began with."""

    def __init__(self, hosts):
        self.lateness = Lateness()
        self.started = (time.monotonic(), os.times())
        self.base = {h.name: {'up': dict(h.up.count), 'down': dict(h.down.count)} for h in hosts.values()}

    def since(self, host, direction):
        now = getattr(host, direction).count
        base = self.base.get(host.name, {}).get(direction, {})
        return {k: v - base.get(k, 0) for k, v in now.items()}

    def cpu(self):
        t0, c0 = self.started
        wall = time.monotonic() - t0
        c = os.times()
        used = (c.user - c0.user) + (c.system - c0.system)
        return {'seconds': round(used, 3), 'wallSeconds': round(wall, 3), 'share': round(used / wall, 4) if wall > 0 else None}


# ---- the emulator ------------------------------------------------------------------------------------------

ENTER_DOWN, DELIVER, TIMER = 0, 1, 2


class Emulator:
    def __init__(self, config):
        self.prefix = int(config.get('prefix', 16))
        self.rng = random.Random(config.get('seed'))
        self.hosts = {}
        for spec in config['hosts']:
            name = spec['name']
            if name in self.hosts:
                raise LabError(f'host {name!r} twice')
            self.hosts[name] = Host(name, spec['address'], spec.get('link', {}))
        for spec in config['hosts']:
            self.hosts[spec['name']].reach = self.reach_of(spec.get('reach'))
        self.route = {}  # 4-byte address -> Host
        self.by_fd = {}
        self.heap = []
        self.seq = 0
        self.stopping = False
        self.realtime = None
        self.total = Window(self.hosts)
        # Named measurement windows (stats requests name one; each is reset on its own).
        self.windows = {'default': Window(self.hosts)}
        self.unroutable = 0
        self.tun_full = 0
        self.statedir = config.get('statedir')
        self.control_path = config.get('control')
        self.listener = None
        self.clients = {}  # fd -> [socket, buffer]
        self.replying_to = emit
        self.stdin_buffer = b''

    # -- setup

    def setup(self, realtime_priority):
        children = []
        for host in self.hosts.values():
            host.pid, host.sock = start_holder(host.addresses[0], self.prefix, [h.sock.fileno() for h in self.hosts.values() if h.sock])
            children.append(host)
        for host in children:
            host.fd, host.netns, host.cookie = receive_holder(host.sock)
            self.by_fd[host.fd] = host
            self.route[socket.inet_aton(host.addresses[0])] = host
        self.write_state()
        if self.control_path:
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.listener.bind(self.control_path)
            self.listener.listen(8)
            self.listener.setblocking(False)
        self.realtime = set_realtime(realtime_priority)
        gc.disable()  # no collector pauses in the packet path; the loop makes no reference cycles

    def reach_of(self, names):
        """The set of host names a `reach` list allows (None: every host), checked against the lab's hosts."""
        if names is None:
            return None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise LabError('reach must be a list of host names, or null for every host')
        unknown = [n for n in names if n not in self.hosts]
        if unknown:
            raise LabError(f'reach: no host {unknown[0]!r} (hosts: {", ".join(self.hosts)})')
        return frozenset(names)

    def write_state(self):
        if not self.statedir:
            return
        state = {
            'emulator': os.getpid(),
            # The cookie as text: a 64-bit number, beyond what a JSON reader in JavaScript keeps exact.
            'hosts': {h.name: {'pid': h.pid, 'netns': h.netns, 'cookie': None if h.cookie is None else str(h.cookie)} for h in self.hosts.values()},
        }
        path = os.path.join(self.statedir, 'state.json')
        with open(path + '.tmp', 'w') as f:
            json.dump(state, f)
        os.replace(path + '.tmp', path)

    def describe_hosts(self):
        return [
            {'name': h.name, 'addresses': list(h.addresses), 'pid': h.pid, 'netns': h.netns, 'netnsPath': f'/proc/{h.pid}/ns/net'}
            for h in self.hosts.values()
        ]

    # -- packets

    def push(self, t, kind, a, b=None, c=None):
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, a, b, c))

    def read_packets(self, fd, now):
        source = self.by_fd[fd]
        for _ in range(64):  # then let due packets out
            try:
                packet = os.read(fd, 65536)
            except BlockingIOError:
                return
            if len(packet) < 20 or packet[0] >> 4 != 4:
                continue  # not IPv4 (IPv6 is off in every host)
            target = self.route.get(packet[16:20])
            if target is None:
                self.unroutable += 1
                continue
            size = len(packet)
            flow = flow_of(packet)
            up = source.up
            tally(up.count, packet, size)
            if source.reach is not None and target.name not in source.reach:
                up.count['blocked'] += 1
                continue
            t = up.admit(now, size, flow, self.rng)
            if t is not None:
                self.push(t, ENTER_DOWN, target, packet, flow)

    def run_due(self):
        heap = self.heap
        while heap and heap[0][0] <= time.monotonic():
            t, _seq, kind, a, b, c = heapq.heappop(heap)
            if kind == ENTER_DOWN:
                down = a.down
                tally(down.count, b, len(b))
                if a.reach is not None:
                    sender = self.route.get(b[12:16])
                    if sender is None or sender.name not in a.reach:
                        down.count['blocked'] += 1
                        continue
                out = down.admit(t, len(b), c, self.rng)
                if out is not None:
                    self.push(out, DELIVER, a, b)
            elif kind == DELIVER:
                try:
                    os.write(a.fd, b)
                except BlockingIOError:
                    self.tun_full += 1
                    continue
                late = time.monotonic() - t
                self.total.lateness.add(late)
                for w in self.windows.values():
                    w.lateness.add(late)
            else:
                a()

    # -- control

    def handle_request(self, request):
        op = request.get('op')
        if op == 'hosts':
            return {'hosts': self.describe_hosts()}
        if op == 'stats':
            return self.stats(str(request.get('window', 'default')), bool(request.get('reset')))
        if op == 'stop':
            self.stopping = True
            return {}
        host = self.hosts.get(request.get('host'))
        if host is None:
            raise LabError(f'no host {request.get("host")!r} (hosts: {", ".join(self.hosts)})')
        if op == 'set':
            if 'reach' in request:
                host.reach = self.reach_of(request['reach'])
            for direction in ('up', 'down'):
                if direction in request:
                    stage = getattr(host, direction)
                    spec = request[direction]
                    stage.configure({**stage.spec, **spec} if request.get('merge', True) else spec)
            return {'link': {'up': host.up.spec, 'down': host.down.spec}, 'reach': reach_list(host)}
        if op == 'cut':
            stages = self.stages(host, request.get('direction', 'both'))
            for s in stages:
                s.cut = True
                s.spec['cut'] = True
            ms = request.get('ms')
            if ms is not None:
                self.push(time.monotonic() + float(ms) / 1000, TIMER, lambda: self.restore(host, stages))
            return {'epochMs': time.time() * 1000}
        if op == 'restore':
            self.restore(host, self.stages(host, request.get('direction', 'both')))
            return {'epochMs': time.time() * 1000}
        if op == 'readdress':
            # The host's holder runs `ip`, which takes a while: the answer comes when it is done (finish_readdress),
            # and packets keep flowing meanwhile.
            new = request['address']
            socket.inet_aton(new)
            if host.pending:
                raise LabError(f'host {host.name} is already changing its address')
            if socket.inet_aton(new) in self.route:
                raise LabError(f'address {new} is taken')
            old = host.addresses[0]
            host.sock.sendall((json.dumps({'del': old, 'add': new}) + '\n').encode())
            # Packets to the old address go nowhere from now on, as on a real network change.
            self.route.pop(socket.inet_aton(old), None)
            host.pending = (new, request.get('id'), self.replying_to)
            return None
        raise LabError(f'unknown op {op!r}')

    @staticmethod
    def stages(host, direction):
        if direction not in ('both', 'up', 'down'):
            raise LabError('direction must be both, up or down')
        return [s for d, s in (('up', host.up), ('down', host.down)) if direction in ('both', d)]

    def restore(self, host, stages):
        was_cut = any(s.cut for s in stages)
        for s in stages:
            s.cut = False
            s.spec['cut'] = False
        if was_cut:
            emit({'event': 'restored', 'host': host.name, 'epochMs': time.time() * 1000})

    def stats(self, name, reset):
        """What the emulator measured since window `name` began (created now if new; `reset` starts it again)."""
        if name not in self.windows:
            if len(self.windows) >= 16:
                raise LabError('at most 16 measurement windows')
            self.windows[name] = Window(self.hosts)
        window = self.windows[name]
        reply = {
            'timing': {'window': window.lateness.summary(), 'total': self.total.lateness.summary()},
            'cpu': {'window': window.cpu(), 'total': self.total.cpu()},
            'realtime': self.realtime,
            'unroutable': self.unroutable,
            'tunFull': self.tun_full,
            'hosts': {
                h.name: {'addresses': h.addresses, 'up': window.since(h, 'up'), 'down': window.since(h, 'down'), 'link': {'up': h.up.spec, 'down': h.down.spec}, 'reach': reach_list(h)}
                for h in self.hosts.values()
            },
            'packets': sum(window.since(h, 'up')['packets'] for h in self.hosts.values()),
        }
        if reset:
            self.windows[name] = Window(self.hosts)
        return reply

    def answer(self, line, send):
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise LabError('a request is a JSON object')
        except (ValueError, LabError) as e:
            send({'ok': False, 'error': f'bad request: {e}'})
            return
        try:
            self.replying_to = send
            answer = self.handle_request(request)
            if answer is None:
                return  # answered later
            reply = {'ok': True, **answer}
        except (LabError, KeyError, ValueError, OSError, TypeError) as e:
            reply = {'ok': False, 'error': str(e) if not isinstance(e, KeyError) else f'missing {e}'}
        if 'id' in request:
            reply['id'] = request['id']
        send(reply)

    # -- the loop

    def loop(self):
        stdin = sys.stdin.fileno()
        os.set_blocking(stdin, False)
        last_prune = time.monotonic()
        while not self.stopping:
            fds = [stdin, *self.by_fd]
            if self.listener:
                fds.append(self.listener.fileno())
                fds.extend(self.clients)
            fds.extend(h.sock.fileno() for h in self.hosts.values() if h.pending)
            timeout = max(0.0, self.heap[0][0] - time.monotonic()) if self.heap else 1.0
            ready, _, _ = select.select(fds, [], [], timeout)
            self.run_due()
            now = time.monotonic()
            for fd in ready:
                if fd in self.by_fd:
                    self.read_packets(fd, now)
                elif fd == stdin:
                    self.read_stdin()
                elif self.listener and fd == self.listener.fileno():
                    self.accept()
                elif fd in self.holder_fds():
                    self.finish_readdress(self.holder_fds()[fd])
                else:
                    self.read_client(fd)
            self.run_due()
            if now - last_prune > 1:
                last_prune = now
                for h in self.hosts.values():
                    h.up.forget_flows_before(now - 1)
                    h.down.forget_flows_before(now - 1)

    def holder_fds(self):
        return {h.sock.fileno(): h for h in self.hosts.values() if h.pending}

    def finish_readdress(self, host):
        new, request_id, send = host.pending
        host.pending = None
        try:
            reply = json.loads(read_line(host.sock))
        except (LabError, ValueError) as e:
            reply = {'ok': False, 'error': str(e)}
        if reply.get('ok'):
            self.route[socket.inet_aton(new)] = host
            host.addresses = [new]
            answer = {'ok': True, 'addresses': host.addresses, 'epochMs': time.time() * 1000}
        else:
            answer = {'ok': False, 'error': reply.get('error', 'address change failed')}
        if request_id is not None:
            answer['id'] = request_id
        send(answer)

    def read_stdin(self):
        try:
            chunk = os.read(sys.stdin.fileno(), 65536)
        except BlockingIOError:
            return
        if not chunk:  # the owner went away: the lab goes with it
            self.stopping = True
            return
        self.stdin_buffer += chunk
        while b'\n' in self.stdin_buffer:
            line, self.stdin_buffer = self.stdin_buffer.split(b'\n', 1)
            if line.strip():
                self.answer(line, emit)

    def accept(self):
        try:
            conn, _ = self.listener.accept()
        except BlockingIOError:
            return
        conn.setblocking(False)
        self.clients[conn.fileno()] = [conn, b'']

    def read_client(self, fd):
        conn, buffer = self.clients[fd]
        try:
            chunk = conn.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b''
        if not chunk:
            del self.clients[fd]
            conn.close()
            return
        buffer += chunk
        while b'\n' in buffer:
            line, buffer = buffer.split(b'\n', 1)
            if line.strip():
                self.answer(line, lambda reply: send_line(conn, reply))
        self.clients[fd][1] = buffer

    def shutdown(self):
        for host in self.hosts.values():
            if host.fd >= 0:
                os.close(host.fd)
            if host.sock:
                host.sock.close()
        for host in self.hosts.values():
            if host.pid:
                try:
                    os.kill(host.pid, signal.SIGKILL)
                    os.waitpid(host.pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
        if self.listener:
            self.listener.close()
        # state.json stays: if the owner died, its clean-up still needs to know the namespaces (a process that
        # got into a host some other way keeps one alive); the owner removes the folder when it stops.
        if self.control_path:
            try:
                os.unlink(self.control_path)
            except FileNotFoundError:
                pass


def reach_list(host):
    return None if host.reach is None else sorted(host.reach)


def tally(count, packet, size):
    count['packets'] += 1
    count['bytes'] += size
    if packet[9] == 17:
        count['udpBytes'] += size
    elif packet[9] == 6:
        count['tcpBytes'] += size


def read_line(sock):
    data = b''
    while not data.endswith(b'\n'):
        chunk = sock.recv(4096)
        if not chunk:
            raise LabError('a host process went away')
        data += chunk
    return data


def send_line(conn, message):
    try:
        conn.setblocking(True)
        conn.sendall((json.dumps(message) + '\n').encode())
        conn.setblocking(False)
    except OSError:
        pass


def emit(message):
    sys.stdout.write(json.dumps(message) + '\n')
    sys.stdout.flush()


def set_realtime(priority):
    """SCHED_FIFO at `priority` (0: leave the scheduler alone): without it, CPU load shows up as latency
    spikes of 100+ ms. Returns what was set, or why not."""
    if not priority:
        return {'ok': False, 'reason': 'not asked for'}
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(int(priority)))
    except OSError as e:
        return {'ok': False, 'reason': f'SCHED_FIFO {priority}: {e.strerror} (needs CAP_SYS_NICE: real root, not a user namespace)'}
    libc.mlockall(3)  # MCL_CURRENT | MCL_FUTURE: no page faults in the packet path (best effort)
    return {'ok': True, 'policy': 'SCHED_FIFO', 'priority': int(priority)}


def check():
    """Whether this machine can run a lab: one host, made and torn down."""
    try:
        emulator = Emulator({'hosts': [{'name': 'check', 'address': '10.99.0.1'}]})
        emulator.setup(0)
        emulator.shutdown()
        emit({'ok': True})
        return 0
    except (LabError, OSError) as e:
        emit({'ok': False, 'error': str(e)})
        return 1


def read_config_line():
    """The first line of standard input, read unbuffered (the loop reads the rest from the descriptor)."""
    data = b''
    while b'\n' not in data:
        chunk = os.read(sys.stdin.fileno(), 65536)
        if not chunk:
            break
        data += chunk
    line, _, rest = data.partition(b'\n')
    return line, rest


def main(argv):
    if '--check' in argv:
        return check()
    if argv == ['--netns-cookie']:
        # For the clean-up of a dead lab, run inside a namespace (nsenter): is it still the one the lab made?
        cookie = netns_cookie()
        print('' if cookie is None else cookie)
        return 0 if cookie is not None else 1
    if '--help' in argv or len(argv) > 0 and argv[0] != '--config-on-stdin':
        print(__doc__)
        print('usage: emulator.py --check | --netns-cookie | --config-on-stdin (first stdin line: the config JSON)')
        return 0 if '--help' in argv else 2
    signal.signal(signal.SIGTERM, lambda *_: setattr(emulator_ref[0], 'stopping', True) if emulator_ref else sys.exit(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the owner stops the lab; a Ctrl-C in a terminal reaches it
    line, rest = read_config_line()
    try:
        config = json.loads(line)
        emulator = Emulator(config)
        emulator.stdin_buffer = rest
        emulator_ref.append(emulator)
        emulator.setup(int(config.get('realtime', 0)))
    except (LabError, OSError, ValueError, KeyError) as e:
        if emulator_ref:
            emulator_ref[0].shutdown()
        emit({'event': 'error', 'error': str(e) if not isinstance(e, KeyError) else f'config: missing {e}'})
        return 1
    emit({'event': 'ready', 'hosts': emulator.describe_hosts(), 'realtime': emulator.realtime, 'pid': os.getpid()})
    try:
        emulator.loop()
    finally:
        emulator.shutdown()
        emit({'event': 'stopped'})
    return 0


emulator_ref = []

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
