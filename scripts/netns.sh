#!/bin/sh
# Runs a command inside a private network namespace that has only loopback plus a veth pair
# (10.77.0.1 <-> 10.77.0.2), so headless Chromium's WebRTC gathers a host candidate while no packet
# can leave this machine. Needs root or unprivileged user namespaces. Usage: scripts/netns.sh npm test
#
# As real root it makes a network namespace alone, no user namespace: the lab's link emulator (lab/) can then
# take real-time priority, which no user namespace can grant. Otherwise it maps the user to root in a new
# user namespace (`unshare -r`).
set -e
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then flags=-n; else flags=-rn; fi
exec unshare $flags sh -c '
  ip link set lo up
  ip link add pv0 type veth peer name pv1
  ip addr add 10.77.0.1/24 dev pv0
  ip addr add 10.77.0.2/24 dev pv1
  ip link set pv0 up
  ip link set pv1 up
  ip route add default via 10.77.0.2 dev pv0
  exec "$@"' sh "$@"
