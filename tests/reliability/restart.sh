#!/usr/bin/env bash
# Restarts under load. dnsperf keeps asking cached names all along:
# - SIGKILL boltdns-cp: the dataplane alone keeps answering the hits (no
#   query lost); a restarted boltdns-cp re-attaches (boltctl status) and
#   resolves new names;
# - SIGTERM boltdns-dp and start it again with wipe = no: it re-attaches to
#   the region it left, the first queries after the restart are hits, and
#   the control plane resolves nothing new for them. The queries lost while
#   no dataplane runs (the restart gap) are reported.
#
# Usage: restart.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTCTL
. "$(dirname "$0")/lib.sh"
command -v dnsperf >/dev/null 2>&1 || e2e_skip "dnsperf not installed"
command -v python3 >/dev/null 2>&1 || e2e_skip "python3 not installed"
REL_CTL=$4
e2e_init rrst "$1" "$2" "$3"
e2e_start_all

hits="$E2E_DIR/hits"
bulk_list 1 300 A > "$hits"
client 127.0.0.1 "$E2E_PORT" "$hits" --parallel 16 > "$E2E_DIR/warm.out"
n=$(grep -c $'\tNOERROR|h' "$E2E_DIR/warm.out")
[ "$n" -eq 300 ] && ok "300 names cached" || bad "only $n of 300 names resolved"

# perf SECONDS OUTFILE: dnsperf over the cached names at a rate one core
# of this machine keeps up with, in the background; sets PERF_PID
perf() {
  ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$hits" -l "$1" -Q 2000 -c 4 -t 2 > "$2" 2>&1 &
  PERF_PID=$!
}
perf_field() { awk -v k="$1" '$1 " " $2 == k { print $3 }' "$2"; }

# 1. control plane killed and restarted while the hits go on
m0=$(dp_stat misses) h0=$(dp_stat hits)
perf 6 "$E2E_DIR/perf1"
sleep 1.5
kill -9 "$E2E_CP_PID"; wait "$E2E_CP_PID" 2>/dev/null; E2E_CP_PID=
sleep 1.5
rm -f "$E2E_DIR/cp.stats"
e2e_start_cp
wait "$PERF_PID"
sent=$(perf_field "Queries sent:" "$E2E_DIR/perf1")
lost=$(perf_field "Queries lost:" "$E2E_DIR/perf1")
m1=$(dp_stat misses) h1=$(dp_stat hits)
e2e_log "cp restart: sent $sent lost $lost; dataplane hits +$((h1 - h0)) misses +$((m1 - m0))"
# The dataplane's own counters say whether it kept answering alone: every
# query a hit, none handed to the (dead) control plane. dnsperf's count of
# lost queries adds the kernel and the scheduler of a loaded 2-CPU machine
# (a datagram late past dnsperf's 2 s timeout counts as lost), so one in
# 5000 is tolerated there and reported.
[ "${sent:-0}" -gt 1000 ] && [ "$((m1 - m0))" -eq 0 ] && [ "$((h1 - h0))" -ge "$((sent - ${lost:-0}))" ] &&
  ok "boltdns-cp killed and restarted: $sent cached queries, every one a dataplane hit" ||
  { cat "$E2E_DIR/perf1"; bad "cp restart: sent '${sent:-}' hits +$((h1 - h0)) misses +$((m1 - m0))"; }
[ "${lost:-1}" -le "$(( ${sent:-0} / 5000 ))" ] &&
  ok "boltdns-cp killed and restarted: dnsperf lost ${lost:-?} of ${sent:-?}" ||
  { cat "$E2E_DIR/perf1"; bad "cp restart: sent '${sent:-}' lost '${lost:-}'"; }
ctl status > "$E2E_DIR/status" 2>&1
grep -q "^region.attached: yes" "$E2E_DIR/status" && grep -q "^controlplane.pid: $E2E_CP_PID\$" "$E2E_DIR/status" &&
  ok "restarted boltdns-cp re-attached (boltctl status)" || { cat "$E2E_DIR/status"; bad "boltctl status after cp restart"; }
s=$(short_of h1500.bulk.boltnet A)
[ "$s" = "$(bulk_addr 1500) " ] && ok "a new miss resolves after the restart" || bad "new miss after restart: '$s'"

# 2. dataplane stopped and started again on the same region
sed -i 's/^wipe = yes/wipe = no/' "$E2E_DIR/boltdns.conf"
wait_stats
r0=$(cp_stat resolutions)
perf 8 "$E2E_DIR/perf2"
sleep 1.5
t_kill=$(date +%s%N)
kill -TERM "$E2E_DP_PID"
for _ in $(seq 50); do alive "$E2E_DP_PID" || break; sleep 0.1; done
alive "$E2E_DP_PID" && bad "boltdns-dp ignores SIGTERM"
wait "$E2E_DP_PID" 2>/dev/null; E2E_DP_PID=
[ -e "$E2E_REGION" ] && ok "region kept after the dataplane stopped" || bad "region removed by SIGTERM"
h0=$(dp_stat hits)
m0=$(dp_stat misses)
e2e_start_dp
for _ in $(seq 50); do
  [ "$(dp_stat dp_pid)" = "$E2E_DP_PID" ] && [ "$(dp_stat dp_lcores)" -ge 1 ] 2>/dev/null && break
  sleep 0.1
done
# the first query after the restart
s=$(short_of h0001.bulk.boltnet A)
t_up=$(date +%s%N)
[ "$s" = "$(bulk_addr 1) " ] && ok "first query after the dataplane restart answered" || bad "first query after dp restart: '$s'"
echo "restart gap: $(( (t_up - t_kill) / 1000000 )) ms from SIGTERM to the first answer of the new dataplane"
wait "$PERF_PID"
wait_stats
r1=$(cp_stat resolutions)
h1=$(dp_stat hits)
m1=$(dp_stat misses)
# dnsperf waits for its in-flight queries lost in the gap to time out, then
# goes on against the new dataplane: all of those must be hits.
[ "${h1:-0}" -gt $((h0 + 1000)) ] && [ "$m1" = "$m0" ] &&
  ok "after the restart every query is a hit (hits $h0 -> $h1, misses stay $m0)" ||
  bad "after the restart: hits $h0 -> $h1, misses $m0 -> $m1"
[ "$r1" = "$r0" ] && ok "boltdns-cp resolved nothing new across the dataplane restart ($r0)" ||
  bad "resolutions $r0 -> $r1 across the dataplane restart"
sent=$(perf_field "Queries sent:" "$E2E_DIR/perf2")
lost=$(perf_field "Queries lost:" "$E2E_DIR/perf2")
e2e_log "dp restart: sent $sent lost $lost (restart gap)"
echo "restart gap: $lost of $sent dnsperf queries lost (dnsperf's in-flight window while no dataplane ran)"
[ "${sent:-0}" -gt 1000 ] && ok "dnsperf ran through the restart" || bad "dnsperf: '${sent:-}' sent"
grep -q "^dataplane.running: yes" <<<"$(ctl status)" && ok "boltctl status sees the new dataplane" ||
  { ctl status | grep -i dataplane; bad "status after dp restart"; }
s=$(short_of h1600.bulk.boltnet A)
[ "$s" = "$(bulk_addr 1600) " ] && ok "a new miss resolves after the dataplane restart" || bad "new miss after dp restart: '$s'"
alive "$E2E_CP_PID" && ok "boltdns-cp survived the dataplane restart" || bad "boltdns-cp died"
e2e_finish
