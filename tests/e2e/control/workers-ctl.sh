#!/usr/bin/env bash
# End-to-end: run-time changes made through the control socket reach every
# resolver worker ([resolver] workers = 2, boltdns-cp -w 0 and -w 1, behind
# a socket dataplane; control/README.md "Workers", control/ctlsync.h).
# Worker 0 serves the socket; the misses of a question go to the worker of
# its hash, so each check asks 16 or more names (both workers get some):
#  - boltctl local_data add: every name answers its other types NODATA
#    (authoritative), whichever worker its miss reaches;
#  - boltctl local_data remove: the names are resolved again by both (no
#    NODATA left behind by either worker's derived answers);
#  - boltctl flush_all: both workers forget their validated NSEC ranges
#    (RFC 8198), not only worker 0;
#  - boltctl nta add: names of a bogus zone are answered by both workers;
#  - a worker 1 started after a change repeats the changes made since the
#    last reload; boltctl status shows both at the same change of the
#    control journal;
#  - an NTA that expired before worker 1 started is expired on worker 1 too
#    (its lifetime counts from worker 0's change, not from the repeat);
#  - an idle worker 1 wakes for its 1 s timers only: changes come with its
#    control bit of the miss doorbell, not a 200 ms poll (at most 4
#    wake-ups a second; 2 measured, 7 with the poll).
#
# Usage: workers-ctl.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTCTL
. "$(dirname "$0")/lib.sh"
e2e_init wct "$1" "$2" "$3"
BOLTCTL=$4
W_PID=()
trap 'rc=$?; for p in "${W_PID[@]}"; do kill -9 "$p" 2>/dev/null; done; (exit $rc); e2e_cleanup' EXIT
e2e_write_conf
sed -i "s|^\[resolver\]|[resolver]\nworkers = 2|" "$E2E_DIR/boltdns.conf"
e2e_start_hierarchy
e2e_start_dp
e2e_start_two_workers
wstat() { awk -v k="$2" '$1 == k { print $2 }' "$E2E_DIR/cp$1.stats"; }
# the workers repeat the socket's changes every 200 ms
settle() { sleep 0.6; }
# batch TYPE NAME...: one dig for every name, a "RCODE AA ANSWERS" line each
batch() {
  local t=$1 name; shift
  for name in "$@"; do echo "$name $t"; done >"$E2E_DIR/batch.in"
  ns dig @127.0.0.1 -p "$E2E_PORT" +time=6 +tries=1 +noall +comments -f "$E2E_DIR/batch.in" |
    awk '/status:/ { sub(/.*status: /, ""); sub(/,.*/, ""); rc = $0 }
         /^;; flags:/ { aa = ($0 ~ /flags:[^;]* aa/) ? "aa" : "-"
                        n = $0; sub(/.*ANSWER: /, "", n); sub(/,.*/, "", n); print rc, aa, n }'
}
# nodata NAME...: how many answer AAAA with an authoritative NODATA
nodata() { batch AAAA "$@" | awk '$1 == "NOERROR" && $2 == "aa" && $3 == 0' | wc -l; }
count_rcode() { # count_rcode RCODE TYPE NAME...
  local rc=$1; shift
  batch "$@" | awk -v rc="$rc" '$1 == rc' | wc -l
}

# ---- local_data add reaches both workers
L=(); for i in $(seq 10 25); do L+=("l$i.dom1.boltnet"); done
for i in $(seq 10 25); do ctl local_data add "l$i.dom1.boltnet 300 A 10.9.0.$i" >/dev/null; done
settle
wait_stats
m1=$(wstat 1 misses)
n=$(nodata "${L[@]}")
wait_stats
m1b=$(wstat 1 misses)
if [ "$n" = 16 ] && [ "$((m1b - m1))" -gt 0 ]; then
  ok "16 names added at run time: AAAA NODATA (AA) for all, $((m1b - m1)) of them from worker 1"
else
  bad "local_data add: $n of 16 answered NODATA, worker 1 took $((m1b - m1)) misses"
fi
a=$(short_of l12.dom1.boltnet A)
[ "$a" = "10.9.0.12 " ] && ok "the added record is answered" || bad "l12 A: '$a'"

# ---- local_data remove reaches both workers
for i in $(seq 10 25); do ctl local_data remove "l$i.dom1.boltnet" >/dev/null; done
settle
n=$(count_rcode NXDOMAIN AAAA "${L[@]}")
[ "$n" = 16 ] && ok "removed: the 16 names are resolved again (NXDOMAIN from dom1.boltnet)" ||
  bad "local_data remove: $n of 16 NXDOMAIN (a worker kept its NODATA)"

