#!/usr/bin/env bash
# Run Debian's unbound as a recursive resolver over the test hierarchy, for
# differential tests (the hierarchy must be started with start.sh).
#
# Usage: unbound.sh start PORT WORKDIR   — listen on ADDR:PORT (ADDR from
#                                          $UNBOUND_ADDR, default 127.0.0.1),
#                                          return once it answers queries;
#                                          UNBOUND_DO_IP6=yes lets it query
#                                          IPv6 servers (default no)
#        unbound.sh stop  PORT WORKDIR   — stop it (no-op if not running)
# The configuration, pid file and log are WORKDIR/unbound.{conf,pid,log}.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() { echo "usage: $0 start|stop PORT WORKDIR" >&2; exit 2; }
[ $# -eq 3 ] || usage
cmd=$1 port=$2 workdir=$3
case "$port" in ''|*[!0-9]*) usage ;; esac
case "$workdir" in /*) ;; *) workdir="$PWD/$workdir" ;; esac
addr=${UNBOUND_ADDR:-127.0.0.1}
conf="$workdir/unbound.conf"
pidfile="$workdir/unbound.pid"

stop_unbound() {
  local pid
  if pid=$(hier_pid_alive "$pidfile" "$conf"); then
    hier_kill_pids "$pid"
    hier_log "unbound stopped, pid $pid"
  fi
  # Unbound started by an earlier, crashed run with the same config path.
  for pid in $(hier_find_pids "$conf"); do
    [ "$pid" = "$$" ] && continue
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = unbound ] || continue
    hier_kill_pids "$pid"
    hier_log "unbound stopped, pid $pid"
  done
  rm -f "$pidfile"
}

case "$cmd" in
start)
  command -v unbound >/dev/null 2>&1 || hier_die "unbound not installed (see deploy/install-deps.sh)"
  mkdir -p "$workdir"
  # A restart always uses the current config: stop any earlier instance.
  stop_unbound
  sed -e "s|@ADDR@|$addr|g" -e "s|@PORT@|$port|g" -e "s|@WORKDIR@|$workdir|g" \
      -e "s|@DO_IP6@|${UNBOUND_DO_IP6:-no}|g" \
      -e "s|@HINTS@|$HIER_HINTS|g" "$HIER_DIR/unbound.conf.in" > "$conf"
  unbound-checkconf "$conf" >/dev/null || hier_die "bad unbound config $conf"
  : > "$workdir/unbound.log"
  unbound -c "$conf" || hier_die "unbound failed to start (see $workdir/unbound.log)"
  # Ready when it answers at all (a local REFUSED/SERVFAIL counts): the
  # CHAOS query is answered locally, without recursion.
  for _ in $(seq 100); do
    if dig +time=1 +tries=1 -p "$port" @"$addr" version.server CH TXT >/dev/null 2>&1; then
      hier_log "unbound listening on $addr:$port"
      exit 0
    fi
    sleep 0.1
  done
  tail -n 5 "$workdir/unbound.log" >&2 || true
  hier_die "unbound does not answer on $addr:$port"
  ;;
stop)
  stop_unbound
  ;;
*)
  usage
  ;;
esac
