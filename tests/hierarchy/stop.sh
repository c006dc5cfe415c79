#!/usr/bin/env bash
# Stop the fake DNS hierarchy started by start.sh with the same WORKDIR and
# remove its addresses from lo. Safe to run when nothing is running.
#
# Usage: stop.sh [WORKDIR]     (default /tmp/boltdns-hierarchy)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

WORKDIR=${1:-$HIER_DEFAULT_WORKDIR}
case "$WORKDIR" in /*) ;; *) WORKDIR="$PWD/$WORKDIR" ;; esac
[ "$(id -u)" -eq 0 ] || hier_die "must run as root"
if [ -d "$WORKDIR" ]; then
  exec 9>"$WORKDIR/.lock"
  flock -w 60 9 || hier_die "$WORKDIR is locked by another start.sh or stop.sh"
fi

# Every server's main process is signalled at once, then waited for: NSD
# needs about a second to shut down.
pids=()
for line in "${HIER_SERVERS[@]}"; do
  read -r name addr kind zones <<<"$line"
  mark=$(hier_mark "$name" "$kind" "$WORKDIR")
  pidfile="$WORKDIR/$name/nsd.pid"
  [ "$kind" = nsd ] || pidfile="$WORKDIR/$name/pid"
  if pid=$(hier_pid_alive "$pidfile" "$mark"); then
    pids+=("$pid")
    hier_log "stopping $name ($addr), pid $pid"
  fi
done
hier_kill_pids "${pids[@]}"

# Anything still carrying one of our config paths (pid file lost in a crash,
# or an orphaned NSD child); never anything else.
pids=()
for line in "${HIER_SERVERS[@]}"; do
  read -r name addr kind zones <<<"$line"
  for pid in $(hier_find_pids "$(hier_mark "$name" "$kind" "$WORKDIR")"); do
    pids+=("$pid")
    hier_log "stopping leftover process of $name ($addr), pid $pid"
  done
done
hier_kill_pids "${pids[@]}"

for line in "${HIER_SERVERS[@]}"; do
  read -r name addr kind zones <<<"$line"
  rm -f "$WORKDIR/$name/nsd.pid" "$WORKDIR/$name/pid"
  if hier_lo_has "$addr"; then
    hier_lo_del "$addr" 2>/dev/null || true
  fi
done
hier_log "stopped (work directory $WORKDIR)"
