#!/usr/bin/env bash
# Bad input everywhere: configuration files with bad keys and values (both
# daemons exit non-zero naming FILE:LINE), control commands with bad
# arguments through boltctl and a raw socket (oversized lines, control
# bytes, peers closing in the middle of a large dump_cache), junk on the
# control plane's TCP/53 and junk UDP to the dataplane. Nothing crashes or
# hangs, errors are clear, the cache keeps its entries.
#
# Usage: badinput.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTCTL
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null 2>&1 || e2e_skip "python3 not installed"
REL_CTL=$4
e2e_init bad "$1" "$2" "$3"

# 1. configuration files: each bad line must be reported as FILE:LINE
conf_case() { # DAEMON(dp|cp) LINE_NO SECTION_AND_LINE...
  local who=$1 line=$2; shift 2
  local f="$E2E_DIR/bad-$who-$line-$RANDOM.conf" bin out rc
  printf '%s\n' "$@" > "$f"
  [ "$who" = dp ] && bin=$E2E_DP || bin=$E2E_CP
  out=$(timeout 10 "$bin" -c "$f" 2>&1 </dev/null); rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -lt 128 ] && echo "$out" | grep -qF "$f:$line"; then
    ok "$(echo "boltdns-$who: '${*: -1}' -> $(echo "$out" | grep -F "$f:$line" | head -1 | sed "s|$E2E_DIR/||")" | cut -c1-200)"
  else
    bad "boltdns-$who: '${*: -1}': rc $rc, output '$(echo "$out" | head -3)'"
  fi
}
R="$E2E_REGION-cfg"
for who in dp cp; do
  conf_case $who 2 "[dataplane]" "no-such-key = 1"
  conf_case $who 1 "[nosuchsection]"
  conf_case $who 2 "[dataplane]" "io = carrier-pigeon"
  conf_case $who 3 "[cache]" "path = $R" "size = banana"
  conf_case $who 3 "[cache]" "path = $R" "size = 99999999999999999999T"
  conf_case $who 3 "[cache]" "path = $R" "ring-slots = -5"
  conf_case $who 3 "[cache]" "path = $R" "wipe = maybe"
  conf_case $who 2 "[dataplane]" "listen = 300.1.1.1@53"
  conf_case $who 2 "[dataplane]" "listen = 127.0.0.1@99999"
  conf_case $who 2 "[dataplane]" "workers = 0x"
  conf_case $who 2 "[control]" "verbosity = 17"
  conf_case $who 2 "[resolver]" "timeout = -1"
  conf_case $who 2 "[dataplane]" "this line has no equals sign"
  conf_case $who 2 "[acl]" "allow = 10.0.0.0/99"
  conf_case $who 2 "[cache]" "size = $(head -c 5000 /dev/zero | tr '\0' 9)"
done
# a binary file and a missing file: non-zero, no crash
for who in dp cp; do
  [ $who = dp ] && bin=$E2E_DP || bin=$E2E_CP
  head -c 4096 /dev/urandom > "$E2E_DIR/random.conf"
  timeout 10 "$bin" -c "$E2E_DIR/random.conf" >/dev/null 2>&1 </dev/null; rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] && ok "boltdns-$who: random bytes as config: exit $rc" || bad "boltdns-$who random config: rc $rc"
  timeout 10 "$bin" -c "$E2E_DIR/does-not-exist.conf" >/dev/null 2>&1 </dev/null; rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] && ok "boltdns-$who: missing config: exit $rc" || bad "boltdns-$who missing config: rc $rc"
done
rm -f "$R"

# 2. the running pair, with a large cache
e2e_start_all
bulk_list 1 2000 A > "$E2E_DIR/names"
client 127.0.0.1 "$E2E_PORT" "$E2E_DIR/names" --parallel 32 > "$E2E_DIR/warm.out"
n=$(grep -c $'\tNOERROR|h' "$E2E_DIR/warm.out")
[ "$n" -eq 2000 ] && ok "2000 names cached" || bad "only $n of 2000 cached"
entries0=$(ctl dump_cache | tail -2 | sed -n 's/^;; \([0-9]*\) entries$/\1/p')

