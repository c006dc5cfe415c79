#!/usr/bin/env bash
# Run Debian's unbound as a recursive resolver over the test hierarchy, for
# differential tests (the hierarchy must be started with start.sh).
#
# Usage: unbound.sh start PORT WORKDIR [--validate ANCHOR]
#                                        — listen on ADDR:PORT (ADDR from
#                                          $UNBOUND_ADDR, default 127.0.0.1),
#                                          return once it answers queries;
#                                          UNBOUND_DO_IP6=yes lets it query
#                                          IPv6 servers (default no)
#        unbound.sh stop  PORT WORKDIR   — stop it (no-op if not running)
# The configuration, pid file and log are WORKDIR/unbound.{conf,pid,log}.
#
# --validate ANCHOR (or UNBOUND_VALIDATE=ANCHOR): a validating resolver with
# the trust anchor file ANCHOR (the hierarchy's is WORKDIR/root.key of
# start.sh), Unbound's default validator limits, EDE on (`ede: yes`,
# Unbound 1.17 sends none without it) and val-log-level 2 (the reason of
# each bogus answer in the log). Further knobs, validating mode only:
#   UNBOUND_NSEC3_ITERATIONS=N  NSEC3 with more than N iterations is insecure
#                               (val-nsec3-keysize-iterations, default
#                               Unbound's "1024 150 2048 150 4096 150")
#   UNBOUND_AUTO_TRUST=yes      RFC 5011: the anchor is copied to
#                               WORKDIR/unbound-root.key (unless it exists:
#                               the state survives restarts) and used as
#                               auto-trust-anchor-file (Unbound updates it)
#   UNBOUND_ADD_HOLDDOWN=SEC    RFC 5011 add hold-down (default 30 days)
#   UNBOUND_DEL_HOLDDOWN=SEC    RFC 5011 remove hold-down (default 30 days);
#                               either sets permit-small-holddown: yes
# In either mode:
#   UNBOUND_RESPIP=yes          the respip module first (response policy zones)
#   UNBOUND_EXTRA_CONF=FILE     appended to the configuration (rpz: clauses)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() { echo "usage: $0 start|stop PORT WORKDIR [--validate ANCHOR]" >&2; exit 2; }
[ $# -eq 3 ] || [ $# -eq 5 ] || usage
cmd=$1 port=$2 workdir=$3
anchor=${UNBOUND_VALIDATE:-}
if [ $# -eq 5 ]; then
  [ "$4" = --validate ] || usage
  anchor=$5
fi
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
  modules=iterator dnssec="@DNSSEC@"
  if [ -n "$anchor" ]; then
    case "$anchor" in /*) ;; *) anchor="$PWD/$anchor" ;; esac
    [ -s "$anchor" ] || hier_die "trust anchor '$anchor' missing or empty (start.sh writes WORKDIR/root.key)"
    modules="validator iterator"
    if [ "${UNBOUND_AUTO_TRUST:-no}" = yes ]; then
      # The RFC 5011 state survives restarts, as in a real deployment.
      [ -s "$workdir/unbound-root.key" ] || cp "$anchor" "$workdir/unbound-root.key"
      dnssec="    auto-trust-anchor-file: \"$workdir/unbound-root.key\"\n"
      [ -n "${UNBOUND_ADD_HOLDDOWN:-}" ] && dnssec+="    add-holddown: $UNBOUND_ADD_HOLDDOWN\n"
      [ -n "${UNBOUND_DEL_HOLDDOWN:-}" ] && dnssec+="    del-holddown: $UNBOUND_DEL_HOLDDOWN\n"
      # Hold-downs and probe intervals of seconds, not days, for tests.
      if [ -n "${UNBOUND_ADD_HOLDDOWN:-}${UNBOUND_DEL_HOLDDOWN:-}" ]; then
        dnssec+="    permit-small-holddown: yes\n"
      fi
    else
      dnssec="    trust-anchor-file: \"$anchor\"\n"
    fi
    dnssec+="    ede: yes\n    val-log-level: 2\n"
    if [ -n "${UNBOUND_NSEC3_ITERATIONS:-}" ]; then
      n=$UNBOUND_NSEC3_ITERATIONS
      dnssec+="    val-nsec3-keysize-iterations: \"1024 $n 2048 $n 4096 $n\"\n"
    fi
  fi
  sed -e "s|@ADDR@|$addr|g" -e "s|@PORT@|$port|g" -e "s|@WORKDIR@|$workdir|g" \
      -e "s|@DO_IP6@|${UNBOUND_DO_IP6:-no}|g" -e "s|@MODULES@|$modules|g" \
      -e "s|^@DNSSEC@\$|$dnssec|" -e '/^@DNSSEC@$/d' \
      -e "s|@HINTS@|$HIER_HINTS|g" "$HIER_DIR/unbound.conf.in" > "$conf"
  [ "${UNBOUND_RESPIP:-no}" = yes ] && sed -i 's|module-config: "|module-config: "respip |' "$conf"
  [ -n "${UNBOUND_EXTRA_CONF:-}" ] && cat "$UNBOUND_EXTRA_CONF" >> "$conf"
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
