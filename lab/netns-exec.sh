#!/usr/bin/env bash
# Runs a program inside one lab host's network namespace: PAXOS_LAB_NETNS is the host's namespace
# (/proc/PID/ns/net), PAXOS_LAB_EXEC the program; the arguments pass through. lab/lab.ts gives it to
# Playwright as Chromium's executable, so a browser starts inside a host.
#
# Chromium in a lab host must not hide its host candidates behind mDNS names (multicast name lookups do not
# cross namespaces): WebRtcHideLocalIpsWithMdns is added to the --disable-features list. Chromium reads only
# the last --disable-features, so the feature joins Playwright's list instead of making a second flag.
set -euo pipefail
: "${PAXOS_LAB_NETNS:?the host namespace, /proc/PID/ns/net}" "${PAXOS_LAB_EXEC:?the program to run}"
feature=WebRtcHideLocalIpsWithMdns
args=()
merged=0
for arg in "$@"; do
  if [[ $arg == --disable-features=* ]]; then
    arg="$arg,$feature"
    merged=1
  fi
  args+=("$arg")
done
if [[ $merged == 0 ]]; then args+=("--disable-features=$feature"); fi
# The browser dies with its launcher (Playwright), even when that is killed outright.
exec nsenter --net="$PAXOS_LAB_NETNS" -- setpriv --pdeathsig KILL -- "$PAXOS_LAB_EXEC" "${args[@]}"