# ---- flush_all reaches both workers' NSEC ranges
X=(); for i in $(seq 10 33); do X+=("nx$i.sec.boltnet"); done
count_rcode NXDOMAIN A "${X[@]}" >/dev/null
wait_stats
r0=$(wstat 0 aggressive_records); r1=$(wstat 1 aggressive_records)
ctl flush_all >/dev/null
settle
wait_stats
f0=$(wstat 0 aggressive_records); f1=$(wstat 1 aggressive_records)
if [ "${r0:-0}" -gt 0 ] && [ "${r1:-0}" -gt 0 ] && [ "$f0" = 0 ] && [ "$f1" = 0 ]; then
  ok "flush_all: both workers' NSEC ranges go ($r0 / $r1 records -> $f0 / $f1)"
else
  bad "flush_all: NSEC records $r0 / $r1 -> $f0 / $f1"
fi

# ---- nta add reaches both workers
B=(); for i in $(seq 10 25); do B+=("nx$i.expired.boltnet"); done
sf=$(count_rcode SERVFAIL A "${B[@]:0:4}")
ctl nta add expired.boltnet 600 >/dev/null
settle
n=$(count_rcode NXDOMAIN A "${B[@]:4}")
if [ "$sf" = 4 ] && [ "$n" = 12 ]; then
  ok "nta add: a bogus zone's names answered by both workers (12 of 12; SERVFAIL before)"
else
  bad "nta add: before $sf of 4 SERVFAIL, after $n of 12 NXDOMAIN"
fi

# ---- a worker 1 started later repeats what was changed since the reload
kill -9 "${W_PID[1]}"; wait "${W_PID[1]}" 2>/dev/null
L=(); for i in $(seq 30 45); do L+=("l$i.dom1.boltnet"); done
for i in $(seq 30 45); do ctl local_data add "l$i.dom1.boltnet 300 A 10.9.0.$i" >/dev/null; done
# the NTA renewed for 2 s, which are over when worker 1 starts
ctl nta add expired.boltnet 2 >/dev/null
sleep 2.5
e2e_start_worker 1
for _ in $(seq 40); do [ "$(dp_stat cp1_owner_pid)" = "${W_PID[1]}" ] && break; sleep 0.1; done
settle
n=$(nodata "${L[@]}")
[ "$n" = 16 ] && ok "a worker 1 started after 16 additions answers them too" ||
  bad "late worker 1: $n of 16 NODATA"
E=(); for i in $(seq 50 65); do E+=("nx$i.expired.boltnet"); done
n=$(count_rcode SERVFAIL A "${E[@]}")
[ "$n" = 16 ] && ok "an NTA expired before worker 1 started: 16 of 16 SERVFAIL (bogus) again" ||
  bad "expired NTA: $n of 16 SERVFAIL (worker 1 counted its lifetime from its own start)"
wait_stats
st=$(ctl status)
j0=$(awk '$1 == "workers.0.ctl_journal:" { print $2 }' <<<"$st")
j1=$(awk '$1 == "workers.1.ctl_journal:" { print $2 }' <<<"$st")
[ -n "$j0" ] && [ "$j0" -gt 0 ] && [ "$j0" = "$j1" ] &&
  ok "boltctl status: both workers at change $j0 of the control journal" ||
  bad "boltctl status ctl_journal: worker 0 '$j0', worker 1 '$j1'"
# ---- idle: the journal is followed on the control doorbell, not on a
# timer: a worker with nothing to do wakes for its 1 s timers only (before:
# also every 200 ms for the journal and the other workers' claims, 7 a
# second here)
switches() { cat /proc/"$1"/task/*/status 2>/dev/null |
  awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }'; }
threads() { # per thread: name and context switches, for the failure message
  local t; for t in /proc/"$1"/task/*; do
    printf '%s:%s ' "$(cat "$t/comm")" "$(awk '/ctxt_switches/ { s += $2 } END { print s }' "$t/status")"
  done; }
sleep 2  # what the questions above left (retries of the bogus zone) ends
s0=$(switches "${W_PID[1]}"); t0=$(date +%s%N); th0=$(threads "${W_PID[1]}")
sleep 4
s1=$(switches "${W_PID[1]}"); el=$(( ($(date +%s%N) - t0) / 1000000 )); th1=$(threads "${W_PID[1]}")
rate=$(( (s1 - s0) * 1000 * 10 / el ))  # tenths of a wake-up a second
[ "$rate" -le 40 ] && ok "idle worker 1: $((s1 - s0)) wake-ups in $el ms ($((rate / 10)).$((rate % 10))/s)" ||
  bad "idle worker 1: $((s1 - s0)) wake-ups in $el ms ($((rate / 10)).$((rate % 10))/s; threads before: $th0, after: $th1)"
grep -q "change .* (local_data)" "$E2E_DIR/cp1.log" &&
  bad "worker 1 failed to apply a change: $(grep 'change .* (local_data)' "$E2E_DIR/cp1.log" | head -2)"

if grep -qE 'Sanitizer|runtime error:' "$E2E_DIR"/cp[01].log 2>/dev/null; then
  grep -E -A5 'Sanitizer|runtime error:' "$E2E_DIR"/cp[01].log | head -40
  bad "sanitizer reports in the workers' logs"
fi
e2e_finish
