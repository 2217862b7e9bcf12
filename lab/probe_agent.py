#!/usr/bin/env python3
"""The lab's ping-style probe, run inside a lab host (lab/probe.ts starts it there).

  probe_agent.py echo PORT
      answers every UDP datagram with itself plus the instants it arrived and left; prints {"ready": PORT};
      when its standard input closes, prints {"arrivals": [[seq, arrived], ...]} and exits.
  probe_agent.py send HOST PORT COUNT INTERVAL_MS SOCKETS SIZE
      sends COUNT probes of SIZE bytes, one every INTERVAL_MS, round robin over SOCKETS sockets (probes of one
      flow keep their order in the lab; over many flows, a probe held back by jitter holds no other back);
      waits 2 s for the last answers; prints {"probes": [[sent, echoed, back] | [sent, null, null], ...]}.

Times are ms on CLOCK_REALTIME, one clock for every host of the lab (they share this machine), so one-way
delays are exact. Arrivals are the kernel's receive timestamps (SO_TIMESTAMPNS), not the time this process
got to read them: a busy machine delays the reader, not the measurement.
"""
import json
import os
import select
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, 'SO_TIMESTAMPNS', 35)
SCM_TIMESTAMPNS = SO_TIMESTAMPNS


def now_ms():
    return time.time_ns() / 1e6


def udp_socket(port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind(('0.0.0.0', port))
    s.setblocking(False)
    return s


def receive(s):
    """(data, address, kernel arrival ms) of one waiting datagram, or None."""
    try:
        data, ancillary, _flags, address = s.recvmsg(65536, socket.CMSG_SPACE(16))
    except BlockingIOError:
        return None
    arrived = now_ms()
    for level, kind, value in ancillary:
        if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPNS and len(value) >= 16:
            seconds, nanoseconds = struct.unpack('qq', value[:16])
            arrived = seconds * 1e3 + nanoseconds / 1e6
    return data, address, arrived


def echo(port):
    s = udp_socket(port)
    print(json.dumps({'ready': port}), flush=True)
    arrivals = []
    stdin = sys.stdin.fileno()
    while True:
        ready, _, _ = select.select([s, stdin], [], [])
        if stdin in ready and not os.read(stdin, 4096):
            print(json.dumps({'arrivals': arrivals}), flush=True)
            return 0
        while s in ready:
            got = receive(s)
            if got is None:
                break
            data, address, arrived = got
            if len(data) >= 4:
                arrivals.append([struct.unpack_from('<I', data)[0], arrived])
            s.sendto(data + struct.pack('<dd', arrived, now_ms()), address)


def send(host, port, count, interval, sockets, size):
    size = max(16, size)
    pool = [udp_socket() for _ in range(sockets)]
    probes = [[0.0, None, None] for _ in range(count)]

    def drain(timeout):
        ready, _, _ = select.select(pool, [], [], max(0.0, timeout))
        for s in ready:
            while True:
                got = receive(s)
                if got is None:
                    break
                data, _address, back = got
                if len(data) < size + 16:
                    continue
                seq = struct.unpack_from('<I', data)[0]
                if seq < count and probes[seq][2] is None:
                    _arrived, left = struct.unpack_from('<dd', data, size)
                    probes[seq][1] = left
                    probes[seq][2] = back

    start = time.monotonic()
    for seq in range(count):
        due = start + seq * interval / 1000  # paced against the start: a late wake-up does not stretch it
        while time.monotonic() < due:
            drain(due - time.monotonic())
        message = bytearray(size)
        struct.pack_into('<I', message, 0, seq)
        sent = now_ms()
        pool[seq % sockets].sendto(message, (host, port))
        probes[seq][0] = sent
    end = time.monotonic() + 2
    while time.monotonic() < end:
        drain(end - time.monotonic())
    print(json.dumps({'probes': probes}), flush=True)
    return 0


def main(argv):
    try:
        if argv[:1] == ['echo'] and len(argv) == 2:
            return echo(int(argv[1]))
        if argv[:1] == ['send'] and len(argv) == 7:
            host, port, count, interval, sockets, size = argv[1], int(argv[2]), int(argv[3]), float(argv[4]), int(argv[5]), int(argv[6])
            if min(port, count, sockets, size) <= 0 or interval <= 0:
                raise ValueError('numbers must be positive')
            return send(host, port, count, interval, sockets, size)
    except ValueError as e:
        print(f'probe_agent: {e}', file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