# boltctl with bad arguments: non-zero exit, a message, no hang (boltctl
# refuses some requests itself, exit 64, before sending them)
bctl_bad() {
  local out rc
  out=$(timeout 15 "$REL_CTL" -s "$E2E_DIR/control.sock" "$@" 2>&1); rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -lt 128 ] && [ -n "$out" ]; then
    ok "boltctl $(echo "$*" | cut -c1-40): exit $rc, $(echo "$out" | head -1 | cut -c1-70)"
  else
    bad "boltctl $(echo "$*" | cut -c1-40): rc $rc, '$(echo "$out" | head -2)'"
  fi
}
bctl_bad no_such_command
bctl_bad lookup
bctl_bad lookup www.dom1.boltnet NOSUCHTYPE
bctl_bad lookup "$(printf 'a%.0s' $(seq 300))"
bctl_bad flush_type www.dom1.boltnet
bctl_bad flush_zone
bctl_bad verbosity 5
bctl_bad verbosity abc
bctl_bad local_data add "not a record"
bctl_bad local_data frobnicate
bctl_bad lookup "$(head -c 6000 /dev/zero | tr '\0' a)"
bctl_bad lookup "$(printf 'x\001y')"
out=$(timeout 15 "$REL_CTL" -s "$E2E_DIR/no-such.sock" status 2>&1); rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ok "boltctl to a missing socket: exit $rc, $(echo "$out" | head -1)" ||
  bad "boltctl to a missing socket: rc $rc"

# raw control socket, TCP/53 and UDP junk
ns python3 "$REL_DIR/badinput.py" ctl "$E2E_DIR/control.sock" > "$E2E_DIR/ctl.out" 2>&1
cat "$E2E_DIR/ctl.out"
ns python3 "$REL_DIR/badinput.py" tcp 127.0.0.1 "$E2E_PORT" > "$E2E_DIR/tcp.out" 2>&1
cat "$E2E_DIR/tcp.out"
ns python3 "$REL_DIR/badinput.py" udp 127.0.0.1 "$E2E_PORT" > "$E2E_DIR/udp.out" 2>&1
cat "$E2E_DIR/udp.out"
for f in ctl tcp udp; do
  E2E_PASSES=$((E2E_PASSES + $(grep -c '^ok ' "$E2E_DIR/$f.out")))
  E2E_FAILS=$((E2E_FAILS + $(grep -c '^FAIL ' "$E2E_DIR/$f.out")))
  grep -qE '^(ok|FAIL) ' "$E2E_DIR/$f.out" && ! grep -q Traceback "$E2E_DIR/$f.out" || bad "badinput.py $f did not run through"
done

# nothing lost: the dataplane counted the junk, the cache kept its entries
d=$(dp_stat dropped_bad); fe=$(dp_stat formerr)
[ $((d + fe)) -gt 0 ] && ok "dataplane counted the junk (dropped_bad $d, formerr $fe)" || bad "no junk counted"
entries1=$(ctl dump_cache | tail -2 | sed -n 's/^;; \([0-9]*\) entries$/\1/p')
[ -n "$entries0" ] && [ "${entries1:-0}" -ge "$entries0" ] && ok "cache entries kept: $entries0 -> $entries1" ||
  bad "cache entries $entries0 -> $entries1"
client 127.0.0.1 "$E2E_PORT" "$E2E_DIR/names" --parallel 32 > "$E2E_DIR/after.out"
cmp -s "$E2E_DIR/warm.out" "$E2E_DIR/after.out" && ok "2000 cached names still answered the same" || bad "answers changed"
alive "$E2E_CP_PID" && alive "$E2E_DP_PID" && ok "both processes up" || bad "a process died"
e2e_finish
